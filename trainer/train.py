"""The training loop: mini-batches from in-memory tensors, AdamW + one-cycle schedule,
validation every epoch, early stopping that restores the best weights, and a checkpoint
after every epoch so that `--resume` continues an interrupted run exactly where it stopped.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

from trainer.augment import augment
from trainer.data import Split, Splits, mean_std
from trainer.models import build_model


@dataclass(frozen=True)
class TrainConfig:
    dataset: str
    architecture: str
    epochs: int
    batch_size: int
    lr: float
    seed: int = 0
    weight_decay: float = 5e-4
    label_smoothing: float = 0.05
    patience: int = 10
    val_size: int = 10_000
    limit: int | None = None
    class_weights: bool = False
    augment: bool = True

    @property
    def model_id(self) -> str:
        return f"{self.dataset}-{self.architecture}"


# Defaults chosen to reach the accuracy targets within the time budget on a 2-core CPU.
DEFAULTS = {
    ("mnist", "dense"): dict(epochs=30, batch_size=128, lr=2e-3),
    ("fashion", "dense"): dict(epochs=30, batch_size=128, lr=2e-3),
    ("mnist", "cnn"): dict(epochs=15, batch_size=128, lr=3e-3),
    ("fashion", "cnn"): dict(epochs=20, batch_size=128, lr=3e-3),
}


class TrainingInterrupted(RuntimeError):
    """Raised when the checkpoint on disk cannot be resumed with the requested settings."""


@dataclass
class TrainResult:
    model: nn.Module
    history: list[dict]
    best_epoch: int
    train_seconds: float
    mean: float
    std: float


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
def predict(model: nn.Module, split: Split, mean: float, std: float, device: torch.device,
            batch_size: int = 1000) -> tuple[float, torch.Tensor]:
    """Mean cross-entropy over the split and the predicted class of every image."""
    model.eval()
    total_loss, predictions = 0.0, []
    for start in range(0, len(split), batch_size):
        x = to_input(split.images[start:start + batch_size].to(device), mean, std)
        y = split.labels[start:start + batch_size].to(device)
        logits = model(x.contiguous(memory_format=torch.channels_last))
        total_loss += float(F.cross_entropy(logits, y, reduction="sum"))
        predictions.append(logits.argmax(1).cpu())
    return total_loss / max(len(split), 1), torch.cat(predictions)


def _class_weights(labels: torch.Tensor) -> torch.Tensor:
    """Inverse class frequency, scaled so that a balanced dataset gets all ones."""
    counts = torch.bincount(labels, minlength=10).clamp(min=1).float()
    return counts.sum() / (len(counts) * counts)


def _atomic_save(obj: object, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + f".tmp-{os.getpid()}")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def train(config: TrainConfig, splits: Splits, device: torch.device, checkpoint: Path,
          resume: bool = False, quiet: bool = False) -> TrainResult:
    """Train one model; checkpoint after every epoch to `checkpoint`."""
    torch.manual_seed(config.seed)
    mean, std = mean_std(splits.train.images)
    model = build_model(config.architecture).to(device).to(memory_format=torch.channels_last)
    steps_per_epoch = -(-len(splits.train) // config.batch_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr,
                                  weight_decay=config.weight_decay)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=config.lr, total_steps=config.epochs * steps_per_epoch,
        pct_start=0.25)
    weights = _class_weights(splits.train.labels).to(device) if config.class_weights else None

    history: list[dict] = []
    best_state, best_loss, best_epoch, stale, start_epoch = None, float("inf"), 0, 0, 1
    if resume and checkpoint.exists():
        state = torch.load(checkpoint, map_location=device, weights_only=False)
        if state["config"] != dataclasses.asdict(config):
            raise TrainingInterrupted(
                f"The checkpoint {checkpoint} was made with other settings "
                f"({state['config']}); start again without --resume or use the same settings.")
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        history, best_state = state["history"], state["best_state"]
        best_loss, best_epoch, stale = state["best_loss"], state["best_epoch"], state["stale"]
        start_epoch = state["epoch"] + 1
        _say(f"Resuming {config.model_id} after epoch {state['epoch']} from {checkpoint}", quiet)
    elif resume:
        _say(f"No checkpoint at {checkpoint}; starting from scratch.", quiet)

    train_images = splits.train.images.to(device)
    train_labels = splits.train.labels.to(device)
    for epoch in range(start_epoch, config.epochs + 1):
        if stale >= config.patience:
            break
        started = time.perf_counter()
        # Seeding from (seed, epoch) makes a resumed run identical to an uninterrupted one.
        generator = torch.Generator().manual_seed(config.seed * 10_007 + epoch)
        torch.manual_seed(config.seed * 10_007 + epoch)
        model.train()
        order = torch.randperm(len(train_labels), generator=generator).to(device)
        seen, loss_sum, correct = 0, 0.0, 0
        bar = tqdm(range(steps_per_epoch), desc=f"epoch {epoch}/{config.epochs}", leave=False,
                   disable=quiet, file=sys.stderr, unit="batch", dynamic_ncols=True)
        for step in bar:
            batch = order[step * config.batch_size:(step + 1) * config.batch_size]
            x = train_images[batch].unsqueeze(1).float() / 255.0
            if config.augment:
                x = augment(x, config.dataset, generator)
            x = ((x - mean) / std).contiguous(memory_format=torch.channels_last)
            y = train_labels[batch]
            logits = model(x)
            loss = F.cross_entropy(logits, y, weight=weights,
                                   label_smoothing=config.label_smoothing)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            seen += len(batch)
            loss_sum += loss.item() * len(batch)
            correct += int((logits.argmax(1) == y).sum())
            if step % 20 == 0:
                bar.set_postfix(loss=f"{loss_sum / seen:.4f}", acc=f"{correct / seen:.2%}")
        bar.close()
        val_loss, val_pred = predict(model, splits.val, mean, std, device)
        val_accuracy = float((val_pred == splits.val.labels).float().mean())
        record = {
            "epoch": epoch,
            "train_loss": loss_sum / seen,
            "train_accuracy": correct / seen,
            "val_loss": val_loss,
            "val_accuracy": val_accuracy,
            "learning_rate": optimizer.param_groups[0]["lr"],
            "seconds": time.perf_counter() - started,
        }
        history.append(record)
        improved = val_loss < best_loss
        if improved:
            best_state = copy.deepcopy(model.state_dict())
            best_loss, best_epoch, stale = val_loss, epoch, 0
        else:
            stale += 1
        _say(_summary(record, config.epochs, improved), quiet=False)
        _atomic_save({
            "config": dataclasses.asdict(config), "epoch": epoch, "model": model.state_dict(),
            "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
            "history": history, "best_state": best_state, "best_loss": best_loss,
            "best_epoch": best_epoch, "stale": stale,
        }, checkpoint)
        if stale >= config.patience:
            _say(f"Early stopping: validation loss has not improved for {stale} epochs; "
                 f"keeping epoch {best_epoch}.", quiet=False)

    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return TrainResult(model=model, history=history, best_epoch=best_epoch,
                       train_seconds=sum(r["seconds"] for r in history), mean=mean, std=std)


def _summary(record: dict, epochs: int, improved: bool) -> str:
    return (f"epoch {record['epoch']:>2}/{epochs}  "
            f"train loss {record['train_loss']:.4f} acc {record['train_accuracy']:.2%}  "
            f"val loss {record['val_loss']:.4f} acc {record['val_accuracy']:.2%}  "
            f"lr {record['learning_rate']:.2e}  {record['seconds']:.1f}s"
            + ("  *" if improved else ""))


def _say(message: str, quiet: bool) -> None:
    if not quiet:
        tqdm.write(message, file=sys.stderr)
