"""A number drawn on the real canvas: the Prediction tab shows it and each digit's bars."""

from __future__ import annotations

import numpy as np
import pytest
from gui_support import draw, open_file, open_window, samples, true_class, use_model
from number_pictures import compose, mnist_test, trimmed
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QImage

from desktop.gui.scripted_input import DIGITS, number_shape


@pytest.fixture
def window(qtbot, tmp_path):
    window = open_window(qtbot, tmp_path)
    use_model(qtbot, window, "mnist-cnn")
    window.canvas.set_brush_size(14)  # a pen for writing several digits on the sheet
    return window


def test_a_drawn_number_and_a_click_on_one_digit(qtbot, window):
    panel = window.prediction_panel
    draw(window, number_shape("2026"))
    strip = panel.number_strip
    assert strip.isVisible()
    assert panel.headline.text() == "2026"
    reading = strip.reading
    assert reading.text == "2026" and len(reading.digits) == 4
    lefts = [digit.box.left for digit in reading.digits]
    assert lefts == sorted(lefts)
    # The first digit is shown until another is chosen.
    assert panel.prediction is reading.digits[0].prediction
    np.testing.assert_array_equal(panel.bars.probabilities, reading.digits[0].prediction
                                  .probabilities)

    third = reading.digits[2]
    centre = strip.tile_rect(2).center()
    qtbot.mouseClick(strip, Qt.MouseButton.LeftButton, pos=centre.toPoint())
    assert strip.selected == 2
    assert panel.prediction is third.prediction
    np.testing.assert_array_equal(panel.bars.probabilities, third.prediction.probabilities)
    np.testing.assert_array_equal(panel.model_input.image_array, third.prediction.model_input)
    assert panel.bars.top_index() == 2  # the third digit is a 2
    assert "Digit 3" in panel.detail.text()
    assert panel.headline.text() == "2026"  # the number stays

    qtbot.keyClick(strip, Qt.Key.Key_Right)  # the arrow keys walk along the digits
    assert panel.prediction is reading.digits[3].prediction
    qtbot.mouseClick(strip, Qt.MouseButton.LeftButton, pos=QPointF(1, 1).toPoint())
    assert strip.selected == 3  # a click beside the digits changes nothing

    window.canvas.clear()
    draw(window, DIGITS["7"])  # one digit: as without numbers
    assert not strip.isVisible() and strip.reading is None
    assert panel.headline.text() == "7"
    assert panel.prediction.label == "7"


def test_a_number_grows_stroke_by_stroke(qtbot, window):
    shape = number_shape("314")  # 3: two strokes, 1: one, 4: two
    panel = window.prediction_panel
    seen, strip_shown = [], []
    for stroke in shape:
        draw(window, [stroke])
        seen.append(panel.headline.text())
        strip_shown.append(panel.number_strip.isVisible())
    assert (seen[1], seen[2], seen[4]) == ("3", "31", "314")
    assert strip_shown == [False, False, True, True, True]
    assert window.last_latency is not None


def test_a_picture_of_a_number(qtbot, window, tmp_path, data_dir):
    images, labels = mnist_test(data_dir)
    pieces = [trimmed(images[np.flatnonzero(labels == d)[0]]) for d in (9, 0, 4)]
    picture, _ = compose(pieces, [5, 4], [0, 2, -1])
    pixels = np.ascontiguousarray((picture * 255).round().astype(np.uint8))
    path = tmp_path / "904.png"
    QImage(pixels.data, pixels.shape[1], pixels.shape[0], pixels.shape[1],
           QImage.Format.Format_Grayscale8).save(str(path))
    open_file(qtbot, window, path)
    qtbot.waitUntil(lambda: window.prediction_panel.headline.text() == "904")
    assert window.prediction_panel.number_strip.isVisible()

    sample = samples("mnist")[4]  # one digit from the gallery: no strip
    open_file(qtbot, window, sample)
    qtbot.waitUntil(lambda: not window.prediction_panel.number_strip.isVisible())
    assert window.prediction_panel.prediction.index == true_class(sample)


def test_clothing_models_read_no_numbers(qtbot, window):
    use_model(qtbot, window, "fashion-cnn")
    draw(window, number_shape("2026"))
    panel = window.prediction_panel
    assert not panel.number_strip.isVisible()
    assert panel.prediction.label in window.controller.current_info.classes
