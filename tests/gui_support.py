"""Helpers shared by the GUI tests (tests/test_gui_*.py): real windows on the shipped models.

Importing this module points QSettings' user locations at a temporary folder, so no test
ever reads or writes the real settings of the person running the tests.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot

from desktop import models
from desktop.gui.main_window import MainWindow
from desktop.gui.scripted_input import Shape, draw_shape

ROOT = Path(__file__).resolve().parents[1]
MODELS_DIR = ROOT / "resources" / "models"
SAMPLES_DIR = ROOT / "resources" / "samples"

_SETTINGS_HOME = Path(tempfile.mkdtemp(prefix="digit-lens-test-settings-"))
for _format in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
    QSettings.setPath(_format, QSettings.Scope.UserScope, str(_SETTINGS_HOME))
    QSettings.setPath(_format, QSettings.Scope.SystemScope, str(_SETTINGS_HOME / "system"))


def shipped_entries() -> list[models.ModelEntry]:
    """Every folder of resources/models (broken ones included, so they fail loudly)."""
    return models.discover(MODELS_DIR)


def classifier_ids(dataset: str, rejecting: bool = False) -> list[str]:
    """The shipped models of `dataset` that name its classes (not the binary lab's no/yes);
    with `rejecting`, only those with a "none of these" output (the course's models have
    none)."""
    return [e.model_id for e in shipped_entries()
            if e.info is not None and e.info.dataset == dataset and e.info.task is None
            and (e.info.reject_threshold is not None or not rejecting)]


def shipped_ids(dataset: str | None = None) -> list[str]:
    ids = []
    for entry in shipped_entries():
        guessed = entry.info.dataset if entry.info else entry.model_id.partition("-")[0]
        if dataset is None or guessed == dataset:
            ids.append(entry.model_id)
    return ids


def settings_file(folder: Path) -> QSettings:
    return QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)


def open_window(qtbot: QtBot, folder: Path, models_dir: Path | None = MODELS_DIR,
                settings: QSettings | None = None) -> MainWindow:
    """A shown main window with its own settings file; waits until its model is ready."""
    window = MainWindow(models_dir=models_dir,
                        settings=settings if settings is not None else settings_file(folder))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    if window.controller.current is not None:
        wait_ready(qtbot, window)
    return window


def wait_ready(qtbot: QtBot, window: MainWindow) -> None:
    """Until the current model's ONNX session exists and its training report is read (both
    happen on pool threads), and until the window has done what waits for its first paint
    (the gallery)."""
    qtbot.waitUntil(lambda: not window.first_show_pending, timeout=15000)
    qtbot.waitUntil(lambda: window.controller.classifier() is not None, timeout=15000)
    qtbot.waitUntil(lambda: not window.training_panel.loading, timeout=15000)


def use_model(qtbot: QtBot, window: MainWindow, model_id: str) -> None:
    assert window.select_model(model_id), window.controller.unusable_reason(model_id)
    wait_ready(qtbot, window)
    window.classify_now()


def choose_in_combo(qtbot: QtBot, combo: QComboBox, key: str) -> None:
    """Choose the entry `key` of a model drop-down with the keyboard, as a user does: focus,
    Home, then Down until it is current (disabled entries are skipped by the combo)."""
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    for _ in range(combo.count()):
        if combo.current_key() == key:
            return
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.current_key() == key, f"{key} cannot be reached in {combo.model_keys()}"


def draw(window: MainWindow, shape: Shape) -> None:
    """Draw with real mouse press / move / release events on the canvas."""
    draw_shape(window.canvas, shape)


def open_file(qtbot: QtBot, window: MainWindow, path: Path) -> None:
    """Open a picture through the window (decoded on a pool thread) and wait for it."""
    window.open_path(path)
    qtbot.waitUntil(lambda: window.canvas.document.picture_name == path.name, timeout=10000)


def samples(dataset: str) -> list[Path]:
    return sorted((SAMPLES_DIR / dataset).glob("*.png"))


def true_class(sample: Path) -> int:
    """Sample names start with the true class index: 7-sneaker-00009.png."""
    return int(sample.name.split("-", 1)[0])


def copy_models(target: Path) -> Path:
    """A private copy of the shipped models to break on purpose."""
    shutil.copytree(MODELS_DIR, target)
    return target
