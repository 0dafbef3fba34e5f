"""Handwriting for training and measuring: generated digits in the styles people write around
the world, generated pictures that are not digits at all, and real pen-tablet digits, all as gray
pictures (black on white) that then go through the app's own preprocessing (desktop.preprocess),
so they reach the network exactly as a user's drawing would.

The parts: trainer.glyphs (stroke skeletons of the style families, split into TRAIN and
HELD_OUT), trainer.drawing (random pen styles and rendering), trainer.doodles (letters, words,
shapes and scribbles). Plain numpy: the benchmarks use it without torch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from desktop import preprocess
from trainer.doodles import negative_glyph
from trainer.drawing import densify, draw_glyph, render, scan_like
from trainer.glyphs import DIGITS, HELD_OUT_DIGIT_FAMILIES

MNIST_RECIPE = {"name": "mnist-digit", "ink": "light-on-dark", "trim": "ink", "fit": 20,
                "canvas": 28, "center": "mass"}


def to_mnist_input(gray: np.ndarray, recipe: dict | None = None) -> np.ndarray | None:
    """A picture as the digit model sees it (28x28 uint8, light on dark), or None if blank."""
    image = preprocess.to_model_input(gray, recipe or MNIST_RECIPE)
    return None if image is None else np.round(image * 255).astype(np.uint8)


# ---- real pen-tablet handwriting ----

def read_pendigits(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(N x 8 x 2 points on 0..100 with y up, N labels) from the UCI pen-digits CSV."""
    rows = [line.strip().split(",") for line in Path(path).read_text().splitlines() if line.strip()]
    points = np.array([[int(v) for v in row[:16]] for row in rows], dtype=np.float32)
    labels = np.array([row[16].index("1") if len(row[16]) == 10 else int(row[16])
                       for row in rows], dtype=np.int64)
    return points.reshape(-1, 8, 2), labels


def draw_pendigit(points: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The tablet's points joined as one polyline (pen lifts were not recorded), y down."""
    stroke = np.stack([points[:, 0], 100 - points[:, 1]], 1) / 100.0
    width = float(rng.uniform(0.025, 0.12))
    return render([densify(stroke, 0.02)], width, float(rng.uniform(0, 0.4)), rng)


# ---- whole sets ----

def digit_families(held_out: bool) -> list[tuple[int, str]]:
    """(digit, family) pairs of one side of the split."""
    return [(digit, family) for digit, families in DIGITS.items() for family in families
            if (family in HELD_OUT_DIGIT_FAMILIES[digit]) == held_out]


def synthetic_digits(count: int, seed: int, held_out: bool = False, scan_fraction: float = 0.25
                     ) -> Iterator[tuple[int, str, np.ndarray]]:
    """(digit, family, gray picture) drawings, cycling through the families of one side."""
    rng = np.random.default_rng(seed)
    families = digit_families(held_out)
    for i in range(count):
        digit, family = families[i % len(families)]
        gray = draw_glyph(DIGITS[digit][family], rng)
        if rng.random() < scan_fraction:
            gray, family = scan_like(gray, rng), family + "/scan"
        yield digit, family, gray


def negatives(count: int, seed: int, held_out: bool = False
              ) -> Iterator[tuple[str, np.ndarray]]:
    """(family, gray picture) drawings that are not digits."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        family, glyph = negative_glyph(rng, held_out)
        yield family, draw_glyph(glyph, rng)


def preprocess_all(grays: Iterator[np.ndarray], recipe: dict,
                   progress: Callable[[int], None] | None = None) -> np.ndarray:
    """Stack the model inputs (uint8 N x 28 x 28) of pictures; blank ones become all zero."""
    images = []
    for i, gray in enumerate(grays):
        image = preprocess.to_model_input(gray, recipe)
        images.append(np.zeros((28, 28), np.uint8) if image is None
                      else np.round(image * 255).astype(np.uint8))
        if progress and i % 1000 == 0:
            progress(i)
    return np.stack(images) if images else np.zeros((0, 28, 28), np.uint8)
