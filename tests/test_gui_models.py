"""Choosing models, unusable models, the training panel, and remembered settings."""

from __future__ import annotations

import json

import pytest
from bad_models import is_legacy, make_legacy, report_text, set_report_text
from gui_support import (
    copy_models,
    draw,
    open_file,
    open_window,
    samples,
    settings_file,
    shipped_ids,
    use_model,
    wait_ready,
)
from PySide6.QtCore import QSettings, Qt

from desktop import models
from desktop.gui.app import create_application
from desktop.gui.scripted_input import DIGITS


@pytest.fixture
def window(qtbot, tmp_path):
    return open_window(qtbot, tmp_path)


def _entry(window, model_id):
    return window.controller.entry(model_id)


def test_switching_dataset_reclassifies_the_drawing(qtbot, window):
    use_model(qtbot, window, shipped_ids("mnist")[0])
    draw(window, DIGITS["7"])
    assert window.prediction_panel.prediction.label == "7"
    updates = []
    window.resultsUpdated.connect(lambda: updates.append(window.prediction_panel.prediction))

    clothing = window.model_picker.datasets.buttons["fashion"]
    qtbot.mouseClick(clothing, Qt.MouseButton.LeftButton)
    wait_ready(qtbot, window)
    qtbot.waitUntil(lambda: updates and updates[-1] is not None)

    info = window.controller.current_info
    assert info.dataset == "fashion"
    assert window.prediction_panel.bars.classes == info.classes  # the class list changed
    assert window.prediction_panel.prediction.label in info.classes
    assert window.canvas.document.strokes  # the same drawing, classified again
    assert window.gallery.folder.name == "fashion"
    assert window.model_picker.datasets.buttons["fashion"].isChecked()


def test_the_model_menu_switches_architecture(qtbot, window):
    digit_models = shipped_ids("mnist")
    if len(digit_models) < 2:
        pytest.fail(f"expected a dense and a CNN digits model, found {digit_models}")
    open_file(qtbot, window, samples("mnist")[6])
    for model_id in digit_models:
        action = next(a for a in window.model_actions.actions() if a.data() == model_id)
        assert action.isEnabled()
        action.trigger()
        wait_ready(qtbot, window)
        qtbot.waitUntil(lambda: window.prediction_panel.prediction is not None)
        assert window.controller.current.model_id == model_id
        assert action.isChecked()
        assert window.model_picker.combo.current_key() == model_id
        assert window.training_panel.metrics["model_id"] == model_id


def test_a_broken_model_is_disabled_and_the_others_work(qtbot, tmp_path):
    models_dir = copy_models(tmp_path / "models")
    broken = shipped_ids("mnist")[-1]
    (models_dir / broken / "model.onnx").write_bytes(b"definitely not ONNX")
    window = open_window(qtbot, tmp_path, models_dir)

    reason = window.controller.unusable_reason(broken)
    assert reason
    action = next(a for a in window.model_actions.actions() if a.data() == broken)
    assert not action.isEnabled()
    assert reason in action.toolTip()
    assert broken in window.statusBar().currentMessage()
    assert not window.select_model(broken)

    working = next(i for i in shipped_ids("mnist") if i != broken)
    use_model(qtbot, window, working)
    combo = window.model_picker.combo
    index = combo.index_of(broken)
    assert not combo.model().item(index).isEnabled()
    assert reason in combo.itemData(index, Qt.ItemDataRole.ToolTipRole)
    draw(window, DIGITS["0"])
    assert window.prediction_panel.prediction.label == "0"


def test_without_any_usable_model_the_window_explains_why(qtbot, tmp_path):
    empty = tmp_path / "no-models"
    empty.mkdir()
    window = open_window(qtbot, tmp_path, empty)
    assert window.controller.current is None
    assert window.prediction_panel.headline.text() == "No model can be used"
    assert str(empty) in window.prediction_panel.detail.text()
    assert window.training_panel.message
    draw(window, DIGITS["1"])  # drawing still works, there is just nobody to ask
    assert window.prediction_panel.prediction is None
    assert not window.model_picker.isVisible()


def test_a_missing_models_folder_is_explained(qtbot, tmp_path):
    window = open_window(qtbot, tmp_path, tmp_path / "nowhere")
    assert "does not exist" in window.prediction_panel.detail.text()


def test_the_training_panel_shows_the_metrics(qtbot, window):
    model_id = window.controller.current.model_id
    metrics = models.load_metrics(window.controller.current.directory)
    panel = window.training_panel
    assert panel.message is None
    assert f"{metrics['test_accuracy'] * 100:.2f} %" in panel.summary_text("accuracy")
    assert f"{metrics['params']:,}" in panel.summary_text("params")
    assert f"{len(metrics['history'])} epochs" in panel.summary_text("training")
    assert panel.summary_text("architecture") == _entry(window, model_id).info.summary
    assert panel.curves.epochs == [row["epoch"] for row in metrics["history"]]

    matrix = metrics["confusion_matrix"]
    confusion = panel.confusion
    panel.normalize_box.setChecked(False)
    assert confusion.cell_text(0, 0) == str(matrix[0][0])
    panel.normalize_box.setChecked(True)
    share = 100 * matrix[0][0] / sum(matrix[0])
    assert confusion.normalized
    assert confusion.cell_text(0, 0) in (f"{share:.1f}", "100")

    table = panel.table
    assert table.rowCount() == len(metrics["per_class"]) + 1
    for row, values in enumerate(metrics["per_class"]):
        assert table.item(row, 0).text() == values["class"]
        assert table.item(row, 1).text() == f"{values['precision']:.3f}"
        assert table.item(row, 3).text() == f"{values['f1']:.3f}"
        assert table.item(row, 4).text() == f"{values['support']:,}"


