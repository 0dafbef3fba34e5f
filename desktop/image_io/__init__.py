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

The modules, one job each:
    limits.py   the limits, ImageError, the checks made before a file is opened   (no Qt)
    decoder.py  the parent's side: the child process, its timeout, cancelling    (no Qt)
    svg.py      refusing hostile SVG before Qt draws it                          (no Qt)
    reading.py  decoding with Qt's readers, QImage -> grayscale array            (Qt)
    child.py    the child's main loop, `serve()`                                 (Qt)
Importing this package loads no Qt: the command-line classifier and the self-test decode
pictures without Qt in their own process. The Qt names below are imported on first use.
"""

from __future__ import annotations

from typing import Any

from desktop.image_io.decoder import (
    Decoder,
    decode_image,
    load_image,
    shared_decoder,
    worker_command,
)
from desktop.image_io.limits import (
    ALLOCATION_LIMIT_MB,
    CANCEL_GRACE_S,
    DECODE_CPU_LIMIT_S,
    DECODE_TIMEOUT_S,
    MAX_PIXELS,
    MAX_SIDE,
    MEMORY_LIMIT_MB,
    SVG_MAX_BYTES,
    SVG_MAX_SHAPES,
    WORKER_FLAG,
    DecodeCancelled,
    ImageError,
    check_file,
    display_name,
)

# Names that need Qt: imported when first asked for (see __getattr__).
_QT_READING = ("from_qimage", "read_file", "read_bytes")

__all__ = [
    "ALLOCATION_LIMIT_MB", "CANCEL_GRACE_S", "DECODE_CPU_LIMIT_S", "DECODE_TIMEOUT_S",
    "MAX_PIXELS", "MAX_SIDE", "MEMORY_LIMIT_MB", "SVG_MAX_BYTES", "SVG_MAX_SHAPES", "WORKER_FLAG",
    "DecodeCancelled", "Decoder", "ImageError", "check_file", "decode_image", "display_name",
    "load_image", "shared_decoder", "worker_command", *_QT_READING, "serve",
]


def __getattr__(name: str) -> Any:
    """`image_io.from_qimage` and `from desktop.image_io import serve` keep working, and only
    they load Qt (PEP 562: called for names not found above). Plain import statements, so that
    PyInstaller and lint-imports see these modules."""
    if name in _QT_READING:
        from desktop.image_io import reading

        return getattr(reading, name)
    if name == "serve":
        from desktop.image_io import child

        return child.serve
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
