"""The handwriting generator: deterministic, a clean split of style families, every family
drawable, and the real pen-tablet digits read correctly."""

from __future__ import annotations

import numpy as np
import pytest

from trainer import doodles, drawing, glyphs
from trainer import handwriting as hw
from trainer.mixed_data import PEN_TRAIN_ROWS, pendigits_path


def _model_inputs(drawings) -> np.ndarray:
    return hw.preprocess_all((gray for *_, gray in drawings), hw.MNIST_RECIPE)


def test_same_seed_same_drawings_other_seed_other_drawings() -> None:
    first = _model_inputs(hw.synthetic_digits(40, seed=3))
    again = _model_inputs(hw.synthetic_digits(40, seed=3))
    other = _model_inputs(hw.synthetic_digits(40, seed=4))
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)
    negatives = _model_inputs(hw.negatives(20, seed=5))
    assert np.array_equal(negatives, _model_inputs(hw.negatives(20, seed=5)))


def test_held_out_families_are_never_among_the_training_families() -> None:
    train, held_out = set(hw.digit_families(False)), set(hw.digit_families(True))
    assert not train & held_out
    assert train | held_out == {(d, f) for d, fs in glyphs.DIGITS.items() for f in fs}
    for digit in range(10):  # every digit has both kinds
        assert sum(d == digit for d, _ in held_out) >= 1
        assert sum(d == digit for d, _ in train) >= 2
    drawn = {(d, f) for d, f, _ in hw.synthetic_digits(len(train), seed=0, scan_fraction=0)}
    assert drawn == train  # cycling through the training side covers it, and only it
    assert not glyphs.HELD_OUT_LETTERS - set(glyphs.LETTERS)
    assert set(glyphs.LETTERS) - glyphs.HELD_OUT_LETTERS  # some letters are left for training
    assert not set(doodles.TRAIN_SHAPES) & set(doodles.HELD_OUT_SHAPES)
    rng = np.random.default_rng(0)
    for held_out in (False, True):  # every kind of shape draws something
        for _ in range(60):
            glyph = doodles.shape(rng, held_out)
            assert hw.to_mnist_input(drawing.draw_glyph(glyph, rng)) is not None


@pytest.mark.parametrize("digit", range(10))
def test_every_family_draws_a_digit_sized_picture(digit: int) -> None:
    rng = np.random.default_rng(digit)
    for family, glyph in glyphs.DIGITS[digit].items():
        image = hw.to_mnist_input(drawing.draw_glyph(glyph, rng))
        assert image is not None, family
        # MNIST's recipe: the ink fills a 20-pixel box and is centred in 28 x 28
        rows, cols = np.flatnonzero(image.max(1) > 25), np.flatnonzero(image.max(0) > 25)
        assert max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 in range(18, 23), family
        assert image.max() > 100  # thin pens lose some strength when shrunk, never all


def test_scanner_style_is_black_and_white_and_fills_its_box() -> None:
    rng = np.random.default_rng(0)
    gray = drawing.draw_glyph(glyphs.DIGITS[1]["stick"], rng)
    scanned = drawing.scan_like(gray, rng, boxes=(16,))
    assert set(np.unique(scanned)) <= {0.0, 1.0}
    ink = scanned < 0.5
    # a thin "1" stretched to fill a square box touches all four sides of it
    assert ink[0].any() and ink[-1].any() and ink[:, 0].any() and ink[:, -1].any()


def test_pen_tablet_digits_are_read_as_recorded() -> None:
    path = pendigits_path()
    if path is None:
        pytest.skip("the shared pen-tablet handwriting is not on this machine")
    points, labels = hw.read_pendigits(path)
    assert points.shape == (7494, 8, 2) and labels.shape == (7494,)
    assert set(np.unique(labels)) == set(range(10))
    assert points.min() >= 0 and points.max() <= 100
    assert len(labels) > PEN_TRAIN_ROWS  # some rows are left for measuring only
    image = hw.to_mnist_input(hw.draw_pendigit(points[0], np.random.default_rng(0)))
    assert image is not None and image.max() > 100
