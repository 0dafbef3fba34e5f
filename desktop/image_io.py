"""Decode pictures into the grayscale arrays the preprocessing expects, with Qt's image readers
(every format Qt reads: PNG, JPEG incl. CMYK, BMP, GIF, WebP, TIFF, SVG...).

Pictures come from users and may be hostile: an SVG whose `<use>` elements nest into billions of
shapes, a 1 MB PNG that decodes to gigabytes, a FIFO that never ends. Qt cannot be interrupted
once it decodes (and holds Python's lock meanwhile), so files and pasted data are decoded in a
child process, a `Decoder`, that has a wall-clock timeout and an address-space limit and is
killed when it overruns or when a newer picture makes its work useless. The child also owns the
QGuiApplication that SVG text needs (fonts), and catches Qt's and libpng's warnings with a
message handler: they decide "damaged", they never reach the terminal.

    load_image(path), decode_image(bytes)  decode in the shared child process (what callers use)
    read_file(path), read_bytes(bytes)     decode in this process (what the child runs)
    from_qimage(qimage)                    an image already in memory (the canvas, a paste)

The child is `python -m desktop --decode-pictures`, or `digit-lens --decode-pictures` in the
frozen app, where sys.executable is the app itself: desktop/__main__.py hands that hidden flag
to `serve()` before anything of the GUI starts. (A plain subprocess, not multiprocessing: no
freeze_support or start-method subtleties, and killing it mid-decode is always safe.)
"""

from __future__ import annotations

import atexit
import contextlib
import faulthandler
import gzip
import io
import json
import math
import os
import re
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import BinaryIO
from xml.etree import ElementTree

import numpy as np
from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QFile,
    QIODevice,
    QMessageLogContext,
    QSize,
    QtMsgType,
    qInstallMessageHandler,
)
from PySide6.QtGui import QImage, QImageReader

# Pictures are read at most this many pixels on their longer side: the models see 28x28, and a
# phone photo read at full size would only cost memory and time (the window shows pictures at
# most 1024 px, and preparing a 2048 px picture for the model costs the UI thread ~50 ms).
MAX_SIDE = 1024
# Formats Qt decodes at full size before scaling (all but JPEG and SVG) may hold at most this
# many pixels: 64 megapixels decode to 256 MB, and scaling them down needs as much again.
MAX_PIXELS = 64 << 20
# Qt refuses any single image allocation above this (it counts the real bytes per pixel).
ALLOCATION_LIMIT_MB = 256
# The child process's address space: it bounds the memory any picture can cost (Qt, Python and
# numpy take about 230 MB of it before the first picture).
MEMORY_LIMIT_MB = 1024
# A decode using more CPU time than this is abandoned (normal pictures take milliseconds, a 64
# megapixel PNG about a second). CPU time, not wall time, so that a busy machine does not turn
# slow pictures into "too complex" ones; the wall-clock timeout below is the backstop for what
# waits without computing. (Where RLIMIT_CPU does not exist, only the wall clock counts.)
DECODE_CPU_LIMIT_S = 10
DECODE_TIMEOUT_S = 60.0
# A cancelled decode younger than this is let finish (its result is dropped) rather than
# killed: starting a new child costs a few hundred ms, more than most decodes.
CANCEL_GRACE_S = 0.25
# SVG: more shapes than this after expanding <use> references takes Qt minutes to draw.
SVG_MAX_SHAPES = 250_000
SVG_MAX_BYTES = 32 << 20
# The hidden command-line flag that turns `python -m desktop` (or the frozen app) into the child.
WORKER_FLAG = "--decode-pictures"

_NATIVELY_SCALED = {"jpeg", "jpg", "jfif", "svg", "svgz"}  # decoded small, never at full size
# Warnings that mean the pixels are damaged even though Qt returned an image ("Premature end of
# JPEG file": the lower part is grey). libpng's warnings about ancillary chunks (tEXt, pHYs...)
# only concern metadata, which libpng skips: those are ignored.
_DAMAGE_SIGNS = ("premature end", "corrupt", "crc error", "truncat", "invalid", "incomplete",
                 "bad ", "damaged", "too short", "extraneous", "unexpected end", "broken")
