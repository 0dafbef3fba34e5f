"""Bring exported models up to what today's exporter writes, without retraining them.

    python -m trainer.upgrade MODEL_FOLDER...

adds what the "Look inside" tab, the error browser and personalising need to each model.onnx: the
layer outputs (trainer.layer_outputs), the model's answers on the shipped test set
(trainer.test_predictions) and its last layer's name (trainer.head); and stores its large weights
as float16 (trainer.half_precision), which halves the file.
Upgrading twice changes nothing. Checked on the whole test set before anything is written: the
added outputs leave the answers bit-identical, and float16 weights move them by no more than
half_precision.HALF_TOLERANCE. Where the graph's answers put a test image in another cell than the
report's confusion matrix (a near tie), the report's test figures become the graph's own. The
file is rewritten atomically while holding the same lock a trainer takes, so an upgrade never
races a training run on the same model. The shipped models are upgraded only when someone names
resources/models/... on purpose.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx

from desktop import preprocess, test_sets
from desktop.model_format import MODEL_FILE, ModelError, ModelMetadata
from desktop.models import read_info
from desktop.test_sets import TestSetError
from desktop.training_report import read_report
from trainer import export, files, folders
from trainer.half_precision import HalfPrecisionError, answers, check_close, store_half
from trainer.head import add_head
from trainer.layer_outputs import add_layer_outputs
from trainer.test_predictions import (
    add_test_predictions,
    disagreements,
    model_labels,
    scored_as_stored,
)


class UpgradeError(Exception):
    """The folder cannot be upgraded; the message says why and that nothing was written."""


@dataclass(frozen=True)
class Upgrade:
    folder: Path
    added_bytes: int  # how much the file grew (negative: it shrank)
    layers: int  # layer outputs the model now names
    differing: int  # test images the report had in another confusion cell (now rescored)


def upgrade_folder(folder: Path) -> Upgrade:
    path = Path(folder) / MODEL_FILE
    lock = folders.FolderLock(path.parent.parent / f".{path.parent.name}.lock", path.parent.name)
    with lock:
        read_info(path)  # a clear ModelError for anything that is not a usable model
        original = path.read_bytes()
        with_layers = add_head(add_layer_outputs(original))
        halved = store_half(with_layers)
        metadata = _metadata(halved)
        info = ModelMetadata.from_strings(metadata, path)
        test_set = test_sets.load(info.dataset)
        labels = model_labels(info.task, test_set.labels)
        report = add_test_predictions(read_report(path.parent, metadata), halved, test_set,
                                      info.task)
        differing = disagreements(report, labels)
        report = scored_as_stored(report, labels)  # the graph's own figures, as the app shows
        payload = export.embed_report(halved, report)
        batch = preprocess.normalize(test_set.images.astype(np.float32) / np.float32(255),
                                     info.mean, info.std)
        if with_layers is not original:  # outputs were added just now
            _check_same_answers(original, with_layers, batch)
        if halved is not with_layers:  # weights were halved just now
            check_close(original, payload, batch)
        with files.atomic_write(path, mode=0o644) as file:
            file.write(payload)
    return Upgrade(Path(folder), len(payload) - len(original), len(info.layers), differing)


def _metadata(onnx_bytes: bytes) -> dict[str, str]:
    return {entry.key: entry.value for entry in onnx.load_from_string(onnx_bytes).metadata_props}


def _check_same_answers(before: bytes, after: bytes, batch: np.ndarray) -> None:
    """Every output the app classifies with must be bit-identical on the whole test set."""
    pairs = zip(answers(before, batch), answers(after, batch), strict=True)
    if not all(np.array_equal(a, b) for a, b in pairs):
        raise UpgradeError("the upgraded graph answers differently; nothing was written")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trainer.upgrade", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="+", type=Path, help="model folders (with model.onnx)")
    args = parser.parse_args(argv)
    failed = 0
    for folder in args.folders:
        try:
            done = upgrade_folder(folder)
        except (OSError, ModelError, TestSetError, UpgradeError, HalfPrecisionError,
                folders.FolderError) as error:
            print(f"{folder}: not upgraded: {error}", file=sys.stderr)
            failed += 1
            continue
        print(f"{folder}: {done.layers} layer outputs, test predictions stored "
              f"({done.added_bytes:+,} bytes); {done.differing} test images in another "
              f"confusion cell than the report's matrix"
              f"{' (the report now counts them as stored)' if done.differing else ''}",
              file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
