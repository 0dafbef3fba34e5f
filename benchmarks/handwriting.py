"""How well do the digit models read handwriting from people who are not in MNIST?

Draws digits the way a user does on the app's canvas (stroke templates in benchmarks/strokes.py,
many pens, slants, rotations, sizes, positions, shaky hands), sends them through the app's own
path (QImage -> desktop.image_io -> desktop.preprocess -> desktop.models.Classifier) and prints
accuracy overall, per digit, per template variant and per drawing-style bucket. Fixed seed.

    .venv/bin/python -m benchmarks.handwriting [--per-digit 300] [--seed 2024]
"""

from __future__ import annotations

import argparse
from collections import defaultdict

import numpy as np

from benchmarks.strokes import TEMPLATES, random_style, render_digit
from desktop import models, paths, preprocess
from desktop.image_io import from_qimage

# Bucket edges for the per-style breakdown: (name, attribute, [(label, low, high), ...])
BUCKETS = (
    ("pen width px", "width", [("6-12", 6, 12), ("12-20", 12, 20), ("20-30", 20, 30),
                               ("30-40", 30, 41)]),
    ("height (canvas)", "size", [("<0.45", 0, 0.45), ("0.45-0.7", 0.45, 0.7),
                                 (">0.7", 0.7, 1.01)]),
    ("slant deg", "slant", [("< -10", -90, -10), ("-10..10", -10, 10), ("> 10", 10, 90)]),
)


def make_drawings(per_digit: int, seed: int) -> list[tuple[int, str, object, np.ndarray]]:
    """(digit, variant, style, gray canvas) for `per_digit` drawings of every digit."""
    rng = np.random.default_rng(seed)
    drawings = []
    for digit, variants in TEMPLATES.items():
        names = sorted(variants)
        for i in range(per_digit):
            variant = names[i % len(names)]
            style = random_style(rng)
            gray = from_qimage(render_digit(digit, variant, style, rng))
            drawings.append((digit, variant, style, gray))
    return drawings


def _accuracy(hits: list[bool]) -> str:
    return f"{100 * np.mean(hits):5.1f}% (n={len(hits)})" if hits else "   -"


def report(model_id: str, drawings: list, predicted: list[int | None]) -> None:
    truth = [d[0] for d in drawings]
    hits = [p == t for p, t in zip(predicted, truth, strict=True)]
    print(f"\n== {model_id}: {100 * np.mean(hits):.1f}% of {len(hits)} drawn digits")
    by_digit: dict[int, list[bool]] = defaultdict(list)
    by_variant: dict[str, list[bool]] = defaultdict(list)
    confusions: dict[tuple[int, int | None], int] = defaultdict(int)
    for (digit, variant, _, _), hit, guess in zip(drawings, hits, predicted, strict=True):
        by_digit[digit].append(hit)
        by_variant[f"{digit} {variant}"].append(hit)
        if not hit:
            confusions[(digit, guess)] += 1
    print("per digit:   " + "  ".join(f"{d}: {100 * np.mean(h):.0f}%"
                                      for d, h in sorted(by_digit.items())))
    print("per variant: " + ", ".join(f"{v} {100 * np.mean(h):.0f}%"
                                      for v, h in sorted(by_variant.items())))
    for title, attribute, edges in BUCKETS:
        cells = []
        for label, low, high in edges:
            bucket = [hit for d, hit in zip(drawings, hits, strict=True)
                      if low <= getattr(d[2], attribute) < high]
            cells.append(f"{label}: {_accuracy(bucket)}")
        print(f"{title:16s} " + "   ".join(cells))
    worst = sorted(confusions.items(), key=lambda kv: -kv[1])[:6]
    print("most confused: " + ", ".join(f"{t}->{p} x{n}" for (t, p), n in worst))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-digit", type=int, default=300, help="drawings per digit")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    entries = [e for e in models.discover(paths.models_dir())
               if e.available and e.info.dataset == "mnist"]
    if not entries:
        raise SystemExit(f"No digit model found in {paths.models_dir()}.")
    drawings = make_drawings(args.per_digit, args.seed)
    print(f"{len(drawings)} drawings, seed {args.seed}, "
          f"{sum(len(v) for v in TEMPLATES.values())} templates")
    for entry in entries:
        classifier = models.Classifier(entry.info)
        images = [preprocess.to_model_input(d[3], entry.info.recipe) for d in drawings]
        found = iter(classifier.predict_batch(np.stack([i for i in images if i is not None])))
        predicted = [None if image is None else next(found).index for image in images]
        report(entry.model_id, drawings, predicted)


if __name__ == "__main__":
    main()
