"""The limits every picture is held to, the error the user reads when one is not met, and the
checks made before any decoder opens a file. Qt-free: the parent process imports this."""

from __future__ import annotations

import os
import stat
from pathlib import Path

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


class ImageError(Exception):
    """A picture could not be read; the message says why, in words meant for the user."""


class DecodeCancelled(ImageError):
    """The decode was stopped because a newer picture replaced it."""


def display_name(path: str | os.PathLike) -> str:
    """A file name fit for messages even when it is not valid UTF-8 (b'caf\\xe9' -> 'caf\\xe9')."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


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
