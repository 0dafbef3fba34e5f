"""What the preprocessing X-ray (the Look-inside "Preprocessing" page) costs.

    python -m benchmarks.xray [--runs 300] [--strokes 20]

1. desktop.xray.xray per model (the work the page does on a pool thread): on a drawing the
   size of the canvas (448 x 448) and on a photo-sized picture (1024 x 768); median and p95.
2. The real window with real mouse events, the "Preprocessing" page on screen and then the
   Prediction tab instead, for comparison: every mouse move of a stroke to the canvas being
   repainted (what drawing feels like, the p95 goal is 16 ms), and each stroke's release to
   the X-ray's last card repainted with it.

Uses $DISPLAY, or offscreen when there is none. Settings go to a temporary folder. Prints;
asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from benchmarks.latency import line, timings_ms  # noqa: E402
from desktop import models, paths, xray  # noqa: E402


def pictures() -> dict[str, np.ndarray]:
    """A thick 7 on a canvas-sized page, and the same on a photo-sized one."""
    canvas = np.ones((448, 448), dtype=np.float32)
    canvas[60:90, 120:330] = 0
    for y in range(90, 380):
        x = int(330 - 0.45 * (y - 90))
        canvas[y, x - 14:x + 14] = 0
    photo = np.full((768, 1024), 0.93, dtype=np.float32)
    photo[100:548, 300:748] = canvas * 0.93
    return {"canvas 448x448": canvas, "photo 1024x768": photo}


def measure_xray(runs: int) -> None:
    for entry in models.discover(paths.models_dir()):
        if not entry.available:
            continue
        classifier = models.Classifier(entry.info)
        for name, picture in pictures().items():
            times = timings_ms(lambda c=classifier, p=picture: xray.xray(c, p), runs)
            print(line(f"{entry.model_id:12s} xray, {name}", times))


def measure_window(strokes: int) -> None:
    from PySide6.QtCore import QEvent, QPointF, QSettings, Qt
    from PySide6.QtWidgets import QApplication

    from benchmarks.paint_clock import PaintClock
    from desktop.gui.app import create_application
    from desktop.gui.main_window import MainWindow
    from desktop.gui.scripted_input import DIGITS, send_mouse
    from desktop.gui.xray_view import XrayView

    app = create_application()
    settings = QSettings(str(Path(tempfile.mkdtemp()) / "bench.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings)
    window.resize(1240, 780)
    window.show()
    page = window.findChild(XrayView)

    def run_until(condition, timeout: float = 15.0) -> bool:
        end = time.monotonic() + timeout
        while not condition() and time.monotonic() < end:
            app.processEvents()
        return condition()

    canvas_clock, card_clock = PaintClock(), PaintClock()
    window.canvas.installEventFilter(canvas_clock)
    page.cards[-1].model_view.installEventFilter(card_clock)
    shapes = list(DIGITS.values())
    for model_id in ("mnist-dense", "mnist-cnn"):
        window.select_model(model_id)
        run_until(lambda: window.controller.classifier() is not None)
        for tab in (window.inside_view, window.prediction_panel):
            window.results_tabs.setCurrentWidget(tab)
            run_until(lambda: not page.busy)
            moves, releases = [], []
            for index in range(strokes):
                window.canvas.clear()
                run_until(lambda: not page.busy)
                paper = window.canvas.paper_rect()
                points = [QPointF(paper.left() + x * paper.width(),
                                  paper.top() + y * paper.height())
                          for x, y in shapes[index % len(shapes)][0]]
                button = Qt.MouseButton.LeftButton
                send_mouse(window.canvas, QEvent.Type.MouseButtonPress, points[0], button, button)
                for start, end in zip(points, points[1:], strict=False):
                    for part in (0.5, 1.0):
                        canvas_clock.painted_at = None
                        sent = time.perf_counter()
                        send_mouse(window.canvas, QEvent.Type.MouseMove,
                                   start + (end - start) * part, Qt.MouseButton.NoButton, button)
                        if run_until(lambda: canvas_clock.painted_at is not None, 1.0):
                            moves.append(canvas_clock.painted_at - sent)
                run_until(lambda: not page.busy)
                card_clock.painted_at = None
                released = time.perf_counter()
                send_mouse(window.canvas, QEvent.Type.MouseButtonRelease, points[-1], button,
                           Qt.MouseButton.NoButton)
                if tab is window.inside_view and run_until(
                        lambda: not page.busy and card_clock.painted_at is not None, 5.0):
                    releases.append(card_clock.painted_at - released)
            where = "Preprocessing page" if tab is window.inside_view else "Prediction tab"
            print(line(f"{model_id:12s} move -> canvas, {where}", np.array(moves) * 1000))
            if releases:
                print(line(f"{model_id:12s} release -> X-ray shown", np.array(releases) * 1000))
    window.close()
    QApplication.processEvents()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300, help="X-rays per model and picture")
    parser.add_argument("--strokes", type=int, default=20, help="strokes per model and tab")
    args = parser.parse_args(argv)
    print(f"Qt platform: {os.environ.get('QT_QPA_PLATFORM', 'default')}; "
          f"{os.cpu_count()} CPUs")
    measure_xray(args.runs)
    measure_window(args.strokes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
