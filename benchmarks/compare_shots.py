"""Screenshots of the model picker opened and of the Compare tab, for benchmarks/screenshots.py
(which calls `picker_and_compare` in both its runs).

    python benchmarks/screenshots.py OUTDIR --sizes --models-dir DIR [--benchmarks FILE]

With a folder of many models (`PYTHONPATH=. python tests/many_models.py DIR` makes one from the
shipped models) the drop-down and the table show what the course's models will look like.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from benchmarks.screenshots import draw, open_sample, pick, save, settle, wait_ready
from desktop.gui.main_window import MainWindow
from desktop.gui.scripted_input import NOT_DIGITS, draw_shape, number_shape
from desktop.gui.style import dark_palette


def picker_open(app: QApplication, window: MainWindow, outdir: Path, tag: str) -> None:
    """The model drop-down opened on the current dataset's models (a whole-screen grab: the
    list is a window of its own)."""
    window.move(0, 0)
    combo = window.model_picker.combo
    combo.showPopup()
    settle(app, 0.4)
    save(window, outdir, f"{tag}-picker-open", whole_screen=True)
    combo.hidePopup()
    settle(app, 0.2)


def model_menu_open(app: QApplication, window: MainWindow, outdir: Path, tag: str) -> None:
    """The Model menu with its first dataset's submenu open, as the keyboard opens it."""
    window.move(0, 0)
    menu = window.model_menu
    window.menuBar().setActiveAction(menu.menuAction())
    settle(app, 0.3)
    first = next((a for a in menu.actions() if a.menu() is not None), None)
    if first is not None:
        menu.setActiveAction(first)
        QTest.keyClick(menu, Qt.Key.Key_Right)
        settle(app, 0.4)
    save(window, outdir, f"{tag}-model-menu", whole_screen=True)
    if first is not None:
        first.menu().hide()
    menu.hide()
    settle(app, 0.2)


def wait_compared(app: QApplication, window: MainWindow) -> None:
    view = window.compare_view
    settle(app, 0.3, until=lambda: not view.runner.busy and bool(view.outcomes))


def picker_and_compare(app: QApplication, window: MainWindow, outdir: Path, tag: str,
                       benchmarks: Path | None = None) -> None:
    """The picker and the Model menu opened, then the Compare tab: empty canvas, a drawn
    digit, a scribble that is no digit, a number, a clothing sample, and a digit in the dark
    palette."""
    view = window.compare_view
    if benchmarks is not None:
        view.set_figures_file(benchmarks)
    if pick(window, "mnist"):
        wait_ready(app, window)
    picker_open(app, window, outdir, tag)
    model_menu_open(app, window, outdir, tag)
    window.canvas.clear()
    window.results_tabs.setCurrentWidget(view)
    settle(app, 0.4)
    save(window, outdir, f"{tag}-compare-empty")
    draw(app, window, "5")
    wait_compared(app, window)
    save(window, outdir, f"{tag}-compare-digit")
    window.canvas.clear()
    draw_shape(window.canvas, NOT_DIGITS["cross"])
    QApplication.sendEvent(window.canvas, QEvent(QEvent.Type.Leave))
    wait_compared(app, window)
    save(window, outdir, f"{tag}-compare-not-a-digit")
    brush = window.canvas.brush_size
    window.canvas.set_brush_size(14)  # a finer pen for several digits
    window.canvas.clear()
    draw_shape(window.canvas, number_shape("2026"))
    QApplication.sendEvent(window.canvas, QEvent(QEvent.Type.Leave))
    wait_compared(app, window)
    save(window, outdir, f"{tag}-compare-number")
    window.canvas.set_brush_size(brush)
    if pick(window, "fashion"):
        wait_ready(app, window)
        open_sample(app, window, "7-sneaker-00009.png")
        wait_compared(app, window)
        save(window, outdir, f"{tag}-compare-clothing")
        picker_open(app, window, outdir, f"{tag}-clothing")
        pick(window, "mnist")
        wait_ready(app, window)
    light = app.palette()
    app.setPalette(dark_palette())
    draw(app, window, "8")
    wait_compared(app, window)
    save(window, outdir, f"{tag}-compare-dark")
    picker_open(app, window, outdir, f"{tag}-dark")
    app.setPalette(light)
    window.results_tabs.setCurrentWidget(window.prediction_panel)
    settle(app, 0.2)
