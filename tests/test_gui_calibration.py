"""The Training tab's "Calibration" page: the reliability diagram and the calibration error of
every shipped model, and a model whose report has none. Real windows, real reports."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from bad_models import with_metadata
from gui_support import MODELS_DIR, open_window, shipped_ids, use_model

from desktop import calibration_summary as summary
from desktop import models
from desktop.gui.reliability import CalibrationPage
from desktop.model_format import MODEL_FILE, REPORT_KEY


def calibration_page(window) -> CalibrationPage:
    panel = window.training_panel
    window.results_tabs.setCurrentWidget(panel)
    panel.tabs.setCurrentWidget(panel.calibration)
    assert panel.tabs.tabText(panel.tabs.currentIndex()) == "Calibration"
    return panel.calibration


@pytest.mark.parametrize("model_id", shipped_ids())
def test_the_diagram_of_every_shipped_model(qtbot, tmp_path, model_id: str):
    window = open_window(qtbot, tmp_path)
    use_model(qtbot, window, model_id)
    page = calibration_page(window)
    stored = models.load_metrics(MODELS_DIR / model_id).calibration
    assert page.headline.text() == (
        f"Expected calibration error on the test set: {stored['test_ece_before'] * 100:.2f} % "
        f"before calibration, {stored['test_ece_after'] * 100:.2f} % after.")
    assert f"T = {stored['temperature']:.2f}" in page.explanation.text()
    diagram = page.diagram
    assert diagram.isVisible()
    assert [(b.count, b.accuracy) for b in diagram.bins] == [
        (row["count"], row["accuracy"]) for row in stored["reliability"]]
    diagram.grab()  # paint it, as the screen does
    filled = [row for row in stored["reliability"] if row["count"]]
    assert len(diagram.bar_rects) == len(filled)
    plot = diagram._plot
    for (bar, one), row in zip(diagram.bar_rects, filled, strict=True):
        assert one.count == row["count"]
        assert bar.height() == pytest.approx(row["accuracy"] * plot.height(), abs=1.0)
        assert bar.left() == pytest.approx(plot.left() + row["low"] * plot.width(), abs=1.5)
        assert diagram._tooltip_at(bar.center()) == summary.bin_tooltip(one)


def _without_calibration(target: Path) -> Path:
    """A copy of the shipped models whose mnist-dense report lacks the calibration entry."""
    shutil.copytree(MODELS_DIR, target)
    model = target / "mnist-dense" / MODEL_FILE
    report = dict(models.load_metrics(model.parent).raw)
    del report["calibration"]
    model.write_bytes(with_metadata(model, {REPORT_KEY: json.dumps(report)}))
    return target


def test_a_model_without_calibration_says_so(qtbot, tmp_path):
    window = open_window(qtbot, tmp_path, models_dir=_without_calibration(tmp_path / "models"))
    use_model(qtbot, window, "mnist-dense")
    page = calibration_page(window)
    assert page.headline.text() == summary.missing("mnist-dense")
    assert page.diagram.isHidden() and page.explanation.text() == ""
    assert window.training_panel.message is None  # the rest of the report is still shown
    assert window.training_panel.curves.epochs
    use_model(qtbot, window, "mnist-cnn")  # and the next model shows its diagram again
    assert page.diagram.isVisible() and page.diagram.bins
    assert page.headline.text().startswith("Expected calibration error")