_ANCILLARY_CHUNK = re.compile(r"libpng (warning|error): [a-z][A-Za-z]{3}:")
# Luminance (ITU-R BT.601, as Qt and most tools use) from premultiplied R, G, B, minus alpha.
_WEIGHTS = np.array([0.299, 0.587, 0.114, -1.0], dtype=np.float32)


class ImageError(Exception):
    """A picture could not be read; the message says why, in words meant for the user."""


class DecodeCancelled(ImageError):
    """The decode was stopped because a newer picture replaced it."""


def display_name(path: str | os.PathLike) -> str:
    """A file name fit for messages even when it is not valid UTF-8 (b'caf\\xe9' -> 'caf\\xe9')."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


# --- what callers use: decoding in the shared child process ---------------------------------


def load_image(path: str | Path) -> np.ndarray:
    """Read an image file as an H x W float32 array in 0..1 (1 = white), transparency
    composited on white, longer side at most MAX_SIDE. Raises ImageError."""
    return shared_decoder().load(path)


def decode_image(data: bytes | QByteArray, name: str = "The pasted data") -> np.ndarray:
    """Like load_image, for encoded image bytes (pasted or dropped PNG/JPEG/... data)."""
    return shared_decoder().decode(bytes(data), name)


_shared: Decoder | None = None
_shared_lock = threading.Lock()


def shared_decoder() -> Decoder:
    """The process's decoder (one child process, started on first use, ended at exit)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Decoder()
            atexit.register(_shared.close)
        return _shared


def check_file(path: Path) -> None:
    """Refuse what is not a regular, non-empty file, before any decoder opens it: opening a FIFO
    blocks for ever and /dev/zero never ends."""
    name = display_name(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        kind = "is a broken link" if path.is_symlink() else "does not exist"
        raise ImageError(f"{name} {kind}.") from None
    except OSError as exc:
        raise ImageError(f"Cannot open {name}: {exc.strerror or exc}.") from None
    if stat.S_ISDIR(info.st_mode):
        raise ImageError(f"{name} is a folder, not a picture.")
    if not stat.S_ISREG(info.st_mode):
        kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(info.st_mode) else
                "a socket" if stat.S_ISSOCK(info.st_mode) else "a device")
        raise ImageError(f"{name} is {kind}, not a picture file.")
    if info.st_size == 0:
        raise ImageError(f"{name} is empty (0 bytes), not a picture.")


