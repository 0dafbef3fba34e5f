"""The Teach tab with real widgets: a test draws digits in one consistent handwriting on the real
canvas with mouse events, keeps them (Keep, and a click on a probability bar to correct the
model), personalises the linear model on a pool thread, and the personalised model joins the
picker and reads fresh drawings in that handwriting better than the shipped one. The drawings
stay in the user's folder, can be deleted, and survive a new window."""

from __future__ import annotations

import numpy as np
import pytest
from gui_support import draw, open_window, use_model
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from benchmarks.strokes import CANVAS, Style, canvas_strokes
from desktop import handwriting_set, teaching
from desktop.models import USER_KEY_PREFIX, Classifier
from trainer.handwriting import DIGITS, digit_families

USER_FAMILIES = dict(digit_families(True))  # one style family per digit, never trained on
USER_STYLE = Style(slant=18, size=0.7, jitter=0.01)


def user_digit(digit: int, rng: np.random.Generator) -> list[list[tuple[float, float]]]:
    """One digit as this user writes it, in the canvas's paper coordinates (0..1)."""
    strokes = canvas_strokes(DIGITS[digit][USER_FAMILIES[digit]], USER_STYLE, rng)
    return [[(x / CANVAS, y / CANVAS) for x, y in stroke] for stroke in strokes]


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("DIGIT_LENS_USER_MODELS", str(tmp_path / "user-models"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # the user's drawings
    window = open_window(qtbot, tmp_path)
    use_model(qtbot, window, "mnist-linear")
    window.results_tabs.setCurrentWidget(window.teach_view)
    return window


def draw_fresh(qtbot, window, digit: int, rng: np.random.Generator) -> None:
    window.canvas.clear()
    draw(window, user_digit(digit, rng))
    window.classify_now()
    qtbot.waitUntil(lambda: window.teach_view.current_input is not None, timeout=5000)


def test_teach_keep_correct_personalise_and_use(qtbot, window, tmp_path):
    teach = window.teach_view
    rng = np.random.default_rng(7)
    assert not teach.personalise_button.isEnabled()  # nothing to learn from yet
    for _ in range(49):  # Teach mode asks for the digit with the fewest drawings
        asked = teach._asked
        assert f"Draw a {asked}" in teach.prompt.text() or "Every digit" in teach.prompt.text()
        draw_fresh(qtbot, window, asked, rng)
        qtbot.mouseClick(teach.keep_button, Qt.MouseButton.LeftButton)
        assert window.canvas.is_blank  # cleared for the next one
    # A correction on the Prediction tab: click the bar of the right digit.
    window.results_tabs.setCurrentWidget(window.prediction_panel)
    draw_fresh(qtbot, window, 9, rng)
    bars = window.prediction_panel.bars
    qtbot.mouseClick(bars, Qt.MouseButton.LeftButton, pos=bars.row_rect(9).center().toPoint())
    assert "as a 9" in window.statusBar().currentMessage()
    saved = handwriting_set.load("mnist")
    assert len(saved) == 50 and saved.labels[-1] == 9 and teaching.counts(saved.labels) == [5] * 10
    assert teach.gallery.count() == 50 and "50 drawings" in teach.summary.text()

    window.results_tabs.setCurrentWidget(teach)
    assert teach.personalise_button.isEnabled(), teach.personalise_button.toolTip()
    qtbot.mouseClick(teach.personalise_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not teach.busy, timeout=120000)
    outcome = teach.last_outcome
    assert outcome is not None, teach.result.text()
    assert "mnist-linear-personal" in teach.result.text() and "→" in teach.result.text()
    key = USER_KEY_PREFIX + "mnist-linear-personal"
    qtbot.waitUntil(lambda: window.controller.entry(key) is not None, timeout=10000)

    base = window.controller.current_info
    qtbot.mouseClick(teach.use_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.controller.current is not None
                    and window.controller.current.key == key, timeout=10000)
    personal = window.controller.current_info
    # Fresh drawings in the same handwriting, drawn now and never kept.
    right = {"base": 0, "personal": 0}
    for digit in list(range(10)) * 3:
        draw_fresh(qtbot, window, digit, rng)
        gray = window.current_gray()
        right["base"] += Classifier(base).classify(gray).index == digit
        right["personal"] += Classifier(personal).classify(gray).index == digit
    assert right["personal"] > right["base"], right
    assert outcome.test_after > outcome.test_before - 0.05


def test_drawings_can_be_deleted_and_outlive_the_window(qtbot, window, tmp_path, monkeypatch):
    teach = window.teach_view
    rng = np.random.default_rng(3)
    for digit in (0, 1, 2):
        draw_fresh(qtbot, window, digit, rng)
        teach.keep(digit)
    teach.gallery.item(1).setSelected(True)
    qtbot.mouseClick(teach.delete_button, Qt.MouseButton.LeftButton)
    assert handwriting_set.load("mnist").labels.tolist() == [0, 2]
    window.close()
    again = open_window(qtbot, tmp_path)
    assert again.teach_view.gallery.count() == 2
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *args: QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(again.teach_view.clear_button, Qt.MouseButton.LeftButton)
    assert len(handwriting_set.load("mnist")) == 0 and again.teach_view.gallery.count() == 0


def test_clothing_models_do_not_teach_and_say_why(qtbot, window):
    use_model(qtbot, window, "fashion-cnn")
    teach = window.teach_view
    assert not teach.keep_button.isEnabled() and not teach.personalise_button.isEnabled()
    assert "digit model" in teach.notice.text()
    assert window.prediction_panel.bars.toolTip().find("Teach") < 0
