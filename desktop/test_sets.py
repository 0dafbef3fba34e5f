"""The official test sets shipped with the app: resources/test-sets/<dataset>.npz.

Each file holds "images", uint8 (N, 28, 28) exactly as the dataset stores them (light on dark:
the model's own input times 255) and "labels", uint8 (N,). The trainer writes them
(python -m trainer.test_sets); the error browser shows them beside a model's stored answers.
Read with bounds and without pickles, so a damaged or crafted file gets a one-line message
instead of a crash, a hang or a huge allocation. Plain Python + NumPy, no Qt.
"""

from __future__ import annotations

import io
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path

from desktop import paths
from desktop.bounded_io import describe_os_error, read_file_bounded
from desktop.lazy_imports import np
from desktop.model_format import DATASETS

FOLDER = "test-sets"
MAX_FILE_BYTES = 32 << 20  # the shipped files are 1.4 and 3.8 MB
MAX_IMAGES = 100_000
SIDE = 28
MEMBERS = {"images.npy": MAX_IMAGES * SIDE * SIDE + 1024, "labels.npy": MAX_IMAGES + 1024}


class TestSetError(Exception):
    """A test set cannot be used; the message is a clear reason meant for the user."""

    __test__ = False  # not a pytest test class


@dataclass(frozen=True, eq=False)  # holds arrays: compare by identity
class TestSet:
    """One dataset's official test images, in the order of the dataset's files."""

    __test__ = False

    dataset: str
    images: np.ndarray  # (N, 28, 28) uint8, light on dark
    labels: np.ndarray  # (N,) uint8

    def __len__(self) -> int:
        return len(self.labels)

    def model_input(self, index: int) -> np.ndarray:
        """Image `index` as the model saw it: 28x28 float32 in 0..1, light on dark."""
        return self.images[index].astype(np.float32) / 255.0

    def picture(self, index: int) -> np.ndarray:
        """Image `index` as a picture for the canvas (0..1, 1 = white): dark on white, like
        the gallery's samples."""
        return 1.0 - self.model_input(index)


def test_sets_dir() -> Path:
    return paths.resources_dir() / FOLDER


def path_for(dataset: str, folder: Path | None = None) -> Path:
    return Path(folder if folder is not None else test_sets_dir()) / f"{dataset}.npz"


_cache: dict[Path, tuple[tuple[int, int], TestSet]] = {}
_cache_lock = threading.Lock()


def load(dataset: str, folder: Path | None = None) -> TestSet:
    """The test set of `dataset` (read once, then kept while the file is unchanged).
    Raises TestSetError when it is missing or damaged. Safe to call from pool threads."""
    path = path_for(dataset, folder)
    try:
        stat = path.stat()
    except OSError as exc:
        raise TestSetError(f"The test images of {dataset} are not available ({path}: "
                           f"{describe_os_error(exc)}).") from None
    key = (stat.st_mtime_ns, stat.st_size)
    with _cache_lock:
        cached = _cache.get(path)
        if cached is not None and cached[0] == key:
            return cached[1]
        test_set = read(path, dataset)
        _cache[path] = (key, test_set)
        return test_set


def read(path: Path, dataset: str) -> TestSet:
    """Read and check one test-set file; TestSetError with a one-line reason."""
    try:
        data = read_file_bounded(path, MAX_FILE_BYTES)
    except OSError as exc:
        raise TestSetError(f"The test images of {dataset} cannot be read ({path}: "
                           f"{describe_os_error(exc)}).") from None
    try:
        arrays = _arrays(data)
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile,
            NotImplementedError, RuntimeError) as exc:  # what zipfile and np.load raise
        raise TestSetError(f"The test images of {dataset} are damaged ({path}: "
                           f"{_first_line(exc)}).") from None
    images, labels = arrays["images"], arrays["labels"]
    count = len(labels)
    if not (images.dtype == np.uint8 and images.shape == (count, SIDE, SIDE)
            and labels.dtype == np.uint8 and labels.shape == (count,) and count > 0):
        raise TestSetError(f"The test images of {dataset} are damaged ({path}: images "
                           f"{images.dtype} {images.shape} and labels {labels.dtype} "
                           f"{labels.shape}, expected uint8 (N, {SIDE}, {SIDE}) and (N,)).")
    classes = len(DATASETS[dataset].classes) if dataset in DATASETS else 256
    if int(labels.max()) >= classes:
        raise TestSetError(f"The test images of {dataset} are damaged ({path}: a label "
                           f"{int(labels.max())} beyond its {classes} classes).")
    images.flags.writeable = False
    labels.flags.writeable = False
    return TestSet(dataset, images, labels)


def _arrays(data: bytes) -> dict[str, np.ndarray]:
    """The two arrays of an .npz, refusing unexpected members and sizes before inflating."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {info.filename: info for info in archive.infolist()}
        if set(members) != set(MEMBERS):
            raise ValueError(f"it holds {', '.join(sorted(members)) or 'nothing'}, expected "
                             f"{' and '.join(MEMBERS)}")
        for name, limit in MEMBERS.items():
            if members[name].file_size > limit:
                raise ValueError(f"{name} would unpack to {members[name].file_size:,} bytes")
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        return {name: archive[name] for name in ("images", "labels")}


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."