class Decoder:
    """Decodes pictures in a child process that is reused from one picture to the next and
    killed (then started afresh) when a picture takes too long, exhausts its memory, or is
    cancelled. Thread-safe: requests run one at a time; `cancel` may come from any thread and
    never waits."""

    def __init__(self, timeout_s: float = DECODE_TIMEOUT_S,
                 cpu_limit_s: int = DECODE_CPU_LIMIT_S,
                 memory_limit_mb: int = MEMORY_LIMIT_MB,
                 cancel_grace_s: float = CANCEL_GRACE_S) -> None:
        self.timeout_s = timeout_s
        self.cancel_grace_s = cancel_grace_s
        self.cpu_limit_s = cpu_limit_s
        self.memory_limit_mb = memory_limit_mb
        self._request_lock = threading.Lock()  # held for a whole request
        self._state_lock = threading.Lock()  # guards the fields below, held only briefly
        self._process: subprocess.Popen | None = None
        self._ticket: object = None  # what the running request belongs to
        self._started_at = 0.0  # time.monotonic() when it was sent to the child
        self._stopped_because: str | None = None  # "cancelled" or "timeout"
        self._cancelled: set[object] = set()  # tickets cancelled before their request ran
        self.peak_memory_mb = 0.0  # the most memory a child has used, as it reported (benchmarks)

    @property
    def busy(self) -> bool:
        """A request is running."""
        return self._ticket is not None

    @property
    def process_id(self) -> int | None:
        """The child's process id, None before it starts (tests and benchmarks)."""
        process = self._process
        return process.pid if process is not None else None

    def load(self, path: str | os.PathLike, ticket: object = None) -> np.ndarray:
        """Decode a file; `ticket` names the request for `cancel`."""
        path = Path(path)
        check_file(path)
        return self._request({"path": os.fsencode(path).hex(), "name": display_name(path)},
                             b"", ticket)

    def decode(self, data: bytes, name: str = "The pasted data",
               ticket: object = None) -> np.ndarray:
        """Decode encoded picture bytes (a paste or a drop)."""
        if not data:
            raise ImageError(f"{name} is empty, not a picture.")
        return self._request({"name": name, "size": len(data)}, data, ticket)

    def start(self) -> None:
        """Start the child now (it takes a few hundred ms) so the first picture opens fast."""
        with self._request_lock:
            self._ensure_process()

    def cancel(self, ticket: object = None) -> None:
        """Stop the running request (only if it belongs to `ticket`, when given)."""
        with self._state_lock:
            if ticket is not None and ticket != self._ticket:
                if len(self._cancelled) > 100:
                    self._cancelled.clear()
                self._cancelled.add(ticket)  # still waiting for its turn: it will not run
                return
            if self._ticket is None:
                return
            running = self._ticket
            delay = self._started_at + self.cancel_grace_s - time.monotonic()
        if delay <= 0:
            self._kill_if_running(running)
        else:
            timer = threading.Timer(delay, self._kill_if_running, (running,))
            timer.daemon = True
            timer.start()

    def _kill_if_running(self, ticket: object) -> None:
        with self._state_lock:
            if self._ticket is None or self._ticket != ticket:
                return  # finished meanwhile
            self._stopped_because = "cancelled"
            process = self._process
        if process is not None:
            _kill(process)

    def close(self) -> None:
        """End the child process (it also ends by itself when this process exits)."""
        with self._state_lock:
            process, self._process = self._process, None
        if process is not None:
            _kill(process)

    # --- the parent's side of the conversation -----------------------------------------------

    def _request(self, header: dict, payload: bytes, ticket: object) -> np.ndarray:
        name = header["name"]
        with self._request_lock:
            with self._state_lock:
                if ticket is not None and ticket in self._cancelled:
                    self._cancelled.discard(ticket)
                    raise DecodeCancelled(f"Opening {name} was cancelled.")
                self._ticket = ticket if ticket is not None else object()
                self._stopped_because = None
            try:
                process = self._ensure_process()
            except ImageError:
                with self._state_lock:
                    self._ticket = None
                raise
            with self._state_lock:
                if self._stopped_because == "cancelled":  # while the child was starting
                    self._ticket = None
                    raise DecodeCancelled(f"Opening {name} was cancelled.")
                self._started_at = time.monotonic()
            timer = threading.Timer(self.timeout_s, self._time_out, (process,))
            timer.daemon = True
            timer.start()
            try:
                reply = self._exchange(process, header, payload)
            finally:
                timer.cancel()
                with self._state_lock:
                    self._ticket = None
                    stopped = self._stopped_because
            if reply is None:  # the child is gone: timed out, cancelled, or crashed
                self._forget(process)
                raise self._explain_death(process, stopped, name)
            self.peak_memory_mb = max(self.peak_memory_mb, reply[0].get("peak_mb", 0.0))
            if "error" in reply[0]:
                raise ImageError(reply[0]["error"])
            return reply[1]

    def _exchange(self, process: subprocess.Popen, header: dict,
                  payload: bytes) -> tuple[dict, np.ndarray | None] | None:
        """Send one request and read its reply; None when the child died meanwhile."""
        try:
            process.stdin.write(json.dumps(header).encode() + b"\n" + payload)
            process.stdin.flush()
            line = process.stdout.readline()
            if not line.endswith(b"\n"):
                return None
            reply = json.loads(line)
            if "error" in reply:
                return reply, None
            height, width = reply["height"], reply["width"]
            pixels = bytearray(height * width * 4)
            if process.stdout.readinto(pixels) != len(pixels):
                return None
        except (OSError, ValueError):  # broken pipe, or a garbled reply from a dying child
            return None
        return reply, np.frombuffer(pixels, dtype=np.float32).reshape(height, width)

    def _explain_death(self, process: subprocess.Popen, stopped: str | None,
                       name: str) -> ImageError:
        if stopped == "cancelled":
            return DecodeCancelled(f"Opening {name} was cancelled.")
        if stopped == "timeout":
            return ImageError(f"{name} took longer than {self.timeout_s:g} s to decode and was "
                              "abandoned: it is too complex, or made to be hostile.")
        if process.returncode == -getattr(signal, "SIGXCPU", 0):
            return ImageError(f"{name} needed more than {self.cpu_limit_s} s of computing to "
                              "decode and was abandoned: it is too complex, or made to be "
                              "hostile.")
        return ImageError(f"{name} could not be decoded: the decoder stopped on it (exit status "
                          f"{process.returncode}). It needs too much memory (more than "
                          f"{self.memory_limit_mb} MB), or it is damaged.")

    def _time_out(self, process: subprocess.Popen) -> None:
        with self._state_lock:
            if self._stopped_because is None:
                self._stopped_because = "timeout"
        _kill(process)

    def _forget(self, process: subprocess.Popen) -> None:
        """Kill and reap a child that is of no more use; the next request starts a new one."""
        with self._state_lock:
            if self._process is process:
                self._process = None
        _kill(process)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(5)
        for pipe in (process.stdin, process.stdout):
            with contextlib.suppress(OSError):
                pipe.close()

    def _ensure_process(self) -> subprocess.Popen:
        """The running child, started if needed (called with the request lock held)."""
        with self._state_lock:
            process = self._process
        if process is not None and process.poll() is None:
            return process
        # The child's stderr goes to a file, read only to explain a child that fails to start.
        with tempfile.TemporaryFile() as errors:
            process = subprocess.Popen(
                worker_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors,
                env=_worker_environment(self.memory_limit_mb, self.cpu_limit_s, self.timeout_s),
                creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0))
            starting = threading.Timer(max(30.0, self.timeout_s), _kill, (process,))
            starting.daemon = True
            starting.start()
            ready = process.stdout.readline()  # "ready", once Qt is set up
            starting.cancel()
            if ready != b"ready\n":
                self._forget(process)
                errors.seek(0)
                last = errors.read().decode(errors="replace").strip().splitlines() or ["?"]
                raise ImageError(f"The picture decoder did not start ({last[-1]}).")
        with self._state_lock:
            self._process = process
        return process


