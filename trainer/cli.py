"""`python -m trainer`: train, evaluate and export one model, or rebuild every shipped model.

Retrained models go to the user's own models folder (desktop.paths.user_models_dir); the shipped
models in resources/models are rebuilt only when asked: `python -m trainer all --out-dir
resources/models`. Everything that can be checked without torch (the arguments, the folders, the
lock on the model) is checked before torch is imported and the data are loaded.

Messages go through the standard logging module, set up here once (configure_logging); the
one-line JSON summary of each model on stdout is the command's output. With `--progress json`
stdout carries the progress stream instead (trainer.progress): every failure that prints an
error line also sends an `error` event, and each model ends with a `done` event.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from desktop.paths import user_models_dir
from trainer import folders, testhook
from trainer.arguments import build_parser, default_checkpoints
from trainer.options import RunOptions
from trainer.presets import PRESETS
from trainer.progress import Progress, start_json_stream
from trainer.settings import BINARY_TASKS, SHIPPED, Target

MODEL_FILE = "model.onnx"
log = logging.getLogger(__name__)


class _StderrHandler(logging.StreamHandler):
    """Plain lines on sys.stderr as it is when a message comes (tests swap sys.stderr)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def configure_logging(quiet: bool) -> None:
    """The one logging set-up of the trainer (the "trainer" logger): plain messages on stderr.

    Levels: DEBUG, step-by-step details and the progress bars (hidden by --quiet); INFO, a line
    per epoch and per model; WARNING, notes; ERROR, errors. Under torchrun only the main process
    talks; the others report their errors only.
    """
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("trainer")
    logger.handlers[:] = [handler]
    logger.propagate = False
    if not _is_main_process():
        logger.setLevel(logging.ERROR)
    else:
        logger.setLevel(logging.INFO if quiet else logging.DEBUG)


def _is_main_process() -> bool:
    """Under torchrun only rank 0 writes files and talks (see trainer.distributed); decided
    here without importing torch."""
    try:
        return int(os.environ.get("RANK", "0")) == 0
    except ValueError:
        return True


def make_options(args: argparse.Namespace) -> RunOptions:
    """The library's view of the command line, with the default folders filled in."""
    checkpoints = args.checkpoint_dir or default_checkpoints()
    return RunOptions(
        out_dir=args.out_dir or user_models_dir(), checkpoints=checkpoints,
        # Beside the checkpoint folder: <cache folder>/extra-data unless told otherwise.
        extra_data_cache=checkpoints.parent / "extra-data", data_dir=args.data_dir,
        resume=args.resume, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
        dropout=args.dropout, seed=args.seed, label_smoothing=args.label_smoothing,
        patience=args.patience, val_size=args.val_size, limit=args.limit, augment=args.augment,
        extra_data=args.extra_data)


def choose_targets(parser: argparse.ArgumentParser, args: argparse.Namespace) -> list[Target]:
    """The models this command line asks for; contradictions end in parser.error."""
    if args.command == "all":
        if (args.dataset or args.architecture or args.task or args.imbalance
                or args.class_weights or args.preset):
            parser.error("'all' trains every shipped model as listed; --dataset, --model, "
                         "--task, --imbalance, --class-weights and --preset choose one model")
        return list(SHIPPED)
    if args.preset:
        if args.task or args.imbalance:
            parser.error(f"--preset {args.preset} cannot be combined with --task or --imbalance")
        preset = PRESETS[args.preset]
        return [Target(args.dataset or preset.dataset, args.architecture or preset.architecture,
                       class_weights=args.class_weights, preset=preset.name)]
    dataset = args.dataset or "mnist"
    if args.task:
        task = BINARY_TASKS[args.task]
        if args.dataset and args.dataset != task.dataset:
            parser.error(f"--task {task.key} asks about {task.dataset} pictures; it cannot "
                         f"be combined with --dataset {args.dataset}")
        if args.imbalance:
            parser.error("--imbalance cannot be combined with --task")
        return [Target(task.dataset, args.architecture or "linear", task=task.key,
                       class_weights=args.class_weights)]
    return [Target(dataset, args.architecture or "cnn", imbalance=args.imbalance,
                   class_weights=args.class_weights)]


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    targets = choose_targets(parser, args)
    configure_logging(args.quiet)
    progress = (start_json_stream(_is_main_process()) if args.progress == "json"
                else Progress())
    try:
        return _main(parser, args, targets, progress)
    except Exception as exc:  # a bug: the app still hears why the run ended
        progress.error(f"unexpected error: {type(exc).__name__}: {exc}")
        raise


