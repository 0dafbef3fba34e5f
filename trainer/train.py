"""The training loop: mini-batches from in-memory tensors, AdamW + one-cycle schedule,
validation every epoch, early stopping that restores the best weights, and a checkpoint
after every epoch so that `--resume` continues an interrupted run exactly where it stopped.

Under torchrun every process trains on its own shard of each epoch through
DistributedDataParallel; sums (losses, counts, confusion matrices) are added up across
processes, so every process sees the same metrics and takes the same early-stopping decision.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import math
import os
import pickle
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from tqdm import tqdm

from trainer import metrics, testhook
from trainer.augment import augment
from trainer.data import DATASETS, Split, Splits, mean_std
from trainer.distributed import Context
from trainer.folders import TEMP_SUFFIX, temp_name
from trainer.models import build_model
from trainer.settings import DEFAULTS  # noqa: F401  (re-exported for trainer.pipeline)


@dataclass(frozen=True)
class TrainConfig:
    dataset: str
    architecture: str
    epochs: int
    batch_size: int  # images per optimisation step, over all processes together
    lr: float
    seed: int = 0
    weight_decay: float = 5e-4
    label_smoothing: float = 0.05
    patience: int = 10
    val_size: int = 10_000
    limit: int | None = None
    class_weights: bool = False
    augment: bool = True
    dropout: float | None = None  # None: the architecture's default
    # Mix in generated handwriting and real pen-tablet digits, and learn an extra output for
    # "none of these classes" from letters, scribbles, shapes and the other dataset's images.
    extra_data: bool = True

    @property
    def model_id(self) -> str:
        return f"{self.dataset}-{self.architecture}"

    @property
    def classes(self) -> int:
        return len(DATASETS[self.dataset].classes)

    @property
    def outputs(self) -> int:
        """Logits of the network: one per class, plus "none of these" with extra data."""
        return self.classes + (1 if self.extra_data else 0)


MIN_SCHEDULE_STEPS = 12


class TrainingInterrupted(RuntimeError):
    """Training cannot go on: the checkpoint cannot be resumed (other settings, damaged, not a
    checkpoint) or the training diverged. The message says what to do."""


@dataclass
class TrainResult:
    model: nn.Module
    history: list[dict]
    best_epoch: int
    train_seconds: float
    mean: float
    std: float


@dataclass
class Evaluation:
    """Loss over every picture (with "none of these" ones); the confusion matrix of the real
    classes, predicted by the class outputs alone, as the app's probability bars show it."""

    loss: float
    confusion: torch.Tensor  # rows = true class, columns = predicted

    @property
    def accuracy(self) -> float:
        return float(self.confusion.diag().sum()) / max(int(self.confusion.sum()), 1)


def select_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda was asked for, but no CUDA GPU is available")
    return torch.device(name)


def to_input(images: torch.Tensor, mean: float, std: float) -> torch.Tensor:
    """uint8 N x 28 x 28 -> normalised float N x 1 x 28 x 28, as the exported model expects."""
    return (images.unsqueeze(1).float() / 255.0 - mean) / std


@torch.no_grad()
def evaluate(model: nn.Module, split: Split, mean: float, std: float, context: Context,
             classes: int = 10, batch_size: int = 1000) -> Evaluation:
    """Cross-entropy and confusion matrix over the whole split (each process scores a shard)."""
    model.eval()
    images = split.images[context.rank::context.world_size]
    labels = split.labels[context.rank::context.world_size]
    loss_sum, confusion = 0.0, torch.zeros(classes, classes, dtype=torch.int64)
    for start in range(0, len(labels), batch_size):
        x = to_input(images[start:start + batch_size].to(context.device), mean, std)
        y = labels[start:start + batch_size].to(context.device)
        logits = model(x.contiguous(memory_format=torch.channels_last)).float()
        loss_sum += float(F.cross_entropy(logits, y, reduction="sum"))
        real = (y < classes).cpu()
        confusion += metrics.confusion_matrix(
            y.cpu()[real], logits[:, :classes].argmax(1).cpu()[real], classes)
    (loss_sum,) = context.sum(loss_sum)
    confusion = context.sum_tensor(confusion)
    return Evaluation(loss_sum / max(len(split), 1), confusion)


def _class_weights(labels: torch.Tensor, outputs: int) -> torch.Tensor:
    """Inverse class frequency, scaled so that a balanced dataset gets all ones."""
    counts = torch.bincount(labels, minlength=outputs).clamp(min=1).float()
    return counts.sum() / (len(counts) * counts)