def worker_command() -> list[str]:
    """How to start the child: the frozen app is sys.executable itself."""
    if getattr(sys, "frozen", False):
        return [sys.executable, WORKER_FLAG]
    return [sys.executable, "-m", "desktop", WORKER_FLAG]


def _worker_environment(memory_limit_mb: int, cpu_limit_s: int,
                        timeout_s: float) -> dict[str, str]:
    env = dict(os.environ)
    if not getattr(sys, "frozen", False):  # the child must import this very copy of desktop/
        source = str(Path(__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [source, env.get("PYTHONPATH")]))
    env["DIGIT_LENS_DECODE_LIMITS"] = f"{memory_limit_mb},{cpu_limit_s},{timeout_s}"
    env["MALLOC_ARENA_MAX"] = "2"  # glibc: fewer 64 MB arena reservations in the address space
    env["OPENBLAS_NUM_THREADS"] = "1"
    return env


def _kill(process: subprocess.Popen) -> None:
    with contextlib.suppress(OSError):
        process.kill()


# --- the child's side -----------------------------------------------------------------------


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


def _start_qt() -> None:
    """A QGuiApplication without a screen: SVG text needs Qt's font database."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtGui import QGuiApplication

    qInstallMessageHandler(_collect_message)
    global _app
    _app = QGuiApplication.instance() or QGuiApplication([sys.argv[0] or "digit-lens"])


_app = None
_messages: list[str] = []


def _collect_message(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    """Qt's (and libpng's, libjpeg's...) warnings: kept to explain failures, never printed."""
    if len(_messages) < 50:
        _messages.append(message)


