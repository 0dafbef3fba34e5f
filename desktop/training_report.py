"""The training report of a model: how it was trained and how well it did on the test set.

The trainer writes it as JSON into the model file's metadata (entry REPORT_KEY) so model and
report always belong together; older trainers wrote it to metrics.json beside the model. Both
are read here with bounds on size, nesting and numbers, and checked once into a
TrainingReport, so the views never meet a malformed value. Plain Python, no Qt, no torch.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from desktop.bounded_io import (
    JSONLimitError,
    describe_os_error,
    read_file_bounded,
    read_json_bounded,
)
from desktop.model_format import (
    CONFIG_KEY,
    LEGACY_REPORT_FILE,
    MAX_REPORT_BYTES,
    MODEL_FILE,
    REPORT_KEY,
    ModelError,
)
from desktop.stored_predictions import REPORT_FIELD as PREDICTIONS_FIELD
from desktop.stored_predictions import StoredPredictions

REQUIRED_FIELDS = ("classes", "test_accuracy", "confusion_matrix", "per_class", "history")


@dataclass(frozen=True)
class TrainingReport:
    """The report's fields the app uses, checked; `raw` keeps everything stored (also fields
    newer than this record), and report["key"] reads it. Values a damaged or diverged run can
    leave unusable (NaN, a negative count) read as unknown: NaN or None."""

    classes: tuple[str, ...]
    test_accuracy: float  # 0..1, NaN if unknown
    confusion_matrix: tuple[tuple[float, ...], ...]  # rows: true class, columns: predicted
    per_class: tuple[dict, ...]  # {"class", "precision", "recall", "f1", "support"} per class
    history: tuple[dict, ...]  # per epoch: {"epoch", "train_loss", "val_accuracy", ...}
    model_id: str = ""
    test_loss: float = math.nan
    test_size: int | None = None
    macro_avg: dict | None = None
    best_epoch: int | None = None  # the epoch whose weights were kept
    params: int | None = None
    train_seconds: float = math.nan
    calibration: dict | None = None
    rejection: dict | None = None
    config: dict = field(default_factory=dict)  # the run's settings: epochs, lr, augment...
    device: str = ""
    processes: int | None = None
    trained_at: str = ""  # ISO 8601
    # The model's answer on every test image (desktop.stored_predictions), for the error
    # browser; None for models exported before it was stored, or when it is damaged
    # (test_predictions_problem then says why; the rest of the report stays usable).
    test_predictions: StoredPredictions | None = None
    test_predictions_problem: str = ""
    raw: Mapping = field(default_factory=dict, repr=False)

    def __getitem__(self, key: str) -> object:
        return self.raw[key]

    @classmethod
    def from_dict(cls, report: object, source: object = "the training report") -> TrainingReport:
        """Check a decoded report; ModelError naming `source` when the views could not show
        it (not an object, a required field missing, classes and matrix of other shapes)."""
        if not isinstance(report, dict):
            raise ModelError(f"{source} is not a training report (expected a JSON object).")
        missing = [key for key in REQUIRED_FIELDS if key not in report]
        if missing:
            raise ModelError(f"{source} lacks {', '.join(missing)}.")
        classes, matrix = report["classes"], report["confusion_matrix"]
        for key in ("classes", "per_class", "history"):
            if not isinstance(report[key], list):
                raise ModelError(f"{source} is damaged: its \"{key}\" is not a list.")
        size = len(classes)
        if not (isinstance(matrix, list) and len(matrix) == size
                and all(isinstance(row, list) and len(row) == size for row in matrix)):
            raise ModelError(f"{source}: the confusion matrix is not {size} x {size}.")
        if not all(_is_number(value) for row in matrix for value in row):
            raise ModelError(f"{source} is damaged: the confusion matrix holds non-numbers.")
        if not _is_number(report["test_accuracy"]):
            raise ModelError(f"{source} is damaged: its \"test_accuracy\" is not a number.")
        config = report.get("config")
        predictions, problem = _predictions(report.get(PREDICTIONS_FIELD), source)
        return cls(
            classes=tuple(str(name) for name in classes),
            test_accuracy=float(report["test_accuracy"]),
            confusion_matrix=tuple(tuple(row) for row in matrix),
            per_class=tuple(row for row in report["per_class"] if isinstance(row, dict)),
            history=tuple(row for row in report["history"] if isinstance(row, dict)),
            model_id=_text(report.get("model_id")),
            test_loss=_float(report.get("test_loss")),
            test_size=_count(report.get("test_size")),
            macro_avg=_object(report.get("macro_avg")),
            best_epoch=_whole(report.get("best_epoch")),
            params=_count(report.get("params")),
            train_seconds=_float(report.get("train_seconds")),
            calibration=_object(report.get("calibration")),
            rejection=_object(report.get("rejection")),
            config=config if isinstance(config, dict) else {},
            device=_text(report.get("device")),
            processes=_count(report.get("processes")),
            trained_at=_text(report.get("trained_at")),
            test_predictions=predictions,
            test_predictions_problem=problem,
            raw=report,
        )


def report_entries(report: TrainingReport | Mapping) -> dict[str, str]:
    """The model-file metadata entries that carry a report (the trainer writes them): the
    whole report as JSON, and the run's settings on their own."""
    raw = report.raw if isinstance(report, TrainingReport) else report
    entries = {REPORT_KEY: json.dumps(dict(raw), indent=1) + "\n"}
    if CONFIG_KEY in raw:
        entries[CONFIG_KEY] = json.dumps(raw[CONFIG_KEY])
    return entries


