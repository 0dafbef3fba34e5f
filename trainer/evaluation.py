"""Scoring a model on a whole split: the loss and the confusion matrix, each process scoring its
own shard under torchrun and the sums added up, so every process sees the same numbers."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from trainer import metrics
from trainer.data import Split
from trainer.distributed import Context


@dataclass
class Evaluation:
    """Loss over every picture (with "none of these" ones); the confusion matrix of the real
    classes, predicted by the class outputs alone, as the app's probability bars show it."""

    loss: float
    confusion: torch.Tensor  # rows = true class, columns = predicted

    @property
    def accuracy(self) -> float:
        return float(self.confusion.diag().sum()) / max(int(self.confusion.sum()), 1)


def to_input(images: torch.Tensor, mean: float, std: float) -> torch.Tensor:
    """uint8 N x 28 x 28 -> normalised float N x 1 x 28 x 28, as the exported model expects."""
    return (images.unsqueeze(1).float() / 255.0 - mean) / std


@torch.no_grad()
def evaluate(model: nn.Module, split: Split, mean: float, std: float, context: Context,
             classes: int, batch_size: int = 1000) -> Evaluation:
    """Cross-entropy and confusion matrix over the whole split (each process scores a shard).
    `classes`: the dataset's real classes; a further output is "none of these"."""
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