# --- decoding in this process -----------------------------------------------------------------


def read_file(path: str | Path) -> np.ndarray:
    """Decode a file in this process (the child's job: no timeout, no memory limit here).
    SVG text needs a QGuiApplication."""
    path = Path(path)
    check_file(path)
    name = display_name(path)
    # Python opens the file: Qt cannot open names that are not valid UTF-8.
    try:
        file = open(path, "rb")  # noqa: SIM115 (closed below, after Qt is done with it)
    except OSError as exc:
        raise ImageError(f"Cannot open {name}: {exc.strerror or exc}.") from None
    with file:
        device = QFile()
        if not device.open(file.fileno(), QIODevice.OpenModeFlag.ReadOnly,
                           QFile.FileHandleFlag.DontCloseHandle):
            raise ImageError(f"Cannot open {name}: {device.errorString()}.")
        try:
            return _read(device, name)
        finally:
            device.close()


def read_bytes(data: bytes, name: str = "The pasted data") -> np.ndarray:
    """Decode encoded picture bytes in this process (the child's job)."""
    if not data:
        raise ImageError(f"{name} is empty, not a picture.")
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    return _read(buffer, name)


def from_qimage(image: QImage) -> np.ndarray:
    """An H x W float32 array in 0..1 (1 = white) from any QImage, alpha composited on white."""
    if image.isNull() or image.width() == 0 or image.height() == 0:
        raise ImageError("The image is empty.")
    # 16-bit sources keep their precision; everything else goes through fast 8-bit RGBA.
    deep = image.depth() > 32 or image.format() == QImage.Format.Format_Grayscale16
    target, dtype = ((QImage.Format.Format_RGBA64_Premultiplied, np.uint16) if deep
                     else (QImage.Format.Format_RGBA8888_Premultiplied, np.uint8))
    rgba = image.convertToFormat(target)  # Qt converts palette, CMYK, gray... in C++
    if rgba.isNull():
        raise ImageError("The image is too large to convert.")
    height, width = rgba.height(), rgba.width()
    rows = np.frombuffer(rgba.constBits(), dtype=dtype).reshape(height, -1)
    pixels = rows[:, :width * 4].reshape(height, width, 4)
    # Premultiplied colour + (1 - alpha) * white is the picture laid on white paper.
    gray = pixels @ (_WEIGHTS / np.iinfo(dtype).max) + np.float32(1.0)
    return np.clip(gray, 0.0, 1.0, out=gray)


