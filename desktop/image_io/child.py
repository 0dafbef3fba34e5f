"""The child's side: the decoding process's main loop, under the limits its parent set (address
space, CPU time, a last-resort timer). It owns the QGuiApplication that SVG text needs (fonts)
and catches Qt's and libpng's warnings with a message handler (reading.collect_message)."""

from __future__ import annotations

import contextlib
import faulthandler
import json
import math
import os
import sys
from typing import BinaryIO

# Not desktop.lazy_imports: the child loads NumPy as it starts, before it limits its address
# space, so that no decode pays for it or runs out of room importing it.
import numpy as np
from PySide6.QtCore import qInstallMessageHandler

from desktop.image_io.limits import (
    DECODE_CPU_LIMIT_S,
    DECODE_TIMEOUT_S,
    MEMORY_LIMIT_MB,
    ImageError,
)
from desktop.image_io.reading import collect_message, read_bytes, read_file


def serve() -> int:
    """The child process's main loop: one JSON line per request on stdin (plus the picture's
    bytes for pasted data), one JSON line per reply on stdout (plus the float32 pixels)."""
    limits = os.environ.get("DIGIT_LENS_DECODE_LIMITS", "")
    memory_mb, cpu_s, timeout_s = limits.split(",") if limits.count(",") == 2 else (
        MEMORY_LIMIT_MB, DECODE_CPU_LIMIT_S, DECODE_TIMEOUT_S)
    _limit_memory(int(memory_mb))
    requests: BinaryIO = os.fdopen(os.dup(0), "rb")
    replies: BinaryIO = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # stray output of C libraries goes to stderr, never into the replies
    _start_qt()
    replies.write(b"ready\n")
    replies.flush()
    while line := requests.readline():
        request = json.loads(line)
        data = requests.read(request.get("size", 0))
        _limit_cpu(int(cpu_s))
        # Last resort if the parent is gone and cannot kill a decode that never ends.
        faulthandler.dump_traceback_later(float(timeout_s) + 5, exit=True)
        try:
            gray = (read_file(os.fsdecode(bytes.fromhex(request["path"])))
                    if "path" in request else read_bytes(data, request["name"]))
            reply = {"height": gray.shape[0], "width": gray.shape[1]}
        except ImageError as error:
            gray, reply = None, {"error": str(error)}
        except MemoryError:
            gray, reply = None, {"error": f"{request['name']} is too large to decode within "
                                          f"{memory_mb} MB."}
        except Exception as error:  # a bug here, not the picture's fault: say so, keep serving
            gray, reply = None, {"error": f"{request['name']} could not be decoded (unexpected "
                                          f"{type(error).__name__}: {error})."}
        finally:
            faulthandler.cancel_dump_traceback_later()
        reply["peak_mb"] = _peak_memory_mb()
        replies.write(json.dumps(reply).encode() + b"\n")
        if gray is not None:
            replies.write(np.ascontiguousarray(gray, dtype=np.float32).tobytes())
        replies.flush()
    return 0


def _peak_memory_mb() -> float:
    try:
        import resource
    except ImportError:
        return 0.0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB; bytes on macOS
    return round(peak / (1 << 20 if sys.platform == "darwin" else 1 << 10), 1)


def _limit_memory(megabytes: int) -> None:
    try:
        import resource
    except ImportError:  # Windows: Qt's allocation limit and MAX_PIXELS still apply
        return
    limit = megabytes << 20
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    with contextlib.suppress(ValueError, OSError):  # macOS does not enforce RLIMIT_AS
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _limit_cpu(seconds: int) -> None:
    """Let the next request use `seconds` more CPU time; beyond, the kernel ends this process
    with SIGXCPU, which the parent reports as "too complex"."""
    try:
        import resource
    except ImportError:
        return
    usage = resource.getrusage(resource.RUSAGE_SELF)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = math.ceil(usage.ru_utime + usage.ru_stime) + seconds
    if hard == resource.RLIM_INFINITY or soft <= hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


_app = None  # the QGuiApplication, kept alive while the child serves


def _start_qt() -> None:
    """A QGuiApplication without a screen: SVG text needs Qt's font database."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtGui import QGuiApplication

    qInstallMessageHandler(collect_message)
    global _app
    _app = QGuiApplication.instance() or QGuiApplication([sys.argv[0] or "digit-lens"])
