"""How well do the shipped models read handwriting they were not trained on, and do they say
"that is not a digit" (or "not clothing") when it isn't one?

Every picture goes through the app's own path (desktop.preprocess + desktop.models.Classifier).
The sets, each printed with its accuracy and the share the model rejects as "none of these":

  train styles        generated digits in the style families the trainer uses (fresh seeds)
  held-out styles     generated digits in families never trained on (trainer.handwriting)
  held-out, scanned   the same, stored like an old scanner (box stretched, black and white)
  canvas (mouse)      held-out families drawn on the app's real canvas with mouse events
  pen tablet          real digits by 30 people (../shared/handwriting), the rows the trainer
                      never uses
  MNIST test          the official test images, as pictures
  not digits          letters, words, shapes, scribbles in held-out families, and clothing
  not clothing        (clothing models) digits, held-out letters, scribbles, shapes

Then per family and per digit figures, the held-out confusion matrix, the expected calibration
error before and after the temperature, and a rejection sweep over thresholds.

    .venv/bin/python -m benchmarks.handwriting [--per-digit 100] [--seed 2026] [--no-canvas]
"""

from __future__ import annotations

import argparse
import gzip
import os
from collections import defaultdict
from pathlib import Path

import numpy as np

from desktop import models, paths
from trainer import calibration, drawing
from trainer import handwriting as hw
from trainer.data import default_data_dir
from trainer.glyphs import DIGITS
from trainer.mixed_data import PEN_TRAIN_ROWS, pendigits_path

Sample = tuple[int, str, np.ndarray]  # (label, family, gray picture); label -1: not a class
THRESHOLDS = (0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99)


def read_idx(path: Path) -> np.ndarray:
    """An MNIST-format idx file (raw or .gz) as a numpy array."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as file:
        data = file.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def test_set(name: str, count: int, seed: int) -> list[Sample]:
    """`count` official test images of MNIST or FashionMNIST as pictures (dark on white)."""
    raw = default_data_dir() / name / "raw"
    images = read_idx(raw / "t10k-images-idx3-ubyte")
    labels = read_idx(raw / "t10k-labels-idx1-ubyte")
    chosen = np.random.default_rng(seed).choice(len(images), min(count, len(images)),
                                                replace=False)
    return [(int(labels[i]), name, 1.0 - images[i] / 255.0) for i in chosen]


def synthetic(per_digit: int, seed: int, held_out: bool, scan: bool) -> list[Sample]:
    count = per_digit * 10
    samples = hw.synthetic_digits(count, seed, held_out=held_out, scan_fraction=0.0)
    rng = np.random.default_rng(seed + 1)
    return [(d, f + ("/scan" if scan else ""),
             drawing.scan_like(g, rng, boxes=(16,)) if scan else g) for d, f, g in samples]


def pen_tablet(limit: int, seed: int) -> list[Sample]:
    path = pendigits_path()
    if path is None:
        return []
    points, labels = hw.read_pendigits(path)
    rng = np.random.default_rng(seed)
    rows = range(PEN_TRAIN_ROWS, min(len(labels), PEN_TRAIN_ROWS + limit))
    return [(int(labels[i]), "pen", hw.draw_pendigit(points[i], rng)) for i in rows]


def negatives(count: int, seed: int) -> list[Sample]:
    return [(-1, family, gray) for family, gray in hw.negatives(count, seed, held_out=True)]


def canvas_drawings(per_digit: int, seed: int) -> list[Sample]:
    """Held-out families drawn on the real DrawingCanvas with mouse press/move/release events
    (its own brush, its own image), as a user draws them."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from desktop.gui.canvas import DrawingCanvas
    from desktop.gui.scripted_input import draw_shape
    from desktop.image_io import from_qimage

    app = QApplication.instance() or QApplication([])
    canvas = DrawingCanvas()
    canvas.resize(400, 400)
    canvas.show()
    app.processEvents()
    rng = np.random.default_rng(seed)
    families = hw.digit_families(held_out=True)
    drawings = []
    for i in range(per_digit * 10):
        digit, family = families[i % len(families)]
        style = drawing.random_style(rng)
        strokes = drawing.place(DIGITS[digit][family], style, rng)
        every = np.concatenate(strokes)
        low, high = every.min(axis=0), every.max(axis=0)
        size = float(rng.uniform(0.3, 0.8))  # share of the paper the digit's height takes
        scale = size / max(float((high - low).max()), 1e-6)
        centre = rng.uniform(0.5 - (1 - size) / 2 + 0.05, 0.5 + (1 - size) / 2 - 0.05, 2)
        shape = [[tuple(map(float, (p - (low + high) / 2) * scale + centre)) for p in s]
                 for s in strokes]
        canvas.clear()
        canvas.set_brush_size(int(np.clip(style.width * size * 280, 4, 40)))
        draw_shape(canvas, shape)
        drawings.append((digit, family + "/canvas", from_qimage(canvas.render_image())))
    canvas.close()
    return drawings


