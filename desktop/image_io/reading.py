"""Decoding in this process with Qt's image readers (the child's job, see child.py), and any
QImage already in memory (the canvas, a paste) turned into the grayscale array the
preprocessing expects: H x W float32 in 0..1 (1 = white), transparency composited on white."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QFile,
    QIODevice,
    QMessageLogContext,
    QSize,
    QtMsgType,
)
from PySide6.QtGui import QImage, QImageReader

from desktop.image_io.limits import (
    ALLOCATION_LIMIT_MB,
    MAX_PIXELS,
    MAX_SIDE,
    SVG_MAX_BYTES,
    ImageError,
    check_file,
    display_name,
)
from desktop.image_io.svg import check_svg
from desktop.lazy_imports import np

_NATIVELY_SCALED = {"jpeg", "jpg", "jfif", "svg", "svgz"}  # decoded small, never at full size
# Warnings that mean the pixels are damaged even though Qt returned an image ("Premature end of
# JPEG file": the lower part is grey). libpng's warnings about ancillary chunks (tEXt, pHYs...)
# only concern metadata, which libpng skips: those are ignored.
_DAMAGE_SIGNS = ("premature end", "corrupt", "crc error", "truncat", "invalid", "incomplete",
                 "bad ", "damaged", "too short", "extraneous", "unexpected end", "broken")
_ANCILLARY_CHUNK = re.compile(r"libpng (warning|error): [a-z][A-Za-z]{3}:")
# Luminance (ITU-R BT.601, as Qt and most tools use) from premultiplied R, G, B, minus alpha.
_WEIGHTS = (0.299, 0.587, 0.114, -1.0)

_messages: list[str] = []  # what collect_message caught during the current read


def collect_message(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    """Qt's (and libpng's, libjpeg's...) warnings, once installed as Qt's message handler (the
    child does): kept to explain failures, never printed."""
    if len(_messages) < 50:
        _messages.append(message)


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
    weights = np.array(_WEIGHTS, dtype=np.float32) / np.iinfo(dtype).max
    gray = pixels @ weights + np.float32(1.0)
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
        check_svg(bytes(device.read(SVG_MAX_BYTES + 1)), kind == "svgz", name)
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
