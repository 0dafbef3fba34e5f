"""A corpus of hostile and odd pictures, written by code into a folder (nothing is stored in the
repository): SVG bombs, damaged and truncated files of every raster format, random bytes with
picture names, huge dimensions, extreme aspect ratios, 16-bit, palette, CMYK, animated GIF,
names that are not UTF-8, a folder named x.png, a FIFO, symbolic link loops, /dev/zero...

Used by tests/test_hostile_pictures.py (the command-line classifier must answer every one of
them, quickly, without a traceback) and benchmarks/hostile_pictures.py (the window must stay
responsive while it opens them).

    python tests/hostile_corpus.py FOLDER     writes the corpus and lists it
"""

from __future__ import annotations

import gzip
import os
import random
import struct
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtGui import QColor, QImage, QImageWriter

# What a case must end with.
PICTURE = "picture"  # decoded: classified (or, for a plain picture, "blank")
ERROR = "error"  # a clear error message (containing `words`, when given)
ANY = "any"  # either: damage that may or may not be noticed (bit flips...)


@dataclass(frozen=True)
class Case:
    path: Path
    expect: str
    words: str = ""  # for ERROR: text the message must contain (case-insensitive)

    @property
    def name(self) -> str:
        return os.fsencode(self.path.name).decode("utf-8", "backslashreplace")


def seven(size: int = 64) -> np.ndarray:
    """A black 7 on white, as 8-bit gray (a picture every model can classify)."""
    image = np.full((size, size), 255, dtype=np.uint8)
    bar = slice(size // 5, size // 5 + max(2, size // 9))
    image[bar, size // 5: size * 4 // 5] = 0
    for y in range(size // 5, size * 4 // 5):  # the diagonal stroke
        x = size * 4 // 5 - (y - size // 5) * 2 // 5
        image[y, max(0, x - size // 14): x + 1] = 0
    return image


def gray_qimage(pixels: np.ndarray) -> QImage:
    pixels = np.ascontiguousarray(pixels, dtype=np.uint8)
    height, width = pixels.shape
    return QImage(pixels.data, width, height, width, QImage.Format.Format_Grayscale8).copy()


def qt_bytes(image: QImage, fmt: str, folder: Path, quality: int = -1,
             progressive: bool = False) -> bytes:
    """What Qt writes for `image` in `fmt` (through a scratch file)."""
    scratch = folder / f".scratch.{fmt}"
    writer = QImageWriter(str(scratch), fmt.encode())
    writer.setQuality(quality)
    writer.setProgressiveScanWrite(progressive)
    if not writer.write(image):
        raise RuntimeError(f"Qt cannot write {fmt}: {writer.errorString()}")
    data = scratch.read_bytes()
    scratch.unlink()
    return data


# --- hand-made encoders, for what Qt does not write (GIF) or would refuse to write ------------


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int, height: int, rows: Callable[[int], bytes] | None = None, depth: int = 8,
        colour: int = 0, extra: bytes = b"", idat: bytes | None = None) -> bytes:
    """A PNG of `height` identical zero rows (or `rows(y)`), compressed as it goes, so a
    16383 x 16383 picture costs a second and a megabyte, not a gigabyte."""
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour]
    row_bytes = (width * channels * depth + 7) // 8
    if idat is None:
        packer = zlib.compressobj(9)
        zero_row = b"\0" * (row_bytes + 1)
        parts = [packer.compress(b"\0" + rows(y) if rows else zero_row) for y in range(height)]
        idat = b"".join(parts) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + extra
            + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b""))


def _lzw_literals(pixels: bytes) -> bytes:
    """GIF image data without compression: 9-bit literal codes, a clear code every 250."""
    clear, end, bits, count, out = 256, 257, 0, 0, bytearray()
    codes = [clear]
    for index, value in enumerate(pixels):
        if index and index % 250 == 0:
            codes.append(clear)
        codes.append(value)
    codes.append(end)
    for code in codes:
        bits |= code << count
        count += 9
        while count >= 8:
            out.append(bits & 0xFF)
            bits >>= 8
            count -= 8
    if count:
        out.append(bits & 0xFF)
    blocks = b"".join(bytes([len(out[i:i + 255])]) + out[i:i + 255]
                      for i in range(0, len(out), 255))
    return b"\x08" + blocks + b"\x00"


def gif(frames: list[np.ndarray], screen: tuple[int, int] | None = None) -> bytes:
    """A gray-palette GIF; several frames make an animation."""
    height, width = frames[0].shape
    screen_w, screen_h = screen or (width, height)
    palette = bytes(v for i in range(256) for v in (i, i, i))
    out = b"GIF89a" + struct.pack("<HHBBB", screen_w, screen_h, 0xF7, 0, 0) + palette
    if len(frames) > 1:
        out += b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
    for frame in frames:
        out += b"\x21\xf9\x04\x00\x0a\x00\x00\x00"  # 0.1 s per frame
        out += b"\x2c" + struct.pack("<HHHHB", 0, 0, frame.shape[1], frame.shape[0], 0)
        out += _lzw_literals(np.ascontiguousarray(frame, dtype=np.uint8).tobytes())
    return out + b"\x3b"


def svg_bomb(levels: int, fan: int = 10) -> str:
    """`fan` <use> of the level below at every level: fan ** levels shapes from a few KB."""
    groups = "".join(f'<g id="l{i}">' + f'<use xlink:href="#l{i - 1}"/>' * fan + "</g>"
                     for i in range(1, levels + 1))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
            f'width="100" height="100"><defs><rect id="l0" width="1" height="1"/>{groups}'
            f'</defs><use xlink:href="#l{levels}"/></svg>')


