"""The "Preprocessing" page of the Look-inside tab: real windows, real drawing, real models."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from gui_support import MODELS_DIR, draw, open_file, open_window, samples, use_model
from PySide6.QtWidgets import QApplication

from desktop import models, xray
from desktop.gui.gallery import MISTAKE_COLOUR
from desktop.gui.scripted_input import DIGITS
from desktop.gui.xray_view import CARD_WIDTH, XrayView
from desktop.preprocess import to_model_input

SMALL_SEVEN = [[(0.04 + 0.3 * x, 0.02 + 0.3 * y) for x, y in stroke] for stroke in DIGITS["7"]]


@pytest.fixture
def window(qtbot, tmp_path):
    return open_window(qtbot, tmp_path)


def xray_page(window) -> XrayView:
    window.results_tabs.setCurrentWidget(window.inside_view)
    (page,) = [window.inside_view.widget(i) for i in range(window.inside_view.count())
               if isinstance(window.inside_view.widget(i), XrayView)]
    window.inside_view.setCurrentWidget(page)
    assert window.inside_view.tabText(window.inside_view.currentIndex()) == "Preprocessing"
    return page


def wait_done(qtbot, page: XrayView) -> None:
    qtbot.waitUntil(lambda: not page.busy, timeout=10000)


def shown_cards(page: XrayView) -> list:
    return [card for card in page.cards if card.isVisible()]


def test_the_steps_follow_the_drawing(qtbot, window):
    use_model(qtbot, window, "mnist-dense")
    page = xray_page(window)
    wait_done(qtbot, page)
    assert page.isVisible() and page.note.text() == xray.EMPTY_NOTE
    draw(window, SMALL_SEVEN)
    window.classify_now()
    wait_done(qtbot, page)
    cards = shown_cards(page)
    steps = page.result.steps
    assert len(cards) == len(steps) == 6
    assert [card.final for card in cards] == [False] * 5 + [True]
    answer = window.prediction_panel.prediction
    assert steps[-1].model_view.tobytes() == answer.model_input.tobytes()
    assert cards[-1].answer.text() == f"{answer.label} · {xray.percent(answer.confidence)}"
    np.testing.assert_array_equal(cards[-1].model_view.image_array, answer.model_input)
    for card, step in zip(cards, steps, strict=True):
        assert card.title.text().endswith(step.text.title)
        assert card.explanation.text() == step.text.explanation
        assert card.answer.toolTip() == step.tooltip
        assert card.answer.styleSheet() == ("" if step.agrees
                                            else f"color: {MISTAKE_COLOUR.name()}")
    assert page.note.text() == xray.lesson("dense")

    window.canvas.clear()
    wait_done(qtbot, page)
    assert page.note.text() == xray.EMPTY_NOTE and not shown_cards(page)


def test_clothing_has_no_centre_of_mass_step(qtbot, window):
    use_model(qtbot, window, "fashion-cnn")
    page = xray_page(window)
    sample = samples("fashion")[0]
    open_file(qtbot, window, sample)
    window.classify_now()
    wait_done(qtbot, page)
    assert [card.title.text() for card in shown_cards(page)] == [
        "1 · As given", "2 · Object found", "3 · Cropped", "4 · Fitted to 28 px",
        "5 · Box centred"]
    assert shown_cards(page)[-1].final
    assert page.result.steps[-1].prediction.label == window.prediction_panel.prediction.label


def test_the_newest_picture_wins(qtbot):
    """Pictures arriving faster than the X-ray is made: only the newest is waited for, and
    it is what stays on screen."""
    entry = next(e for e in models.discover(MODELS_DIR) if e.model_id == "mnist-cnn")
    classifier = models.Classifier(entry.info)
    page = XrayView()
    qtbot.addWidget(page)
    page.show()
    pictures = []
    for step in range(12):
        picture = np.ones((448, 448), dtype=np.float32)
        picture[40 + 10 * step:200 + 10 * step, 100:130 + 8 * step] = 0
        pictures.append(picture)
        page.show_input(classifier, picture)
    wait_done(qtbot, page)
    final = page.result.steps[-1].model_view
    assert final.tobytes() == to_model_input(pictures[-1], entry.info.recipe).tobytes()
    page.show_input(None, pictures[0])
    wait_done(qtbot, page)
    assert page.note.text() == xray.NO_MODEL_NOTE and not shown_cards(page)


@pytest.mark.parametrize(("width", "columns"), [(1100, 6), (560, 3), (300, 1)])
def test_cards_fill_rows_that_fit(qtbot, width: int, columns: int):
    entry = next(e for e in models.discover(MODELS_DIR) if e.model_id == "mnist-dense")
    page = XrayView()
    qtbot.addWidget(page)
    page.resize(width, 700)
    page.show()
    qtbot.waitExposed(page)
    picture = np.ones((100, 100), dtype=np.float32)
    picture[20:80, 45:55] = 0
    page.show_input(models.Classifier(entry.info), picture)
    wait_done(qtbot, page)
    QApplication.processEvents()
    cards = shown_cards(page)
    tops = sorted({card.y() for card in cards})
    assert len(tops) == -(-len(cards) // columns)
    for card in cards:
        assert card.width() >= CARD_WIDTH
        assert card.geometry().right() <= page.width()


def test_the_page_is_in_the_look_inside_tab(qtbot, window, tmp_path: Path):
    inside = window.results_tabs.indexOf(window.inside_view)
    assert window.results_tabs.isTabVisible(inside)
    titles = [window.inside_view.tabText(i) for i in range(window.inside_view.count())]
    assert "Preprocessing" in titles
