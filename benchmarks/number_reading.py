"""How often does the app read a whole number right? Numbers of 3 to 5 digits are composed two
ways and read with desktop.numbers (split into digits, each digit through the model's own
preprocessing):

  drawn  digits drawn like on the app's 280x280 canvas (benchmarks/strokes.py templates, one pen
         per number, random sizes, slants, rotations), placed left to right with gaps;
  mnist  MNIST test digits pasted side by side with random gaps, sizes and vertical offsets.

Each source is measured with gaps between the digits and, separately, with touching digits (no
blank column between neighbours: boxes overlapping by up to 12 % of the digit height). A number
counts only when every digit is read and in the right order. Fixed seed.

    .venv/bin/python -m benchmarks.number_reading [--count 400] [--seed 2026] [--data DIR]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from benchmarks.strokes import CANVAS, TEMPLATES, Style, canvas_strokes, render
from desktop import models, numbers, paths, preprocess
from desktop.image_io import from_qimage

Composer = Callable[[np.random.Generator, list[int], bool], np.ndarray]


def load_mnist_test(data_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """The 10,000 MNIST test images (N x 28 x 28 uint8, white ink on black) and labels."""
    raw = data_dir / "MNIST" / "raw"
    images = np.fromfile(raw / "t10k-images-idx3-ubyte", dtype=np.uint8, offset=16)
    labels = np.fromfile(raw / "t10k-labels-idx1-ubyte", dtype=np.uint8, offset=8)
    return images.reshape(-1, 28, 28), labels


def compose_mnist(images: np.ndarray, labels: np.ndarray) -> Composer:
    """Pastes MNIST test digits (ink cropped) side by side on white paper."""
    by_digit = [np.flatnonzero(labels == d) for d in range(10)]

    def compose(rng: np.random.Generator, digits: list[int], touching: bool) -> np.ndarray:
        height = float(rng.choice([20, 32, 48]))  # the line's digit height in pixels
        pieces = []
        for digit in digits:
            ink = images[rng.choice(by_digit[digit])].astype(np.float32) / 255
            rows = np.flatnonzero(ink.max(axis=1) > 0.1)
            cols = np.flatnonzero(ink.max(axis=0) > 0.1)
            ink = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
            size = height * rng.uniform(0.85, 1.15)  # digits of one line differ a little
            scale = size / ink.shape[0]
            fit = max(1, round(max(ink.shape) * scale))
            pieces.append(preprocess.fit_longer_side(ink, fit))
        return _paste(rng, pieces, height, touching)

    return compose


def compose_drawn(rng: np.random.Generator, digits: list[int], touching: bool) -> np.ndarray:
    """Digits drawn with one pen on a canvas-sized sheet, like a user writing a number."""
    height = rng.uniform(0.28, 0.45) * CANVAS
    pen = rng.uniform(5, min(22.0, 0.2 * height))
    slant, rotation = rng.uniform(-15, 15), rng.uniform(-6, 6)
    drawn = []
    for digit in digits:
        variants = sorted(TEMPLATES[digit])
        style = Style(width=pen, slant=slant + rng.uniform(-5, 5),
                      rotation=rotation + rng.uniform(-4, 4),
                      size=height / (4 * CANVAS) * rng.uniform(0.9, 1.1),
                      aspect=rng.uniform(0.85, 1.2), jitter=rng.uniform(0, 0.01))
        strokes = canvas_strokes(TEMPLATES[digit][variants[rng.integers(len(variants))]],
                                 style, rng, canvas=4 * CANVAS)
        points = [np.asarray(s) for s in strokes]
        every = np.concatenate(points)
        low = every.min(axis=0) - pen / 2
        high = every.max(axis=0) + pen / 2
        drawn.append(([p - low for p in points], high - low))
    widths = [size[0] for _, size in drawn]
    gaps = _gaps(rng, len(digits), height, touching)
    total = sum(widths) + sum(gaps)
    scale = min(1.0, (CANVAS - 12) / total, (CANVAS - 12) / max(s[1] for _, s in drawn))
    x = (CANVAS - total * scale) / 2 + rng.uniform(-1, 1) * (CANVAS - total * scale - 12) / 2
    middle = CANVAS / 2 + rng.uniform(-0.2, 0.2) * CANVAS
    placed = []
    for (points, size), gap in zip(drawn, [*gaps, 0.0], strict=True):
        wobble = rng.uniform(-0.06, 0.06) * height
        offset = np.array([x, middle - size[1] * scale / 2 + wobble * scale])
        placed.extend([[(float(px), float(py)) for px, py in p * scale + offset]
                       for p in points])
        x += (size[0] + gap) * scale
    return from_qimage(render(placed, pen * scale))


def _gaps(rng: np.random.Generator, count: int, height: float, touching: bool) -> list[float]:
    if touching:  # boxes overlap a little: no blank column between the digits
        return list(rng.uniform(-0.12, -0.02, count - 1) * height)
    return list(rng.uniform(0.08, 0.6, count - 1) * height)


def _paste(rng: np.random.Generator, pieces: list[np.ndarray], height: float,
           touching: bool) -> np.ndarray:
    """Ink pieces left to right with gaps and vertical offsets; dark ink on white paper."""
    gaps = [round(g) for g in _gaps(rng, len(pieces), height, touching)]
    offsets = [round(rng.uniform(-0.15, 0.15) * height) for _ in pieces]
    margin = round(0.5 * height)
    width = sum(p.shape[1] for p in pieces) + sum(gaps) + 2 * margin
    tall = max(p.shape[0] for p in pieces) + 2 * max(abs(o) for o in offsets) + 2 * margin
    sheet = np.zeros((tall, width), dtype=np.float32)
    x = margin
    for piece, gap, offset in zip(pieces, [*gaps, 0], offsets, strict=True):
        top = (tall - piece.shape[0]) // 2 + offset
        region = sheet[top:top + piece.shape[0], x:x + piece.shape[1]]
        np.maximum(region, piece, out=region)
        x += piece.shape[1] + gap
    return 1.0 - sheet


def make_numbers(rng: np.random.Generator, count: int, compose: Composer,
                 touching: bool) -> list[tuple[str, np.ndarray]]:
    result = []
    for _ in range(count):
        digits = [int(d) for d in rng.integers(0, 10, rng.integers(3, 6))]
        result.append(("".join(map(str, digits)), compose(rng, digits, touching)))
    return result


def exact_rate(classifier: models.Classifier, cases: list[tuple[str, np.ndarray]]) -> tuple:
    """(exact reads in %, reads with the right number of digits in %, examples of misreads)."""
    exact = right_count = 0
    wrong = []
    for truth, gray in cases:
        text = numbers.read_number(classifier, gray).text
        exact += text == truth
        right_count += len(text) == len(truth)
        if text != truth and len(wrong) < 5:
            wrong.append(f"{truth}->{text or '(none)'}")
    return 100 * exact / len(cases), 100 * right_count / len(cases), wrong


def live_cost(classifier: models.Classifier, gray: np.ndarray, repeats: int) -> float:
    """Median milliseconds to split and classify one picture (the app does it per stroke)."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        numbers.read_number(classifier, gray)
        times.append(time.perf_counter() - started)
    return 1000 * float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=400, help="numbers per source and case")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--data", type=Path, default=Path(os.environ.get(
        "DIGIT_LENS_DATA", Path(__file__).resolve().parents[2] / "shared" / "datasets")))
    args = parser.parse_args()
    entries = [e for e in models.discover(paths.models_dir())
               if e.available and numbers.reads_digits(e.info)]
    if not entries:
        raise SystemExit(f"No digit model found in {paths.models_dir()}.")
    sources = {"drawn": compose_drawn, "mnist": compose_mnist(*load_mnist_test(args.data))}
    cases = {}
    for name, compose in sources.items():
        for touching in (False, True):
            rng = np.random.default_rng([args.seed, len(name), touching])
            cases[name, touching] = make_numbers(rng, args.count, compose, touching)
    print(f"{args.count} numbers of 3 to 5 digits per line, seed {args.seed}")
    for entry in entries:
        classifier = models.Classifier(entry.info)
        print(f"\n== {entry.model_id}")
        for (name, touching), group in cases.items():
            exact, counted, wrong = exact_rate(classifier, group)
            label = f"{name}, {'touching' if touching else 'with gaps'}"
            print(f"{label:22s} exact {exact:5.1f}%   right digit count {counted:5.1f}%   "
                  f"e.g. {', '.join(wrong)}")
        for touching in (False, True):
            fours = [gray for truth, gray in cases["drawn", touching] if len(truth) == 4][:30]
            costs = [live_cost(classifier, gray, repeats=20) for gray in fours]
            print(f"per stroke, split + classify a drawn 4-digit number "
                  f"({'touching' if touching else 'with gaps'}): median "
                  f"{np.median(costs):.2f} ms, slowest {max(costs):.2f} ms (n={len(costs)})")


if __name__ == "__main__":
    main()
