"""Decoding real image files written with QImage: formats, transparency, damage, huge sizes,
and the child process that decodes them (limits, cancellation, hostile files)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from hostile_corpus import png, seven, svg_bomb
from PySide6.QtGui import QColor, QImage, QImageReader

from desktop import image_io
from desktop.image_io import (
    MAX_SIDE,
    DecodeCancelled,
    Decoder,
    ImageError,
    decode_image,
    from_qimage,
    load_image,
)

ROOT = Path(__file__).resolve().parents[1]


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
    """8000 x 8000 (64 megapixels is the limit), left half black: made cheaply as a 1-bit
    image (8 MB in memory)."""
    side = 8_000
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
    (truncated_png, "damaged or truncated"),
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


# --- the regressions of issue 9 ("Pictures") --------------------------------------------------


def test_too_many_pixels_is_refused_with_the_size(tmp_path: Path) -> None:
    """A 1 MB PNG of 16383 x 16383 pixels would decode to 1 GB, then 2 GB to scale it."""
    path = tmp_path / "huge.png"
    path.write_bytes(png(16383, 16383, colour=6))
    with pytest.raises(ImageError, match=r"too large to open \(16383 x 16383 pixels"):
        load_image(path)


@pytest.mark.parametrize("levels", [8, 9])
def test_an_svg_use_bomb_is_refused_at_once(tmp_path: Path, levels: int) -> None:
    """2.4 KB that Qt would draw for minutes (10 ** levels rectangles)."""
    path = tmp_path / "bomb.svg"
    path.write_text(svg_bomb(levels))
    with pytest.raises(ImageError, match="too complex to draw"):
        load_image(path)


def test_svg_text_is_drawn(tmp_path: Path) -> None:
    """Qt's fonts need a QGuiApplication: the child process has one (this process may not)."""
    path = tmp_path / "seven.svg"
    path.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><text x="16" '
                    'y="54" font-size="56">7</text></svg>')
    gray = load_image(path)
    assert gray.shape == (64, 64) and gray.min() < 0.2 and gray.max() == 1.0


def test_an_svg_that_opens_other_files_is_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.png")  # Qt would wait for ever on it
    path = tmp_path / "refers.svg"
    path.write_text(f'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"><image '
                    f'href="{tmp_path / "pipe.png"}" width="9" height="9"/></svg>')
    with pytest.raises(ImageError, match="refers to another file"):
        load_image(path)


@pytest.mark.parametrize("size", [(1, 10000), (10000, 1)])
def test_thin_strips_are_pictures(tmp_path: Path, size: tuple[int, int]) -> None:
    path = tmp_path / "strip.png"
    path.write_bytes(png(*size))
    width, height = size
    assert load_image(path).shape == (min(height, MAX_SIDE), min(width, MAX_SIDE))


def test_a_name_that_is_not_utf8(tmp_path: Path) -> None:
    good = tmp_path / os.fsdecode(b"caf\xe9.png")
    assert gradient().save(str(tmp_path / "ramp.png"))
    good.write_bytes((tmp_path / "ramp.png").read_bytes())
    np.testing.assert_array_equal(load_image(good), load_image(tmp_path / "ramp.png"))
    bad = tmp_path / os.fsdecode(b"\xff-notes.png")
    bad.write_text("not a picture")
    with pytest.raises(ImageError, match=r"\\xff-notes.png is not a picture") as caught:
        load_image(bad)
    str(caught.value).encode("utf-8")  # printable anywhere


def test_half_a_jpeg_is_damaged_not_classified(tmp_path: Path) -> None:
    data = saved(gray_image(seven(300)), tmp_path / "full.jpg").read_bytes()
    (tmp_path / "half.jpg").write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageError, match="damaged or truncated.*premature end"):
        load_image(tmp_path / "half.jpg")


