"""Decoding real image files written with QImage: formats, transparency, damage, huge sizes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage, QImageReader

from desktop.image_io import MAX_SIDE, ImageError, decode_image, from_qimage, load_image


def gradient(width: int = 64, height: int = 16) -> QImage:
    """A left-to-right black-to-white ramp, built from a numpy buffer: per-pixel Qt calls are
    slow (and PySide6 6.12 on Python 3.11 loses a reference to None on every void call)."""
    ramp = np.round(np.linspace(0, 255, width)).astype(np.uint8)
    pixels = np.ascontiguousarray(np.tile(ramp, (height, 1)))
    return QImage(pixels.data, width, height, width, QImage.Format.Format_Grayscale8).copy()


def saved(image: QImage, path: Path, quality: int = -1) -> Path:
    assert image.save(str(path), None, quality), f"Qt could not write {path.name}"
    return path


def test_png_alpha_is_composited_on_white(tmp_path: Path) -> None:
    image = QImage(3, 1, QImage.Format.Format_ARGB32)
    image.setPixelColor(0, 0, QColor(0, 0, 0, 0))  # transparent black: paper shows through
    image.setPixelColor(1, 0, QColor(0, 0, 0, 128))
    image.setPixelColor(2, 0, QColor(0, 0, 0, 255))
    gray = load_image(saved(image, tmp_path / "alpha.png"))
    assert gray.shape == (1, 3) and gray.dtype == np.float32
    np.testing.assert_allclose(gray[0], [1.0, 1 - 128 / 255, 0.0], atol=2e-3)


def test_16_bit_grayscale_keeps_its_precision(tmp_path: Path) -> None:
    levels = np.array([0, 1000, 1100, 40000, 65535], dtype=np.uint16)
    image = QImage(len(levels), 1, QImage.Format.Format_Grayscale16)
    np.frombuffer(image.bits(), dtype=np.uint16)[: len(levels)] = levels  # QColor is 8-bit
    path = saved(image, tmp_path / "deep.png")
    assert QImageReader(str(path)).read().format() == QImage.Format.Format_Grayscale16
    # 1000 and 1100 fall in the same 8-bit level; at 16 bits they stay apart.
    np.testing.assert_allclose(load_image(path)[0], levels / 65535, atol=2e-5)


def test_palette_png_with_a_transparent_entry(tmp_path: Path) -> None:
    image = QImage(3, 2, QImage.Format.Format_Indexed8)
    image.setColorTable([QColor(0, 0, 0).rgba(), QColor(255, 255, 255).rgba(),
                         QColor(90, 0, 0, 0).rgba()])
    for x, index in enumerate((0, 1, 2)):
        for y in range(2):
            image.setPixel(x, y, index)
    path = saved(image, tmp_path / "palette.png")
    assert QImageReader(str(path)).read().format() == QImage.Format.Format_Indexed8
    np.testing.assert_allclose(load_image(path), [[0, 1, 1], [0, 1, 1]], atol=1e-3)


def test_jpeg(tmp_path: Path) -> None:
    gray = load_image(saved(gradient(), tmp_path / "ramp.jpg", quality=95))
    assert gray.shape == (16, 64)
    np.testing.assert_allclose(gray.mean(axis=0), np.linspace(0, 1, 64), atol=0.03)


def test_cmyk_jpeg(tmp_path: Path) -> None:
    colour = QImage(40, 30, QImage.Format.Format_RGB32)
    colour.fill(QColor(200, 40, 30))
    cmyk = colour.convertToFormat(QImage.Format.Format_CMYK8888)
    path = tmp_path / "print.jpg"
    if cmyk.isNull() or not cmyk.save(str(path), "JPEG", 95):
        pytest.skip("this Qt cannot write CMYK JPEG")
    assert QImageReader(str(path)).read().format() == QImage.Format.Format_CMYK8888
    expected = (0.299 * 200 + 0.587 * 40 + 0.114 * 30) / 255
    np.testing.assert_allclose(load_image(path), expected, atol=0.04)


def test_huge_image_is_read_downscaled(tmp_path: Path) -> None:
    """12000 x 12000, left half black: made cheaply as a 1-bit image (18 MB in memory)."""
    side = 12_000
    row = np.zeros(side // 8, dtype=np.uint8)
    row[side // 16:] = 0xFF
    bits = np.tile(row, (side, 1))
    image = QImage(bits.data, side, side, side // 8, QImage.Format.Format_Mono)
    image.setColorTable([QColor(0, 0, 0).rgba(), QColor(255, 255, 255).rgba()])
    gray = load_image(saved(image, tmp_path / "huge.png"))
    del image, bits
    assert gray.shape == (MAX_SIDE, MAX_SIDE)
    assert gray[:, : MAX_SIDE // 2 - 2].max() < 0.01
    assert gray[:, MAX_SIDE // 2 + 2:].min() > 0.99


def test_content_decides_the_format_not_the_name(tmp_path: Path) -> None:
    path = saved(gradient(), tmp_path / "ramp.png")
    renamed = path.rename(tmp_path / "really-a-png.jpg")
    np.testing.assert_allclose(load_image(renamed), load_image(saved(gradient(), path)))


def text_file(tmp_path: Path) -> Path:
    path = tmp_path / "notes.png"
    path.write_text("shopping list: milk, eggs")
    return path


def truncated_png(tmp_path: Path) -> Path:
    data = saved(gradient(300, 300), tmp_path / "full.png").read_bytes()
    path = tmp_path / "truncated.png"
    path.write_bytes(data[: len(data) // 2])
    return path


def empty_file(tmp_path: Path) -> Path:
    path = tmp_path / "empty.png"
    path.touch()
    return path


@pytest.mark.parametrize(("make", "reason"), [
    (text_file, "not a picture"),
    (truncated_png, "damaged or incomplete"),
    (empty_file, "empty"),
    (lambda tmp: tmp / "missing.png", "does not exist"),
    (lambda tmp: tmp, "is a folder"),
], ids=["text-file", "truncated", "empty", "missing", "directory"])
def test_bad_files_raise_a_clear_image_error(tmp_path: Path, make, reason: str) -> None:
    path = make(tmp_path)
    with pytest.raises(ImageError, match=reason) as caught:
        load_image(path)
    assert str(path) in str(caught.value)


def test_decode_bytes_like_files(tmp_path: Path, samples_dir: Path) -> None:
    sample = next((samples_dir / "mnist").glob("*.png"))
    np.testing.assert_array_equal(decode_image(sample.read_bytes()), load_image(sample))
    with pytest.raises(ImageError, match="dropped file"):
        decode_image(b"\x89PNG but not really", name="The dropped file")
    with pytest.raises(ImageError, match="empty"):
        decode_image(b"")


def test_from_qimage_of_a_canvas_and_of_nothing() -> None:
    canvas = QImage(280, 280, QImage.Format.Format_RGB32)
    canvas.fill(QColor(255, 255, 255))
    canvas.setPixelColor(10, 20, QColor(0, 0, 0))
    gray = from_qimage(canvas)
    assert gray.shape == (280, 280) and gray[20, 10] == 0 and gray.sum() == 280 * 280 - 1
    with pytest.raises(ImageError):
        from_qimage(QImage())
