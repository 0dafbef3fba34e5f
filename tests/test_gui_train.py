"""The Train tab with real widgets and a real trainer process on a small subset: curves grow as
epochs arrive, the new model joins the picker and its record is the Training tab's, Stop keeps
a valid model, Resume goes on, a failed run says why, and a missing trainer says how to add it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from gui_support import open_window
from PySide6.QtCore import Qt

from desktop import models, train_runs
from desktop.training_run import RunState

SMALL = dict(epochs="2", limit="2000", val_size="400")  # with extra pictures off: ~30 s a run
TRAINING = 180_000  # ms: a small run takes about 30 s alone, more on a shared machine


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("DIGIT_LENS_USER_MODELS", str(tmp_path / "user-models"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # the run's checkpoints
    window = open_window(qtbot, tmp_path)
    window.results_tabs.setCurrentWidget(window.train_page)
    return window


def _ready(qtbot, panel) -> None:
    qtbot.waitUntil(lambda: panel.installed is not None, timeout=60000)


def _fill(panel, **values: str) -> None:
    panel.form.set_values(**{**SMALL, **values})
    panel.form.extra_data.setChecked(False)


def _wait_ended(qtbot, panel) -> None:
    qtbot.waitUntil(lambda: panel.current is not None and not panel.current.active
                    and panel.process is None, timeout=TRAINING)


def test_bad_values_are_named_and_nothing_starts(qtbot, window):
    panel = window.train_panel
    _ready(qtbot, panel)
    panel.form.set_values(epochs="many", dropout="1.5")
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    assert panel.runs == [] and panel.process is None
    text = panel.notice.text()
    assert "Epochs must be a whole number" in text and "Dropout must be" in text
    assert panel.notice.isVisible()
    assert panel.form.fields["epochs"].styleSheet() and panel.form.fields["dropout"].styleSheet()
    assert not panel.form.fields["seed"].styleSheet()


def _system_python_without_torch() -> str | None:
    """The system's own python3 (not this venv's), if it lacks torch."""
    python = "/usr/bin/python3"
    if not Path(python).exists() or subprocess.run(
            [python, "-I", "-c", "import torch"], capture_output=True).returncode == 0:
        return None
    return python


@pytest.mark.parametrize("python", ["/nonexistent/python3", "system"])
def test_an_interpreter_without_the_trainer_shows_the_install_hint(qtbot, window, python):
    if python == "system":
        python = _system_python_without_torch()
        if python is None:
            pytest.skip("no system python3 without torch here")
    panel = window.train_panel
    panel.set_python(python)
    _ready(qtbot, panel)
    assert panel.installed is False
    assert train_runs.NOT_INSTALLED_TITLE in panel.notice.text()
    assert "pip install -e '.[train]'" in panel.notice.text()
    assert not panel.start_button.isEnabled() and not panel.start()
    # The rest of the app goes on working.
    window.results_tabs.setCurrentWidget(window.prediction_panel)
    assert window.controller.classifier() is not None


def test_a_frozen_app_says_training_needs_a_source_checkout(qtbot, window):
    panel = window.train_panel
    panel.set_python(None)
    assert panel.installed is False and "installed copy" in panel.notice.text()


@pytest.mark.slow
def test_a_run_grows_its_curves_and_its_model_joins_the_picker(qtbot, window):
    panel = window.train_panel
    _ready(qtbot, panel)
    assert panel.installed, panel.notice.text()
    _fill(panel, dropout="0")
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    run = panel.current
    assert run is not None and run.state is RunState.RUNNING
    assert not panel.start_button.isEnabled() and panel.stop_button.isEnabled()
    qtbot.waitUntil(lambda: len(run.batches) > 0, timeout=TRAINING)
    assert panel.curves.run is run
    qtbot.waitUntil(lambda: len(run.epochs) >= 1, timeout=TRAINING)
    assert "Epoch" in panel.status.text() or run.phase != "training"
    _wait_ended(qtbot, panel)
    assert run.succeeded, run.error
    assert [p.epoch for p in run.epochs] == [1, 2]
    key = models.USER_KEY_PREFIX + run.model_id
    qtbot.waitUntil(lambda: window.controller.is_usable(key), timeout=10000)
    assert key in window.model_picker.combo.model_keys()  # listed as the user's own
    assert panel.use_button.isVisible()
    qtbot.mouseClick(panel.use_button, Qt.MouseButton.LeftButton)
    assert window.controller.current.key == key
    assert window.results_tabs.currentWidget() is window.training_panel
    qtbot.waitUntil(lambda: not window.training_panel.loading, timeout=15000)
    assert window.training_panel.curves.epochs == [p.epoch for p in run.epochs]


@pytest.mark.slow
def test_stop_keeps_a_valid_model_and_resume_goes_on(qtbot, window):
    panel = window.train_panel
    _ready(qtbot, panel)
    _fill(panel, epochs="4")
    assert panel.start()
    run = panel.current
    qtbot.waitUntil(lambda: len(run.epochs) >= 1, timeout=TRAINING)
    qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
    assert run.state in (RunState.STOPPING, RunState.DONE)
    _wait_ended(qtbot, panel)
    assert run.succeeded and run.stopped == "asked", run.error
    key = models.USER_KEY_PREFIX + run.model_id
    qtbot.waitUntil(lambda: window.controller.is_usable(key), timeout=10000)
    assert key in window.model_picker.combo.model_keys()
    info = window.controller.entry(key).info
    bar = np.ones((40, 40), np.float32)  # white paper with a black bar: a 1
    bar[8:32, 18:22] = 0.0
    prediction = models.Classifier(info).classify(bar)
    assert prediction is not None and prediction.probabilities.sum() == pytest.approx(1, abs=1e-3)
    assert panel.resume_button.isEnabled()
    kept = len(run.epochs)
    qtbot.mouseClick(panel.resume_button, Qt.MouseButton.LeftButton)
    assert "--resume" in run.arguments
    _wait_ended(qtbot, panel)
    assert run.succeeded, run.error
    assert run.epochs[-1].epoch > kept


@pytest.mark.slow
def test_two_runs_can_be_overlaid(qtbot, window):
    panel = window.train_panel
    _ready(qtbot, panel)
    for dropout in ("0", "0.5"):
        _fill(panel, epochs="1", dropout=dropout)
        assert panel.start()
        _wait_ended(qtbot, panel)
        assert panel.current.succeeded, panel.current.error
    assert panel.compare.count() == 2 and panel.compare.isEnabled()
    panel.compare_with(0)
    assert panel.curves.comparison is panel.runs[0] and panel.curves.run is panel.runs[1]
    assert "dropout 0" in panel.compare.currentText()


@pytest.mark.slow
def test_a_failed_run_says_why(qtbot, window, tmp_path):
    panel = window.train_panel
    _ready(qtbot, panel)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    panel.out_dir = blocker / "models"
    _fill(panel)
    assert panel.start()
    _wait_ended(qtbot, panel)
    run = panel.current
    assert run.state is RunState.FAILED
    assert "is a file, not a folder" in run.error
    assert "Failed" in panel.status.text() and "a-file" in panel.status.text()
    assert not panel.use_button.isVisible()


def test_the_train_tab_is_built_when_it_first_shows(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("DIGIT_LENS_USER_MODELS", str(tmp_path / "user-models"))
    window = open_window(qtbot, tmp_path)
    assert not window.train_page.built  # the window opened without it
    window.results_tabs.setCurrentWidget(window.train_page)
    assert window.train_page.built and window.train_panel.isVisible()
    qtbot.waitUntil(lambda: window.train_panel.installed is not None, timeout=60000)
    window.close()


def test_the_panel_uses_the_apps_own_interpreter(qtbot, window):
    tabs = window.results_tabs
    index = tabs.indexOf(window.train_page)
    assert tabs.tabText(index) == "Train" and tabs.tabText(index + 1) == "Teach"
    assert window.train_panel.objectName() == "trainPanel"
    assert window.train_panel.parentWidget() is window.train_page and window.train_panel.isVisible()
    assert window.train_panel.python == sys.executable
    assert window.train_panel.out_dir == Path(window.controller.user_models_dir)


@pytest.mark.slow
def test_the_quick_preset_trains_its_own_model(qtbot, window):
    panel = window.train_panel
    _ready(qtbot, panel)
    panel.form.quick.click()  # as a click on its box does
    assert not panel.form.architecture.isEnabled() and not panel.form.dataset.isEnabled()
    assert panel.form.architecture.currentData() == "lenet"  # what the preset trains
    panel.form.set_values(limit="2000", val_size="400")  # the preset's recipe, on fewer images
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    run = panel.current
    assert run is not None and "--preset" in run.arguments, panel.notice.text()
    _wait_ended(qtbot, panel)
    assert run.succeeded, run.error
    assert run.epochs_planned == len(run.epochs) >= 1
    key = models.USER_KEY_PREFIX + run.model_id
    qtbot.waitUntil(lambda: window.controller.is_usable(key), timeout=10000)
    assert window.controller.entry(key).info.architecture == "lenet"
