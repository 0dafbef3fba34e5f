"""Model folders broken the ways testers broke them (issue 9), for the model and GUI tests.

Qt-free. The ONNX metadata is rewritten by walking the protobuf wire format, as the app does
without the onnx package.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import onnxruntime as ort

ROOT = Path(__file__).resolve().parents[1]
MODELS_DIR = ROOT / "resources" / "models"
NOBODY = 65534
DEEP_JSON = "[" * 100_000 + "]" * 100_000  # json.loads alone: RecursionError


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _read_varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[at]
        value |= (byte & 0x7F) << shift
        at, shift = at + 1, shift + 7
        if byte < 0x80:
            return value, at


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited protobuf field."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def with_metadata(model_file: Path, changes: dict[str, str]) -> bytes:
    """The bytes of `model_file` with some metadata values replaced (ModelProto field 14 holds
    StringStringEntryProto{1: key, 2: value} entries)."""
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
    metadata = {**session.get_modelmeta().custom_metadata_map, **changes}
    data = model_file.read_bytes()
    kept, at = bytearray(), 0
    while at < len(data):
        key, body = _read_varint(data, at)
        wire_type = key & 7
        if wire_type == 0:
            end = _read_varint(data, body)[1]
        elif wire_type == 2:
            length, start = _read_varint(data, body)
            end = start + length
        else:
            end = body + (8 if wire_type == 1 else 4)
        if key >> 3 != 14:
            kept += data[at:end]
        at = end
    for name, value in metadata.items():
        kept += _field(14, _field(1, name.encode()) + _field(2, value.encode()))
    return bytes(kept)


@contextlib.contextmanager
def world_readable_models() -> Iterator[Path]:
    """A copy of the shipped models in a folder any user can read (pytest's tmp_path is
    private to root, and `unreadable` switches to user nobody)."""
    folder = Path(tempfile.mkdtemp(prefix="digit-lens-models-"))
    try:
        folder.chmod(0o755)
        shutil.copytree(MODELS_DIR, folder / "models")
        yield folder / "models"
    finally:
        for path in folder.rglob("*"):
            with contextlib.suppress(OSError):
                if path.is_dir() and not path.is_symlink():
                    path.chmod(0o755)
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def as_unprivileged() -> Iterator[None]:
    """Root reads even mode-000 folders. To meet "permission denied" for real, run the block
    as user nobody (seteuid, undone afterwards); a normal user needs nothing."""
    if os.geteuid() != 0:
        yield
        return
    os.setegid(NOBODY)
    os.seteuid(NOBODY)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


def lock(folder: Path) -> None:
    """Mode 000: unreadable for everybody but root (see as_unprivileged)."""
    folder.chmod(0)


def set_metrics_text(folder: Path, text: str) -> None:
    (folder / "metrics.json").unlink(missing_ok=True)  # it may be a pipe or a link
    (folder / "metrics.json").write_text(text)


def metrics_with(folder: Path, **values: object) -> str:
    """The folder's metrics.json text with some top-level values replaced (as raw JSON
    text when given as a `Raw`)."""
    metrics = json.loads((folder / "metrics.json").read_text())
    raw = {}
    for key, value in values.items():
        if isinstance(value, Raw):
            metrics[key] = f"@@{key}@@"
            raw[f'"@@{key}@@"'] = value.text
        else:
            metrics[key] = value
    text = json.dumps(metrics, indent=1)
    for placeholder, replacement in raw.items():
        text = text.replace(placeholder, replacement)
    return text


class Raw:
    """JSON text put into metrics.json as it is: 1e999, a 5000-digit integer..."""

    def __init__(self, text: str) -> None:
        self.text = text