def run_model(classifier: models.Classifier, samples: list[Sample]) -> list:
    return classifier.classify_batch([gray for _, _, gray in samples])


def _pct(values) -> str:
    values = list(values)
    return f"{100 * np.mean(values):5.1f}%" if values else "    -"


def report_set(name: str, samples: list[Sample], predictions: list, is_negative: bool) -> None:
    accepted = [p is not None and p.accepted for p in predictions]
    if is_negative:
        print(f"  {name:22s} n={len(samples):5d}  rejected {_pct(not a for a in accepted)}")
        return
    right = [p is not None and p.index == label for (label, _, _), p in zip(
        samples, predictions, strict=True)]
    print(f"  {name:22s} n={len(samples):5d}  accuracy {_pct(right)}  "
          f"rejected {_pct(not a for a in accepted)}  "
          f"read right and accepted {_pct(r and a for r, a in zip(right, accepted, strict=True))}")


def per_family(samples: list[Sample], predictions: list) -> str:
    hits: dict[str, list[bool]] = defaultdict(list)
    for (label, family, _), p in zip(samples, predictions, strict=True):
        hits[f"{label} {family}"].append(p is not None and p.index == label)
    return ", ".join(f"{k} {100 * np.mean(v):.0f}%" for k, v in sorted(hits.items()))


def rejected_per_family(samples: list[Sample], predictions: list) -> str:
    rejected: dict[str, list[bool]] = defaultdict(list)
    for (_, family, _), p in zip(samples, predictions, strict=True):
        rejected[family].append(p is not None and not p.accepted)
    return ", ".join(f"{k} {100 * np.mean(v):.0f}%" for k, v in sorted(rejected.items()))


def per_digit_and_confusion(samples: list[Sample], predictions: list, classes: int) -> None:
    matrix = np.zeros((classes, classes), dtype=int)
    for (label, _, _), p in zip(samples, predictions, strict=True):
        if p is not None:
            matrix[label, p.index] += 1
    recall = matrix.diagonal() / np.maximum(matrix.sum(1), 1)
    print("    per digit: " + "  ".join(f"{d}: {100 * r:.0f}%" for d, r in enumerate(recall)))
    print("    confusion (rows true, columns predicted):")
    print("         " + " ".join(f"{c:>4d}" for c in range(classes)))
    for d in range(classes):
        print(f"    {d:>3d}  " + " ".join(f"{v:>4d}" for v in matrix[d]))


def calibration_line(name: str, samples: list[Sample], predictions: list,
                     temperature: float) -> str:
    kept = [(label, p) for (label, _, _), p in zip(samples, predictions, strict=True)
            if p is not None]
    if not kept:
        return ""
    probabilities = np.stack([p.probabilities for _, p in kept]).astype(np.float64)
    labels = np.array([label for label, _ in kept])
    # The graph divides the logits by T; raising to the power T undoes it: softmax(z) again.
    raw = probabilities ** temperature
    raw /= raw.sum(axis=1, keepdims=True)
    before = calibration.expected_calibration_error(raw, labels)
    after = calibration.expected_calibration_error(probabilities, labels)
    return f"  ECE {name:20s} before {before:.4f}  after {after:.4f}  (T = {temperature:.3f})"


