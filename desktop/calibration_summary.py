"""What the Training tab's "Calibration" page says: the reliability diagram's bins and the
expected calibration error (ECE) before and after the temperature, from the training report's
`calibration` entry (written by trainer/pipeline.py: temperature, test_ece_before,
test_ece_after and per-bin reliability of the calibrated test predictions).

Qt-free, so the numbers and the wording are tested without widgets;
desktop/gui/reliability.py only draws them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from desktop.training_report import TrainingReport
from desktop.verdict import percent

PAGE_TITLE = "Calibration"
X_AXIS = "confidence of the answer"
Y_AXIS = "share of answers that were right"
LEGEND = ("right", "gap to its confidence", "perfectly honest")


@dataclass(frozen=True)
class Bin:
    """The test answers whose confidence lies in (low, high]: how many, their mean
    confidence and the share that was right (all 0..1)."""

    low: float
    high: float
    count: int
    confidence: float
    accuracy: float


@dataclass(frozen=True)
class Calibration:
    temperature: float  # NaN when the report does not say
    ece_before: float  # on the test set, without / with the temperature; NaN if unknown
    ece_after: float
    bins: tuple[Bin, ...]  # of the calibrated model, the one the app runs

    @property
    def answers(self) -> int:
        return sum(one.count for one in self.bins)


def calibration(report: TrainingReport | None) -> Calibration | None:
    """The report's calibration figures, checked; None when it has none (models trained
    before the trainer measured them) or none that can be shown."""
    entry = report.calibration if report is not None else None
    if not entry:
        return None
    rows = entry.get("reliability")
    bins = tuple(one for one in (_bin(row) for row in (rows if isinstance(rows, list) else []))
                 if one is not None)
    found = Calibration(_number(entry.get("temperature")), _number(entry.get("test_ece_before")),
                        _number(entry.get("test_ece_after")), bins)
    if not bins and math.isnan(found.ece_before) and math.isnan(found.ece_after):
        return None
    return found


def expected_calibration_error(bins: tuple[Bin, ...]) -> float:
    """The gap between confidence and accuracy, averaged over all answers (NaN for none):
    what test_ece_after is, recomputed from the bins the diagram shows."""
    total = sum(one.count for one in bins)
    if total == 0:
        return math.nan
    return sum(one.count * abs(one.confidence - one.accuracy) for one in bins) / total


def missing(model_id: str) -> str:
    return (f"The training report of {model_id} has no calibration figures: the model was "
            f"trained before the trainer measured them. Retrain it to see them here.")


def headline(found: Calibration) -> str:
    """'Expected calibration error on the test set: 4.0 % before calibration, 0.1 % after.'"""
    before, after = _shown(found.ece_before), _shown(found.ece_after)
    if after and before:
        return (f"Expected calibration error on the test set: {before} before calibration, "
                f"{after} after.")
    if after or before:
        return f"Expected calibration error on the test set: {after or before}."
    return "The report does not give the expected calibration error."


def explanation(found: Calibration) -> str:
    """What the diagram shows and what the temperature did to this model."""
    text = ("An honest model is right as often as it is sure: of the answers it gives with "
            "80 % confidence, 80 % are right. Each bar holds the test answers of one "
            "confidence range (how many: the number on it); its height is the share that was "
            "right, so honest bars reach the diagonal. The expected calibration error is the "
            "gap, averaged over all answers. ")
    temperature = found.temperature
    if not math.isfinite(temperature):
        return text + "The bars show the model as the app runs it."
    if temperature < 0.97:
        effect = ("below 1: the network was too modest (label smoothing and dropout teach "
                  "that), so its scores are sharpened")
    elif temperature > 1.03:
        effect = "above 1: the network was too sure of itself, so its scores are softened"
    else:
        effect = "about 1: the network was already honest"
    return (text + f"The network's scores are divided by a temperature fitted on the "
            f"validation images, T = {temperature:.2f}, {effect}. The bars show the model "
            f"with it, as the app runs it.")


def bin_tooltip(one: Bin) -> str:
    """'Confidence 93–100 %: 9,812 test answers\\nmean confidence 99.6 %, right 99.7 %'."""
    head = f"Confidence {one.low * 100:.0f}–{one.high * 100:.0f} %: {one.count:,} test answers"
    if one.count == 0:
        return head
    return f"{head}\nmean confidence {percent(one.confidence)}, right {percent(one.accuracy)}"


def count_label(count: int) -> str:
    """The number over a bar, short: 7, 312, 2.4k."""
    return f"{count / 1000:.1f}k" if count >= 1000 else str(count)


def _shown(value: float) -> str:
    return f"{value * 100:.2f} %" if math.isfinite(value) else ""


def _bin(row: object) -> Bin | None:
    """A reliability row, or None if it is damaged (then the diagram leaves it out)."""
    if not isinstance(row, dict):
        return None
    values = [_number(row.get(key)) for key in ("low", "high", "confidence", "accuracy")]
    count = row.get("count")
    if (any(not 0.0 <= value <= 1.0 for value in values) or values[0] >= values[1]
            or isinstance(count, bool) or not isinstance(count, int) or count < 0):
        return None
    return Bin(values[0], values[1], count, values[2], values[3])


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return math.nan
    return float(value)
