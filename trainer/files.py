"""How the trainer writes a file so that a kill never leaves half of one, and where it keeps the
files it can make again (datasets, checkpoints, generated extra data).

Torch-free, like trainer.folders: the command line uses it before torch is imported.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from desktop.paths import APP_FOLDER
from trainer import testhook
from trainer.folders import TEMP_SUFFIX, temp_name


def cache_dir() -> Path:
    """The per-user cache folder: $XDG_CACHE_HOME/digit-lens (an absolute $XDG_CACHE_HOME
    only, as the XDG spec says), else ~/.cache/digit-lens. Everything in it can be made again."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / APP_FOLDER


@contextmanager
def atomic_write(path: Path, mode: int | None = None,
                 rename_phase: str | None = None) -> Iterator[BinaryIO]:
    """Write `path` whole or not at all: yields a temporary file beside it; when the block ends
    without an exception the file is flushed to disk, renamed over `path`, and the rename itself
    is made durable. A crash leaves the previous file and at most a temporary one, which the next
    run sweeps away (trainer.folders.sweep_temporaries); an exception removes it at once.

    `mode`: the new file's permissions (mkstemp makes files private). `rename_phase`: the test
    hook's name for the moment between the complete temporary file and the rename.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=temp_name(path.name),
                                   suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(handle, "wb") as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        if rename_phase:
            testhook.phase(rename_phase)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    fsync_folder(path.parent)


def fsync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable (POSIX; Windows has no directory handles to sync)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