def _atomic_save(obj: object, path: Path) -> None:
    """Write the checkpoint in full to a temporary file beside it, flush it to disk, then rename
    it over the previous one: a kill leaves the previous checkpoint and at most a temporary file,
    which the next run sweeps away (trainer.folders.sweep_temporaries)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    testhook.phase("checkpoint-write")
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=temp_name(path.name),
                                   suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(handle, "wb") as file:
            torch.save(obj, file)
            file.flush()
            os.fsync(file.fileno())
        testhook.phase("checkpoint-rename")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _mixed_precision(device: torch.device):
    """bfloat16/float16 autocast on CUDA (the CPU trains in float32)."""
    if device.type != "cuda":
        return contextlib.nullcontext, None
    dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    scaler = torch.amp.GradScaler("cuda") if dtype == torch.float16 else None
    return (lambda: torch.autocast("cuda", dtype=dtype)), scaler


def train(config: TrainConfig, splits: Splits, context: Context, checkpoint: Path,
          resume: bool = False, quiet: bool = False) -> TrainResult:
    """Train one model; the main process checkpoints after every epoch to `checkpoint`."""
    device, quiet = context.device, quiet or not context.is_main
    torch.manual_seed(config.seed)
    mean, std = mean_std(splits.train.images)
    model = build_model(config.architecture, config.dropout, config.outputs).to(device).to(
        memory_format=torch.channels_last)
    network = model
    if context.distributed:
        network = DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None)
    per_process_batch = max(1, config.batch_size // context.world_size)
    usable = len(splits.train) - len(splits.train) % context.world_size  # equal shards
    steps_per_epoch = -(-(usable // context.world_size) // per_process_batch)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr,
                                  weight_decay=config.weight_decay)
    # OneCycleLR divides by the length of its warm-up: a tiny run (a few steps) would make it
    # zero, so the schedule spans at least MIN_SCHEDULE_STEPS (a tiny run ends part-way).
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=config.lr,
        total_steps=max(config.epochs * steps_per_epoch, MIN_SCHEDULE_STEPS), pct_start=0.25)
    weights = (_class_weights(splits.train.labels, config.outputs).to(device)
               if config.class_weights else None)
    autocast, scaler = _mixed_precision(device)

    history: list[dict] = []
    best_state, best_loss, best_epoch, stale, start_epoch = None, float("inf"), 0, 0, 1
    state = _load_checkpoint(checkpoint, context) if resume else None
    if state is not None:
        if state["config"] != dataclasses.asdict(config):
            raise TrainingInterrupted(
                f"The checkpoint {checkpoint} was made with other settings "
                f"({state['config']}); start again without --resume or use the same settings.")
        try:
            model.load_state_dict(state["model"])
            optimizer.load_state_dict(state["optimizer"])
            scheduler.load_state_dict(state["scheduler"])
            history, best_state = list(state["history"]), state["best_state"]
            best_loss, best_epoch = float(state["best_loss"]), int(state["best_epoch"])
            stale, start_epoch = int(state["stale"]), int(state["epoch"]) + 1
        except (KeyError, TypeError, ValueError, RuntimeError) as exc:
            raise TrainingInterrupted(_damaged(checkpoint, exc)) from None
        _say(f"Resuming {config.model_id} after epoch {state['epoch']} from {checkpoint}",
             quiet=not context.is_main)
    elif resume:
        _say(f"No checkpoint at {checkpoint}; starting from scratch.", quiet=not context.is_main)

    # The whole training set lives on the device; on CUDA it travels once, from pinned memory.
    pinned = device.type == "cuda"
    train_images = _to_device(splits.train.images, device, pinned)
    train_labels = _to_device(splits.train.labels, device, pinned)
    for epoch in range(start_epoch, config.epochs + 1):
        if stale >= config.patience:
            break
        testhook.phase("epoch")
        started = time.perf_counter()
        # Seeding from (seed, epoch) makes a resumed run identical to an uninterrupted one;
        # every process shuffles alike, then takes its own shard and its own augmentations.
        epoch_seed = config.seed * 10_007 + epoch
        shuffle = torch.Generator().manual_seed(epoch_seed)
        order = torch.randperm(len(train_labels), generator=shuffle)[:usable]
        generator = shuffle if context.rank == 0 else torch.Generator().manual_seed(
            epoch_seed + 1_000_003 * context.rank)
        torch.manual_seed(epoch_seed + 1_000_003 * context.rank)
        network.train()
        order = order[context.rank::context.world_size].to(device)
        seen, loss_sum, correct = 0, 0.0, 0
        bar = tqdm(range(steps_per_epoch), desc=f"epoch {epoch}/{config.epochs}", leave=False,
                   disable=quiet, file=sys.stderr, unit="batch", dynamic_ncols=True)
        for step in bar:
            batch = order[step * per_process_batch:(step + 1) * per_process_batch]
            x = train_images[batch].unsqueeze(1).float() / 255.0
            if config.augment:
                x = augment(x, config.dataset, generator)
            x = ((x - mean) / std).contiguous(memory_format=torch.channels_last)
            y = train_labels[batch]
            with autocast():
                logits = network(x)
                loss = F.cross_entropy(logits.float(), y, weight=weights,
                                       label_smoothing=config.label_smoothing)
            optimizer.zero_grad(set_to_none=True)
            if scaler is not None:
                scaler.scale(loss).backward()
                scaler.step(optimizer)
                scaler.update()
            else:
                loss.backward()
                optimizer.step()
            scheduler.step()
            seen += len(batch)
            loss_sum += loss.item() * len(batch)
            correct += int((logits.argmax(1) == y).sum())
            if step == steps_per_epoch // 2:
                testhook.phase("mid-epoch")
            if step % 20 == 0:
                bar.set_postfix(loss=f"{loss_sum / seen:.4f}", acc=f"{correct / seen:.2%}")
        bar.close()
        loss_sum, correct, seen = context.sum(loss_sum, correct, seen)
        if not math.isfinite(loss_sum):  # every process sees the same sum: all stop together
            raise TrainingInterrupted(
                f"Training diverged in epoch {epoch} (the loss is not a number); nothing was "
                f"exported. Try a smaller --lr (this run: {config.lr:g}).")
        _share_batch_norm_statistics(model, context)
        val = evaluate(model, splits.val, mean, std, context, config.classes)
        record = {
            "epoch": epoch,
            "train_loss": loss_sum / seen,
            "train_accuracy": correct / seen,
            "val_loss": val.loss,
            "val_accuracy": val.accuracy,
            "learning_rate": optimizer.param_groups[0]["lr"],
            "seconds": time.perf_counter() - started,
        }
        history.append(record)
        improved = val.loss < best_loss
        if improved:
            best_state = copy.deepcopy(model.state_dict())
            best_loss, best_epoch, stale = val.loss, epoch, 0
        else:
            stale += 1
        if context.is_main:
            _say(_summary(record, config.epochs, improved), quiet=False)
            _atomic_save({
                "config": dataclasses.asdict(config), "epoch": epoch,
                "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "history": history,
                "best_state": best_state, "best_loss": best_loss, "best_epoch": best_epoch,
                "stale": stale,
            }, checkpoint)
            if stale >= config.patience:
                _say(f"Early stopping: validation loss has not improved for {stale} epochs; "
                     f"keeping epoch {best_epoch}.", quiet=False)

    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return TrainResult(model=model, history=history, best_epoch=best_epoch,
                       train_seconds=sum(r["seconds"] for r in history), mean=mean, std=std)


def _to_device(tensor: torch.Tensor, device: torch.device, pinned: bool) -> torch.Tensor:
    if pinned:
        return tensor.pin_memory().to(device, non_blocking=True)
    return tensor.to(device)


def _load_checkpoint(checkpoint: Path, context: Context) -> dict | None:
    """The main process reads the checkpoint and hands it to the others (no shared disk needed).

    weights_only=True: a checkpoint is tensors, numbers, strings and containers; torch refuses
    anything else, so a crafted file cannot run code. A damaged one gets a clear message.
    """
    state, problem = None, None
    if context.is_main and checkpoint.exists():
        try:
            state = torch.load(checkpoint, map_location="cpu", weights_only=True)
        except pickle.UnpicklingError as exc:  # what weights_only refuses, and bad pickles
            problem = _damaged(checkpoint, exc, refused=True)
        except Exception as exc:  # noqa: BLE001 - torch's readers raise anything on garbage
            problem = _damaged(checkpoint, exc)
        else:
            if not (isinstance(state, dict) and isinstance(state.get("config"), dict)):
                problem = _damaged(checkpoint, "not a trainer checkpoint")
    state, problem = context.broadcast_object((state, problem))
    if problem:
        raise TrainingInterrupted(problem)
    return state


def _damaged(checkpoint: Path, reason: object, refused: bool = False) -> str:
    first = (str(reason).strip().splitlines() or [type(reason).__name__])[0][:160]
    what = ("holds objects a checkpoint never contains (refused, nothing of it was run)"
            if refused else f"is damaged or not a checkpoint ({first})")
    return (f"The checkpoint {checkpoint} {what}; delete it, or run without --resume to "
            f"start again.")


def _share_batch_norm_statistics(model: nn.Module, context: Context) -> None:
    """Each process updated its batch-norm running averages on its own last batch; evaluate
    and save the main process's, so every process holds exactly the model that is exported."""
    for buffer in model.buffers():
        context.broadcast(buffer)


def _summary(record: dict, epochs: int, improved: bool) -> str:
    return (f"epoch {record['epoch']:>2}/{epochs}  "
            f"train loss {record['train_loss']:.4f} acc {record['train_accuracy']:.2%}  "
            f"val loss {record['val_loss']:.4f} acc {record['val_accuracy']:.2%}  "
            f"lr {record['learning_rate']:.2e}  {record['seconds']:.1f}s"
            + ("  *" if improved else ""))


def _say(message: str, quiet: bool) -> None:
    if not quiet:
        tqdm.write(message, file=sys.stderr)
