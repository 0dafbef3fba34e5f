"""Issue 11, item 2 in the window: the "What it looked at" page of the Look inside tab. Real
window, real models, real mouse events on the canvas, maps computed off the UI thread."""

from __future__ import annotations

import time

import numpy as np
import pytest
from gui_support import draw, open_window, use_model
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtWidgets import QApplication

from desktop import preprocess, saliency, saliency_display
from desktop.gui.latest_task import LatestTaskRunner
from desktop.gui.saliency_view import SaliencyView
from desktop.gui.scripted_input import DIGITS, draw_stroke, send_mouse

TIMEOUT = 15000


@pytest.fixture
def window(qtbot, tmp_path):
    window = open_window(qtbot, tmp_path)
    window.resize(1240, 780)
    use_model(qtbot, window, "mnist-cnn")
    window.results_tabs.setCurrentWidget(window.inside_view)
    page = saliency_page(window)
    window.inside_view.setCurrentWidget(page)
    qtbot.waitUntil(page.isVisible)
    yield window
    page.runner.wait(5000)


def saliency_page(window) -> SaliencyView:
    pages = [window.inside_view.widget(i) for i in range(window.inside_view.count())]
    return next(page for page in pages if isinstance(page, SaliencyView))


def current_input(window) -> np.ndarray | None:
    gray = window.current_gray()
    info = window.controller.classifier().info
    return None if gray is None else preprocess.to_model_input(gray, info.recipe)


def wait_for_current_map(qtbot, window) -> saliency.SaliencyMaps:
    """Until the page shows the map of exactly the picture on the canvas."""
    page = saliency_page(window)

    def shows_current() -> bool:
        wanted = current_input(window)
        return (page.maps is not None and wanted is not None
                and np.array_equal(page.maps.image, wanted) and not page.runner.busy)

    qtbot.waitUntil(shows_current, timeout=TIMEOUT)
    return page.maps


def test_the_look_inside_tab_has_the_page(window) -> None:
    inside = window.results_tabs.indexOf(window.inside_view)
    assert window.results_tabs.isTabVisible(inside)
    index = window.inside_view.indexOf(saliency_page(window))
    assert window.inside_view.tabText(index) == "What it looked at"


def test_a_drawn_digit_gets_its_map_shown(qtbot, window) -> None:
    page = saliency_page(window)
    assert page.maps is None and "Nothing to look at" in page.headline.text()
    draw(window, DIGITS["7"])
    maps = wait_for_current_map(qtbot, window)
    classes = window.controller.classifier().info.classes
    assert page.headline.text().startswith(f"The model says {classes[maps.index]}")
    assert maps.index == window.prediction_panel.prediction.index  # the same answer
    view = saliency_display.evidence_view(classes[maps.index], maps.for_class(maps.index))
    shown = page.evidence.heat.pixels()
    np.testing.assert_array_equal(shown, saliency_display.colours(maps.image,
                                                                  maps.for_class(maps.index),
                                                                  view.scale))
    reds = shown[..., 0].astype(int) > shown[..., 2].astype(int) + 40
    assert reds.any() and (maps.image[reds] > 0).all()  # red only on the ink
    assert page.evidence.isVisible() and page.contrast.isVisible()
    assert "for 7" in page.evidence.scale.toolTip()


def test_the_map_follows_the_picture(qtbot, window) -> None:
    page = saliency_page(window)
    draw(window, DIGITS["1"])
    first = wait_for_current_map(qtbot, window)
    window.canvas.clear()
    qtbot.waitUntil(lambda: page.maps is None)
    assert page.headline.text() == saliency_display.nothing_drawn(None).headline
    assert page.evidence.heat.pixels() is None
    draw(window, DIGITS["0"])
    second = wait_for_current_map(qtbot, window)
    assert not np.array_equal(first.image, second.image)
    classes = window.controller.classifier().info.classes
    assert classes[second.index] in page.headline.text()
    window.canvas.undo_stack.undo()  # back to blank
    qtbot.waitUntil(lambda: page.maps is None)


def test_it_updates_while_drawing_before_the_pen_lifts(qtbot, window) -> None:
    page = saliency_page(window)
    shown = page.results_shown
    draw_stroke(window.canvas, DIGITS["7"][0], release=False)
    assert window.canvas.is_drawing
    qtbot.waitUntil(lambda: page.results_shown > shown, timeout=TIMEOUT)
    wait_for_current_map(qtbot, window)  # the half-drawn picture's map, pen still down
    assert window.canvas.is_drawing
    paper = window.canvas.paper_rect()
    x, y = DIGITS["7"][0][-1]
    send_mouse(window.canvas, QEvent.Type.MouseButtonRelease,
               QPointF(paper.left() + x * paper.width(), paper.top() + y * paper.height()),
               Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton)


