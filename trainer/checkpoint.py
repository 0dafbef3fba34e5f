"""Checkpoints: the whole state of a run after every epoch, so that `--resume` continues an
interrupted run exactly where it stopped.

Written whole or not at all (trainer.files.atomic_write), read with weights_only=True so that a
crafted file cannot run code, and checked before use: a checkpoint made with other settings, a
damaged one or a file that is no checkpoint each get a message saying what to do.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import torch
from torch import nn

from trainer import files, testhook
from trainer.distributed import Context
from trainer.early_stopping import EarlyStopping


class CheckpointError(RuntimeError):
    """The checkpoint cannot be resumed (other settings, damaged, not a checkpoint); the message
    says what to do."""


def save(state: dict, path: Path) -> None:
    """Write the checkpoint in full beside `path`, then rename it over the previous one: a kill
    leaves the previous checkpoint and at most a temporary file, swept by the next run."""
    testhook.phase("checkpoint-write")
    with files.atomic_write(path, rename_phase="checkpoint-rename") as file:
        torch.save(state, file)


def contents(config: dict, epoch: int, model: nn.Module, optimizer: torch.optim.Optimizer,
             scheduler: torch.optim.lr_scheduler.LRScheduler, history: list[dict],
             stopping: EarlyStopping) -> dict:
    """What a checkpoint holds after `epoch`: everything `restore` needs to go on."""
    return {"config": config, "epoch": epoch, "model": model.state_dict(),
            "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
            "history": history, **stopping.state()}


def restore(state: dict, path: Path, model: nn.Module, optimizer: torch.optim.Optimizer,
            scheduler: torch.optim.lr_scheduler.LRScheduler,
            patience: int) -> tuple[list[dict], EarlyStopping, int]:
    """Load a checkpoint's `state` (from `load`) into the model, optimizer and schedule;
    returns the history, the early-stopping record and the last epoch it finished."""
    try:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        return (list(state["history"]), EarlyStopping.from_state(patience, state),
                int(state["epoch"]))
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise CheckpointError(damaged(path, exc)) from None


# Settings added to the run's config after checkpoints were made, with the value that meant
# "as before": an older checkpoint without them resumes a run that does not use them.
ADDED_SETTINGS = {"preset": ""}


def load(path: Path, context: Context, config: dict) -> dict | None:
    """The checkpoint at `path` made with `config` (the run's settings), or None if there is
    none. The main process reads it and hands it to the others (no shared disk needed).

    weights_only=True: a checkpoint is tensors, numbers, strings and containers; torch refuses
    anything else, so a crafted file cannot run code.
    """
    state, problem = None, None
    if context.is_main and path.exists():
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except pickle.UnpicklingError as exc:  # what weights_only refuses, and bad pickles
            problem = damaged(path, exc, refused=True)
        except Exception as exc:  # noqa: BLE001 - torch's readers raise anything on garbage
            problem = damaged(path, exc)
        else:
            if not (isinstance(state, dict) and isinstance(state.get("config"), dict)):
                problem = damaged(path, "not a trainer checkpoint")
            elif {**ADDED_SETTINGS, **state["config"]} != config:
                problem = (f"The checkpoint {path} was made with other settings "
                           f"({state['config']}); start again without --resume or use the "
                           f"same settings.")
    if problem:
        state = None  # the other processes only need the message
    state, problem = context.broadcast_object((state, problem))
    if problem:
        raise CheckpointError(problem)
    return state


def damaged(path: Path, reason: object, refused: bool = False) -> str:
    """The message for a checkpoint that cannot be read; `reason` is the reader's complaint."""
    first = (str(reason).strip().splitlines() or [type(reason).__name__])[0][:160]
    what = ("holds objects a checkpoint never contains (refused, nothing of it was run)"
            if refused else f"is damaged or not a checkpoint ({first})")
    return f"The checkpoint {path} {what}; delete it, or run without --resume to start again."