SVG_SEVEN = ('<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} '
             '{h}"><rect width="100%" height="100%" fill="white"/><polyline points="{p}" '
             'fill="none" stroke="black" stroke-width="{s}"/>{extra}</svg>')


def svg_seven(size: float = 100, extra: str = "") -> str:
    points = " ".join(f"{x * size:g},{y * size:g}" for x, y in ((0.25, 0.2), (0.75, 0.2),
                                                                (0.4, 0.85)))
    return SVG_SEVEN.format(w=f"{size:g}", h=f"{size:g}", p=points, s=f"{size / 10:g}",
                            extra=extra)


# --- the corpus -------------------------------------------------------------------------------


def write_corpus(folder: Path) -> list[Case]:
    """Write every case into `folder` (which must exist and be empty); returns them in order."""
    cases: list[Case] = []
    rng = random.Random(9)

    def add(name: str | bytes, expect: str, data: bytes | str | None = None,
            words: str = "") -> Path:
        path = folder / (os.fsdecode(name) if isinstance(name, bytes) else name)
        if data is not None:
            path.write_bytes(data.encode() if isinstance(data, str) else data)
        cases.append(Case(path, expect, words))
        return path

    base = gray_qimage(seven())
    good = {fmt: qt_bytes(base, fmt, folder) for fmt in ("png", "jpg", "bmp", "webp", "tiff")}
    good["gif"] = gif([seven()])
    for fmt, data in good.items():
        add(f"ok.{fmt}", PICTURE, data)

    # Damage of every raster format: cut in half, cut after the header, bits flipped.
    for fmt, data in good.items():
        add(f"truncated-half.{fmt}", ERROR, data[: len(data) // 2])
        add(f"truncated-header.{fmt}", ERROR, data[:24])
        flipped = bytearray(data)
        for _ in range(12):
            flipped[rng.randrange(24, len(data))] ^= 1 << rng.randrange(8)
        add(f"bit-flipped.{fmt}", ANY, bytes(flipped))
    add("half.jpg", ERROR, qt_bytes(gray_qimage(seven(300)), "jpg", folder)[:3000], "damaged")

    # Random bytes and nothing at all, under picture names.
    for ext in ("png", "jpg", "gif", "bmp", "webp", "tiff", "svg", "ico"):
        add(f"random-bytes.{ext}", ERROR, rng.randbytes(4096), "not a picture")
    for ext in ("png", "jpg", "svg"):
        add(f"empty.{ext}", ERROR, b"", "empty")

    # Huge dimensions: decoding at full size would cost gigabytes.
    add("huge-16383x16383.png", ERROR, png(16383, 16383, colour=6), "too large")
    add("huge-header-1000000x1000000.png", ERROR,
        png(1_000_000, 1_000_000, idat=zlib.compress(b"\0" * 1000)), "too large")
    add("huge-screen-65535x65535.gif", ERROR, gif([np.zeros((1, 1))], screen=(65535, 65535)))
    bmp = bytearray(good["bmp"])
    bmp[18:26] = struct.pack("<ii", 60000, 60000)
    add("huge-header-60000x60000.bmp", ERROR, bytes(bmp))
    jpeg = bytearray(good["jpg"])
    sof = jpeg.find(b"\xff\xc0")
    jpeg[sof + 5: sof + 9] = struct.pack(">HH", 65000, 65000)
    add("huge-header-65000x65000.jpg", ERROR, bytes(jpeg), "too large")
    bits = (16383 - 1) | (16383 - 1) << 14 | 1 << 28
    vp8l = b"\x2f" + struct.pack("<I", bits) + rng.randbytes(64)
    add("huge-header-16383x16383.webp", ERROR,
        b"RIFF" + struct.pack("<I", 12 + len(vp8l)) + b"WEBPVP8L"
        + struct.pack("<I", len(vp8l)) + vp8l, "too large")
    add("big-8000x6000.png", PICTURE, png(8000, 6000, rows=lambda y: (
        b"\xff" * 2000 + b"\0" * 4000 + b"\xff" * 2000 if 1200 < y < 2000 else b"\xff" * 8000)))

    # Extreme aspect ratios and sizes.
    add("strip-1x10000.png", PICTURE, png(1, 10000))
    add("strip-10000x1.png", PICTURE, png(10000, 1))
    add("strip-3x60000.jpg", PICTURE, qt_bytes(gray_qimage(np.zeros((60000, 3))), "jpg", folder))
    add("pixel-1x1.png", PICTURE, png(1, 1))

    # Deep colour, palettes, CMYK, animation, progressive JPEG, a PNG named .jpg.
    for name, fmt in (("gray-16-bit.png", QImage.Format.Format_Grayscale16),
                      ("rgba-16-bit.png", QImage.Format.Format_RGBA64),
                      ("palette.png", QImage.Format.Format_Indexed8),
                      ("cmyk.jpg", QImage.Format.Format_CMYK8888)):
        converted = base.convertToFormat(fmt)
        if fmt == QImage.Format.Format_Indexed8:
            table = converted.colorTable()
            converted.setColorTable([*table[:-1], QColor(200, 0, 0, 0).rgba()])
        add(name, PICTURE, qt_bytes(converted, name.rsplit(".")[-1], folder, quality=95))
    add("animated.gif", PICTURE, gif([seven(), 255 - seven(), seven()]))
    add("progressive.jpg", PICTURE, qt_bytes(base, "jpg", folder, progressive=True))
    add("really-a-png.jpg", PICTURE, good["png"])
    add("ok.ico", PICTURE, qt_bytes(base, "ico", folder))

    # Vector pictures: text, bombs, entities, references, enormous sizes.
    add("text.svg", PICTURE, '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">'
        '<rect width="64" height="64" fill="white"/><text x="16" y="54" font-size="56" '
        'font-family="sans-serif">7</text></svg>')
    add("seven.svg", PICTURE, svg_seven())
    add("seven.svgz", PICTURE, gzip.compress(svg_seven().encode()))
    for levels in (6, 7, 8, 9, 12):
        add(f"use-bomb-{levels}-levels.svg", ERROR, svg_bomb(levels), "too complex")
    patterns = "".join(f'<pattern id="p{i}" width="1" height="1">'
                       + f'<rect width="1" height="1" fill="url(#p{i - 1})"/>' * 10
                       + "</pattern>" for i in range(1, 9))
    add("pattern-bomb.svg", ERROR, '<svg xmlns="http://www.w3.org/2000/svg" width="100" '
        'height="100"><defs><pattern id="p0" width="1" height="1"><rect width="1" height="1"/>'
        f'</pattern>{patterns}</defs><rect width="100" height="100" fill="url(#p8)"/></svg>',
        "too complex")
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    add("entity-bomb.svg", ERROR, f'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY l0 "lol">'
        f'{laughs}]><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        f'<text>&l9;</text></svg>', "too complex")
    add("gzip-bomb.svgz", ERROR, gzip.compress(
        b'<svg xmlns="http://www.w3.org/2000/svg"><!--' + b" " * (48 << 20) + b"--></svg>"),
        "too large")
    add("use-cycle.svg", ANY, '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://'
        'www.w3.org/1999/xlink" width="10" height="10"><g id="a"><use xlink:href="#b"/></g>'
        '<g id="b"><use xlink:href="#a"/></g></svg>')
    for number, target in enumerate(("/dev/zero", "fifo.png", str(folder / "fifo.png"),
                                     "file:///dev/zero", "http://example.invalid/seven.png")):
        add(f"external-image-{number}.svg", ERROR, svg_seven(extra=(
            f'<image href="{target}" width="10" height="10"/>')), "refers to another file")
    add("external-use.svg", ANY, svg_seven(extra='<use href="other.svg#x"/>'))
    add("huge-size.svg", PICTURE, svg_seven(1e5))
    add("huge-viewbox.svg", ANY, svg_seven(1e9).replace('width="1e+09" height="1e+09"',
                                                          'width="100" height="100"'))
    add("zero-size.svg", ANY, '<svg xmlns="http://www.w3.org/2000/svg" width="0" height="0">'
        '<rect width="10" height="10"/></svg>')
    add("not-well-formed.svg", ERROR, svg_seven()[:150], "damaged")
    add("deep-nesting.svg", ANY, '<svg xmlns="http://www.w3.org/2000/svg" width="10" '
        'height="10">' + "<g>" * 5000 + '<rect width="5" height="5"/>' + "</g>" * 5000
        + "</svg>")
    add("huge-blur.svg", ANY, svg_seven(1e6, extra=(
        '<filter id="f" x="-10" y="-10" width="30" height="30"><feGaussianBlur '
        'stdDeviation="100000"/></filter><rect width="1e6" height="1e6" filter="url(#f)"/>')))

    # PNG decompression bombs: 64 MB of zeros behind a small picture and in a text chunk.
    add("zlib-bomb-idat.png", ANY, png(64, 64, idat=zlib.compress(b"\0" * (64 << 20))))
    add("zlib-bomb-ztxt.png", ANY, png(64, 64, rows=lambda y: bytes(seven()[y]), extra=png_chunk(
        b"zTXt", b"Comment\0\0" + zlib.compress(b"a" * (64 << 20)))))

    # Names: not UTF-8, spaces, a leading dash, a newline, no extension, very long.
    for name in (b"caf\xe9-not-utf8.png", "émoji 🙂 seven.png", "-starts-with-dash.png",
                 "new\nline.png", "no-extension", ".hidden.png", "x" * 200 + ".png",
                 "spaces   .png"):
        add(name, PICTURE, good["png"])
    add(b"\xff\xfe-random.png", ERROR, rng.randbytes(512), "\\xff\\xfe")

    # Things that are not picture files at all.
    (folder / "folder.png").mkdir()
    add("folder.png", ERROR, words="folder")
    if hasattr(os, "mkfifo"):
        os.mkfifo(folder / "fifo.png")
        add("fifo.png", ERROR, words="pipe")
    (folder / "loop.png").symlink_to("loop.png")
    add("loop.png", ERROR, words="cannot open")
    (folder / "dangling.png").symlink_to("no-such-file.png")
    add("dangling.png", ERROR, words="broken link")
    for name, target in (("zero.png", "/dev/zero"), ("urandom.jpg", "/dev/urandom"),
                         ("proc-self-status.png", "/proc/self/status")):
        if Path(target).exists():
            (folder / name).symlink_to(target)
            add(name, ERROR)
    return cases


def main() -> None:
    folder = Path(sys.argv[1])
    folder.mkdir(parents=True, exist_ok=True)
    for case in write_corpus(folder):
        print(f"{case.expect:8s} {case.name}")


if __name__ == "__main__":
    main()