def test_only_the_latest_request_is_shown(qtbot, window) -> None:
    """Many pictures asked for in a burst: the page ends on the last one, never an older."""
    page = saliency_page(window)
    classifier = window.controller.classifier()
    pictures = []
    for width in range(20, 60, 4):
        gray = np.ones((280, 280), np.float32)
        gray[40:240, 140 - width // 2:140 + width // 2] = 0
        pictures.append(gray)
        page.show_input(classifier, gray)
    last = preprocess.to_model_input(pictures[-1], classifier.info.recipe)
    qtbot.waitUntil(lambda: not page.runner.busy and page.maps is not None, timeout=TIMEOUT)
    qtbot.wait(50)
    np.testing.assert_array_equal(page.maps.image, last)
    assert page.results_shown < len(pictures)  # the superseded ones were dropped or skipped


def test_the_class_pickers_change_the_comparison(qtbot, window) -> None:
    page = saliency_page(window)
    draw(window, DIGITS["3"])
    maps = wait_for_current_map(qtbot, window)
    x, y = maps.top(2)
    assert (page.x_picker.currentIndex(), page.y_picker.currentIndex()) == (x, y)
    before = page.contrast.heat.pixels().copy()
    while page.y_picker.currentIndex() in (x, y):  # the keyboard, as a user picks
        qtbot.keyClick(page.y_picker, Qt.Key.Key_Down if y < 8 else Qt.Key.Key_Up)
    other = page.y_picker.currentIndex()
    np.testing.assert_array_equal(
        page.contrast.heat.pixels(),
        saliency_display.colours(maps.image, maps.contrast(x, other),
                                 saliency_display.map_scale(maps.contrast(x, other))))
    assert not np.array_equal(before, page.contrast.heat.pixels())
    classes = window.controller.classifier().info.classes
    assert page.contrast.title.text() == f"Why {classes[x]} and not {classes[other]}"
    # The choice stays while drawing on ...
    draw(window, [[(0.2, 0.9), (0.3, 0.9)]])
    wait_for_current_map(qtbot, window)
    assert page.y_picker.currentIndex() == other
    # ... until "Top two" follows the answer again.
    qtbot.mouseClick(page.top_two, Qt.MouseButton.LeftButton)
    assert (page.x_picker.currentIndex(), page.y_picker.currentIndex()) == tuple(page.maps.top(2))


def test_a_model_switch_recomputes_with_the_new_model(qtbot, window) -> None:
    page = saliency_page(window)
    draw(window, DIGITS["4"])
    wait_for_current_map(qtbot, window)
    use_model(qtbot, window, "fashion-cnn")
    maps = wait_for_current_map(qtbot, window)
    classes = window.controller.classifier().info.classes
    assert page.x_picker.itemText(0) == classes[0] == "T-shirt/top"
    assert classes[maps.index] in page.headline.text()


def test_a_hidden_page_computes_nothing(qtbot, window) -> None:
    page = saliency_page(window)
    window.results_tabs.setCurrentWidget(window.prediction_panel)
    QApplication.processEvents()
    shown = page.results_shown
    draw(window, DIGITS["2"])
    qtbot.wait(300)
    assert page.results_shown == shown and not page.runner.busy
    window.results_tabs.setCurrentWidget(window.inside_view)  # catches up when shown
    wait_for_current_map(qtbot, window)


def test_a_slow_view_still_follows_fast_requests(qtbot) -> None:
    """Requests faster than the work: results keep coming while drawing, in order, ending on
    the newest; a cancelled one never shows."""
    shown, failures = [], []
    runner = LatestTaskRunner(shown.append, failures.append, rest=0, min_rest_ms=0)

    def slow(value: int) -> int:
        time.sleep(0.03)
        return value

    for value in range(20):
        runner.request(slow, value)
        qtbot.wait(10)
    qtbot.waitUntil(lambda: not runner.busy, timeout=TIMEOUT)
    assert shown == sorted(shown) and shown[-1] == 19 and len(shown) >= 3
    runner.request(slow, 99)
    runner.cancel()
    qtbot.waitUntil(lambda: not runner.busy, timeout=TIMEOUT)
    qtbot.wait(50)
    assert 99 not in shown and not failures
    runner.wait(5000)
