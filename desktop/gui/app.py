"""Start Digit Lens' window: the QApplication and the main window (the command line is parsed
in desktop.__main__)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QThreadPool, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from desktop import APP_NAME, __version__

ORGANIZATION = "DigitLens"
# Set to 1: print the start-up's steps and "shown <unix time>" after the window's first paint,
# then quit (benchmarks).
STARTUP_PROBE_ENV = "DIGIT_LENS_STARTUP_PROBE"
# Set to a PNG path: save a screenshot of the window once it has settled, then quit (packaging).
SCREENSHOT_ENV = "DIGIT_LENS_SCREENSHOT"
_LOADED_AT = time.time()  # this module's imports done: PySide6 is loaded


def create_application() -> QApplication:
    """The QApplication with the names QSettings uses (organisation and application)."""
    QApplication.setOrganizationName(ORGANIZATION)
    QApplication.setApplicationName(APP_NAME)
    QApplication.setApplicationVersion(__version__)
    QApplication.setDesktopFileName("digit-lens")
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication([sys.argv[0] if sys.argv else "digit-lens"])
    return app


class _FirstPaintProbe(QObject):
    """Prints the start-up's steps ("step <unix time> <name>", each the time it ended) and the
    time of the window's first paint ("shown <unix time>"), then quits: for
    benchmarks/startup.py and packaging/measure.py."""

    def __init__(self, steps: list[tuple[str, float]]) -> None:
        super().__init__()
        self.steps = steps

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            shown = time.time()
            for name, ended in self.steps:
                print(f"step {ended:.6f} {name}")
            print(f"shown {shown:.6f}", flush=True)
            QTimer.singleShot(0, QApplication.quit)
        return False


def run(models_dir: Path, picture: Path | None = None) -> int:
    """Show the window on the models of `models_dir` (and open `picture`) until it closes;
    returns the exit code. The command line is desktop.__main__'s."""
    steps = [("Python, the app's start and PySide6 loaded", _LOADED_AT)]
    app = create_application()
    steps.append(("QApplication made", time.time()))

    from desktop.gui import icons
    from desktop.gui.main_window import MainWindow

    steps.append(("the window's modules imported", time.time()))
    app.setWindowIcon(icons.app_icon())
    window = MainWindow(models_dir=models_dir)
    steps.append(("the window built (models listed)", time.time()))
    probe = None
    if os.environ.get(STARTUP_PROBE_ENV) == "1":
        probe = _FirstPaintProbe(steps)
        window.installEventFilter(probe)
    window.show()
    if picture is not None:
        window.open_path(picture)
    if os.environ.get(SCREENSHOT_ENV):
        QTimer.singleShot(1500, lambda: _save_screenshot(window, os.environ[SCREENSHOT_ENV]))
    code = app.exec()
    # Let pool threads (session creation, decoding) finish before Python tears down.
    QThreadPool.globalInstance().waitForDone(5000)
    return code


def _save_screenshot(window: QWidget, path: str) -> None:
    """What the display server shows of the window (the widget's own rendering offscreen)."""
    pixmap = window.screen().grabWindow(window.winId())
    if pixmap.isNull() or pixmap.width() < 10:
        pixmap = window.grab()
    saved = pixmap.save(path, "PNG")
    print(f"screenshot {'saved to' if saved else 'NOT saved to'} {path}", flush=True)
    QApplication.quit()
