"""Classify image files from the command line, with the same models and preprocessing as the app.

    python -m desktop.classify IMAGE... [--model ID] [--json]

Exit status: 0 all classified, 1 some file could not be classified (the others still are),
2 bad arguments (e.g. an unknown model id).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import NoReturn

from desktop import models, paths
from desktop.image_io import ImageError, load_image
from desktop.verdict import one_line

DEFAULT_MODEL = "mnist-cnn"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m desktop.classify",
        description="Say which digit or piece of clothing each picture shows.")
    parser.add_argument("images", nargs="+", metavar="IMAGE", help="picture files (PNG, JPEG...)")
    parser.add_argument("--model", metavar="ID",
                        help=f"model to use (default: {DEFAULT_MODEL}, or the first available)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON array with every class probability")
    parser.add_argument("--models-dir", type=Path, default=None, help=argparse.SUPPRESS)
    return parser


def choose_model(entries: list[models.ModelEntry], wanted: str | None) -> models.ModelEntry:
    """The entry to use; SystemExit(2) with a one-line message when `wanted` is not usable."""
    available = [entry for entry in entries if entry.available]
    names = ", ".join(entry.model_id for entry in available) or "none"
    if wanted is None:
        preferred = [entry for entry in available if entry.model_id == DEFAULT_MODEL]
        if preferred or available:
            return (preferred or available)[0]
        reasons = "; ".join(f"{entry.model_id}: {entry.error}" for entry in entries)
        _fail(f"no usable model{': ' + reasons if reasons else ' found'}", status=1)
    for entry in entries:
        if entry.model_id == wanted:
            if entry.available:
                return entry
            _fail(f"model {wanted!r} cannot be used: {entry.error} (available: {names})")
    _fail(f"unknown model {wanted!r} (available: {names})")


def classify_files(classifier: models.Classifier, files: list[str]) -> list[dict]:
    """One result per file: prediction details, or an error message."""
    results = []
    for name in files:
        try:
            prediction = classifier.classify(load_image(name))
        except (ImageError, models.ModelError) as exc:
            results.append({"file": name, "error": str(exc)})
            continue
        if prediction is None:
            results.append({"file": name, "error": "the picture is blank: nothing to classify"})
            continue
        results.append({
            "file": name,
            # False: the picture is none of the model's classes; "prediction" is the best guess.
            "accepted": prediction.accepted,
            "prediction": prediction.label,
            "index": prediction.index,
            "probabilities": [round(float(p), 6) for p in prediction.probabilities],
            "outlier": round(prediction.outlier, 6),
            "line": one_line(prediction, classifier.info.dataset),
        })
    return results


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    entries = models.discover(args.models_dir or paths.models_dir())
    entry = choose_model(entries, args.model)
    try:
        classifier = models.Classifier(entry.info)
    except models.ModelError as exc:
        _fail(str(exc), status=1)
    results = classify_files(classifier, args.images)
    if args.json:
        print(json.dumps([{k: v for k, v in r.items() if k != "line"} for r in results],
                         indent=1))
    for result in results:
        if "error" in result:
            print(f"{result['file']}: error: {result['error']}", file=sys.stderr)
        elif not args.json:
            print(f"{result['file']}: {result.pop('line')}")
    return 1 if any("error" in result for result in results) else 0


def _fail(message: str, status: int = 2) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(status)


if __name__ == "__main__":
    sys.exit(main())
