"""The folders a training run writes to: checked before any work starts, locked against a second
trainer writing the same model, and swept of the temporary files a killed run left behind.

Torch-free, so that a bad --out-dir or a busy model is reported at once, before torch is imported
and the data are loaded.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

# Every file the trainer writes goes first to a temporary file named like this, beside its target,
# and is renamed over the target only when complete ("." hides it from the app's model list).
TEMP_SUFFIX = ".tmp"
# Before this project locked its folders, checkpoints were written to "checkpoint.pt.tmp-<pid>".
_LEGACY_TEMP_GLOBS = ("checkpoint.pt.tmp-*",)


class FolderError(RuntimeError):
    """A folder cannot be used, or another trainer is using it; the message says which and why."""


def temp_name(target: str) -> str:
    """The mkstemp prefix for a temporary copy of `target` (mkstemp adds a random part)."""
    return f".{target}."


def check_writable_folder(path: Path, option: str) -> None:
    """Fail now, not after training, if `path` cannot become a folder we can write into.

    Nothing is created: the nearest existing ancestor must be a writable folder.
    """
    path = Path(path)
    probe = path.absolute()
    while not probe.exists():
        if probe.is_symlink():  # a dangling symlink: mkdir would fail on it
            raise FolderError(f"{option} {path}: {probe} is a broken symbolic link.")
        probe = probe.parent
    if not probe.is_dir():
        raise FolderError(f"{option} {path}: {probe} is a file, not a folder.")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise FolderError(f"{option} {path}: {probe} is not writable.")


def check_target(folder: Path, file_name: str) -> None:
    """The model folder, if it exists, must be a folder whose `file_name` can be replaced."""
    if folder.exists() and not folder.is_dir():
        raise FolderError(f"{folder} is a file; the model folder cannot be written there.")
    target = folder / file_name
    if target.is_dir():
        raise FolderError(f"{target} is a folder; the model file cannot be written there.")


def make_folders(path: Path) -> list[Path]:
    """mkdir -p, returning the folders it created (deepest last) so they can be removed again."""
    created = []
    probe = Path(path).absolute()
    while not probe.exists():
        created.append(probe)
        probe = probe.parent
    created.reverse()
    for folder in created:
        folder.mkdir(exist_ok=True)
    return created


def remove_if_empty(folders: list[Path]) -> None:
    """Undo make_folders for folders that stayed empty (a run that failed wrote nothing)."""
    for folder in reversed(folders):
        try:
            folder.rmdir()
        except OSError:
            return  # not empty, or gone: keep everything above it


def sweep_temporaries(folder: Path) -> tuple[int, int]:
    """Delete the temporary files a killed run left in `folder` (files and bytes removed).

    Only call this while holding the folder's lock: then no live trainer is writing them.
    """
    if not folder.is_dir():
        return 0, 0
    stale = [p for p in folder.glob(f".*{TEMP_SUFFIX}")]
    for pattern in _LEGACY_TEMP_GLOBS:
        stale += folder.glob(pattern)
    count = size = 0
    for path in stale:
        try:
            if not path.is_file() or path.is_symlink():
                continue
            length = path.stat().st_size
            path.unlink()
        except OSError:
            continue
        count, size = count + 1, size + length
    return count, size


class FolderLock:
    """An exclusive lock on one model in one folder, held through a lock file.

    The operating system releases the lock when its process dies (flock on Unix, a byte-range
    lock on Windows), so the lock of a killed trainer is stale the moment it dies and the next
    trainer takes it over; the file holds the owner's pid for the error message.
    """

    def __init__(self, path: Path, what: str) -> None:
        self.path = Path(path)
        self.what = what  # e.g. "mnist-cnn in /home/me/.local/share/digit-lens/models"
        self._fd: int | None = None
        self.taken_over_from: str | None = None  # pid of a dead owner whose lock we took

    def acquire(self) -> None:
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                _try_lock(fd)
            except OSError:
                owner = _read_pid(fd)
                os.close(fd)
                raise FolderError(f"another trainer is writing {self.what} "
                                  f"(pid {owner or 'unknown'}); wait for it to finish or "
                                  f"stop it.") from None
            # A finishing owner unlinks the file after we opened it: then we hold a lock on a
            # file nobody else will see, and must lock the new one instead.
            try:
                mine, current = os.fstat(fd), os.stat(self.path)
                same = (mine.st_ino, mine.st_dev) == (current.st_ino, current.st_dev)
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        self.taken_over_from = _read_pid(fd) or None
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        # Unlink while still holding the lock (nobody can have taken it meanwhile); Windows
        # cannot delete an open file, so there it goes after closing.
        if sys.platform != "win32":
            with contextlib.suppress(OSError):
                os.unlink(self.path)
        os.close(fd)
        if sys.platform == "win32":
            with contextlib.suppress(OSError):
                os.unlink(self.path)

    def __enter__(self) -> FolderLock:
        self.acquire()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()


# Windows locks a byte range; lock one far past the pid text so that others can still read it.
_WINDOWS_LOCK_OFFSET = 1 << 20


def _try_lock(fd: int) -> None:
    """Lock without waiting; OSError if another process holds the lock."""
    if sys.platform == "win32":
        import msvcrt

        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        finally:
            os.lseek(fd, 0, os.SEEK_SET)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _read_pid(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, 32).decode("ascii", "replace").strip()
    except OSError:
        return ""
    return text if text.isdigit() else ""