def sweep(real: dict[str, list], others: dict[str, list]) -> None:
    print("  rejection sweep (share rejected at each threshold on the 'outlier' output):")
    print("    threshold " + "".join(f"{name:>18s}" for name in [*real, *others]))
    for threshold in THRESHOLDS:
        cells = [_pct(p is not None and p.outlier > threshold for p in preds)
                 for preds in [*real.values(), *others.values()]]
        print(f"    {threshold:9.2f} " + "".join(f"{c:>18s}" for c in cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-digit", type=int, default=100, help="drawings per digit and set")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--no-canvas", action="store_true", help="skip the real-canvas set")
    parser.add_argument("--models-dir", type=Path, default=None)
    args = parser.parse_args()
    entries = [e for e in models.discover(args.models_dir or paths.models_dir()) if e.available]
    n, seed = args.per_digit, args.seed
    digits = {
        "train styles": synthetic(n, seed + 1, held_out=False, scan=False),
        "held-out styles": synthetic(n, seed + 2, held_out=True, scan=False),
        "held-out, scanned": synthetic(n, seed + 3, held_out=True, scan=True),
        "pen tablet (held out)": pen_tablet(10_000, seed + 4),
        "MNIST test": test_set("MNIST", 10_000, seed + 5),
    }
    if not args.no_canvas:
        digits["canvas (mouse)"] = canvas_drawings(max(1, n // 4), seed + 6)
    not_digits = {"letters/shapes/scribbles": negatives(10 * n, seed + 7),
                  "clothing (test set)": test_set("FashionMNIST", 10 * n, seed + 8)}
    clothing = {"Fashion test": test_set("FashionMNIST", 10_000, seed + 9)}
    not_clothing = {"digits (MNIST test)": test_set("MNIST", 10 * n, seed + 10),
                    "held-out drawn digits": digits["held-out styles"],
                    "letters/shapes/scribbles": not_digits["letters/shapes/scribbles"]}
    print(f"seed {seed}; " + ", ".join(f"{k}: {len(v)}" for k, v in digits.items()))
    for entry in entries:
        classifier = models.Classifier(entry.info)
        is_digits = entry.info.dataset == "mnist"
        real, others = (digits, not_digits) if is_digits else (clothing, not_clothing)
        print(f"\n== {entry.model_id} (reject above {entry.info.reject_threshold})")
        results_real = {name: run_model(classifier, s) for name, s in real.items() if s}
        results_others = {name: run_model(classifier, s) for name, s in others.items()}
        for name, preds in results_real.items():
            report_set(name, real[name], preds, is_negative=False)
        for name, preds in results_others.items():
            report_set(name, others[name], preds, is_negative=True)
            if entry.info.reject_threshold is not None:
                print(f"    rejected per family: {rejected_per_family(others[name], preds)}")
        for name, preds in results_real.items():
            line = calibration_line(name, real[name], preds, entry.info.temperature)
            if line:
                print(line)
        if is_digits:
            print("  per family, training styles:  " + per_family(
                digits["train styles"], results_real["train styles"]))
            print("  per family, held-out styles:   " + per_family(
                digits["held-out styles"], results_real["held-out styles"]))
            for name in ("held-out styles", "held-out, scanned", "pen tablet (held out)",
                         "canvas (mouse)"):
                if name in results_real:
                    print(f"  {name}:")
                    per_digit_and_confusion(real[name], results_real[name], 10)
        if entry.info.reject_threshold is not None:
            sweep(results_real, results_others)


if __name__ == "__main__":
    main()
