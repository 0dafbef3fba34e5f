"""Render the application icon (resources/icons/digit-lens.svg) into every file the installers
and the app need: PNGs from 16 to 512 px, a Windows .ico and a macOS .icns.

Run it after editing the SVG and commit the results (the build does not need QtSvg then):
    .venv/bin/python packaging/make_icons.py

Qt renders the pixels; the two container formats are written here because they are tiny: an
ICO is a directory of bitmaps (small sizes as 32-bit BMP for every Windows version, 256 px as
PNG), an ICNS is a list of (type, length, PNG) records.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS_DIR = Path(__file__).resolve().parents[1] / "resources" / "icons"
SOURCE = ICONS_DIR / "digit-lens.svg"
NAME = "digit-lens"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS record types holding PNG data, by pixel size (the @2x records reuse the larger renders).
ICNS_TYPES = ((b"icp4", 16), (b"icp5", 32), (b"ic11", 32), (b"icp6", 64), (b"ic12", 64),
              (b"ic07", 128), (b"ic08", 256), (b"ic13", 256), (b"ic09", 512), (b"ic14", 512),
              (b"ic10", 1024))


def render(renderer: QSvgRenderer, size: int) -> QImage:
    """The icon at size x size pixels, straight (not premultiplied) ARGB."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image.convertToFormat(QImage.Format.Format_ARGB32)


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise RuntimeError("Qt could not encode a PNG")
    buffer.close()
    return bytes(data)


def bmp_icon_bytes(image: QImage) -> bytes:
    """An ICO bitmap: BITMAPINFOHEADER (height doubled for the AND mask), BGRA rows bottom-up,
    then an all-zero 1-bit AND mask (transparency comes from the alpha channel)."""
    width, height = image.width(), image.height()
    stride = image.bytesPerLine()
    bits = bytes(image.constBits())[:stride * height]
    # Format_ARGB32 is B, G, R, A in memory on little-endian machines, which is what BMP wants.
    if sys.byteorder != "little":
        raise RuntimeError("run this script on a little-endian machine")
    rows = [bits[y * stride:y * stride + width * 4] for y in range(height)]
    mask_stride = ((width + 31) // 32) * 4
    header = struct.pack("<IiiHHIIiiII", 40, width, height * 2, 1, 32, 0,
                         width * height * 4 + mask_stride * height, 0, 0, 0, 0)
    return header + b"".join(reversed(rows)) + bytes(mask_stride * height)


def ico_bytes(images: dict[int, QImage]) -> bytes:
    payloads = [(size, png_bytes(images[size]) if size >= 256 else bmp_icon_bytes(images[size]))
                for size in ICO_SIZES]
    offset = 6 + 16 * len(payloads)
    directory = [struct.pack("<HHH", 0, 1, len(payloads))]
    for size, payload in payloads:
        edge = 0 if size >= 256 else size  # 0 means 256
        directory.append(struct.pack("<BBBBHHII", edge, edge, 0, 0, 1, 32, len(payload), offset))
        offset += len(payload)
    return b"".join(directory) + b"".join(payload for _, payload in payloads)


def icns_bytes(images: dict[int, QImage]) -> bytes:
    records = b"".join(kind + struct.pack(">I", 8 + len(png)) + png
                       for kind, png in ((kind, png_bytes(images[size]))
                                         for kind, size in ICNS_TYPES))
    return b"icns" + struct.pack(">I", 8 + len(records)) + records


def main() -> int:
    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        print(f"Cannot read {SOURCE}", file=sys.stderr)
        return 1
    sizes = sorted(set(PNG_SIZES) | set(ICO_SIZES) | {size for _, size in ICNS_TYPES})
    images = {size: render(renderer, size) for size in sizes}
    for size in PNG_SIZES:
        (ICONS_DIR / f"{NAME}-{size}.png").write_bytes(png_bytes(images[size]))
    (ICONS_DIR / f"{NAME}.ico").write_bytes(ico_bytes(images))
    (ICONS_DIR / f"{NAME}.icns").write_bytes(icns_bytes(images))
    print(f"Wrote {len(PNG_SIZES)} PNGs, {NAME}.ico and {NAME}.icns to {ICONS_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
