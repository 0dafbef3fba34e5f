"""Does personalising (desktop.personalise: the last layer refit with numpy) teach a model a
handwriting style it reads badly, and what does it forget?

A "user" teaches each shipped digit model a few drawings of every digit, in one style the model
was not trained on; the model is then scored on other drawings of that style (never taught) and
on the MNIST test set, before and after. Two styles:

  generated   digits in the generator's held-out families (trainer.handwriting); the anchor
              strength was chosen on these
  pen tablet  real digits by 30 people (../shared/handwriting), rows the trainer never uses;
              never used to choose anything

    .venv/bin/python -m benchmarks.personalise [--per-digit 5] [--source pen|generated|both]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from benchmarks.handwriting import pen_tablet, synthetic
from desktop import models, paths, personalise, preprocess
from desktop.test_sets import TestSet


def style_set(source: str, seed: int) -> list[tuple[int, np.ndarray]]:
    if source == "pen":
        return [(label, gray) for label, _family, gray in pen_tablet(4000, seed)]
    return [(label, gray) for label, _family, gray in synthetic(200, seed, True, False)]


def split(samples: list[tuple[int, np.ndarray]], per_digit: int, recipe) -> tuple[TestSet, list]:
    """The first `per_digit` drawings of every digit to teach (as Teach mode keeps them, so
    its own held-out positions are set aside too), the rest to score."""
    taught, rest, counts = [], [], {}
    for label, gray in samples:
        image = preprocess.to_model_input(gray, recipe)
        if image is None:
            continue
        if counts.get(label, 0) < per_digit:
            counts[label] = counts.get(label, 0) + 1
            taught.append((label, image))
        else:
            rest.append((label, image))
    images = np.stack([np.rint(image * 255).astype(np.uint8) for _, image in taught])
    labels = np.array([label for label, _ in taught], np.uint8)
    return TestSet("mnist", images, labels), rest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-digit", type=int, default=5)
    parser.add_argument("--source", choices=("pen", "generated", "both"), default="both")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--strength", type=float, default=personalise.ANCHOR_STRENGTH,
                        help="the anchor's strength (choose it on --source generated only)")
    args = parser.parse_args()
    sources = ("generated", "pen") if args.source == "both" else (args.source,)
    entries = [entry for entry in models.discover(paths.models_dir())
               if entry.info is not None and entry.info.dataset == "mnist"
               and not personalise.can_personalise(entry.info)]
    print(f"{args.per_digit} drawings per digit taught (2 in 5 of them kept back by Teach mode), "
          f"anchor strength {args.strength:g}")
    print(f"{'model':<30} {'style':<10} {'learnt':>6} {'style before':>12} {'after':>7} "
          f"{'MNIST before':>12} {'after':>7} {'time':>6}")
    for source in sources:
        samples = style_set(source, args.seed)
        for entry in entries:
            info = entry.info
            taught, rest = split(samples, args.per_digit, info.recipe)
            with tempfile.TemporaryDirectory() as folder:
                outcome = personalise.personalise(info, taught, Path(folder),
                                                       strength=args.strength)
                new = models.read_info(outcome.path / "model.onnx")
                images = np.stack([image for _, image in rest])
                labels = np.array([label for label, _ in rest])
                scores = []
                for model in (info, new):
                    found = models.Classifier(model).predict_batch(images)
                    scores.append(np.mean([p.index for p in found] == labels))
            print(f"{info.model_id:<30} {source:<10} {outcome.learnt_from:>6} "
                  f"{scores[0]:>12.1%} {scores[1]:>7.1%} {outcome.test_before:>12.2%} "
                  f"{outcome.test_after:>7.2%} {outcome.seconds:>5.1f}s")


if __name__ == "__main__":
    main()
