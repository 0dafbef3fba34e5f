"""Training one model: AdamW with a one-cycle schedule, validation after every epoch, early
stopping that restores the best weights, and a checkpoint after every epoch so that `--resume`
continues an interrupted run exactly where it stopped.

The parts read on their own: trainer.epoch (one pass over the training set), trainer.evaluation
(scoring a split), trainer.early_stopping (the best epoch so far), trainer.checkpoint (saving,
loading and checking checkpoints). Under torchrun, sums (losses, counts, confusion matrices) are
added up across processes, so every process sees the same metrics and takes the same
early-stopping decision.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from desktop.binary_task import BINARY_TASKS, BinaryTask
from trainer import checkpoint, testhook
from trainer.data import DATASETS, Splits, mean_std
from trainer.distributed import Context
from trainer.early_stopping import EarlyStopping
from trainer.epoch import EpochRunner, share_batch_norm_statistics
from trainer.evaluation import evaluate
from trainer.models import build_model
from trainer.presets import PRESETS
from trainer.progress import Progress
from trainer.settings import LABEL_SMOOTHING, Target

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainConfig:
    """The settings of one run; a checkpoint resumes only under the same settings."""

    dataset: str
    architecture: str
    epochs: int
    batch_size: int  # images per optimisation step, over all processes together
    lr: float
    seed: int = 0
    weight_decay: float = 5e-4
    label_smoothing: float = LABEL_SMOOTHING
    patience: int = 10
    val_size: int = 10_000
    limit: int | None = None
    class_weights: bool = False
    augment: bool = True
    dropout: float | None = None  # None: the architecture's default
    # Mix in generated handwriting and real pen-tablet digits, and learn an extra output for
    # "none of these classes" from letters, scribbles, shapes and the other dataset's images.
    extra_data: bool = True
    # The binary lab: a BINARY_TASKS key; the model answers its yes/no question (2 classes).
    task: str = ""
    # One class cut down in the training split (--imbalance): its index and the share kept.
    imbalance_class: int | None = None
    imbalance_fraction: float = 1.0
    # --preset: a trainer.presets.PRESETS key; its models have their own id (mnist-lenet-quick).
    preset: str = ""

    @property
    def target(self) -> Target:
        imbalance = (None if self.imbalance_class is None
                     else (self.imbalance_class, self.imbalance_fraction))
        return Target(self.dataset, self.architecture, self.task, imbalance, self.class_weights,
                      self.preset)

    @property
    def model_id(self) -> str:
        return self.target.model_id

    @property
    def binary_task(self) -> BinaryTask | None:
        return BINARY_TASKS[self.task] if self.task else None

    @property
    def class_names(self) -> tuple[str, ...]:
        task = self.binary_task
        return task.classes if task else DATASETS[self.dataset].classes

    @property
    def classes(self) -> int:
        return len(self.class_names)

    @property
    def outputs(self) -> int:
        """Logits of the network: one per class, plus "none of these" with extra data."""
        return self.classes + (1 if self.extra_data else 0)

    @property
    def variant(self) -> str:
        """How the training differs from the usual one, in words (ModelMetadata.variant)."""
        parts = [PRESETS[self.preset].variant] if self.preset else []
        if self.imbalance_class is not None:
            name = DATASETS[self.dataset].classes[self.imbalance_class]
            what = f"digit {name}" if self.dataset == "mnist" else name
            parts.append(f"{what} cut to {self.imbalance_fraction * 100:g} % of training")
        if self.class_weights:
            parts.append("class weights")
        return ", ".join(parts)


class TrainingInterrupted(RuntimeError):
    """Training cannot go on: the checkpoint cannot be resumed (other settings, damaged, not a
    checkpoint), the training diverged, or the user asked it to stop before any epoch finished.
    The message says what to do."""


STOPPED_TOO_SOON = "stopped before the first epoch finished; nothing was written"


@dataclass
class TrainResult:
    model: nn.Module
    history: list[dict]
    best_epoch: int
    train_seconds: float
    mean: float
    std: float
    # Why training ended before its last epoch: "early" (early stopping), "asked" (the stop
    # command; the best epoch so far was kept) or "" (every epoch ran).
    stopped: str = ""


def train(config: TrainConfig, splits: Splits, context: Context, checkpoint_path: Path,
          resume: bool = False, progress: Progress | None = None) -> TrainResult:
    """Train one model; the main process checkpoints after every epoch to `checkpoint_path`.
    Messages and progress bars go to the "trainer" logger (set up by trainer.cli), events to
    `progress` (`--progress json`), whose stop command ends training after the current batch
    with the best epoch so far."""
    progress = progress or Progress()
    torch.manual_seed(config.seed)
    mean, std = mean_std(splits.train.images)
    model = build_model(config.architecture, config.dropout, config.outputs,
                        binary=bool(config.task)).to(
        context.device).to(memory_format=torch.channels_last)
    runner = EpochRunner(config, splits.train, mean, std, model, context, progress)
    history, stopping, start_epoch = [], EarlyStopping(config.patience), 1
    if resume:
        try:
            history, stopping, start_epoch = _resume(config, checkpoint_path, model, runner,
                                                     context)
        except checkpoint.CheckpointError as exc:
            raise TrainingInterrupted(str(exc)) from None
    progress.send("start", model_id=config.model_id, epochs=config.epochs,
                  batches=runner.batching.steps, config=dataclasses.asdict(config))
    runner.started -= sum(r["seconds"] for r in history)  # seconds count the resumed epochs
    for record in history:  # a resumed run shows the epochs it already has
        _send_epoch(progress, record, config.epochs, history, stopping.best_epoch)

    for epoch in range(start_epoch, config.epochs + 1):
        if stopping.should_stop:
            break
        testhook.phase("epoch")
        started = time.perf_counter()
        loss_sum, correct, seen = runner.run(epoch)
        if runner.stopped:  # the stop command: this epoch is not finished, so not kept
            if stopping.best_epoch:
                log.info(f"Stopped as asked in epoch {epoch}; keeping epoch "
                         f"{stopping.best_epoch}.")
            break
        if not math.isfinite(loss_sum):  # every process sees the same sum: all stop together
            raise TrainingInterrupted(
                f"Training diverged in epoch {epoch} (the loss is not a number); nothing was "
                f"exported. Try a smaller --lr (this run: {config.lr:g}).")
        share_batch_norm_statistics(model, context)
        val = evaluate(model, splits.val, mean, std, context, config.classes)
        record = {
            "epoch": epoch,
            "train_loss": loss_sum / seen,
            "train_accuracy": correct / seen,
            "val_loss": val.loss,
            "val_accuracy": val.accuracy,
            "learning_rate": runner.optimizer.param_groups[0]["lr"],
            "seconds": time.perf_counter() - started,
        }
        history.append(record)
        improved = stopping.update(epoch, val.loss, model)
        log.info(_summary(record, config.epochs, improved))
        _send_epoch(progress, record, config.epochs, history, stopping.best_epoch)
        if context.is_main:
            checkpoint.save(checkpoint.contents(
                dataclasses.asdict(config), epoch, model, runner.optimizer, runner.scheduler,
                history, stopping), checkpoint_path)
        if stopping.should_stop:
            log.info(f"Early stopping: validation loss has not improved for {stopping.stale} "
                     f"epochs; keeping epoch {stopping.best_epoch}.")

    if runner.stopped and stopping.best_state is None:
        raise TrainingInterrupted(STOPPED_TOO_SOON[0].upper() + STOPPED_TOO_SOON[1:] + ".")
    if stopping.best_state is not None:
        model.load_state_dict(stopping.best_state)
    model.eval()
    stopped = "asked" if runner.stopped else "early" if stopping.should_stop else ""
    return TrainResult(model=model, history=history, best_epoch=stopping.best_epoch,
                       train_seconds=sum(r["seconds"] for r in history), mean=mean, std=std,
                       stopped=stopped)


def _send_epoch(progress: Progress, record: dict, epochs: int, history: list[dict],
                best_epoch: int) -> None:
    """The epoch event: the stored record's figures (the exported report's history holds the
    same), the best epoch so far, and the time left if every remaining epoch runs."""
    so_far = [r for r in history if r["epoch"] <= record["epoch"]]
    spent = sum(r["seconds"] for r in so_far)
    left = (epochs - record["epoch"]) * spent / len(so_far)
    progress.send("epoch", epoch=record["epoch"], train_loss=record["train_loss"],
                  train_accuracy=record["train_accuracy"], val_loss=record["val_loss"],
                  val_accuracy=record["val_accuracy"], best_epoch=best_epoch,
                  learning_rate=record["learning_rate"], epoch_seconds=record["seconds"],
                  seconds=spent, seconds_left=left)


def _resume(config: TrainConfig, path: Path, model: nn.Module, runner: EpochRunner,
            context: Context) -> tuple[list[dict], EarlyStopping, int]:
    """(history, early-stopping record, first epoch to run) from the checkpoint at `path`, its
    state loaded into the model, optimizer and schedule; a fresh start if there is none."""
    state = checkpoint.load(path, context, dataclasses.asdict(config))
    if state is None:
        log.info(f"No checkpoint at {path}; starting from scratch.")
        return [], EarlyStopping(config.patience), 1
    history, stopping, last = checkpoint.restore(state, path, model, runner.optimizer,
                                                 runner.scheduler, config.patience)
    log.info(f"Resuming {config.model_id} after epoch {last} from {path}")
    return history, stopping, last + 1


def _summary(record: dict, epochs: int, improved: bool) -> str:
    return (f"epoch {record['epoch']:>2}/{epochs}  "
            f"train loss {record['train_loss']:.4f} acc {record['train_accuracy']:.2%}  "
            f"val loss {record['val_loss']:.4f} acc {record['val_accuracy']:.2%}  "
            f"lr {record['learning_rate']:.2e}  {record['seconds']:.1f}s"
            + ("  *" if improved else ""))
