"""Reading files and JSON from model folders without trusting them.

A model folder can hold anything: a named pipe or a link to /dev/zero instead of metrics.json
(an ordinary read would wait forever or fill the memory), JSON nested thousands of levels deep
(json.loads overflows the Python stack) or numbers like 1e999 and 10**5000 (an infinity, or a
ValueError from int's digit limit, far from where the file was read). These helpers refuse all
of that with a one-line reason, so the caller can report the one bad file and go on.
"""

from __future__ import annotations

import errno
import json
import math
import os
import re
import stat
from pathlib import Path
from typing import Any, BinaryIO

MAX_JSON_DEPTH = 64  # the metrics and the metadata nest 4 levels deep
MAX_JSON_INTEGER = 2**53  # larger integers lose precision as floats anyway
# A string, or one bracket: enough to measure how deep the brackets nest.
_JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


class UnsafeFileError(OSError):
    """The path is not an ordinary file of a sensible size; str() is the reason."""

    def __str__(self) -> str:
        return self.strerror or super().__str__()


class JSONLimitError(ValueError):
    """JSON that is valid but beyond what the app accepts (too big, too deep, huge numbers)."""


def describe_os_error(error: OSError) -> str:
    """'permission denied', 'missing', 'a named pipe, not a file'...: the cause in words."""
    if isinstance(error, UnsafeFileError):
        return str(error)
    if isinstance(error, PermissionError):
        return "permission denied"
    if isinstance(error, FileNotFoundError):
        return "missing"
    if error.errno == errno.ELOOP:
        return "a symbolic link that loops"
    return (error.strerror or str(error)).lower()


def open_bounded(path: Path | str, max_bytes: int) -> BinaryIO:
    """An ordinary file of at most `max_bytes`, opened for reading (binary, buffered).

    Opened without blocking and checked before any read: a FIFO, a device (/dev/zero) or a
    folder raises UnsafeFileError at once instead of hanging or reading forever. Other
    failures raise the usual OSError (FileNotFoundError, PermissionError...).
    """
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
                         | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeFileError(errno.EINVAL, f"{_kind(info.st_mode)}, not an ordinary file")
        if info.st_size > max_bytes:
            raise UnsafeFileError(errno.EFBIG, f"too large ({_size(info.st_size)}; at most "
                                               f"{_size(max_bytes)} is read)")
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def read_file_bounded(path: Path | str, max_bytes: int) -> bytes:
    """The bytes of an ordinary file of at most `max_bytes` (see open_bounded)."""
    chunks, total = [], 0
    with open_bounded(path, max_bytes) as file:
        while total <= max_bytes:  # the file may grow while it is read
            chunk = file.read(min(1 << 20, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    if total > max_bytes:
        raise UnsafeFileError(errno.EFBIG, f"too large (more than {_size(max_bytes)})")
    return b"".join(chunks)


def read_json_bounded(text_or_bytes: str | bytes, max_bytes: int,
                      max_depth: int = MAX_JSON_DEPTH) -> Any:
    """json.loads with limits: size, nesting depth, integers up to 2**53, and no number
    literal out of a float's range (1e999). NaN and Infinity stay allowed: Python's json
    writes them for a diverged loss, and the views show them as unknown.

    Raises json.JSONDecodeError for invalid JSON, JSONLimitError beyond the limits and
    UnicodeDecodeError for bytes that are not UTF-8 (all are ValueErrors).
    """
    size = len(text_or_bytes)
    if size > max_bytes:
        raise JSONLimitError(f"too large ({_size(size)}; at most {_size(max_bytes)})")
    text = (text_or_bytes.decode("utf-8-sig") if isinstance(text_or_bytes, bytes)
            else text_or_bytes)
    depth = deepest = 0
    for token in _JSON_TOKEN.finditer(text):
        bracket = token.group()
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > max_depth:
                raise JSONLimitError(f"nested more than {max_depth} levels deep")
        elif bracket in "]}":
            depth -= 1
    return json.loads(text, parse_float=_finite_float, parse_int=_bounded_int)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JSONLimitError(f"holds the number {_short(text)}, which is out of range")
    return value


def _bounded_int(text: str) -> int:
    # Checked on the digits first: int() itself refuses more than 4300 digits with a
    # ValueError that would not say where it came from.
    if len(text.lstrip("-")) > 16 or abs(int(text)) > MAX_JSON_INTEGER:
        raise JSONLimitError(f"holds the integer {_short(text)}, which is out of range")
    return int(text)


def _short(text: str) -> str:
    return text if len(text) <= 24 else f"{text[:12]}...({len(text)} digits)"


def _kind(mode: int) -> str:
    kinds = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
             (stat.S_ISDIR, "a folder"))
    return next((name for test, name in kinds if test(mode)), "a special file")


def _size(count: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("kB", 1 << 10)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} bytes"