def _read(device: QIODevice, name: str) -> np.ndarray:
    """Decode from a seekable device: identify, check size (and SVG complexity), read scaled."""
    QImageReader.setAllocationLimit(ALLOCATION_LIMIT_MB)
    _messages.clear()
    reader = _reader(device)
    if not reader.canRead():
        raise ImageError(f"{name} is not a picture: its content is in none of the formats "
                         f"this app reads ({_format_list()}).")
    kind = bytes(reader.format()).decode().lower()
    if kind in ("svg", "svgz"):
        device.seek(0)
        _check_svg(bytes(device.read(SVG_MAX_BYTES + 1)), kind == "svgz", name)
        device.seek(0)
        reader = _reader(device)
        reader.setFormat(kind.encode())
    size = reader.size()
    if size.isValid():
        width, height = size.width(), size.height()
        # JPEG decodes at 1/8 of its size at best: 16 times as many pixels cost the same.
        limit = MAX_PIXELS * (16 if kind in _NATIVELY_SCALED else 1)
        if kind not in ("svg", "svgz") and width * height > limit:
            raise ImageError(_too_large(name, width, height))
        if max(width, height) > MAX_SIDE:
            scale = MAX_SIDE / max(width, height)
            # max(1, ...): a 1 x 10000 strip scaled to 2048 px must not become 0 px wide.
            reader.setScaledSize(QSize(max(1, round(width * scale)),
                                       max(1, round(height * scale))))
    image = reader.read()
    problems = " ".join(_relevant_messages()).lower()
    if image.isNull():
        if "allocation limit" in problems or "out of memory" in problems:
            raise ImageError(_too_large(name, size.width(), size.height()) if size.isValid()
                             else f"{name} is too large to open.")
        if size.isValid() and _out_of_memory(size):
            raise ImageError(f"{name} is too large to decode within this app's memory limit "
                             f"({size.width()} x {size.height()} pixels).")
        raise ImageError(f"{name} is damaged or truncated: it looks like {kind.upper()} but "
                         f"cannot be decoded ({_reason(reader)}).")
    if any(sign in problems for sign in _DAMAGE_SIGNS):
        raise ImageError(f"{name} is damaged or truncated: {_reason(reader)}.")
    if _cut_short(device, kind):  # Qt shows these silently with a blank lower part
        raise ImageError(f"{name} is damaged or truncated: the file ends before its picture "
                         "data does.")
    return from_qimage(image)


def _out_of_memory(size: QSize) -> bool:
    """Whether the memory limit is what failed the read (Qt's handlers fail silently then):
    reading needs the picture twice at 32 bits (decoded, and converted to scale it); check
    whether that much can be had (untouched, the allocations cost nothing)."""
    first = QImage(size, QImage.Format.Format_ARGB32)
    second = QImage(size, QImage.Format.Format_ARGB32)
    return first.isNull() or second.isNull()


def _cut_short(device: QIODevice, kind: str) -> bool:
    """A GIF without its end marker, or an uncompressed BMP shorter than its rows."""
    size = device.size()
    if kind == "gif":
        device.seek(max(0, size - 16))
        return not bytes(device.read(16)).rstrip(b"\0\r\n ").endswith(b";")
    if kind == "bmp":
        device.seek(0)
        header = bytes(device.read(34))
        if len(header) < 34 or header[:2] != b"BM" or int.from_bytes(header[14:18], "little") < 40:
            return False  # an old OS/2 header: let Qt judge
        offset = int.from_bytes(header[10:14], "little")
        width, height = (int.from_bytes(header[i:i + 4], "little", signed=True) for i in (18, 22))
        depth, compression = int.from_bytes(header[28:30], "little"), header[30]
        if compression not in (0, 3, 6):  # run-length or embedded JPEG/PNG: no fixed size
            return False
        return size < offset + (abs(width) * depth + 31) // 32 * 4 * abs(height)
    return False


def _relevant_messages() -> list[str]:
    return [message for message in _messages if not _ANCILLARY_CHUNK.match(message)]


def _reader(device: QIODevice) -> QImageReader:
    reader = QImageReader(device)
    reader.setDecideFormatFromContent(True)  # a PNG named .jpg still opens
    reader.setAutoTransform(True)  # phone photos: honour the EXIF orientation
    return reader


def _reason(reader: QImageReader) -> str:
    """Qt's first warning (more telling than errorString(), which is often 'Unknown error')."""
    relevant = _relevant_messages()
    text = relevant[0] if relevant else reader.errorString()
    text = re.sub(r"^libpng (warning|error): ", "", text.strip()).strip('"')
    return text.rstrip(".") or "unknown error"


