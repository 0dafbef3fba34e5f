"""Screenshots of Digit Lens in typical states, for the README and for reviewing the look.
Binary lab models ("Is it a 7?") in the models folder get shots of their answer, their Binary
lab page and its false positives.

    python benchmarks/screenshots.py OUTDIR [--models-dir DIR] [--readme PATH]
    python benchmarks/screenshots.py OUTDIR --sizes     # the window at 1280x800, 1024x700 and
                                                        # its minimum size
    python benchmarks/screenshots.py OUTDIR --compare   # only the model picker opened and the
                                                        # Compare tab, at those sizes
    python benchmarks/screenshots.py OUTDIR --train     # only the Train tab, training for real
                                                        # (benchmarks/train_shots.py)
    python benchmarks/screenshots.py OUTDIR --teach     # only the Teach tab (teach_shots.py)

--benchmarks FILE shows the Compare tab's handwriting figures from FILE instead of
resources/benchmarks.json (benchmarks/compare_shots.py).

Runs the real window with real models. Use a real display, or Xvfb:
    Xvfb :99 -screen 0 1400x900x24 &  DISPLAY=:99 QT_QPA_PLATFORM=xcb python benchmarks/...
Settings go to a temporary file, so the user's own settings are never touched.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QEvent, QSettings, Qt, QTimer  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: E402

from desktop import paths  # noqa: E402
from desktop.gui.app import create_application  # noqa: E402
from desktop.gui.main_window import MainWindow  # noqa: E402
from desktop.gui.scripted_input import (  # noqa: E402
    DIGITS,
    NOT_DIGITS,
    UNCLEAR_DIGITS,
    draw_shape,
    number_shape,
)
from desktop.gui.style import dark_palette  # noqa: E402
from desktop.gui.xray_view import XrayView  # noqa: E402

WINDOW_SIZE = (1240, 780)
REVIEW_SIZES = ((1280, 800), (1024, 700), None)  # None: the window's minimum size
LONG_ERROR = ("/home/someone/Pictures/holidays 2026/scans/page-0001.png is not a picture in a "
              "format this app reads (bmp, gif, jpeg, png, svg, webp)")


def settle(app: QApplication, seconds: float = 0.25,
           until: Callable[[], bool] | None = None, timeout: float = 10.0) -> None:
    """Run the event loop for a while (and until a condition holds)."""
    end = time.monotonic() + timeout
    while until is not None and not until() and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.005)
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        app.processEvents()
        time.sleep(0.005)


def new_window(app: QApplication, models_dir: Path | None) -> MainWindow:
    settings_file = Path(tempfile.mkdtemp(prefix="digit-lens-shots-")) / "settings.ini"
    window = MainWindow(models_dir=models_dir,
                        settings=QSettings(str(settings_file), QSettings.Format.IniFormat))
    window.resize(*WINDOW_SIZE)
    window.show()
    controller = window.controller
    # Until every model is warmed up in the background (as a user a second later would be).
    settle(app, 0.3, until=lambda: not any(controller.is_loading(e.model_id)
                                           for e in controller.entries))
    return window


def pick(window: MainWindow, dataset: str, prefer: str = "cnn") -> bool:
    """Select a model of `dataset`, preferring architecture `prefer`."""
    usable = [e for e in window.controller.usable_entries() if e.info.dataset == dataset]
    usable.sort(key=lambda e: e.info.architecture != prefer)
    return bool(usable) and window.select_model(usable[0].model_id)


def wait_ready(app: QApplication, window: MainWindow) -> None:
    settle(app, 0.2, until=lambda: window.controller.classifier() is not None
           and not window.training_panel.loading)


def draw(app: QApplication, window: MainWindow, digit: str) -> None:
    window.canvas.clear()
    draw_shape(window.canvas, DIGITS[digit])
    QApplication.sendEvent(window.canvas, QEvent(QEvent.Type.Leave))  # hide the brush ring
    settle(app, 0.2)


def xray_and_calibration(app: QApplication, window: MainWindow, outdir: Path, tag: str) -> None:
    """The Look-inside "Preprocessing" page for a small digit drawn in the canvas's corner,
    with the current model, and the Training tab's "Calibration" page."""
    window.canvas.clear()
    draw_shape(window.canvas, [[(0.04 + 0.3 * x, 0.03 + 0.3 * y) for x, y in stroke]
                               for stroke in DIGITS["7"]])
    QApplication.sendEvent(window.canvas, QEvent(QEvent.Type.Leave))
    window.results_tabs.setCurrentWidget(window.inside_view)
    page = window.findChild(XrayView)
    window.inside_view.setCurrentWidget(page)
    settle(app, 0.3, until=lambda: not page.busy)
    save(window, outdir, f"{tag}-xray")
    window.results_tabs.setCurrentWidget(window.training_panel)
    window.training_panel.tabs.setCurrentWidget(window.training_panel.calibration)
    settle(app, 0.2)
    save(window, outdir, f"{tag}-calibration")
    window.training_panel.tabs.setCurrentIndex(0)
    window.results_tabs.setCurrentWidget(window.prediction_panel)


