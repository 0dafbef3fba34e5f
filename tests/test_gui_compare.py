"""The Compare tab with many models (tests/many_models.py): real windows, real ONNX sessions,
real mouse events; each row must hold that model's own answer for the picture."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from gui_support import draw, open_file, open_window, samples, wait_ready
from many_models import write_many_models
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics

from desktop import comparison, models, numbers
from desktop.benchmark_figures import HANDWRITING
from desktop.gui.compare_table import ANSWER, BARS_ROLE, MODEL
from desktop.gui.scripted_input import DIGITS, number_shape

BROKEN = "mnist-deep"
PEN = [title for title, _ in comparison.COLUMNS].index("Pen")


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_many_models(tmp_path_factory.mktemp("many") / "models", broken=(BROKEN,))


@pytest.fixture
def window(qtbot, tmp_path, many):
    window = open_window(qtbot, tmp_path, many)
    window.results_tabs.setCurrentWidget(window.compare_view)
    qtbot.waitUntil(window.compare_view.isVisible)
    return window


def _usable(window, dataset: str) -> list[str]:
    return [c.key for c in window.model_picker.choices if c.dataset == dataset and c.usable]


def _wait_for_answers(qtbot, window, dataset: str) -> None:
    """Until every usable model of the dataset has answered for the picture on the canvas."""
    view, wanted = window.compare_view, set(_usable(window, dataset))

    def answered() -> bool:
        return set(view.outcomes) == wanted and not view.runner.busy

    qtbot.waitUntil(answered, timeout=30000)


def _check_rows_against_the_models(window, dataset: str) -> None:
    """Every row holds what that model alone answers for the same picture."""
    table, gray = window.compare_view.table, window.current_gray()
    assert sorted(table.model_keys()) == sorted(_usable(window, dataset))
    for row, key in enumerate(table.model_keys()):
        info = window.controller.entry(key).info
        alone = models.Classifier(info).classify(gray)
        probabilities, top, _muted = table.item(row, 2).data(BARS_ROLE)
        np.testing.assert_allclose(probabilities, alone.probabilities, rtol=1e-5, atol=1e-7)
        assert top == alone.index
        answer = table.item(row, ANSWER).text()
        if info.task is not None:
            assert answer.startswith(f"{info.task.yes}: {'yes' if alone.index else 'no'}, ")
        elif not alone.accepted:
            assert answer.startswith("not ")
        else:
            assert answer.endswith(f"{alone.label}, {comparison.whole_percent(alone.confidence)}")


def test_one_row_per_usable_model_with_its_own_answer(qtbot, window):
    table = window.compare_view.table
    assert table.model_keys() == _usable(window, "mnist")  # in the picker's order
    assert BROKEN not in table.model_keys()
    assert {table.item(r, ANSWER).text() for r in range(table.rowCount())} == {"draw something"}
    draw(window, DIGITS["4"])
    _wait_for_answers(qtbot, window, "mnist")
    _check_rows_against_the_models(window, "mnist")
    chosen = table.row_of(window.controller.current.key)
    assert table.item(chosen, MODEL).font().bold() and table.selectionModel().isRowSelected(
        chosen)


def test_a_loaded_picture_and_another_dataset_change_the_rows(qtbot, window):
    open_file(qtbot, window, samples("mnist")[14])
    _wait_for_answers(qtbot, window, "mnist")
    _check_rows_against_the_models(window, "mnist")
    qtbot.mouseClick(window.model_picker.datasets.buttons["fashion"], Qt.MouseButton.LeftButton)
    wait_ready(qtbot, window)
    _wait_for_answers(qtbot, window, "fashion")
    assert window.compare_view.table.model_keys() == _usable(window, "fashion")
    _check_rows_against_the_models(window, "fashion")  # the digit is not clothing
    open_file(qtbot, window, samples("fashion")[18])
    qtbot.waitUntil(lambda: not window.compare_view.runner.busy, timeout=30000)
    _wait_for_answers(qtbot, window, "fashion")
    _check_rows_against_the_models(window, "fashion")


def test_clicking_a_row_chooses_that_model(qtbot, window):
    draw(window, DIGITS["7"])
    _wait_for_answers(qtbot, window, "mnist")
    table = window.compare_view.table
    for key in ("mnist-lenet", "mnist-linear-is-7"):
        row = table.row_of(key)
        spot = table.visualItemRect(table.item(row, ANSWER)).center()
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=spot)
        qtbot.waitUntil(lambda key=key: window.controller.current.key == key)
        wait_ready(qtbot, window)
        assert window.model_picker.combo.current_key() == key
        qtbot.waitUntil(lambda key=key: table.item(table.row_of(key), MODEL).font().bold())
        expected = models.Classifier(window.controller.current_info).classify(
            window.current_gray())
        assert window.prediction_panel.prediction.label == expected.label


def test_sorting_by_a_column_and_back_to_the_pickers_order(qtbot, window):
    draw(window, DIGITS["2"])
    _wait_for_answers(qtbot, window, "mnist")
    table = window.compare_view.table
    weights = [title for title, _ in comparison.COLUMNS].index("Weights")
    table.sortByColumn(weights, Qt.SortOrder.DescendingOrder)
    params = [window.controller.entry(key).info.params for key in table.model_keys()]
    assert params == sorted(params, reverse=True)
    table.sortByColumn(MODEL, Qt.SortOrder.AscendingOrder)
    assert table.model_keys() == _usable(window, "mnist")


def test_nothing_runs_while_the_tab_is_hidden(qtbot, window):
    view = window.compare_view
    window.results_tabs.setCurrentWidget(window.prediction_panel)
    shown = view.results_shown
    draw(window, DIGITS["3"])
    qtbot.wait(400)
    assert view.results_shown == shown and not view.runner.busy
    window.results_tabs.setCurrentWidget(view)  # catches up when shown
    _wait_for_answers(qtbot, window, "mnist")
    assert view.results_shown > shown
    _check_rows_against_the_models(window, "mnist")


def test_handwriting_figures_come_from_the_benchmarks_file(qtbot, window, tmp_path):
    figures = tmp_path / "benchmarks.json"
    figures.write_text(json.dumps({HANDWRITING: {
        "title": "real pen-tablet digits never trained on", "count": 3494,
        "measured": "2026-12-05", "accuracy": {"mnist-cnn": 0.969, "mnist-dense": 0.924}}}))
    view = window.compare_view
    view.set_figures_file(figures)
    table = view.table
    assert table.item(table.row_of("mnist-cnn"), PEN).text() == "96.9 %"
    assert table.item(table.row_of("mnist-dense"), PEN).text() == "92.4 %"
    lenet = table.item(table.row_of("mnist-lenet"), PEN)
    assert lenet.text() == comparison.NONE and lenet.toolTip().startswith("Not measured on")
    figures.write_text("{ damaged")
    view.set_figures_file(figures)
    assert table.item(table.row_of("mnist-cnn"), PEN).text() == comparison.NONE
    assert "is damaged" in table.item(table.row_of("mnist-cnn"), PEN).toolTip()


@pytest.mark.parametrize("size", [(1280, 800), (1024, 700), "minimum"])
def test_nothing_is_clipped_at_any_window_size(qtbot, window, size):
    if size == "minimum":
        size = (window.minimumWidth(), window.minimumHeight())
    window.resize(*size)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == tuple(size))
    qtbot.mouseClick(window.model_picker.datasets.buttons["fashion"], Qt.MouseButton.LeftButton)
    wait_ready(qtbot, window)
    open_file(qtbot, window, samples("fashion")[0])
    _wait_for_answers(qtbot, window, "fashion")
    table = window.compare_view.table
    shown = [c for c in range(table.columnCount()) if not table.isColumnHidden(c)]
    assert {MODEL, ANSWER, 2} <= set(shown)
    assert sum(table.columnWidth(c) for c in shown) <= table.viewport().width()
    metrics = QFontMetrics(table.font())
    for row in range(table.rowCount()):
        for column in shown[1:]:  # the names may wrap; every figure fits on its line
            text = table.item(row, column).text()
            assert metrics.horizontalAdvance(text) < table.columnWidth(column) - 6, text
        name = table.item(row, MODEL).toolTip()
        for column in set(range(3, table.columnCount())) - set(shown):  # said in the tooltip
            assert table.item(row, column).text() in name


def test_enter_on_a_row_chooses_that_model(qtbot, window):
    table = window.compare_view.table
    table.setFocus()
    table.setCurrentCell(table.row_of("mnist-resnet"), ANSWER)
    qtbot.keyClick(table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.controller.current.key == "mnist-resnet")
    wait_ready(qtbot, window)


def test_reloading_the_models_reads_their_figures_again(qtbot, window):
    trained = [title for title, _ in comparison.COLUMNS].index("Trained")
    table = window.compare_view.table

    def figures_read() -> bool:
        return all(table.item(r, trained).text() != "…" for r in range(table.rowCount()))

    qtbot.waitUntil(figures_read, timeout=30000)
    draw(window, DIGITS["1"])
    _wait_for_answers(qtbot, window, "mnist")
    window.reload_action.trigger()
    wait_ready(qtbot, window)
    qtbot.waitUntil(figures_read, timeout=30000)
    _wait_for_answers(qtbot, window, "mnist")
    _check_rows_against_the_models(window, "mnist")


def test_a_written_number_is_read_by_every_digit_model(qtbot, window):
    draw(window, number_shape("2026"))
    _wait_for_answers(qtbot, window, "mnist")
    table, gray = window.compare_view.table, window.current_gray()
    for row, key in enumerate(table.model_keys()):
        classifier = models.Classifier(window.controller.entry(key).info)
        if numbers.reads_digits(classifier.info):
            assert table.item(row, ANSWER).text() == numbers.read_number(classifier, gray).text
    assert window.prediction_panel.headline.text() == table.item(
        table.row_of(window.controller.current.key), ANSWER).text()
