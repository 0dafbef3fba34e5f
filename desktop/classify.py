"""Classify image files from the command line, with the same models and preprocessing as the app.

    python -m desktop.classify IMAGE... [--model ID] [--json]
    python -m desktop.classify --number IMAGE... [--json]    # several digits: "2026"

Exit status: 0 all classified, 1 some file could not be classified (the others still are),
2 bad arguments (e.g. an unknown model id).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from desktop import models, numbers, paths
from desktop.image_io import ImageError, display_name, load_image
from desktop.verdict import one_line

DEFAULT_MODEL = "mnist-cnn"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m desktop.classify",
        description="Say which digit or piece of clothing each picture shows.")
    parser.add_argument("images", nargs="+", metavar="IMAGE", help="picture files (PNG, JPEG...)")
    parser.add_argument("--model", metavar="ID",
                        help=f"model to use (default: {DEFAULT_MODEL}, or the first available); "
                             "your own retrained models are user:ID")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON array with every class probability")
    parser.add_argument("--number", action="store_true",
                        help="read every picture as a number: its digits left to right "
                             "(digit models only)")
    parser.add_argument("--models-dir", type=Path, default=None, help=argparse.SUPPRESS)
    return parser


def choose_model(entries: list[models.ModelEntry], wanted: str | None) -> models.ModelEntry:
    """The entry to use; SystemExit(2) with a one-line message when `wanted` is not usable."""
    available = [entry for entry in entries if entry.available]
    names = ", ".join(entry.key for entry in available) or "none"
    if wanted is None:
        preferred = [entry for entry in available if entry.key == DEFAULT_MODEL]
        if preferred or available:
            return (preferred or available)[0]
        reasons = "; ".join(f"{entry.key}: {entry.error}" for entry in entries)
        _fail(f"no usable model{': ' + reasons if reasons else ' found'}", status=1)
    for entry in entries:
        if entry.key == wanted:
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


def read_number_files(classifier: models.Classifier, files: list[str]) -> list[dict]:
    """One result per file: the number read and every digit's details, or an error message.
    A digit the model rejects as no digit shows as "?" in the number."""
    results = []
    for name in files:
        try:
            reading = numbers.read_number(classifier, load_image(name))
        except (ImageError, models.ModelError) as exc:
            results.append({"file": name, "error": str(exc)})
            continue
        if not reading.digits:
            results.append({"file": name, "error": "the picture is blank: nothing to read"})
            continue
        results.append({"file": name, "number": reading.text, "digits": [{
            "box": digit.box.as_dict(),
            "prediction": digit.prediction.label,
            "index": digit.prediction.index,
            "probabilities": [round(float(p), 6) for p in digit.prediction.probabilities],
            "accepted": digit.prediction.accepted,
        } for digit in reading.digits]})
    return results


def report_numbers(results: list[dict], as_json: bool) -> int:
    """Print the numbers read ("file: 2026" and each digit's confidence, or JSON); errors go
    to stderr. The exit status: 1 if any file could not be read."""
    if as_json:
        print(json.dumps(results, indent=1))
    for result in results:
        if "error" in result:
            print(f"{display_name(result['file'])}: error: {result['error']}", file=sys.stderr)
        elif not as_json:
            digits = ", ".join(
                f"{d['prediction'] if d['accepted'] else numbers.UNREADABLE} "
                f"{100 * d['probabilities'][d['index']]:.0f}%" for d in result["digits"])
            print(f"{display_name(result['file'])}: {result['number']} ({digits})")
    return 1 if any("error" in result for result in results) else 0


def quiet_on_broken_pipe(run: Callable[..., int]) -> Callable[..., int]:
    """`classify ... | head` closes the pipe early: end quietly, not with a traceback."""

    @functools.wraps(run)
    def wrapper(*args, **kwargs) -> int:
        try:
            status = run(*args, **kwargs)
            sys.stdout.flush()  # a late EPIPE shows here, not at interpreter exit
            return status
        except BrokenPipeError:
            # Python would try to flush stdout again at exit: point it at nothing.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 1
        except KeyboardInterrupt:
            return 130

    return wrapper


@quiet_on_broken_pipe
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # The user's own models too, as "user:<id>" (a shipped id means the shipped model).
    entries = models.discover_all(args.models_dir or paths.models_dir(),
                                  paths.user_models_dir())
    entry = choose_model(entries, args.model)
    if args.number and not numbers.reads_digits(entry.info):
        _fail(f"--number needs a digit model; {entry.model_id} classifies "
              f"{entry.info.dataset_title.lower()} (try --model mnist-cnn)")
    try:
        classifier = models.Classifier(entry.info)
    except models.ModelError as exc:
        _fail(str(exc), status=1)
    if args.number:
        return report_numbers(read_number_files(classifier, args.images), args.json)
    results = classify_files(classifier, args.images)
    if args.json:
        print(json.dumps([{k: v for k, v in r.items() if k != "line"} for r in results],
                         indent=1))
    for result in results:
        if "error" in result:
            print(f"{display_name(result['file'])}: error: {result['error']}", file=sys.stderr)
        elif not args.json:
            print(f"{display_name(result['file'])}: {result.pop('line')}")
    return 1 if any("error" in result for result in results) else 0


def _fail(message: str, status: int = 2) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(status)


if __name__ == "__main__":
    sys.exit(main())
