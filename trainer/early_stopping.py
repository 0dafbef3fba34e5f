"""Early stopping: keep the weights of the epoch with the lowest validation loss and stop after
`patience` epochs without a better one. The record travels in every checkpoint, so a resumed run
decides exactly as an uninterrupted one would, and an interrupted run keeps its best so far."""

from __future__ import annotations

import copy
from dataclasses import dataclass

from torch import nn


@dataclass
class EarlyStopping:
    patience: int
    best_state: dict | None = None  # the model's state_dict at best_epoch
    best_loss: float = float("inf")
    best_epoch: int = 0
    stale: int = 0  # epochs since the best one

    @property
    def should_stop(self) -> bool:
        return self.stale >= self.patience

    def update(self, epoch: int, val_loss: float, model: nn.Module) -> bool:
        """Record one epoch's validation loss; True if it is the best so far."""
        if val_loss < self.best_loss:
            self.best_state = copy.deepcopy(model.state_dict())
            self.best_loss, self.best_epoch, self.stale = val_loss, epoch, 0
            return True
        self.stale += 1
        return False

    def state(self) -> dict:
        """What a checkpoint stores of it (trainer.checkpoint)."""
        return {"best_state": self.best_state, "best_loss": self.best_loss,
                "best_epoch": self.best_epoch, "stale": self.stale}

    @classmethod
    def from_state(cls, patience: int, state: dict) -> EarlyStopping:
        """The record as a checkpoint stored it; KeyError, TypeError or ValueError if the
        checkpoint does not hold one."""
        return cls(patience=patience, best_state=state["best_state"],
                   best_loss=float(state["best_loss"]), best_epoch=int(state["best_epoch"]),
                   stale=int(state["stale"]))
