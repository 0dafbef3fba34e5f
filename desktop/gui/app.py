"""Start Digit Lens: command-line options, the QApplication and the main window."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QThreadPool, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from desktop import APP_NAME, __version__

ORGANIZATION = "DigitLens"
# Set to 1: print "shown <unix time>" after the window's first paint, then quit (benchmarks).
STARTUP_PROBE_ENV = "DIGIT_LENS_STARTUP_PROBE"
# Set to a PNG path: save a screenshot of the window once it has settled, then quit (packaging).
SCREENSHOT_ENV = "DIGIT_LENS_SCREENSHOT"


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="digit-lens",
        description=f"{APP_NAME}: draw a digit or open a picture of clothing and see what a "
                    "neural network thinks it is, and how it was trained.",
    )
    parser.add_argument("picture", nargs="?", type=Path, help="a picture to open at start")
    parser.add_argument("--models-dir", type=Path, metavar="DIR",
                        help="folder with one subfolder per model (default: $DIGIT_LENS_MODELS "
                             "or the models shipped with the app)")
    parser.add_argument("--self-test", action="store_true",
                        help="check every bundled model on the bundled samples without opening "
                             "a window; exit status 0 when all is well")
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    return parser.parse_args(list(argv))


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
    """Prints the time of the window's first paint and quits: for benchmarks/startup.py."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            print(f"shown {time.time():.6f}", flush=True)
            QTimer.singleShot(0, QApplication.quit)
        return False


def main(argv: Sequence[str] | None = None) -> int:
    """Run the app until its window closes; returns the exit code."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.self_test:
        from desktop import selftest

        return selftest.main([])
    app = create_application()

    from desktop.gui import icons
    from desktop.gui.main_window import MainWindow

    app.setWindowIcon(icons.app_icon())
    window = MainWindow(models_dir=args.models_dir)
    probe = None
    if os.environ.get(STARTUP_PROBE_ENV) == "1":
        probe = _FirstPaintProbe(window)
        window.installEventFilter(probe)
    window.show()
    if args.picture is not None:
        window.open_path(args.picture)
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