@pytest.mark.parametrize(("damage", "legacy"), [
    ("missing", True),  # no report inside the model and no metrics.json beside it
    ("not json", False), ("not json", True), ("wrong matrix", False), ("wrong matrix", True),
], ids=lambda value: ("legacy" if value else "embedded") if isinstance(value, bool) else value)
def test_damaged_metrics_are_reported_in_the_panel(qtbot, tmp_path, damage, legacy):
    models_dir = copy_models(tmp_path / "models")
    model_id = shipped_ids("mnist")[0]
    folder = models_dir / model_id
    if legacy:
        make_legacy(folder)  # the report moves out to metrics.json, as older trainers wrote it
    if damage == "missing":
        (folder / "metrics.json").unlink()
    elif damage == "not json":
        set_report_text(folder, "{ not json")
    else:
        metrics = json.loads(report_text(folder))
        metrics["confusion_matrix"] = [[1, 2], [3, 4]]
        set_report_text(folder, json.dumps(metrics))
    assert is_legacy(folder) == legacy
    settings = settings_file(tmp_path)
    settings.setValue("model/id", model_id)
    window = open_window(qtbot, tmp_path, models_dir, settings)
    assert window.controller.current.model_id == model_id
    with pytest.raises(models.ModelError) as expected:
        models.load_metrics(models_dir / model_id)
    assert ("metrics.json" in str(expected.value)) == legacy, expected.value
    assert window.training_panel.message
    assert str(expected.value) in window.training_panel.message
    draw(window, DIGITS["7"])  # the model itself still works
    assert window.prediction_panel.prediction.label == "7"


def test_settings_are_remembered(qtbot, tmp_path):
    create_application()  # the real organisation and application names
    clothing = shipped_ids("fashion")[0]
    first = open_window(qtbot, tmp_path, settings=QSettings())
    use_model(qtbot, first, clothing)
    first.canvas.set_brush_size(44)
    first.training_panel.normalize_box.setChecked(True)
    first.resize(790, 640)  # fits the 800 x 800 offscreen screen
    first.close()

    second = open_window(qtbot, tmp_path, settings=QSettings())
    assert second.controller.current.model_id == clothing
    assert second.canvas.brush_size == 44 == second.brush_slider.value()
    assert second.training_panel.normalize_box.isChecked()
    assert (second.width(), second.height()) == (790, 640)
    # Tests never touch the real settings: QSettings() lives in a temporary folder here.
    assert "digit-lens-test-settings" in QSettings().fileName()


def test_about_names_the_versions(window):
    text = window.about_text()
    from importlib.metadata import version

    from desktop import __version__

    assert __version__ in text
    assert version("onnxruntime") in text


def test_every_usable_model_is_warmed_up_after_the_window_shows(qtbot, window):
    usable = [e.model_id for e in window.controller.usable_entries()]
    qtbot.waitUntil(lambda: all(not window.controller.is_loading(i) for i in usable),
                    timeout=30000)
    for model_id in usable:
        assert window.controller.classifier(model_id) is not None


def test_the_curves_explain_how_each_model_was_trained(qtbot, window):
    """The note under the curves follows the model's stored training settings."""
    for model_id in ("mnist-cnn", "fashion-dense"):
        use_model(qtbot, window, model_id)
        config = window.training_panel.metrics["config"]
        hint = window.training_panel.curves_hint.text()
        assert ("augmented" in hint) == config["augment"]
        assert "early stopping" in hint


def test_hovering_the_plots_explains_the_numbers(qtbot, window):
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QApplication, QToolTip

    use_model(qtbot, window, "mnist-cnn")
    panel = window.training_panel
    metrics = panel.metrics
    panel.tabs.setCurrentIndex(1)
    view = panel.confusion
    view.resize(500, 500)
    view.grab()  # paints, which lays out the grid
    grid, cell = view._grid
    centre = QPoint(int(grid.left() + 3.5 * cell), int(grid.top() + 3.5 * cell))
    QApplication.sendEvent(view, QHelpEvent(QHelpEvent.Type.ToolTip, centre,
                                            view.mapToGlobal(centre)))
    matrix = metrics["confusion_matrix"]
    assert f"{matrix[3][3]} of {sum(matrix[3])}" in QToolTip.text()

    panel.tabs.setCurrentIndex(0)
    curves = panel.curves
    curves.resize(600, 500)
    curves.grab()
    plot, chart, first_epoch, x_span = curves._plot_areas[0]
    point = QPoint(int(plot.right()), int(plot.center().y()))
    QApplication.sendEvent(curves, QHelpEvent(QHelpEvent.Type.ToolTip, point,
                                              curves.mapToGlobal(point)))
    last = metrics["history"][-1]
    assert f"Epoch {last['epoch']}" in QToolTip.text()
    assert f"{last['val_loss']:.4f}" in QToolTip.text()


def test_the_first_run_starts_with_the_best_digit_model(qtbot, tmp_path):
    window = open_window(qtbot, tmp_path)  # a settings file that does not exist yet
    assert window.controller.current.model_id == "mnist-cnn"
