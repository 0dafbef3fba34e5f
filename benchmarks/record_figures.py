"""Held-out figures for the app's Compare view: every shipped digit model with the ten digit
classes (binary lab models are skipped) on the real pen-tablet digits no model was trained on,
written to resources/benchmarks.json.

The digits are the pen-tablet rows after the first 4,000 (trainer.mixed_data.PEN_TRAIN_ROWS),
rendered and read exactly as `python -m benchmarks.handwriting` does (same seed), through the
app's own preprocessing and models; accuracy counts the model's best guess, as there.

    .venv/bin/python -m benchmarks.record_figures [--models-dir DIR] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone
from pathlib import Path

from benchmarks.handwriting import pen_tablet
from desktop import models, paths

SEED = 2026  # benchmarks.handwriting's default; its pen-tablet set is drawn with SEED + 4
TITLE = "real pen-tablet digits never trained on"
OUT = Path(__file__).resolve().parents[1] / "resources" / "benchmarks.json"


def digit_models(models_dir: Path) -> list[models.ModelEntry]:
    """The usable models that read the ten digits (not the binary lab's questions)."""
    return [entry for entry in models.discover(models_dir)
            if entry.available and entry.info.dataset == "mnist" and entry.info.task is None
            and len(entry.info.classes) == 10]


def measure(models_dir: Path) -> dict:
    """The file's content: {"handwriting": {title, count, measured, accuracy per model}}."""
    samples = pen_tablet(10_000, SEED + 4)
    if not samples:
        raise SystemExit("no pen-tablet handwriting found (../shared/handwriting or "
                         "$DIGIT_LENS_HANDWRITING)")
    grays = [gray for _, _, gray in samples]
    accuracy = {}
    for entry in digit_models(models_dir):
        predictions = models.Classifier(entry.info).classify_batch(grays)
        right = sum(p is not None and p.index == label
                    for (label, _, _), p in zip(samples, predictions, strict=True))
        accuracy[entry.model_id] = round(right / len(samples), 4)
    return {"handwriting": {"title": TITLE, "count": len(samples),
                            "measured": datetime.now(timezone.utc).date().isoformat(),
                            "accuracy": accuracy}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models-dir", type=Path, default=paths.models_dir())
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    figures = measure(args.models_dir)
    args.out.write_text(json.dumps(figures, indent=1) + "\n")
    for model_id, value in figures["handwriting"]["accuracy"].items():
        print(f"{model_id:<32}{value:8.1%}")
    print(f"{figures['handwriting']['count']} pen-tablet digits -> {args.out}")


if __name__ == "__main__":
    main()
