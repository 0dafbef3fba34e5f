"""Screenshots of the Teach tab, for benchmarks/screenshots.py --teach: empty, with a full set of
drawings kept through the real canvas, after personalising, and the Prediction tab's clickable
bars, at 1280x800 and 1024x700.

    DIGIT_LENS_USER_MODELS=/tmp/x XDG_DATA_HOME=/tmp/y python benchmarks/screenshots.py OUT --teach

Point DIGIT_LENS_USER_MODELS and XDG_DATA_HOME at throwaway folders: the drawings and the
personalised model are written there for real.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtWidgets import QApplication

from benchmarks.screenshots import new_window, save_at_sizes, settle
from benchmarks.strokes import CANVAS, Style, canvas_strokes
from desktop.gui.main_window import MainWindow
from desktop.gui.scripted_input import draw_shape
from trainer.handwriting import DIGITS, digit_families

SIZES = ((1280, 800), (1024, 700))
USER_FAMILIES = dict(digit_families(True))
USER_STYLE = Style(slant=18, size=0.7, jitter=0.01)


def _shots(app: QApplication, window: MainWindow, outdir: Path, name: str) -> None:
    save_at_sizes(app, window, outdir, f"teach-{{size}}-{name}", SIZES)


def _draw(app: QApplication, window: MainWindow, digit: int, rng: np.random.Generator) -> None:
    window.canvas.clear()
    strokes = canvas_strokes(DIGITS[digit][USER_FAMILIES[digit]], USER_STYLE, rng)
    draw_shape(window.canvas, [[(x / CANVAS, y / CANVAS) for x, y in s] for s in strokes])
    window.classify_now()
    settle(app, 0.05)


def teach_tab_shots(app: QApplication, outdir: Path, models_dir: Path | None) -> None:
    window = new_window(app, models_dir)
    window.select_model("mnist-linear")
    settle(app, 1.0, until=lambda: window.controller.classifier() is not None)
    teach = window.teach_view
    window.results_tabs.setCurrentWidget(teach)
    _shots(app, window, outdir, "empty")
    rng = np.random.default_rng(5)
    for _ in range(50):
        _draw(app, window, teach._asked, rng)
        teach.keep(teach._asked)
    _draw(app, window, 7, rng)
    _shots(app, window, outdir, "drawings")
    teach.start_personalise()
    settle(app, 0.5, until=lambda: not teach.busy, timeout=120)
    _shots(app, window, outdir, "personalised")
    window.results_tabs.setCurrentWidget(window.prediction_panel)
    _draw(app, window, 4, rng)
    _shots(app, window, outdir, "prediction")
    window.close()
