"""Your handwriting: the drawings a user labels in Teach mode, kept as a small dataset in the
user's data folder, <user data>/handwriting/<dataset>.npz, for personalising models
(desktop.personalise).

The file has the layout of the shipped test sets (desktop.test_sets): "images", uint8 (N, 28, 28),
each drawing as the model saw it (light on dark, times 255), and "labels", uint8 (N,). So numpy
opens it directly, and it is read with the same bounds and checks. Every change rewrites the file
whole or not at all; deleting the last drawing deletes the file. Plain Python + NumPy, no Qt.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from desktop import paths, test_sets
from desktop.atomic_file import write_whole
from desktop.bounded_io import describe_os_error
from desktop.lazy_imports import np
from desktop.test_sets import SIDE, TestSet, TestSetError

FOLDER = "handwriting"
MAX_DRAWINGS = 10_000  # far more than anyone draws; keeps the file small (about 2 MB at most)
# Of every five drawings of a class, the 2nd and the 4th are held back to measure
# personalising; a class drawn once is only learnt from.
HELD_OUT_POSITIONS = (1, 3)
HELD_OUT_EVERY = 5


class HandwritingError(Exception):
    """The set cannot be read or written; the message says why, for the user."""


def folder() -> Path:
    return paths.user_data_dir() / FOLDER


def path_for(dataset: str, where: Path | None = None) -> Path:
    return Path(where if where is not None else folder()) / f"{dataset}.npz"


def empty(dataset: str) -> TestSet:
    return TestSet(dataset, np.zeros((0, SIDE, SIDE), np.uint8), np.zeros(0, np.uint8))


def load(dataset: str, where: Path | None = None) -> TestSet:
    """The user's drawings of `dataset`, oldest first; an empty set when there are none yet."""
    path = path_for(dataset, where)
    try:
        path.stat()
    except FileNotFoundError:
        return empty(dataset)
    except OSError as exc:
        raise HandwritingError(f"Your saved drawings cannot be read ({path}: "
                               f"{describe_os_error(exc)}).") from None
    try:
        return test_sets.read(path, dataset)
    except TestSetError as exc:
        raise HandwritingError(f"Your saved drawings cannot be read: {exc} Move the file "
                               f"away to start a new set.") from None


def add(dataset: str, image28: np.ndarray, label: int, where: Path | None = None) -> TestSet:
    """Keep one more drawing: `image28` is the model's input (28x28 in 0..1, light on dark)."""
    drawings = load(dataset, where)
    if len(drawings) >= MAX_DRAWINGS:
        raise HandwritingError(f"Your set already holds {MAX_DRAWINGS:,} drawings; delete some "
                               f"first.")
    image = np.clip(np.rint(np.asarray(image28, np.float32) * 255), 0, 255).astype(np.uint8)
    if image.shape != (SIDE, SIDE):
        raise ValueError(f"a drawing is {SIDE}x{SIDE}, not {image.shape}")
    return _save(path_for(dataset, where), dataset,
                 np.concatenate([drawings.images, image[None]]),
                 np.append(drawings.labels, np.uint8(label)))


def remove(dataset: str, indices: list[int], where: Path | None = None) -> TestSet:
    """The set without the drawings at `indices` (an empty selection changes nothing)."""
    drawings = load(dataset, where)
    keep = np.ones(len(drawings), bool)
    keep[[i for i in indices if 0 <= i < len(drawings)]] = False
    if keep.all():
        return drawings
    return _save(path_for(dataset, where), dataset, drawings.images[keep],
                 drawings.labels[keep])


def export(dataset: str, destination: Path, where: Path | None = None) -> int:
    """Copy the set to `destination` (an .npz anyone can open with numpy); how many drawings."""
    drawings = load(dataset, where)
    if not len(drawings):
        raise HandwritingError("There are no drawings to export yet.")
    try:
        shutil.copyfile(path_for(dataset, where), destination)
    except OSError as exc:
        raise HandwritingError(f"Cannot write {destination}: {describe_os_error(exc)}.") from None
    return len(drawings)


def held_out(labels: np.ndarray) -> np.ndarray:
    """Which drawings personalising keeps back to measure (a boolean mask): the 2nd and 4th of
    every five drawings of each class, in the order they were drawn."""
    # Counted in plain Python: np.unique's first call imports numpy.ma, 20 to 50 ms of the
    # window's start (the Teach tab asks at once).
    mask = np.zeros(len(labels), bool)
    seen: dict[int, int] = {}
    for index, label in enumerate(np.asarray(labels).tolist()):
        rank = seen.get(label, 0)
        seen[label] = rank + 1
        mask[index] = rank % HELD_OUT_EVERY in HELD_OUT_POSITIONS
    return mask


def _save(path: Path, dataset: str, images: np.ndarray, labels: np.ndarray) -> TestSet:
    """Write the set whole or not at all (the old file stays until the new one is complete)."""
    try:
        if not len(labels):
            path.unlink(missing_ok=True)
            return empty(dataset)
        buffer = io.BytesIO()
        np.savez_compressed(buffer, images=images, labels=labels)
        write_whole(path, buffer.getvalue())
    except OSError as exc:
        raise HandwritingError(f"Cannot save your drawings in {path.parent}: "
                               f"{describe_os_error(exc)}.") from None
    return TestSet(dataset, images, labels)
