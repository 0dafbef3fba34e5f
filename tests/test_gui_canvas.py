"""Drawing on the canvas with real mouse events: classes, live updates, undo/redo, eraser."""

from __future__ import annotations

import numpy as np
import pytest
from gui_support import classifier_ids, draw, open_window, use_model
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtTest import QTest

from desktop import image_io
from desktop.gui.document import DOCUMENT_SIZE
from desktop.gui.scripted_input import (
    DIGITS,
    NOT_DIGITS,
    UNCLEAR_DIGITS,
    draw_stroke,
    send_mouse,
)


@pytest.fixture
def window(qtbot, tmp_path):
    return open_window(qtbot, tmp_path)


@pytest.mark.parametrize("model_id", classifier_ids("mnist"))
@pytest.mark.parametrize("digit", ["1", "7", "0"])
def test_a_drawn_digit_is_recognised(qtbot, window, model_id, digit):
    use_model(qtbot, window, model_id)
    draw(window, DIGITS[digit])
    prediction = window.prediction_panel.prediction
    assert prediction is not None
    assert prediction.label == digit
    assert window.prediction_panel.bars.top_index() == prediction.index
    assert window.prediction_panel.model_input.image_array.shape == (28, 28)
    assert window.latency_label.text().endswith("ms")


def test_the_prediction_follows_the_pen_while_drawing(qtbot, window):
    updates = []
    window.resultsUpdated.connect(lambda: updates.append(window.prediction_panel.prediction))
    draw_stroke(window.canvas, DIGITS["1"][0], release=False)
    assert window.canvas.is_drawing
    # The live timer classifies the stroke in progress, before the mouse is released.
    qtbot.waitUntil(lambda: any(p is not None for p in updates), timeout=3000)
    assert window.canvas.document.is_blank  # nothing committed yet
    paper = window.canvas.paper_rect()
    end = QPointF(paper.center().x(), paper.bottom() - paper.height() * 0.2)
    send_mouse(window.canvas, QEvent.Type.MouseButtonRelease, end, Qt.MouseButton.LeftButton,
               Qt.MouseButton.NoButton)
    assert len(window.canvas.document.strokes) == 1
    assert window.prediction_panel.prediction.label == "1"


def test_an_empty_canvas_invites_drawing_and_shows_no_prediction(window):
    assert window.canvas.is_blank
    assert window.prediction_panel.prediction is None
    assert window.prediction_panel.headline.text() == "Nothing to classify yet"
    assert "Draw a digit" in window.prediction_panel.detail.text()
    assert window.canvas._placeholder[0] == "Draw a digit here"
    assert window.prediction_panel.bars.probabilities is None


def test_undo_redo_and_clear_with_the_keyboard(qtbot, window):
    window.activateWindow()
    window.canvas.setFocus()
    draw(window, DIGITS["7"])
    assert window.prediction_panel.prediction.label == "7"

    QTest.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.canvas.document.is_blank
    assert window.prediction_panel.prediction is None
    assert window.prediction_panel.bars.probabilities is None

    QTest.keyClick(window.canvas, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.prediction_panel.prediction.label == "7"

    window.clear_action.trigger()
    assert window.canvas.document.is_blank
    assert window.prediction_panel.prediction is None

    QTest.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.prediction_panel.prediction.label == "7"  # the clear was undone
    QTest.keyClick(window.canvas, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert window.canvas.document.is_blank  # Ctrl+Y redoes the clear
    assert window.undo_action.text() == "&Undo Clear"


def test_the_eraser_removes_ink(qtbot, window):
    draw(window, DIGITS["1"])
    assert window.prediction_panel.prediction is not None
    window.eraser_action.trigger()
    assert window.canvas.eraser
    window.canvas.set_brush_size(64)
    draw(window, DIGITS["1"])
    # Only paper is left: the models get a blank picture and say there is nothing to see.
    assert window.prediction_panel.prediction is None
    assert window.prediction_panel.headline.text() == "Nothing to see"
    window.pen_action.trigger()
    assert not window.canvas.eraser


def test_strokes_are_continuous_between_sparse_mouse_events(window):
    # Two mouse positions far apart: the ink must join them, anti-aliased (grey edges).
    draw_stroke(window.canvas, [(0.2, 0.3), (0.8, 0.7)], step_px=10_000)
    gray = image_io.from_qimage(window.canvas.render_image())
    for t in np.linspace(0.2, 0.8, 25):
        x, y = t * DOCUMENT_SIZE, (0.3 + (t - 0.2) * 0.4 / 0.6) * DOCUMENT_SIZE
        assert gray[int(y), int(x)] < 0.05, f"no ink at {t:.2f} of the way"
    assert ((gray > 0.05) & (gray < 0.95)).sum() > 100  # soft edges, not jagged ones


def test_brush_size_keys_and_slider_agree(window):
    size = window.canvas.brush_size
    window.bigger_action.trigger()
    assert window.canvas.brush_size == size + 4 == window.brush_slider.value()
    window.brush_slider.setValue(12)
    assert window.canvas.brush_size == 12
    window.smaller_action.trigger()
    assert window.canvas.brush_size == 8


def test_the_app_says_when_it_is_not_sure(qtbot, window):
    panel = window.prediction_panel
    found = None
    for shape in [*UNCLEAR_DIGITS.values(), *NOT_DIGITS.values()]:
        window.canvas.clear()
        draw(window, shape)
        prediction = panel.prediction
        if prediction is not None and prediction.unsure and prediction.accepted:
            found = prediction
            break
    assert found is not None, "none of the unclear drawings made the model unsure"
    first, second = (panel.bars.classes[i] for i in np.argsort(found.probabilities)[::-1][:2])
    assert panel.headline.text() == f"Not sure - maybe {first} or {second}"


@pytest.mark.parametrize("model_id", classifier_ids("mnist", rejecting=True))
def test_the_app_says_when_a_drawing_is_not_a_digit(qtbot, window, model_id):
    use_model(qtbot, window, model_id)
    panel = window.prediction_panel
    rejected = []
    for name, shape in NOT_DIGITS.items():
        window.canvas.clear()
        draw(window, shape)
        if panel.prediction is not None and not panel.prediction.accepted:
            rejected.append(name)
            assert panel.headline.text() == "This doesn't look like a digit"
            assert "none of its classes" in panel.detail.text()
            assert panel.bars.muted and panel.bars.probabilities is not None
    assert len(rejected) >= len(NOT_DIGITS) - 1, f"only {rejected} were called no digit"
    window.canvas.clear()
    draw(window, DIGITS["7"])  # a real digit brings the answer and the coloured bars back
    assert panel.prediction.accepted and panel.prediction.label == "7"
    assert panel.headline.text() == "7" and not panel.bars.muted


def test_the_right_button_erases_and_escape_cancels_a_stroke(window):
    draw(window, DIGITS["1"])
    window.canvas.set_brush_size(64)
    draw_stroke(window.canvas, DIGITS["1"][0], button=Qt.MouseButton.RightButton)
    assert window.canvas.document.strokes[-1].erase
    assert not window.canvas.eraser  # the tool itself did not change
    assert window.prediction_panel.prediction is None

    strokes = len(window.canvas.document.strokes)
    draw_stroke(window.canvas, DIGITS["7"][0], release=False)
    QTest.keyClick(window.canvas, Qt.Key.Key_Escape)
    assert not window.canvas.is_drawing
    assert len(window.canvas.document.strokes) == strokes