def binary_lab_shots(app: QApplication, window: MainWindow, outdir: Path, tag: str) -> None:
    """For each binary model ("Is it a 7?") in the models folder: its answer to a drawn 7, the
    Training tab's Binary lab at the default threshold and at 0.2, and the Mistakes page of
    its false positives at 0.2 (opened by a click on the lab's cell)."""
    binary = [e for e in window.controller.usable_entries() if e.info.task is not None]
    panel = window.training_panel
    page = panel.binary_lab
    for entry in binary:
        window.select_model(entry.key)
        wait_ready(app, window)
        name = f"{tag}-lab-{entry.model_id}"
        window.results_tabs.setCurrentWidget(window.prediction_panel)
        if entry.info.dataset == "mnist":
            draw(app, window, "7")
        else:
            open_sample(app, window, "9-ankle-boot-00000.png")
        save(window, outdir, f"{name}-1-prediction")
        window.results_tabs.setCurrentWidget(panel)
        panel.tabs.setCurrentWidget(page)
        settle(app, 0.3, until=lambda: page.lab is not None)
        save(window, outdir, f"{name}-2-lab")
        page.set_threshold(0.2)
        settle(app, 0.2)
        save(window, outdir, f"{name}-3-lab-threshold-0.2")
        spot = page.matrix.cell_rect("fp").center().toPoint()
        QTest.mouseClick(page.matrix, Qt.MouseButton.LeftButton, pos=spot)
        settle(app, 0.3)
        save(window, outdir, f"{name}-4-false-positives")
        panel.tabs.setCurrentIndex(0)
    if binary:
        pick(window, "mnist")
        wait_ready(app, window)
        window.results_tabs.setCurrentWidget(window.prediction_panel)


def open_sample(app: QApplication, window: MainWindow, name: str) -> None:
    matches = sorted(paths.samples_dir().glob(f"*/{name}"))
    window.open_path(matches[0])
    settle(app, 0.3, until=lambda: window.canvas.document.picture_name == matches[0].name)


def save(window: MainWindow, folder: Path, name: str, whole_screen: bool = False) -> Path:
    path = folder / f"{name}.png"
    if whole_screen:
        image = QGuiApplication.primaryScreen().grabWindow(0).toImage()
    else:
        image = window.grab().toImage()
    image.save(str(path))
    print(f"{path}  {image.width()}x{image.height()}")
    return path


def save_at_sizes(app: QApplication, window: MainWindow, outdir: Path, name: str,
                  sizes: Sequence[tuple[int, int]]) -> None:
    """One shot per window size, `name` with the size put in ("{size}"), then back to the
    first size."""
    for width, height in sizes:
        window.resize(width, height)
        settle(app, 0.4)
        save(window, outdir, name.format(size=f"{width}x{height}"))
    window.resize(*sizes[0])
    settle(app, 0.2)


def save_readme_copy(source: Path, target: Path, max_bytes: int = 150_000) -> None:
    """A copy for the README, scaled down only if it does not fit the byte budget."""
    image = QImage(str(source)).convertToFormat(QImage.Format.Format_RGB32)
    scaled, width = image, image.width()
    while True:
        scaled.save(str(target), "PNG", 0)  # quality 0 = smallest file for PNG
        if target.stat().st_size <= max_bytes or width < 600:
            break
        width = int(width * 0.9)
        scaled = image.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
    print(f"{target}  {scaled.width()}x{scaled.height()}  {target.stat().st_size} bytes")