def _too_large(name: str, width: int, height: int) -> str:
    return (f"{name} is too large to open ({width} x {height} pixels; this app opens pictures "
            f"of up to {MAX_PIXELS >> 20} megapixels, JPEG up to {MAX_PIXELS >> 16}).")


def _format_list() -> str:
    return ", ".join(sorted({bytes(f).decode().upper() for f in
                             QImageReader.supportedImageFormats()}))


_URL_REFERENCE = re.compile(r"url\(\s*['\"]?#([^)'\"\s]+)")


def _check_svg(data: bytes, compressed: bool, name: str) -> None:
    """Refuse SVGs that would take Qt minutes or hours to draw. `<use>` copies what it refers
    to, so 9 levels of 10 `<use>` of the level below make 10^9 shapes out of 2 KB: count the
    shapes with references expanded (each element once, so counting is fast)."""
    if compressed:
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as unpacked:
                data = unpacked.read(SVG_MAX_BYTES + 1)
        except (OSError, EOFError) as exc:
            raise ImageError(f"{name} is damaged: its compressed SVG cannot be unpacked "
                             f"({exc}).") from None
    if len(data) > SVG_MAX_BYTES:
        raise ImageError(f"{name} is too large: its SVG text is over "
                         f"{SVG_MAX_BYTES >> 20} MB.")
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        if "amplification" in str(exc):  # expat's guard against "billion laughs" entities
            raise ImageError(f"{name} is too complex: its XML entities expand without bound "
                             "(a hostile SVG).") from None
        raise ImageError(f"{name} is damaged: its SVG is not well-formed XML ({exc}).") from None
    for element in root.iter():
        target = _external_reference(element)
        if target:
            raise ImageError(f"{name} refers to another file ({target[:80]}); this app opens "
                             "only self-contained SVG pictures.")
    elements = {element.get("id"): element for element in root.iter() if element.get("id")}
    counted: dict[int, int] = {}

    def shapes(element: ElementTree.Element, open_: set[int]) -> int:
        key = id(element)
        if key in counted:
            return counted[key]
        if key in open_:
            return 0  # a reference cycle: Qt refuses it and draws nothing there
        open_.add(key)
        total = 1
        for child in element:
            total += shapes(child, open_)
            if total > SVG_MAX_SHAPES:
                break
        for reference in _references(element):
            if total > SVG_MAX_SHAPES:
                break
            if reference in elements:
                total += shapes(elements[reference], open_)
        open_.discard(key)
        counted[key] = min(total, SVG_MAX_SHAPES + 1)
        return counted[key]

    try:
        total = shapes(root, set())
    except RecursionError:
        raise ImageError(f"{name} is too complex: its SVG elements nest too deeply.") from None
    if total > SVG_MAX_SHAPES:
        raise ImageError(f"{name} is too complex to draw: its <use> references expand to more "
                         f"than {SVG_MAX_SHAPES:,} shapes (a hostile \"SVG bomb\").")


def _external_reference(element: ElementTree.Element) -> str | None:
    """What an element would make Qt open besides the SVG itself (an <image> of another file:
    a FIFO or /dev/zero there would hang the decoder)."""
    if element.tag.rpartition("}")[2] == "a":
        return None  # a link: never followed
    for key, value in element.attrib.items():
        if key == "href" or key.endswith("}href"):
            value = value.strip()
            if value and not value.startswith(("#", "data:")):
                return value
    return None


def _references(element: ElementTree.Element) -> list[str]:
    """Ids an element draws again: href="#id" (use, patterns, gradients) and url(#id)."""
    found = []
    for key, value in element.attrib.items():
        if (key == "href" or key.endswith("}href")) and value.startswith("#"):
            found.append(value[1:])
        elif "url(" in value:
            found.extend(_URL_REFERENCE.findall(value))
    return found
