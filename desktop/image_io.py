"""Decode pictures into the grayscale arrays the preprocessing expects, with Qt's image readers
(every format Qt reads: PNG, JPEG incl. CMYK, BMP, GIF, WebP, TIFF...). Only QtGui/QtCore, no
widgets, so it works without a QApplication.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt
from PySide6.QtGui import QImage, QImageReader

# Pictures are read at most this many pixels on their longer side: the models see 28x28, and a
# phone photo read at full size would only cost memory and time.
MAX_SIDE = 2048
# Qt refuses to decode images needing more memory than this (it counts 4 bytes per pixel, at
# full size even when reading scaled). 1024 MB admits ~16000 x 16000 pixels.
ALLOCATION_LIMIT_MB = 1024

# Luminance (ITU-R BT.601, as Qt and most tools use) from premultiplied R, G, B, minus alpha.
_WEIGHTS = np.array([0.299, 0.587, 0.114, -1.0], dtype=np.float32)


class ImageError(Exception):
    """A picture could not be read; the message says why, in words meant for the user."""


def load_image(path: str | Path) -> np.ndarray:
    """Read an image file as an H x W float32 array in 0..1 (1 = white), transparency
    composited on white, longer side at most MAX_SIDE."""
    path = Path(path)
    try:
        if path.is_dir():
            raise ImageError(f"{path} is a folder, not an image.")
        size = path.stat().st_size
    except FileNotFoundError:
        raise ImageError(f"{path} does not exist.") from None
    except OSError as exc:
        raise ImageError(f"Cannot open {path}: {exc.strerror or exc}.") from None
    if size == 0:
        raise ImageError(f"{path} is empty (0 bytes), not an image.")
    return _read(QImageReader(str(path)), str(path))


def decode_image(data: bytes | QByteArray, name: str = "The pasted data") -> np.ndarray:
    """Like load_image, for encoded image bytes (pasted or dropped PNG/JPEG/... data)."""
    if not data:
        raise ImageError(f"{name} is empty, not an image.")
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    return _read(QImageReader(buffer), name)


def from_qimage(image: QImage) -> np.ndarray:
    """An H x W float32 array in 0..1 (1 = white) from any QImage, alpha composited on white."""
    if image.isNull() or image.width() == 0 or image.height() == 0:
        raise ImageError("The image is empty.")
    # 16-bit sources keep their precision; everything else goes through fast 8-bit RGBA.
    deep = image.depth() > 32 or image.format() == QImage.Format.Format_Grayscale16
    target, dtype = ((QImage.Format.Format_RGBA64_Premultiplied, np.uint16) if deep
                     else (QImage.Format.Format_RGBA8888_Premultiplied, np.uint8))
    rgba = image.convertToFormat(target)  # Qt converts palette, CMYK, gray... in C++
    height, width = rgba.height(), rgba.width()
    rows = np.frombuffer(rgba.constBits(), dtype=dtype).reshape(height, -1)
    pixels = rows[:, :width * 4].reshape(height, width, 4)
    # Premultiplied colour + (1 - alpha) * white is the picture laid on white paper.
    gray = pixels @ (_WEIGHTS / np.iinfo(dtype).max) + np.float32(1.0)
    return np.clip(gray, 0.0, 1.0, out=gray)


def _read(reader: QImageReader, name: str) -> np.ndarray:
    QImageReader.setAllocationLimit(ALLOCATION_LIMIT_MB)
    reader.setDecideFormatFromContent(True)  # a PNG named .jpg still opens
    reader.setAutoTransform(True)  # phone photos: honour the EXIF orientation
    if not reader.canRead():
        formats = ", ".join(bytes(f).decode() for f in QImageReader.supportedImageFormats())
        raise ImageError(f"{name} is not a picture in a format this app reads ({formats}).")
    size = reader.size()
    if size.isValid() and max(size.width(), size.height()) > MAX_SIDE:
        reader.setScaledSize(size.scaled(QSize(MAX_SIDE, MAX_SIDE),
                                         Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    if image.isNull():
        if size.isValid() and size.width() * size.height() * 4 > ALLOCATION_LIMIT_MB << 20:
            raise ImageError(f"{name} is too large to open ({size.width()} x {size.height()} "
                             f"pixels).")
        raise ImageError(f"{name} could not be read ({reader.errorString()}): the file is "
                         f"damaged or incomplete.")
    return from_qimage(image)
