"""One epoch of training: mini-batches from in-memory tensors, augmented on the fly, one AdamW
step each on a one-cycle learning-rate schedule (in mixed precision on CUDA), with a progress
bar when details are shown, or batch events under `--progress json` (trainer.progress), where
the stop command ends the epoch after the current batch.

The order of the pictures and the augmentations are seeded from (seed, epoch), so a resumed run
is identical to an uninterrupted one. Under torchrun every process shuffles alike, then takes its
own shard and its own augmentations; DistributedDataParallel averages the gradients.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

from trainer import distributed, testhook
from trainer.augment import augment
from trainer.data import Split
from trainer.distributed import Context
from trainer.progress import Progress

if TYPE_CHECKING:
    from trainer.train import TrainConfig

log = logging.getLogger(__name__)
# OneCycleLR divides by the length of its warm-up: a tiny run (a few steps) would make it zero,
# so the schedule spans at least this many steps (a tiny run ends part-way).
MIN_SCHEDULE_STEPS = 12


@dataclass(frozen=True)
class Batching:
    """How an epoch is cut into steps: `batch_size` images per step over all processes."""

    per_process: int  # images per step in each process
    usable: int  # training images per epoch: a multiple of the process count (equal shards)
    steps: int  # steps per epoch

    @classmethod
    def of(cls, train_size: int, batch_size: int, world_size: int) -> Batching:
        per_process = max(1, batch_size // world_size)
        usable = train_size - train_size % world_size
        return cls(per_process, usable, -(-(usable // world_size) // per_process))


def one_cycle(optimizer: torch.optim.Optimizer, lr: float, epochs: int,
              steps_per_epoch: int) -> torch.optim.lr_scheduler.OneCycleLR:
    """The learning-rate schedule: a quarter warming up to `lr`, then annealing."""
    return torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=lr, total_steps=max(epochs * steps_per_epoch, MIN_SCHEDULE_STEPS),
        pct_start=0.25)


def class_weights(labels: torch.Tensor, outputs: int) -> torch.Tensor:
    """Inverse class frequency, scaled so that a balanced dataset gets all ones."""
    counts = torch.bincount(labels, minlength=outputs).clamp(min=1).float()
    return counts.sum() / (len(counts) * counts)


def mixed_precision(device: torch.device):
    """(autocast factory, gradient scaler or None): bfloat16/float16 autocast on CUDA (the CPU
    trains in float32)."""
    if device.type != "cuda":
        return contextlib.nullcontext, None
    dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    scaler = torch.amp.GradScaler("cuda") if dtype == torch.float16 else None
    return (lambda: torch.autocast("cuda", dtype=dtype)), scaler


def share_batch_norm_statistics(model: nn.Module, context: Context) -> None:
    """Each process updated its batch-norm running averages on its own last batch; evaluate
    and save the main process's, so every process holds exactly the model that is exported."""
    for buffer in model.buffers():
        context.broadcast(buffer)


class EpochRunner:
    """Trains `model` one epoch per `run` call. Holds what lives from epoch to epoch: the
    optimizer and its schedule (a checkpoint saves and restores both), the data on the device."""

    def __init__(self, config: TrainConfig, train: Split, mean: float, std: float,
                 model: nn.Module, context: Context, progress: Progress | None = None) -> None:
        self.config, self.mean, self.std, self.context = config, mean, std, context
        self.progress = progress or Progress()
        self.started = time.perf_counter()  # batch events count seconds from here
        self.stopped = False  # the last epoch ended early: the user asked to stop
        self.network = distributed.wrap(model, context)
        self.batching = Batching.of(len(train), config.batch_size, context.world_size)
        self.optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr,
                                           weight_decay=config.weight_decay)
        self.scheduler = one_cycle(self.optimizer, config.lr, config.epochs, self.batching.steps)
        device = context.device
        self.weights = (class_weights(train.labels, config.outputs).to(device)
                        if config.class_weights else None)
        self.autocast, self.scaler = mixed_precision(device)
        # The whole training set lives on the device; on CUDA it travels once, from pinned memory.
        self.images = _to_device(train.images, device)
        self.labels = _to_device(train.labels, device)

    def run(self, epoch: int) -> tuple[float, float, float]:
        """One epoch: (sum of the losses, correct predictions, pictures), over all processes."""
        config, context, batching = self.config, self.context, self.batching
        # Every process shuffles alike, then takes its own shard and its own augmentations.
        epoch_seed = config.seed * 10_007 + epoch
        shuffle = torch.Generator().manual_seed(epoch_seed)
        order = torch.randperm(len(self.labels), generator=shuffle)[:batching.usable]
        generator = shuffle if context.rank == 0 else torch.Generator().manual_seed(
            epoch_seed + 1_000_003 * context.rank)
        torch.manual_seed(epoch_seed + 1_000_003 * context.rank)
        self.network.train()
        order = order[context.rank::context.world_size].to(context.device)
        seen, loss_sum, correct = 0, 0.0, 0
        progress = self.progress
        bar = tqdm(range(batching.steps), desc=f"epoch {epoch}/{config.epochs}", leave=False,
                   disable=progress.on or not log.isEnabledFor(logging.DEBUG), file=sys.stderr,
                   unit="batch", dynamic_ncols=True)
        self.stopped = False
        for step in bar:
            if self._stop_asked():
                self.stopped = True
                break
            batch = order[step * batching.per_process:(step + 1) * batching.per_process]
            loss, logits, y = self._step(batch, generator)
            seen += len(batch)
            loss_sum += loss.item() * len(batch)
            correct += int((logits.argmax(1) == y).sum())
            if step == batching.steps // 2:
                testhook.phase("mid-epoch")
            if step % 20 == 0:
                bar.set_postfix(loss=f"{loss_sum / seen:.4f}", acc=f"{correct / seen:.2%}")
            # Running means of this process's shard (the whole batch without torchrun).
            progress.batch(epoch, step + 1, batching.steps, loss_sum / seen, correct / seen,
                           time.perf_counter() - self.started)
        bar.close()
        loss_sum, correct, seen = context.sum(loss_sum, correct, seen)
        return loss_sum, correct, seen

    def _stop_asked(self) -> bool:
        """Whether to stop before the next batch; under torchrun every process asks the main
        one (which alone listens), so all stop at the same batch."""
        if not self.progress.on:
            return False
        asked = self.progress.stop_asked
        if self.context.distributed:
            asked = self.context.sum(float(asked))[0] > 0
        return asked

    def _step(self, batch: torch.Tensor, generator: torch.Generator
              ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """One optimisation step on the pictures `batch`: (loss, logits, labels)."""
        config = self.config
        x = self.images[batch].unsqueeze(1).float() / 255.0
        if config.augment:
            x = augment(x, config.dataset, generator)
        x = ((x - self.mean) / self.std).contiguous(memory_format=torch.channels_last)
        y = self.labels[batch]
        with self.autocast():
            logits = self.network(x)
            loss = F.cross_entropy(logits.float(), y, weight=self.weights,
                                   label_smoothing=config.label_smoothing)
        self.optimizer.zero_grad(set_to_none=True)
        if self.scaler is not None:
            self.scaler.scale(loss).backward()
            self.scaler.step(self.optimizer)
            self.scaler.update()
        else:
            loss.backward()
            self.optimizer.step()
        self.scheduler.step()
        return loss, logits, y


def _to_device(tensor: torch.Tensor, device: torch.device) -> torch.Tensor:
    if device.type == "cuda":
        return tensor.pin_memory().to(device, non_blocking=True)
    return tensor.to(device)
