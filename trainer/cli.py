"""`python -m trainer`: train, evaluate and export one model, or rebuild every shipped model."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from trainer.data import DATASETS, DataError, default_data_dir
from trainer.models import ARCHITECTURES

REPO_MODELS = Path(__file__).resolve().parents[1] / "resources" / "models"
SHIPPED = [(d, a) for d in ("mnist", "fashion") for a in ARCHITECTURES]


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, got {value}")
    return value


def _probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 0 and below 1, got {value}")
    return value


def _default_checkpoints() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return cache / "digit-lens" / "checkpoints"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m trainer",
        description="Train a dense or convolutional classifier on MNIST or Fashion-MNIST, "
                    "evaluate it on the test set and export it to ONNX for the desktop app.",
        epilog="Examples:\n  python -m trainer --dataset mnist --model cnn\n"
               "  python -m trainer all          # rebuild the four shipped models\n"
               "  python -m trainer --dataset fashion --model dense --limit 2000 --epochs 2",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", nargs="?", choices=["train", "all"], default="train",
                        help="'train' (default) one model, or 'all' shipped models")
    parser.add_argument("--dataset", choices=sorted(DATASETS), default="mnist")
    parser.add_argument("--model", choices=ARCHITECTURES, default="cnn", dest="architecture")
    parser.add_argument("--epochs", type=_positive_int, help="maximum epochs (default per model)")
    parser.add_argument("--batch-size", type=_positive_int, help="default per model")
    parser.add_argument("--lr", type=_positive_float, help="peak learning rate (default per model)")
    parser.add_argument("--dropout", type=_probability, metavar="P",
                        help="dropout probability in 0..1 (default per model)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--patience", type=_positive_int, default=10,
                        help="epochs without a better validation loss before stopping (10)")
    parser.add_argument("--val-size", type=_positive_int, default=10_000,
                        help="validation images carved out of the training set (10000)")
    parser.add_argument("--limit", type=_positive_int,
                        help="train on only N images (and N/5 validation and test) for a quick run")
    parser.add_argument("--class-weights", action="store_true",
                        help="weight the loss by inverse class frequency (for imbalanced data)")
    parser.add_argument("--no-augment", action="store_false", dest="augment",
                        help="train on the images as they are")
    parser.add_argument("--no-extra-data", action="store_false", dest="extra_data",
                        help="train on the dataset alone: no generated handwriting, no "
                             "pen-tablet digits, no 'none of these' output")
    parser.add_argument("--out-dir", type=Path, default=REPO_MODELS,
                        help=f"where <model-id>/model.onnx goes (default {REPO_MODELS})")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="dataset root (default $DIGIT_LENS_DATA or ~/.cache/digit-lens/"
                             "datasets; downloaded there if missing)")
    parser.add_argument("--checkpoint-dir", type=Path, default=None,
                        help="per-epoch checkpoints (default ~/.cache/digit-lens/checkpoints)")
    parser.add_argument("--resume", action="store_true",
                        help="continue an interrupted run from its last checkpoint")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    parser.add_argument("--quiet", action="store_true",
                        help="no progress bars: one line per epoch (for CI logs)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # Heavy imports only after the arguments are known to be good: --help stays instant.
    from trainer import distributed
    from trainer.export import ExportError
    from trainer.pipeline import run
    from trainer.train import TrainingInterrupted, select_device

    try:
        device = select_device(args.device)
    except ValueError as exc:
        parser.error(str(exc))
    targets = SHIPPED if args.command == "all" else [(args.dataset, args.architecture)]
    data_dir = args.data_dir or default_data_dir()
    checkpoints = args.checkpoint_dir or _default_checkpoints()
    context = distributed.start(device)
    try:
        for dataset, architecture in targets:
            summary = run(dataset, architecture, args, context, data_dir, checkpoints)
            if summary is not None:
                print(json.dumps(summary), flush=True)
    except (DataError, ExportError, TrainingInterrupted) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # e.g. an output or checkpoint folder that cannot be written
        print(f"error: {exc.strerror or exc}: {exc.filename or ''}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        if context.is_main:
            print(f"\nInterrupted. Nothing in {args.out_dir} was changed; continue with "
                  f"--resume (checkpoints in {checkpoints}).", file=sys.stderr)
        return 130
    finally:
        distributed.stop(context)
    return 0

