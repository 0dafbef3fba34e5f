"""The command line of `python -m trainer`: every option, its checks and its help. Torch-free, so
that `--help` and a wrong option answer at once.
"""

from __future__ import annotations

import argparse
import difflib
import math
import re
import sys
from pathlib import Path
from typing import NoReturn

from desktop.paths import USER_MODELS_ENV, user_models_dir
from trainer import files
from trainer.presets import PRESETS
from trainer.settings import (
    ARCHITECTURES,
    BINARY_TASKS,
    DATASET_NAMES,
    DATASETS,
    LABEL_SMOOTHING,
    SEED_MAX,
    describe_defaults,
)

REPO_MODELS = Path(__file__).resolve().parents[1] / "resources" / "models"
TRAIN_IMAGES = 60_000  # both datasets' official training sets
CHECKPOINTS = "checkpoints"  # the default checkpoint folder, inside the cache folder
MAX_LABEL_SMOOTHING = 0.5
_NUMBER = re.compile(r"^-\d|^-\.\d")


def _bounded_int(low: int, high: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}, got {value}")
        return value
    return parse


def _finite(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def _positive_float(text: str) -> float:
    value = _finite(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, got {value}")
    return value


def _probability(text: str) -> float:
    value = _finite(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 0 and below 1, got {value}")
    return value


def _label_smoothing(text: str) -> float:
    """0 (plain cross-entropy) to 0.5: beyond, the target says little about the right class."""
    value = _finite(text)
    if not 0 <= value <= MAX_LABEL_SMOOTHING:
        raise argparse.ArgumentTypeError(
            f"must be between 0 and {MAX_LABEL_SMOOTHING:g}, got {value:g}")
    return value


def _imbalance(text: str) -> tuple[int, float]:
    """'5:0.05' -> (5, 0.05): a class index of the dataset and the share of it kept."""
    classes = min(len(dataset.classes) for dataset in DATASETS.values())
    name, colon, share = text.partition(":")
    try:
        class_index, fraction = int(name), float(share)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected CLASS:FRACTION such as 5:0.05, got {text!r}") from None
    if not colon:
        raise argparse.ArgumentTypeError(f"expected CLASS:FRACTION such as 5:0.05, got {text!r}")
    if not 0 <= class_index < classes:
        raise argparse.ArgumentTypeError(
            f"the class must be between 0 and {classes - 1}, got {class_index}")
    if not (math.isfinite(fraction) and 0 < fraction <= 1):
        raise argparse.ArgumentTypeError(
            f"the fraction must be above 0 and at most 1, got {share!r}")
    return class_index, fraction


def _path(text: str) -> Path:
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a folder, got an empty name")
    return Path(text).expanduser()


class _Parser(argparse.ArgumentParser):
    """argparse that names an unknown option instead of blaming its value: `--limt 300` said
    "invalid choice: '300'" because 300 was taken for the command."""

    def parse_args(self, args=None, namespace=None):  # type: ignore[override]
        tokens = sys.argv[1:] if args is None else list(args)
        known = [flag for action in self._actions for flag in action.option_strings]
        for token in tokens:
            if token == "--":
                break
            if not token.startswith("-") or token == "-" or _NUMBER.match(token):
                continue
            flag = token.split("=", 1)[0]
            if flag not in known:
                close = difflib.get_close_matches(flag, known, n=1)
                self.error(f"unknown option {flag}"
                           + (f" (did you mean {close[0]}?)" if close else ""))
        return super().parse_args(tokens, namespace)

    def error(self, message: str) -> NoReturn:
        """One line: the usage text would bury the message."""
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def default_checkpoints() -> Path:
    return files.cache_dir() / CHECKPOINTS


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m trainer", allow_abbrev=False,
        description="Train a classifier (from softmax regression to a ResNet) on MNIST or "
                    "Fashion-MNIST, or a binary lab model (--task), "
                    "evaluate it on the test set and export it to ONNX for the desktop app. "
                    "The model goes to your own models folder, which the app lists beside the "
                    "shipped models.",
        epilog="Defaults per model (--epochs, --batch-size, --lr, --dropout, augmentation, "
               "--no-extra-data):\n"
               f"{describe_defaults()}\n\n"
               "Examples:\n  python -m trainer --dataset mnist --model cnn\n"
               "  python -m trainer --dataset fashion --model dense --limit 2000 --epochs 2\n"
               "  python -m trainer --task is-7                  # logistic regression: a 7?\n"
               "  python -m trainer --model mlp --imbalance 5:0.05 --class-weights\n"
               "  python -m trainer all --out-dir resources/models   # rebuild the shipped "
               "models",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", nargs="?", choices=["train", "all"], default="train",
                        help="'train' (default) one model, or 'all' every shipped model "
                             "(every dataset and architecture, the binary tasks and the "
                             "imbalance pair)")
    parser.add_argument("--dataset", choices=DATASET_NAMES, default=None,
                        help="digits (mnist) or clothing (fashion); default mnist")
    parser.add_argument("--model", choices=ARCHITECTURES, default=None, dest="architecture",
                        help="the architecture (defaults below); default cnn, or linear "
                             "with --task")
    parser.add_argument("--task", choices=list(BINARY_TASKS), default=None,
                        help="the binary lab: a yes/no question (is-7 on digits, is-shoe on "
                             "clothing) answered by one sigmoid output; it fixes the dataset")
    parser.add_argument("--preset", choices=list(PRESETS), default=None,
                        help="a whole recipe in one word; quick: LeNet-5 on MNIST to 99 %% test "
                             "accuracy in about 10 s of training on a 2-core CPU, saved as "
                             "mnist-lenet-quick (options given beside it still win)")
    parser.add_argument("--imbalance", type=_imbalance, default=None, metavar="CLASS:FRACTION",
                        help="keep only FRACTION (0..1] of one class's training images, e.g. "
                             "5:0.05 (validation and test untouched)")
    parser.add_argument("--epochs", type=_bounded_int(1, 1000), metavar="N",
                        help="maximum epochs (default per model, see below)")
    parser.add_argument("--batch-size", type=_bounded_int(1, TRAIN_IMAGES), metavar="N",
                        help="images per optimisation step (default per model, see below)")
    parser.add_argument("--lr", type=_positive_float, metavar="RATE",
                        help="peak learning rate (default per model, see below)")
    parser.add_argument("--dropout", type=_probability, metavar="P",
                        help="dropout probability in 0..1 (default per model, see below)")
    parser.add_argument("--label-smoothing", type=_label_smoothing, default=LABEL_SMOOTHING,
                        metavar="X",
                        help=f"label smoothing of the cross-entropy, 0..{MAX_LABEL_SMOOTHING:g} "
                             f"(default {LABEL_SMOOTHING:g}; 0: none)")
    parser.add_argument("--seed", type=_bounded_int(0, SEED_MAX), default=0, metavar="N",
                        help=f"seed of the split, initial weights and augmentation, "
                             f"0..{SEED_MAX} (default 0)")
    parser.add_argument("--patience", type=_bounded_int(1, 1000), default=10, metavar="N",
                        help="epochs without a better validation loss before stopping "
                             "(default 10)")
    parser.add_argument("--val-size", type=_bounded_int(1, TRAIN_IMAGES - 1), default=10_000,
                        metavar="N",
                        help="validation images carved out of the training set (default 10000)")
    parser.add_argument("--limit", type=_bounded_int(1, TRAIN_IMAGES), metavar="N",
                        help="train on only N images (and N/5 validation and test) for a quick "
                             "run (default: all)")
    parser.add_argument("--class-weights", action="store_true",
                        help="weight the loss by inverse class frequency (for imbalanced data)")
    parser.add_argument("--no-augment", action="store_false", dest="augment",
                        help="train on the images as they are (default: augment, except "
                             "fashion-dense)")
    parser.add_argument("--no-extra-data", action="store_false", dest="extra_data",
                        help="train on the dataset alone: no generated handwriting, no "
                             "pen-tablet digits, no 'none of these' output")
    parser.add_argument("--out-dir", type=_path, default=None, metavar="DIR",
                        help=f"where <model-id>/model.onnx goes (default ${USER_MODELS_ENV} or "
                             f"your models folder, now {user_models_dir()}); the shipped "
                             f"models are in {_shown(REPO_MODELS)}")
    parser.add_argument("--data-dir", type=_path, default=None, metavar="DIR",
                        help="dataset root (default $DIGIT_LENS_DATA or ~/.cache/digit-lens/"
                             "datasets; downloaded there if missing)")
    parser.add_argument("--checkpoint-dir", type=_path, default=None, metavar="DIR",
                        help=f"per-epoch checkpoints (default {default_checkpoints()})")
    parser.add_argument("--resume", action="store_true",
                        help="continue an interrupted run from its last checkpoint")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto",
                        help="where to train (default auto: cuda when present, else cpu)")
    parser.add_argument("--progress", choices=["json"], default=None,
                        help="json: print the machine-readable progress stream on stdout (one "
                             "JSON object a line, desktop/training_progress.py; messages go to "
                             "stderr); the line 'stop' on stdin, or its end, stops the run "
                             "after the current batch and exports the best epoch so far")
    parser.add_argument("--quiet", action="store_true",
                        help="no progress bars and no details: one line per epoch and per "
                             "model, notes and errors (for CI logs)")
    return parser


def _shown(path: Path) -> str:
    """A path relative to the working folder when it is inside it (shorter help)."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
