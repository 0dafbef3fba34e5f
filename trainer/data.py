"""Load MNIST / Fashion-MNIST as whole tensors and carve the validation split.

The datasets are small enough (60,000 28x28 images) to keep in memory as one uint8 tensor,
which is much faster than a DataLoader that converts images one by one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import torch

from desktop.model_format import DATASETS, Dataset  # noqa: F401  (DATASETS re-exported)
from trainer import files

DATA_DIR_ENV = "DIGIT_LENS_DATA"


class DataError(RuntimeError):
    """The dataset could not be found, downloaded or read."""


# The datasets (key, title, classes, preprocessing recipe, torchvision class name) are part of
# the model-folder contract, shared with the app; here they are only loaded.
DatasetSpec = Dataset

RAW_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


def default_data_dir() -> Path:
    """Where datasets live: $DIGIT_LENS_DATA, else the user's cache folder."""
    if os.environ.get(DATA_DIR_ENV):
        return Path(os.environ[DATA_DIR_ENV]).expanduser()
    return files.cache_dir() / "datasets"


@dataclass
class Split:
    images: torch.Tensor  # N x 28 x 28, uint8
    labels: torch.Tensor  # N, int64

    def __len__(self) -> int:
        return len(self.labels)


@dataclass
class Splits:
    train: Split
    val: Split
    test: Split


def load_official(spec: DatasetSpec, root: Path, train: bool) -> Split:
    import torchvision  # imported lazily: importing it takes a noticeable moment

    dataset_class = getattr(torchvision.datasets, spec.torchvision_name)  # MNIST, FashionMNIST
    # One line each: the first expected file in full, so the user knows where to look.
    expected = (f"expected {root / spec.torchvision_name / 'raw' / RAW_FILES[0]} and "
                f"{len(RAW_FILES) - 1} more files beside it")
    try:
        dataset = dataset_class(root=str(root), train=train, download=True)
        images, labels = dataset.data, dataset.targets
    except Exception as exc:  # torchvision raises many kinds: network, gzip, parse errors
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise DataError(
            f"Could not load {spec.torchvision_name} from {root} ({reason}); {expected} (or a "
            f"working internet connection to download them); choose another folder with "
            f"--data-dir or ${DATA_DIR_ENV}."
        ) from exc
    expected_count = 60_000 if train else 10_000
    if images.shape != (expected_count, 28, 28) or labels.shape != (expected_count,):
        raise DataError(
            f"{spec.torchvision_name} in {root} looks corrupt: got images of shape "
            f"{tuple(images.shape)} and labels {tuple(labels.shape)}, expected "
            f"({expected_count}, 28, 28); {expected}."
        )
    if int(labels.min()) < 0 or int(labels.max()) >= len(spec.classes):
        raise DataError(f"{spec.torchvision_name} in {root} has labels outside "
                        f"0..{len(spec.classes) - 1}.")
    return Split(images.to(torch.uint8), labels.to(torch.int64))


def load_splits(
    spec: DatasetSpec, root: Path, val_size: int, seed: int, limit: int | None = None
) -> Splits:
    """Official train set -> seeded shuffle -> (validation, training); test set untouched.

    `limit` keeps only the first N training and N // 5 validation/test images, for quick runs.
    """
    official = load_official(spec, root, train=True)
    test = load_official(spec, root, train=False)
    if not 0 < val_size < len(official):
        raise DataError(f"--val-size must be between 1 and {len(official) - 1}, got {val_size}.")
    order = torch.randperm(len(official), generator=torch.Generator().manual_seed(seed))
    val_idx, train_idx = order[:val_size], order[val_size:]
    if limit is not None:
        train_idx, val_idx = train_idx[:limit], val_idx[: max(limit // 5, 1)]
        test = Split(test.images[: max(limit // 5, 1)], test.labels[: max(limit // 5, 1)])
    return Splits(
        train=Split(official.images[train_idx], official.labels[train_idx]),
        val=Split(official.images[val_idx], official.labels[val_idx]),
        test=test,
    )


def mean_std(images: torch.Tensor) -> tuple[float, float]:
    """Pixel mean and standard deviation (on the 0..1 scale) of a uint8 image tensor."""
    pixels = images.to(torch.float64) / 255.0
    return float(pixels.mean()), float(pixels.std())


def cut_class(split: Split, class_index: int, fraction: float, seed: int) -> Split:
    """The split with only round(fraction * n) of its n images of one class (a seeded choice),
    the other images untouched and in their order: an imbalanced training set (--imbalance)."""
    of_class = torch.nonzero(split.labels == class_index).flatten()
    order = torch.randperm(len(of_class), generator=torch.Generator().manual_seed(seed + 4099))
    dropped = of_class[order[round(fraction * len(of_class)):]]
    keep = torch.ones(len(split), dtype=torch.bool)
    keep[dropped] = False
    return Split(split.images[keep], split.labels[keep])


def binary_split(split: Split, positive: tuple[int, ...]) -> Split:
    """The split with labels 1 for the classes `positive` and 0 for the others (a binary
    task, desktop.binary_task.BinaryTask)."""
    return Split(split.images, torch.isin(split.labels, torch.tensor(positive)).to(torch.int64))
