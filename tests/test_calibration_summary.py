"""The Calibration page's numbers and words (desktop.calibration_summary), from the shipped
models' real training reports and from damaged copies of them."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from desktop import calibration_summary as summary
from desktop import models
from desktop.training_report import TrainingReport


@pytest.fixture(scope="module")
def reports(models_dir: Path) -> dict[str, TrainingReport]:
    return {entry.model_id: models.load_metrics(entry.directory)
            for entry in models.discover(models_dir) if entry.available}


def with_calibration(report: TrainingReport, entry: object) -> TrainingReport:
    raw = {key: value for key, value in report.raw.items() if key != "calibration"}
    if entry is not None:
        raw["calibration"] = entry
    return TrainingReport.from_dict(raw)


def test_shipped_reports_give_the_diagram_and_both_errors(
        reports: dict[str, TrainingReport], models_dir: Path) -> None:
    assert set(reports) == {p.name for p in models_dir.iterdir() if p.is_dir()}
    for model_id, report in reports.items():
        found = summary.calibration(report)
        assert found is not None, model_id
        stored = report.calibration
        assert len(found.bins) == len(stored["reliability"])  # every bin is usable
        assert found.answers == report.test_size
        # The bins are the calibrated model's: their error is the stored "after" figure.
        assert summary.expected_calibration_error(found.bins) == pytest.approx(
            stored["test_ece_after"], abs=1e-9)
        assert found.ece_after < found.ece_before  # the temperature helped every model
        assert summary.headline(found) == (
            f"Expected calibration error on the test set: "
            f"{stored['test_ece_before'] * 100:.2f} % before calibration, "
            f"{stored['test_ece_after'] * 100:.2f} % after.")
        assert f"T = {stored['temperature']:.2f}" in summary.explanation(found)


def test_a_report_without_calibration_has_none(reports: dict[str, TrainingReport]) -> None:
    report = reports["mnist-cnn"]
    assert summary.calibration(with_calibration(report, None)) is None
    assert summary.calibration(with_calibration(report, {})) is None
    assert summary.calibration(None) is None
    assert summary.missing("mnist-cnn").startswith(
        "The training report of mnist-cnn has no calibration figures")


def test_damaged_figures_are_left_out(reports: dict[str, TrainingReport]) -> None:
    report = reports["mnist-dense"]
    good = {"low": 0.9, "high": 1.0, "count": 40, "confidence": 0.95, "accuracy": 0.9}
    rows = [good, {**good, "count": True}, {**good, "accuracy": math.nan},
            {**good, "low": 1.0}, {**good, "confidence": "high"}, "junk", {**good, "count": -3}]
    found = summary.calibration(with_calibration(report, {
        "temperature": "hot", "test_ece_before": None, "test_ece_after": 0.05,
        "reliability": rows}))
    assert found is not None and found.bins == (summary.Bin(0.9, 1.0, 40, 0.95, 0.9),)
    assert math.isnan(found.temperature) and math.isnan(found.ece_before)
    assert summary.headline(found) == "Expected calibration error on the test set: 5.00 %."
    assert summary.explanation(found).endswith("The bars show the model as the app runs it.")
    junk = with_calibration(report, {"reliability": "junk", "test_ece_after": "x"})
    assert summary.calibration(junk) is None
    only_bins = summary.calibration(with_calibration(report, {"reliability": [good]}))
    assert summary.headline(only_bins) == ("The report does not give the expected calibration "
                                           "error.")
    assert math.isnan(summary.expected_calibration_error(()))


@pytest.mark.parametrize(("temperature", "words"), [
    (0.55, "below 1: the network was too modest"),
    (1.6, "above 1: the network was too sure of itself"),
    (1.01, "about 1: the network was already honest"),
])
def test_the_temperature_is_explained(temperature: float, words: str) -> None:
    found = summary.Calibration(temperature, 0.04, 0.01, ())
    assert words in summary.explanation(found)


def test_bar_labels_and_tooltips() -> None:
    assert [summary.count_label(n) for n in (0, 7, 999, 1000, 9812)] == \
        ["0", "7", "999", "1.0k", "9.8k"]
    one = summary.Bin(14 / 15, 1.0, 9812, 0.9961, 0.9972)
    assert summary.bin_tooltip(one) == ("Confidence 93–100 %: 9,812 test answers\n"
                                        "mean confidence 99.6 %, right 99.7 %")
    assert summary.bin_tooltip(summary.Bin(0.0, 0.1, 0, 0.0, 0.0)) == \
        "Confidence 0–10 %: 0 test answers"
