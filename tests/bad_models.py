"""Model folders broken the ways testers broke them (issue 9), for the model and GUI tests.

Qt-free. The ONNX metadata is rewritten with the onnx package (the trainer's; the app itself
never needs it).
"""

from __future__ import annotations

import codecs
import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import onnx
import onnxruntime as ort

from desktop.model_format import LEGACY_REPORT_FILE, MODEL_FILE, REPORT_KEY

ROOT = Path(__file__).resolve().parents[1]
MODELS_DIR = ROOT / "resources" / "models"
NOBODY = 65534
DEEP_JSON = "[" * 100_000 + "]" * 100_000  # json.loads alone: RecursionError


def metadata_of(model_file: Path) -> dict[str, str]:
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
    return dict(session.get_modelmeta().custom_metadata_map)


def with_metadata(model_file: Path, changes: dict[str, str | None]) -> bytes:
    """The bytes of `model_file` with some metadata values replaced, or removed where the new
    value is None."""
    proto = onnx.load_model_from_string(model_file.read_bytes())
    metadata = {entry.key: entry.value for entry in proto.metadata_props}
    metadata.update(changes)
    del proto.metadata_props[:]
    for key, value in metadata.items():
        if value is not None:
            proto.metadata_props.add(key=key, value=value)
    return proto.SerializeToString()


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
    # Python finds some codecs only when first used, and nobody cannot read root's Python.
    codecs.lookup("utf-8-sig")
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


def report_text(folder: Path) -> str:
    """The folder's training report as stored: the model's embedded "metrics" entry, or for a
    legacy folder (see make_legacy) its metrics.json."""
    embedded = metadata_of(folder / MODEL_FILE).get(REPORT_KEY)
    return embedded if embedded is not None else (folder / LEGACY_REPORT_FILE).read_text()


def is_legacy(folder: Path) -> bool:
    return REPORT_KEY not in metadata_of(folder / MODEL_FILE)


def make_legacy(folder: Path) -> Path:
    """Turn a model folder into one of an older trainer: the embedded report moves out to
    metrics.json beside the model, and the model loses its "metrics" entry."""
    model = folder / MODEL_FILE
    text = metadata_of(model)[REPORT_KEY]
    model.write_bytes(with_metadata(model, {REPORT_KEY: None}))
    (folder / LEGACY_REPORT_FILE).write_text(text)
    return folder


def set_report_text(folder: Path, text: str) -> None:
    """Replace the training report where the folder keeps it: embedded in the model, or in
    metrics.json for a legacy folder."""
    if is_legacy(folder):
        set_metrics_text(folder, text)
    else:
        model = folder / MODEL_FILE
        model.write_bytes(with_metadata(model, {REPORT_KEY: text}))


def set_metrics_text(folder: Path, text: str) -> None:
    (folder / LEGACY_REPORT_FILE).unlink(missing_ok=True)  # it may be a pipe or a link
    (folder / LEGACY_REPORT_FILE).write_text(text)


def metrics_with(folder: Path, **values: object) -> str:
    """The folder's report text (see report_text) with some top-level values replaced (as
    raw JSON text when given as a `Raw`)."""
    metrics = json.loads(report_text(folder))
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
    """JSON text put into the report as it is: 1e999, a 5000-digit integer..."""

    def __init__(self, text: str) -> None:
        self.text = text


def with_unknown_operator(model_file: Path) -> bytes:
    """The bytes of `model_file` with one operator renamed to one ONNX Runtime does not know:
    its metadata and signature still follow the model contract, so only creating its session
    finds it broken."""
    proto = onnx.load_model_from_string(model_file.read_bytes())
    proto.graph.node[0].op_type = "NoSuchOperator"
    return proto.SerializeToString()