def look_inside(app: QApplication, window: MainWindow, outdir: Path, tag: str) -> None:
    """Every page of the Look inside tab for a drawn 3 (digits) and a sample (clothing)."""
    inside = window.inside_view
    window.results_tabs.setCurrentWidget(inside)
    for dataset, show in (("mnist", lambda: draw(app, window, "3")),
                          ("fashion", lambda: open_sample(app, window, "9-ankle-boot-00000.png"))):
        if not pick(window, dataset):
            continue
        wait_ready(app, window)
        show()
        for index in range(inside.count()):
            inside.setCurrentIndex(index)
            settle(app, 0.6)
            name = inside.tabText(index).lower().replace(" ", "-")
            save(window, outdir, f"{tag}-inside-{dataset}-{name}")
    pick(window, "mnist")
    wait_ready(app, window)
    window.results_tabs.setCurrentWidget(window.prediction_panel)


def compare_at_sizes(app: QApplication, outdir: Path, models_dir: Path | None,
                     benchmarks: Path | None) -> None:
    """The model picker opened and the Compare tab at each review size."""
    from benchmarks.compare_shots import picker_and_compare

    for size in REVIEW_SIZES:
        window = new_window(app, models_dir)
        if size is None:
            size = (window.minimumWidth(), window.minimumHeight())
        window.resize(*size)
        settle(app, 0.3)
        picker_and_compare(app, window, outdir, f"{size[0]}x{size[1]}", benchmarks)
        window.close()


def sized_shots(app: QApplication, outdir: Path, models_dir: Path | None) -> None:
    """The window at each review size in the states testers looked at: the clothing prompt
    with the gallery's marked mistakes, a sure and an unsure digit, the training tab, a long
    error in the status bar, and the user's own models (when $DIGIT_LENS_USER_MODELS or the
    per-user folder holds any) in the Model menu and the training tab."""
    for size in REVIEW_SIZES:
        window = new_window(app, models_dir)
        if size is None:
            size = (window.minimumWidth(), window.minimumHeight())
        window.resize(*size)
        settle(app, 0.3)
        tag = f"{size[0]}x{size[1]}"
        if pick(window, "fashion", "dense"):
            wait_ready(app, window)
            settle(app, 0.3)
            save(window, outdir, f"{tag}-1-clothing-prompt")
        pick(window, "mnist")
        wait_ready(app, window)
        draw(app, window, "2")
        save(window, outdir, f"{tag}-2-digit")
        for name, shape in (("3-unsure", UNCLEAR_DIGITS["wide arc"]),
                            ("3b-not-a-digit", NOT_DIGITS["cross"]),
                            ("3c-number", number_shape("2026"))):
            window.canvas.clear()
            draw_shape(window.canvas, shape)
            QApplication.sendEvent(window.canvas, QEvent(QEvent.Type.Leave))
            settle(app, 0.2)
            save(window, outdir, f"{tag}-{name}")
        window.results_tabs.setCurrentWidget(window.training_panel)
        settle(app, 0.2)
        save(window, outdir, f"{tag}-4-training")
        mistakes_shots(app, window, outdir, tag)
        look_inside(app, window, outdir, tag)
        xray_and_calibration(app, window, outdir, f"{tag}-4b")
        binary_lab_shots(app, window, outdir, tag)
        window.results_tabs.setCurrentWidget(window.prediction_panel)
        window.random_sample_action.trigger()
        settle(app, 0.4)
        window.show_error("The picture cannot be opened", LONG_ERROR)
        if window._error_box is not None:
            window._error_box.hide()
        settle(app, 0.2)
        save(window, outdir, f"{tag}-5-random-sample-long-error")
        mine = [e for e in window.controller.usable_entries() if e.user]
        if mine:
            window.select_model(mine[0].key)
            wait_ready(app, window)
            window.results_tabs.setCurrentWidget(window.training_panel)
            settle(app, 0.3)
            save(window, outdir, f"{tag}-6-user-model-training")
            window.results_tabs.setCurrentWidget(window.prediction_panel)
            window.move(0, 0)
            window.menuBar().setActiveAction(window.model_menu.menuAction())
            settle(app, 0.4)
            save(window, outdir, f"{tag}-7-model-menu", whole_screen=True)
            window.model_menu.hide()
        window.close()


