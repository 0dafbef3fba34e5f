"""What one `python -m trainer` run was asked to do, checked and with its folders decided: built
once from the command line (trainer.cli) and read by the library (trainer.pipeline), which never
sees argparse. Torch-free.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from trainer.settings import LABEL_SMOOTHING


@dataclass(frozen=True)
class RunOptions:
    out_dir: Path  # models go to out_dir/<model-id>/model.onnx
    checkpoints: Path  # checkpoints go to checkpoints/<model-id>/checkpoint.pt
    extra_data_cache: Path  # the generated extra training pictures (trainer.mixed_data)
    data_dir: Path | None = None  # None: trainer.data.default_data_dir()
    resume: bool = False
    # The per-model defaults (trainer.settings.DEFAULTS) apply where these are None.
    epochs: int | None = None
    batch_size: int | None = None
    lr: float | None = None
    dropout: float | None = None
    seed: int = 0
    label_smoothing: float = LABEL_SMOOTHING
    patience: int = 10
    val_size: int = 10_000
    limit: int | None = None
    augment: bool = True  # False: no model is augmented; True: those whose default says so
    extra_data: bool = True
