"""What the Training tab says about a model, in words and numbers, from its training report.

Qt-free, so the wording is tested without widgets; desktop/gui/training_view.py and
desktop/gui/curves.py only put these strings and numbers on screen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from desktop.model_format import ModelMetadata
from desktop.training_report import TrainingReport

SUMMARY_ROWS = (("accuracy", "Test accuracy"), ("params", "Parameters"),
                ("architecture", "Architecture"), ("training", "Training"))
PER_CLASS_COLUMNS = ("Class", "Precision", "Recall", "F1", "Support")
CURVES = (("Loss", "train_loss", "val_loss", False),  # title, training key, validation key,
          ("Accuracy", "train_accuracy", "val_accuracy", True))  # shown as percentages


def nice_ticks(low: float, high: float, target: int = 5) -> tuple[float, float, list[float]]:
    """Round axis limits and ticks at 1, 2, 2.5 or 5 times a power of ten."""
    if not (math.isfinite(low) and math.isfinite(high)):
        low, high = 0.0, 1.0
    if high <= low:
        high = low + (abs(low) or 1.0)
    raw_step = (high - low) / max(1, target)
    magnitude = 10 ** math.floor(math.log10(raw_step))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw_step * 0.999)
    first = math.floor(low / step + 1e-9) * step
    last = math.ceil(high / step - 1e-9) * step
    count = round((last - first) / step)
    return first, last, [first + i * step for i in range(count + 1)]


def format_duration(seconds: float) -> str:
    """0.37 -> '0.4 s', 51.4 -> '51 s', 754 -> '12 min 34 s', 5400 -> '1 h 30 min'.
    Short test runs (--limit) take well under a second: never '0 s'."""
    if not math.isfinite(seconds) or seconds < 0:
        return "unknown"
    if seconds < 0.05:
        return "under 0.1 s"
    if seconds < 9.95:
        return f"{seconds:.1f} s"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def summary_lines(info: ModelMetadata, report: TrainingReport) -> dict[str, str]:
    """One line per SUMMARY_ROWS key: '99.55 % on 10,000 test images', '1,234 trainable
    weights', the architecture, '12 epochs (best: epoch 9) in 12 min 34 s on cpu'."""
    accuracy = report.test_accuracy
    shown = f"{accuracy * 100:.2f} %" if 0 <= accuracy <= 1 else "unknown"
    on = f" on {report.test_size:,} test images" if report.test_size is not None else ""
    params = report.params if "params" in report.raw else info.params
    epochs = len(report.history)
    training = f"{epochs} epoch{'' if epochs == 1 else 's'}"
    if report.best_epoch is not None:
        training += f" (best: epoch {report.best_epoch})"
    training += f" in {format_duration(report.train_seconds)}"
    if report.device:
        training += f" on {report.device}"
    return {"accuracy": shown + on,
            "params": f"{params:,} trainable weights" if params is not None else "unknown",
            "architecture": info.summary or info.architecture,
            "training": training}


def curves_explanation(config: dict) -> str:
    """Why the training curve can sit below the validation curve: learners ask."""
    handicaps = ["with dropout switched on"]
    if config.get("augment", True):
        handicaps.insert(0, "on randomly distorted (augmented) images")
    if config.get("label_smoothing"):
        handicaps.append(f"label smoothing of {config['label_smoothing']:g}")
    return ("Training figures are measured while the model learns, "
            + ", ".join(handicaps[:-1]) + (" and " if len(handicaps) > 1 else "")
            + handicaps[-1] + "; validation sees the plain images with dropout off, so it can "
            "look better. The circled epoch is the one kept: early stopping restores its "
            "weights.")


@dataclass(frozen=True)
class Curve:
    """One chart of the Curves page: the training and the validation values per epoch."""

    title: str
    training: list[float]  # NaN where the report has no usable number
    validation: list[float]
    percent: bool  # values are fractions shown as percentages


def curves(history: list[dict] | tuple[dict, ...]) -> tuple[list[int], list[Curve]]:
    """The epoch numbers and the loss and accuracy charts of a report's history."""
    rows = [row for row in history if isinstance(row, dict)]
    epochs = [int(row.get("epoch", index + 1)) for index, row in enumerate(rows)]
    charts = [Curve(title, [_number(row.get(train)) for row in rows],
                    [_number(row.get(valid)) for row in rows], percent)
              for title, train, valid, percent in CURVES]
    return epochs, charts


def epoch_tooltip(epoch: int, title: str, values: list[tuple[str, float]], percent: bool) -> str:
    """'Epoch 3 - loss\\ntraining: 0.1234\\nvalidation: 0.2345'."""
    shown = [f"{label}: {value * 100:.2f} %" if percent else f"{label}: {value:.4f}"
             for label, value in values]
    return f"Epoch {epoch} - {title.lower()}\n" + "\n".join(shown)


def per_class_rows(report: TrainingReport) -> list[tuple[list[str], bool]]:
    """The cells of the Per class table (PER_CLASS_COLUMNS), each row with whether it is bold:
    one row per class, then the macro average over all of them."""
    rows = [(_cells(str(row.get("class", index)), row, row.get("support")), False)
            for index, row in enumerate(report.per_class)]
    if report.macro_avg:
        total = sum(_support(row.get("support")) or 0 for row in report.per_class)
        rows.append((_cells("Average (macro)", report.macro_avg, total), True))
    return rows


def _cells(name: str, values: dict, support: object) -> list[str]:
    cells = [name] + [_fraction(values.get(key)) for key in ("precision", "recall", "f1")]
    count = _support(support)
    cells.append(f"{count:,}" if count is not None else "")
    return cells


def _support(value: object) -> int | None:
    """A count of test images; None when the report has no usable number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return int(value)


def _fraction(value: object) -> str:
    try:
        return f"{float(value):.3f}"  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""


def _number(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
