"""`python -m trainer`: train, evaluate and export one model, or rebuild every shipped model.

Retrained models go to the user's own models folder (desktop.paths.user_models_dir); the shipped
models in resources/models are rebuilt only when asked: `python -m trainer all --out-dir
resources/models`. Everything that can be checked without torch (the arguments, the folders, the
lock on the model) is checked before torch is imported and the data are loaded.
"""

from __future__ import annotations

import argparse
import difflib
import json
import math
import os
import re
import sys
from pathlib import Path
from typing import NoReturn

from desktop.paths import USER_MODELS_ENV, user_models_dir
from trainer import folders, testhook
from trainer.settings import ARCHITECTURES, DATASET_NAMES, DEFAULTS, SEED_MAX, describe_defaults

REPO_MODELS = Path(__file__).resolve().parents[1] / "resources" / "models"
SHIPPED = list(DEFAULTS)
MODEL_FILE = "model.onnx"
TRAIN_IMAGES = 60_000  # both datasets' official training sets
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


def _path(text: str) -> Path:
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a folder, got an empty name")
    return Path(text).expanduser()


def _default_checkpoints() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return cache / "digit-lens" / "checkpoints"


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


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m trainer", allow_abbrev=False,
        description="Train a dense or convolutional classifier on MNIST or Fashion-MNIST, "
                    "evaluate it on the test set and export it to ONNX for the desktop app. "
                    "The model goes to your own models folder, which the app lists beside the "
                    "shipped models.",
        epilog="Defaults per model (--epochs, --batch-size, --lr, --dropout, augmentation):\n"
               f"{describe_defaults()}\n\n"
               "Examples:\n  python -m trainer --dataset mnist --model cnn\n"
               "  python -m trainer --dataset fashion --model dense --limit 2000 --epochs 2\n"
               "  python -m trainer all --out-dir resources/models   # rebuild the shipped "
               "models",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", nargs="?", choices=["train", "all"], default="train",
                        help="'train' (default) one model, or 'all' four models (every "
                             "dataset and architecture)")
    parser.add_argument("--dataset", choices=DATASET_NAMES, default=None,
                        help="digits (mnist) or clothing (fashion); default mnist")
    parser.add_argument("--model", choices=ARCHITECTURES, default=None, dest="architecture",
                        help="dense network or convolutional network; default cnn")
    parser.add_argument("--epochs", type=_bounded_int(1, 1000), metavar="N",
                        help="maximum epochs (default per model, see below)")
    parser.add_argument("--batch-size", type=_bounded_int(1, TRAIN_IMAGES), metavar="N",
                        help="images per optimisation step (default per model, see below)")
    parser.add_argument("--lr", type=_positive_float, metavar="RATE",
                        help="peak learning rate (default per model, see below)")
    parser.add_argument("--dropout", type=_probability, metavar="P",
                        help="dropout probability in 0..1 (default per model, see below)")
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
                        help="per-epoch checkpoints (default ~/.cache/digit-lens/checkpoints)")
    parser.add_argument("--resume", action="store_true",
                        help="continue an interrupted run from its last checkpoint")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto",
                        help="where to train (default auto: cuda when present, else cpu)")
    parser.add_argument("--quiet", action="store_true",
                        help="no progress bars: one line per epoch (for CI logs)")
    return parser


def _shown(path: Path) -> str:
    """A path relative to the working folder when it is inside it (shorter help)."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _is_main_process() -> bool:
    """Under torchrun only rank 0 writes files (see trainer.distributed); decided here without
    importing torch."""
    try:
        return int(os.environ.get("RANK", "0")) == 0
    except ValueError:
        return True


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "all" and (args.dataset or args.architecture):
        parser.error("'all' trains every model; --dataset and --model choose one model")
    args.dataset = args.dataset or "mnist"
    args.architecture = args.architecture or "cnn"
    args.out_dir = args.out_dir or user_models_dir()
    targets = SHIPPED if args.command == "all" else [(args.dataset, args.architecture)]
    model_ids = [f"{dataset}-{architecture}" for dataset, architecture in targets]
    checkpoints = args.checkpoint_dir or _default_checkpoints()

    locks: list[folders.FolderLock] = []
    created: list[list[Path]] = []
    try:
        # Before any work: the folders, and that no other trainer writes the same models.
        folders.check_writable_folder(args.out_dir, "--out-dir")
        folders.check_writable_folder(checkpoints, "--checkpoint-dir")
        for model_id in model_ids:
            folders.check_target(args.out_dir / model_id, MODEL_FILE)
        if _is_main_process():
            created = [folders.make_folders(args.out_dir), folders.make_folders(checkpoints)]
            for model_id in model_ids:
                for folder, what in ((args.out_dir, f"{model_id} in {args.out_dir}"),
                                     (checkpoints, f"the checkpoints of {model_id}")):
                    lock = folders.FolderLock(folder / f".{model_id}.lock", what)
                    lock.acquire()
                    locks.append(lock)
                    _sweep(folder / model_id, lock)
        testhook.phase("start")
        return _train(parser, args, targets, checkpoints)
    except folders.FolderError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nInterrupted before training started; nothing was written.", file=sys.stderr)
        return 130
    except OSError as exc:  # e.g. an output or checkpoint folder that cannot be written
        print(f"error: {exc.strerror or exc}: {exc.filename or ''}", file=sys.stderr)
        return 1
    finally:
        for lock in reversed(locks):
            lock.release()
        for chain in created:
            folders.remove_if_empty(chain)


def _sweep(folder: Path, lock: folders.FolderLock) -> None:
    """Remove what killed runs left (we hold the lock, so nobody else is writing there)."""
    count, size = folders.sweep_temporaries(folder)
    if lock.taken_over_from:
        print(f"note: took over the lock of a trainer that stopped (pid "
              f"{lock.taken_over_from})", file=sys.stderr)
    if count:
        print(f"note: removed {count} temporary file{'s' * (count != 1)} "
              f"({size / 1e6:.1f} MB) left by an interrupted run in {folder}", file=sys.stderr)


def _train(parser: argparse.ArgumentParser, args: argparse.Namespace,
           targets: list[tuple[str, str]], checkpoints: Path) -> int:
    # Heavy imports only after the arguments and folders are known to be good.
    from trainer import distributed
    from trainer.data import DataError, default_data_dir
    from trainer.export import ExportError
    from trainer.pipeline import run
    from trainer.train import TrainingInterrupted, select_device

    try:
        device = select_device(args.device)
    except ValueError as exc:
        parser.error(str(exc))
    data_dir = args.data_dir or default_data_dir()
    context = distributed.start(device)
    try:
        for dataset, architecture in targets:
            summary = run(dataset, architecture, args, context, data_dir, checkpoints)
            if summary is not None:
                print(json.dumps(summary), flush=True)
        # Every process leaves together: gloo can abort a process whose peer has already torn
        # down its connections ("terminate called without an active exception").
        context.barrier()
    except (DataError, ExportError, TrainingInterrupted) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        if context.is_main:
            print(f"\nInterrupted. Nothing in {args.out_dir} was changed; continue with "
                  f"--resume (checkpoints in {checkpoints}).", file=sys.stderr)
        return 130
    finally:
        distributed.stop(context)
    testhook.phase("done")
    return 0
