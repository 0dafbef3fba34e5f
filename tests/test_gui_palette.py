"""Custom-painted widgets take their colours from the palette: light and dark themes both work."""

from __future__ import annotations

import numpy as np
import pytest
from gui_support import draw, open_window
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from desktop import image_io
from desktop.gui.scripted_input import DIGITS
from desktop.gui.style import dark_palette


@pytest.fixture
def window(qtbot, tmp_path):
    window = open_window(qtbot, tmp_path)
    yield window
    QApplication.setPalette(QPalette())


def _brightness(widget) -> float:
    """Mean lightness of what the widget paints (0 = black, 1 = white)."""
    return float(np.mean(image_io.from_qimage(widget.grab().toImage())))


def test_custom_widgets_follow_a_dark_palette(qtbot, window):
    draw(window, DIGITS["7"])
    panel = window.training_panel
    widgets = {"bars": window.prediction_panel.bars, "curves": panel.curves,
               "confusion": panel.confusion, "compare": window.compare_view.table,
               "model list": window.model_picker.combo}
    for page in (window.prediction_panel, window.compare_view, panel):  # paint each once
        window.results_tabs.setCurrentWidget(page)
        for index in range(panel.tabs.count()):
            panel.tabs.setCurrentIndex(index)
            qtbot.wait(10)
    light = {name: _brightness(widget) for name, widget in widgets.items()}
    QApplication.setPalette(dark_palette())
    qtbot.wait(50)  # palette change events reach the widgets
    dark = {name: _brightness(widget) for name, widget in widgets.items()}
    for name in widgets:
        assert light[name] > 0.6, name
        assert dark[name] < 0.4, name
    # The paper stays white in both: black ink on white is what the models expect.
    assert _brightness(window.canvas) > 0.5
    # The toggles of the model picker were recoloured too.
    button = window.model_picker.datasets.buttons["fashion"]
    assert button.palette().color(QPalette.ColorRole.Button).lightnessF() < 0.5