def _fail(progress: Progress, message: str) -> int:
    """One error line on stderr and, with `--progress json`, the same as an `error` event."""
    log.error(f"error: {message}")
    progress.error(message)
    return 1


def _main(parser: argparse.ArgumentParser, args: argparse.Namespace, targets: list[Target],
          progress: Progress) -> int:
    options = make_options(args)
    model_ids = [target.model_id for target in targets]
    out_dir, checkpoints = options.out_dir, options.checkpoints

    locks: list[folders.FolderLock] = []
    created: list[list[Path]] = []
    try:
        # Before any work: the folders, and that no other trainer writes the same models.
        folders.check_writable_folder(out_dir, "--out-dir")
        folders.check_writable_folder(checkpoints, "--checkpoint-dir")
        for model_id in model_ids:
            folders.check_target(out_dir / model_id, MODEL_FILE)
        if _is_main_process():
            created = [folders.make_folders(out_dir), folders.make_folders(checkpoints)]
            for model_id in model_ids:
                for folder, what in ((out_dir, f"{model_id} in {out_dir}"),
                                     (checkpoints, f"the checkpoints of {model_id}")):
                    lock = folders.FolderLock(folder / f".{model_id}.lock", what)
                    lock.acquire()
                    locks.append(lock)
                    _sweep(folder / model_id, lock)
        testhook.phase("start")
        return _train(parser, args.device, options, targets, progress)
    except folders.FolderError as exc:
        return _fail(progress, str(exc))
    except KeyboardInterrupt:
        log.warning("\nInterrupted before training started; nothing was written.")
        progress.error("interrupted before training started; nothing was written")
        return 130
    except OSError as exc:  # e.g. an output or checkpoint folder that cannot be written
        return _fail(progress, f"{exc.strerror or exc}: {exc.filename or ''}")
    finally:
        for lock in reversed(locks):
            lock.release()
        for chain in created:
            folders.remove_if_empty(chain)


def _sweep(folder: Path, lock: folders.FolderLock) -> None:
    """Remove what killed runs left (we hold the lock, so nobody else is writing there)."""
    count, size = folders.sweep_temporaries(folder)
    if lock.taken_over_from:
        log.warning(f"note: took over the lock of a trainer that stopped (pid "
                    f"{lock.taken_over_from})")
    if count:
        log.warning(f"note: removed {count} temporary file{'s' * (count != 1)} "
                    f"({size / 1e6:.1f} MB) left by an interrupted run in {folder}")


def _train(parser: argparse.ArgumentParser, device_name: str, options: RunOptions,
           targets: list[Target], progress: Progress) -> int:
    # Heavy imports only after the arguments and folders are known to be good.
    from trainer import distributed
    from trainer.data import DataError
    from trainer.export import ExportError
    from trainer.pipeline import run
    from trainer.train import TrainingInterrupted

    try:
        device = distributed.select_device(device_name)
    except ValueError as exc:
        parser.error(str(exc))
    context = distributed.start(device)
    try:
        for target in targets:
            summary = run(target, options, context, progress)
            if summary is None:
                continue
            if progress.on:
                progress.send("done", **{key: summary[key] for key in (
                    "model_id", "path", "test_accuracy", "stopped")})
            else:
                print(json.dumps(summary), flush=True)
        # Every process leaves together: gloo can abort a process whose peer has already torn
        # down its connections ("terminate called without an active exception").
        context.barrier()
    except (DataError, ExportError, TrainingInterrupted) as exc:
        return _fail(progress, str(exc))
    except KeyboardInterrupt:
        log.warning(f"\nInterrupted. Nothing in {options.out_dir} was changed; continue with "
                    f"--resume (checkpoints in {options.checkpoints}).")
        progress.error(f"interrupted; nothing in {options.out_dir} was changed (--resume "
                       f"continues)")
        return 130
    finally:
        distributed.stop(context)
    testhook.phase("done")
    return 0