@pytest.mark.parametrize("fmt", ["gif", "bmp"])
def test_truncated_gif_and_bmp_are_damaged(tmp_path: Path, fmt: str) -> None:
    """Qt shows these with a blank lower half and no warning at all."""
    from hostile_corpus import gif

    full = (gif([seven()]) if fmt == "gif"
            else saved(gray_image(seven()), tmp_path / "full.bmp").read_bytes())
    path = tmp_path / f"half.{fmt}"
    path.write_bytes(full[: len(full) * 2 // 3])
    with pytest.raises(ImageError, match="damaged or truncated"):
        load_image(path)


def test_random_bytes_named_png_are_not_a_picture(tmp_path: Path) -> None:
    path = tmp_path / "noise.png"
    path.write_bytes(np.random.default_rng(1).bytes(5000))
    with pytest.raises(ImageError, match="noise.png is not a picture: its content is in none"):
        load_image(path)


@pytest.mark.parametrize(("make", "reason"), [
    (lambda tmp: os.mkfifo(tmp / "pipe.png") or tmp / "pipe.png", "named pipe"),
    (lambda tmp: (tmp / "zero.png").symlink_to("/dev/zero") or tmp / "zero.png", "a device"),
    (lambda tmp: (tmp / "loop.png").symlink_to("loop.png") or tmp / "loop.png", "symbolic"),
], ids=["fifo", "dev-zero", "symlink-loop"])
def test_what_is_not_a_file_is_refused_without_opening_it(tmp_path: Path, make, reason):
    with pytest.raises(ImageError, match=reason):
        load_image(make(tmp_path))


def test_a_decode_over_its_time_is_abandoned_and_the_next_one_works(tmp_path: Path) -> None:
    """48 megapixels take far longer than 50 ms to decode."""
    big = tmp_path / "big.png"
    big.write_bytes(png(8000, 6000, rows=lambda y: b"\xff" * 8000))
    small = saved(gradient(), tmp_path / "ramp.png")
    decoder = Decoder(timeout_s=0.05)
    try:
        with pytest.raises(ImageError, match=r"took longer than 0.05 s"):
            decoder.load(big)
        decoder.timeout_s = 120  # a busy machine may start a child slowly
        assert decoder.load(small).shape == (16, 64)  # a fresh child took over
    finally:
        decoder.close()


def test_cancel_stops_the_running_decode_at_once(tmp_path: Path) -> None:
    big = tmp_path / "big.png"
    big.write_bytes(png(8000, 6000, rows=lambda y: b"\xff" * 8000))
    decoder = Decoder(cancel_grace_s=0)
    decoder.start()
    outcome: list[BaseException] = []

    def decode() -> None:
        try:
            decoder.load(big, ticket="old")
        except ImageError as error:
            outcome.append(error)

    worker = threading.Thread(target=decode)
    try:
        worker.start()
        while decoder._ticket is None:  # the request reached the child
            time.sleep(0.001)
        decoder.cancel("old")
        worker.join(30)
        assert not worker.is_alive()
        assert outcome and isinstance(outcome[0], DecodeCancelled)
        assert decoder.load(saved(gradient(), tmp_path / "ramp.png")).shape == (16, 64)
        decoder.cancel("never-started")  # a request cancelled before it runs never runs
        with pytest.raises(DecodeCancelled):
            decoder.load(big, ticket="never-started")
    finally:
        decoder.close()


def test_a_picture_beyond_the_memory_limit_ends_with_a_message(tmp_path: Path) -> None:
    """The child's address space is limited: 48 megapixels need ~400 MB more than Qt,
    Python and numpy take, which a 400 MB limit does not leave."""
    if not sys.platform.startswith("linux"):
        pytest.skip("RLIMIT_AS is enforced on Linux only")
    big = tmp_path / "big.png"
    big.write_bytes(png(8000, 6000, depth=8, colour=6))
    decoder = Decoder(memory_limit_mb=400, timeout_s=600)  # patient on a busy machine
    try:
        with pytest.raises(ImageError, match="memory|too large") as caught:
            decoder.load(big)
        assert "big.png" in str(caught.value)
        assert decoder.load(saved(gradient(), tmp_path / "ramp.png")).shape == (16, 64)
    finally:
        decoder.close()


def test_the_child_is_the_hidden_entry_of_the_app() -> None:
    """`python -m desktop --decode-pictures` (the frozen app: `digit-lens --decode-pictures`)
    serves requests and ends when its input closes."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.run([sys.executable, "-m", "desktop", image_io.WORKER_FLAG], input=b"",
                           capture_output=True, env=env, timeout=60)
    assert child.returncode == 0 and child.stdout == b"ready\n"


def gray_image(pixels: np.ndarray) -> QImage:
    pixels = np.ascontiguousarray(pixels, dtype=np.uint8)
    return QImage(pixels.data, pixels.shape[1], pixels.shape[0], pixels.shape[1],
                  QImage.Format.Format_Grayscale8).copy()