def read_report(directory: Path, metadata: Mapping[str, str]) -> TrainingReport:
    """The report of the model folder `directory`, whose model.onnx has `metadata`: the
    embedded entry, else (older trainers) metrics.json, used only if it names the same model
    and test accuracy as the model. Every failure is a ModelError with a one-line reason."""
    model = Path(directory) / MODEL_FILE
    if REPORT_KEY in metadata:
        source = f"{model} (metadata {REPORT_KEY!r})"
        return TrainingReport.from_dict(parse_report(metadata[REPORT_KEY], source), source)
    path = Path(directory) / LEGACY_REPORT_FILE
    try:
        text = read_file_bounded(path, MAX_REPORT_BYTES)
    except FileNotFoundError:
        raise ModelError(f"No training report: the model has none inside and {path} is "
                         f"missing.") from None
    except OSError as exc:
        raise ModelError(f"Cannot read {path}: {describe_os_error(exc)}.") from None
    report = parse_report(text, path)
    _check_same_model(report, metadata, path)
    return TrainingReport.from_dict(report, path)


def parse_report(text: str | bytes, source: object) -> object:
    """The report's JSON, bounded; ModelError naming `source` if it cannot be decoded."""
    try:
        return read_json_bounded(text, MAX_REPORT_BYTES)
    except UnicodeDecodeError as exc:
        raise ModelError(f"Cannot read {source}: {exc}.") from None
    except json.JSONDecodeError as exc:
        raise ModelError(f"{source} is damaged (not valid JSON: {exc.msg}, line "
                         f"{exc.lineno}).") from None
    except JSONLimitError as exc:
        raise ModelError(f"{source} cannot be used: {exc}.") from None


def _check_same_model(report: object, metadata: Mapping[str, str], path: Path) -> None:
    """A metrics.json left beside another training run's model must not be shown as its own."""
    if not isinstance(report, dict):
        return  # TrainingReport.from_dict says what is wrong
    model_id = metadata.get("model_id")
    if model_id is not None and report.get("model_id", model_id) != model_id:
        raise ModelError(f"{path} describes {report.get('model_id')!r}, not {model_id!r}.")
    try:
        stored, own = float(report.get("test_accuracy")), float(metadata["test_accuracy"])
    except (KeyError, TypeError, ValueError):
        return
    if abs(stored - own) > 1e-5:
        raise ModelError(f"{path} belongs to another training run (test accuracy "
                         f"{stored:.4f}, the model says {own:.4f}).")


def _predictions(entry: object, source: object) -> tuple[StoredPredictions | None, str]:
    """The stored test predictions, or None and the reason they cannot be used."""
    if entry is None:
        return None, ""
    try:
        return StoredPredictions.from_dict(entry, source), ""
    except ModelError as exc:
        return None, str(exc)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _float(value: object) -> float:
    return float(value) if _is_number(value) else math.nan


def _whole(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _count(value: object) -> int | None:
    """A whole number of things, or None (missing, NaN, infinite, negative)."""
    if not _is_number(value) or not math.isfinite(value) or value < 0:
        return None
    return int(value)


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _object(value: object) -> dict | None:
    return value if isinstance(value, dict) else None