def click_cell(app: QApplication, panel, true: int, predicted: int) -> None:
    """A real click on a confusion-matrix cell, which opens its test images."""
    panel.tabs.setCurrentWidget(panel.confusion.parentWidget())
    settle(app, 0.2)
    spot = panel.confusion.cell_rect(true, predicted).center().toPoint()
    QTest.mouseClick(panel.confusion, Qt.MouseButton.LeftButton, pos=spot)
    settle(app, 0.2)


def mistakes_shots(app: QApplication, window: MainWindow, outdir: Path, tag: str) -> None:
    """The error browser (Training > Mistakes): a clicked confusion cell, the most confused
    pairs and the top losses of the current model, and a clothing cell; or, for models without
    stored test predictions, the message saying so."""
    panel = window.training_panel
    browser = panel.error_browser
    settle(app, 0.2, until=lambda: not browser.loading)
    click_cell(app, panel, 9, 4)
    save(window, outdir, f"{tag}-4b-mistakes-cell")
    if browser.mistakes is not None:
        browser.show_view(1)
        settle(app, 0.2)
        save(window, outdir, f"{tag}-4c-mistakes-pairs")
        browser.show_view(2)
        settle(app, 0.2)
        save(window, outdir, f"{tag}-4d-top-losses")
    if pick(window, "fashion", "cnn"):
        wait_ready(app, window)
        settle(app, 0.2, until=lambda: not browser.loading)
        click_cell(app, panel, 6, 0)
        save(window, outdir, f"{tag}-4e-mistakes-clothing-cell")
        pick(window, "mnist")
        wait_ready(app, window)
    panel.tabs.setCurrentIndex(0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--models-dir", type=Path, default=None)
    parser.add_argument("--readme", type=Path, default=None,
                        help="also write the drawn-digit shot here (e.g. resources/screenshot.png)")
    parser.add_argument("--sizes", action="store_true",
                        help="only the review shots at 1280x800, 1024x700 and the minimum size")
    parser.add_argument("--compare", action="store_true",
                        help="only the model picker and the Compare tab at those sizes")
    parser.add_argument("--train", action="store_true",
                        help="only the Train tab while it trains and after (real runs)")
    parser.add_argument("--teach", action="store_true",
                        help="only the Teach tab: drawings kept, a model personalised")
    parser.add_argument("--benchmarks", type=Path, default=None,
                        help="the Compare tab's benchmark figures (default: resources/)")
    args = parser.parse_args(argv)
    args.outdir.mkdir(parents=True, exist_ok=True)
    app = create_application()
    app.setStyle("Fusion")
    if args.train:
        from benchmarks.train_shots import train_tab_shots

        train_tab_shots(app, args.outdir, args.models_dir)
        return 0
    if args.teach:
        from benchmarks.teach_shots import teach_tab_shots

        teach_tab_shots(app, args.outdir, args.models_dir)
        return 0
    if args.sizes or args.compare:
        compare_at_sizes(app, args.outdir, args.models_dir, args.benchmarks)
    if args.sizes:
        sized_shots(app, args.outdir, args.models_dir)
    if args.sizes or args.compare:
        return 0
    light = QApplication.palette()

    window = new_window(app, args.models_dir)
    save(window, args.outdir, "01-empty")

    pick(window, "mnist")
    wait_ready(app, window)
    draw(app, window, "2")
    drawn = save(window, args.outdir, "02-drawn-digit")

    window.canvas.clear()
    draw_shape(window.canvas, UNCLEAR_DIGITS["wide arc"])
    QApplication.sendEvent(window.canvas, QEvent(QEvent.Type.Leave))
    settle(app, 0.2)
    save(window, args.outdir, "03-unsure")

    window.canvas.clear()
    draw_shape(window.canvas, NOT_DIGITS["cross"])
    QApplication.sendEvent(window.canvas, QEvent(QEvent.Type.Leave))
    settle(app, 0.2)
    save(window, args.outdir, "17-not-a-digit")

    brush = window.canvas.brush_size
    window.canvas.set_brush_size(14)  # a finer pen for several digits
    window.canvas.clear()
    draw_shape(window.canvas, number_shape("2026"))
    QApplication.sendEvent(window.canvas, QEvent(QEvent.Type.Leave))
    strip = window.prediction_panel.number_strip
    strip.select(2)  # as a click on the third digit does
    settle(app, 0.2)
    save(window, args.outdir, "15-number")
    window.canvas.set_brush_size(brush)

    if pick(window, "fashion"):
        wait_ready(app, window)
        draw(app, window, "2")  # a digit is no clothing
        save(window, args.outdir, "18-not-clothing")
        open_sample(app, window, "9-ankle-boot-00000.png")
        save(window, args.outdir, "04-clothing-sample")

    pick(window, "mnist")
    wait_ready(app, window)
    draw(app, window, "7")
    window.results_tabs.setCurrentWidget(window.training_panel)
    window.training_panel.tabs.setCurrentIndex(0)
    settle(app, 0.2)
    save(window, args.outdir, "05-training-curves")
    window.training_panel.tabs.setCurrentIndex(1)
    window.training_panel.normalize_box.setChecked(True)
    settle(app, 0.2)
    save(window, args.outdir, "06-confusion-normalised")
    window.training_panel.tabs.setCurrentIndex(2)
    settle(app, 0.2)
    save(window, args.outdir, "07-per-class")
    binary_lab_shots(app, window, args.outdir, "21")

    for architecture in ("dense", "cnn"):
        pick(window, "mnist", architecture)
        wait_ready(app, window)
        xray_and_calibration(app, window, args.outdir, f"19-{architecture}")

    app.setPalette(dark_palette())
    settle(app, 0.2)
    xray_and_calibration(app, window, args.outdir, "20-dark-cnn")
    binary_lab_shots(app, window, args.outdir, "21-dark")
    window.results_tabs.setCurrentWidget(window.prediction_panel)
    draw(app, window, "4")
    save(window, args.outdir, "08-dark-drawn-digit")
    window.canvas.set_brush_size(14)
    window.canvas.clear()
    draw_shape(window.canvas, number_shape("90817"))
    QApplication.sendEvent(window.canvas, QEvent(QEvent.Type.Leave))
    settle(app, 0.2)
    save(window, args.outdir, "16-dark-number")
    window.canvas.set_brush_size(brush)
    window.results_tabs.setCurrentWidget(window.training_panel)
    window.training_panel.tabs.setCurrentIndex(0)
    settle(app, 0.2)
    save(window, args.outdir, "09-dark-training-curves")
    window.training_panel.tabs.setCurrentIndex(1)
    settle(app, 0.2)
    save(window, args.outdir, "10-dark-confusion")
    app.setPalette(light)
    window.results_tabs.setCurrentWidget(window.prediction_panel)
    look_inside(app, window, args.outdir, "19")
    app.setPalette(dark_palette())
    look_inside(app, window, args.outdir, "20-dark")
    app.setPalette(light)

    from benchmarks.compare_shots import picker_and_compare

    picker_and_compare(app, window, args.outdir, "21", args.benchmarks)
    window.move(40, 40)
    window.menuBar().setActiveAction(window.model_menu.menuAction())
    settle(app, 0.4)
    save(window, args.outdir, "13-model-menu", whole_screen=True)
    window.model_menu.hide()
    settle(app, 0.2)

    def grab_about() -> None:
        box = next(w for w in QApplication.topLevelWidgets()
                   if isinstance(w, QMessageBox) and w.isVisible())
        save(window, args.outdir, "14-about", whole_screen=True)
        box.accept()

    QTimer.singleShot(600, grab_about)
    window.show_about()  # modal: grab_about closes it

    bad = Path(tempfile.mkdtemp(prefix="digit-lens-bad-")) / "not-a-picture.png"
    bad.write_text("this is not a picture")
    window.open_path(bad)
    settle(app, 0.5, until=lambda: window.last_error is not None)
    save(window, args.outdir, "11-bad-file", whole_screen=True)
    window.close()

    empty_models = Path(tempfile.mkdtemp(prefix="digit-lens-no-models-"))
    lonely = new_window(app, empty_models)
    save(lonely, args.outdir, "12-no-models")
    lonely.close()

    if args.readme:
        save_readme_copy(drawn, args.readme)
    return 0


if __name__ == "__main__":
    sys.exit(main())
