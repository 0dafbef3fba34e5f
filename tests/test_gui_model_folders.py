"""Issue 9 in the window: bad model folders and the user's own models. Real windows, real
models, real pipes and devices."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from bad_models import (
    DEEP_JSON,
    Raw,
    as_unprivileged,
    is_legacy,
    lock,
    make_legacy,
    metrics_with,
    report_text,
    set_report_text,
    with_metadata,
    with_unknown_operator,
    world_readable_models,
)
from gui_support import (
    MODELS_DIR,
    choose_in_combo,
    draw,
    open_window,
    settings_file,
    use_model,
    wait_ready,
)

from desktop import models, paths
from desktop.gui import settings as settings_keys
from desktop.gui.main_window import MainWindow
from desktop.gui.scripted_input import DIGITS

SHIPPED = ("mnist-dense", "mnist-cnn", "fashion-dense", "fashion-cnn")
# How each shipped model's training report is damaged, and what the Training tab must say. The
# pipe and the device can only be files: those two folders are made legacy ones (report in
# metrics.json) first; the other two have their embedded report damaged.
METRICS_TRAPS = {
    "mnist-cnn": ("fifo", "a named pipe"),
    "mnist-dense": ("dev-zero", "a character device"),
    "fashion-cnn": ("1e999", "1e999, which is out of range"),
    "fashion-dense": ("huge-integer", "out of range"),
}


def _set_trap(folder: Path, trap: str) -> None:
    metrics = folder / "metrics.json"
    if trap == "fifo":
        make_legacy(folder)
        metrics.unlink()
        os.mkfifo(metrics)
    elif trap == "dev-zero":
        make_legacy(folder)
        metrics.unlink()
        metrics.symlink_to("/dev/zero")
    elif trap == "1e999":
        set_report_text(folder, metrics_with(folder, test_accuracy=Raw("1e999")))
    else:
        set_report_text(folder, metrics_with(folder, params=Raw("7" * 5000)))
    assert is_legacy(folder) == (trap in ("fifo", "dev-zero"))


def test_bad_folders_and_reports_leave_every_shipped_model_usable(qtbot, tmp_path):
    """The window starts (no hang on the pipe, no RecursionError, no exception in a slot),
    lists all four shipped models as usable, and says per model what is wrong."""
    with world_readable_models() as folder:
        deep = folder / "deep"
        shutil.copytree(folder / "mnist-cnn", deep)
        (deep / "model.onnx").write_bytes(with_metadata(deep / "model.onnx",
                                                        {"normalization": DEEP_JSON}))
        locked = folder / "locked"
        shutil.copytree(folder / "mnist-cnn", locked)
        lock(locked)
        for model_id, (trap, _) in METRICS_TRAPS.items():
            _set_trap(folder / model_id, trap)
        with as_unprivileged():  # as root, "locked" would be readable
            window = MainWindow(models_dir=folder, settings=settings_file(tmp_path))
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)

        controller = window.controller
        usable = [e.key for e in controller.usable_entries()]
        assert sorted(usable) == sorted(p.name for p in paths.models_dir().iterdir())
        assert [key for key in usable if key in SHIPPED] == list(SHIPPED)  # in the app's order
        assert "nested more than 64 levels deep" in controller.unusable_reason("deep")
        assert "permission denied" in controller.unusable_reason("locked")
        for model_id, (_, reason) in METRICS_TRAPS.items():
            use_model(qtbot, window, model_id)
            panel = window.training_panel
            assert panel.message is not None and reason in panel.message, panel.message
            # The rest of the window carries on: gallery, prediction, bars.
            assert window.gallery.isVisible() and window.gallery.count() > 0
            assert window.gallery.folder.name == controller.current_info.dataset
        use_model(qtbot, window, "mnist-cnn")
        draw(window, DIGITS["3"])
        assert window.prediction_panel.prediction.label == "3"


@pytest.mark.parametrize("legacy", [False, True], ids=["embedded", "legacy"])
def test_non_finite_numbers_in_a_report_show_as_unknown(qtbot, tmp_path, legacy):
    """NaN and Infinity are valid in Python's JSON (a diverged loss): the tab still shows."""
    folder = tmp_path / "models"
    shutil.copytree(MODELS_DIR, folder)
    if legacy:
        make_legacy(folder / "mnist-cnn")
    # A legacy report whose accuracy differs from the model's is refused as another run's
    # (inf != 0.99); NaN cannot be compared and is let through as unknown.
    set_report_text(folder / "mnist-cnn", metrics_with(
        folder / "mnist-cnn", test_accuracy=Raw("NaN" if legacy else "Infinity"),
        params=Raw("NaN"),
        train_seconds=Raw("-Infinity")))
    window = open_window(qtbot, tmp_path, folder)
    use_model(qtbot, window, "mnist-cnn")
    panel = window.training_panel
    assert panel.message is None
    assert panel.summary_text("accuracy").startswith("unknown")
    assert panel.summary_text("params") == "unknown"
    assert "in unknown" in panel.summary_text("training")


@pytest.mark.parametrize("legacy", [False, True], ids=["embedded", "legacy"])
def test_a_report_of_odd_shape_is_called_damaged(qtbot, tmp_path, legacy):
    folder = tmp_path / "models"
    shutil.copytree(MODELS_DIR, folder)
    if legacy:
        make_legacy(folder / "mnist-cnn")
    set_report_text(folder / "mnist-cnn", metrics_with(folder / "mnist-cnn", classes=5))
    window = open_window(qtbot, tmp_path, folder)
    use_model(qtbot, window, "mnist-cnn")
    assert "damaged" in window.training_panel.message
    draw(window, DIGITS["7"])
    assert window.prediction_panel.prediction.label == "7"


def test_the_report_is_read_off_the_ui_thread_and_the_last_choice_wins(qtbot, tmp_path):
    window = open_window(qtbot, tmp_path)
    panel = window.training_panel
    for model_id in ("mnist-dense", "fashion-cnn", "mnist-cnn"):  # quicker than the reads
        assert window.select_model(model_id)
        assert panel.loading  # not read in the slot: the window never waits for the disk
    qtbot.waitUntil(lambda: not panel.loading)
    assert panel.message is None and panel.metrics["model_id"] == "mnist-cnn"


# --- the user's own models -------------------------------------------------------------------


def test_user_models_dir_follows_the_platform(monkeypatch, tmp_path):
    monkeypatch.setenv("DIGIT_LENS_USER_MODELS", str(tmp_path / "mine"))
    assert paths.user_models_dir() == tmp_path / "mine"
    monkeypatch.delenv("DIGIT_LENS_USER_MODELS")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert paths.user_models_dir() == tmp_path / "data" / "digit-lens" / "models"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert paths.user_models_dir() == (tmp_path / "home" / ".local" / "share" / "digit-lens"
                                       / "models")
    monkeypatch.setattr("sys.platform", "darwin")
    assert paths.user_models_dir() == (tmp_path / "home" / "Library" / "Application Support"
                                       / "digit-lens" / "models")
    monkeypatch.setattr("sys.platform", "win32")
    monkeypatch.setenv("APPDATA", str(tmp_path / "Roaming"))
    assert paths.user_models_dir() == tmp_path / "Roaming" / "digit-lens" / "models"


def _user_model(folder: Path, source: str = "mnist-cnn") -> Path:
    """A model of the user's with the same id as a shipped one, trained differently (the
    weights are the shipped ones; its report says how "it" was trained)."""
    target = folder / source
    shutil.copytree(MODELS_DIR / source, target)
    metrics = json.loads(report_text(target))
    metrics["config"].update(epochs=3, lr=0.003)
    metrics["trained_at"] = "2026-11-21T09:15:00+00:00"
    metrics["test_accuracy"] = 0.9811
    # Embedded, as the trainer writes it: the model's own accuracy says the same.
    model = target / "model.onnx"
    model.write_bytes(with_metadata(model, {"metrics": json.dumps(metrics),
                                            "test_accuracy": "0.9811"}))
    assert models.load_metrics(target)["test_accuracy"] == 0.9811
    return target


def test_user_models_are_listed_beside_the_shipped_ones(qtbot, tmp_path, monkeypatch):
    user_dir = tmp_path / "user-models"
    _user_model(user_dir)
    monkeypatch.setenv("DIGIT_LENS_USER_MODELS", str(user_dir))
    window = open_window(qtbot, tmp_path)  # shipped models, user models from the variable
    controller = window.controller

    keys = [entry.key for entry in controller.entries]
    assert keys.count("mnist-cnn") == 1 and "user:mnist-cnn" in keys
    assert all(controller.is_usable(key) for key in (*SHIPPED, "user:mnist-cnn"))
    mine = controller.entry("user:mnist-cnn")
    assert mine.display_name == "mnist-cnn (yours, trained 2026-11-21, 3 epochs, lr 0.003)"
    texts = {a.data(): a.text() for a in window.model_actions.actions()}
    assert texts["user:mnist-cnn"] == f"Your CNN ({mine.run})"
    shipped = controller.entry("mnist-cnn").info.test_accuracy
    assert texts["mnist-cnn"] == f"CNN · {100 * shipped:.1f} %"

    use_model(qtbot, window, "mnist-cnn")
    combo = window.model_picker.combo
    assert combo.model_keys()[-1] == "user:mnist-cnn"  # after the shipped models
    assert combo.itemText(combo.index_of("user:mnist-cnn")) == texts["user:mnist-cnn"]
    choose_in_combo(qtbot, combo, "user:mnist-cnn")
    qtbot.waitUntil(lambda: controller.current.key == "user:mnist-cnn")
    wait_ready(qtbot, window)
    assert window.training_panel.summary_text("accuracy").startswith("98.11 %")
    assert "(yours)" in window.model_label.text()
    draw(window, DIGITS["4"])
    assert window.prediction_panel.prediction.label == "4"

    # The shipped model is still there and still itself.
    use_model(qtbot, window, "mnist-cnn")
    assert window.training_panel.summary_text("accuracy").startswith(f"{100 * shipped:.2f} %")
    assert combo.current_key() == "mnist-cnn"
    # The user's digits model has no place among clothing models.
    use_model(qtbot, window, "fashion-cnn")
    assert "user:mnist-cnn" not in combo.model_keys()


def test_the_user_model_is_remembered_by_its_own_key(qtbot, tmp_path, monkeypatch):
    user_dir = tmp_path / "user-models"
    _user_model(user_dir)
    monkeypatch.setenv("DIGIT_LENS_USER_MODELS", str(user_dir))
    window = open_window(qtbot, tmp_path)
    use_model(qtbot, window, "user:mnist-cnn")
    window.close()
    again = open_window(qtbot, tmp_path)
    assert again.controller.current.key == "user:mnist-cnn"


def test_models_dir_still_replaces_the_shipped_models(qtbot, tmp_path, monkeypatch):
    other = tmp_path / "other"
    shutil.copytree(MODELS_DIR / "fashion-dense", other / "fashion-dense")
    monkeypatch.setenv("DIGIT_LENS_MODELS", str(other))
    window = open_window(qtbot, tmp_path, models_dir=None)
    assert [e.key for e in window.controller.entries] == ["fashion-dense"]
    assert window.controller.models_dir == other


def test_a_broken_user_model_is_reported_and_the_shipped_one_works(qtbot, tmp_path,
                                                                  monkeypatch):
    user_dir = tmp_path / "user-models"
    mine = _user_model(user_dir)
    (mine / "model.onnx").write_bytes(b"half a model")
    monkeypatch.setenv("DIGIT_LENS_USER_MODELS", str(user_dir))
    window = open_window(qtbot, tmp_path)
    assert "not a valid ONNX model" in window.controller.unusable_reason("user:mnist-cnn")
    assert window.controller.is_usable("mnist-cnn")
    action = next(a for a in window.model_actions.actions() if a.data() == "user:mnist-cnn")
    assert not action.isEnabled() and action.text() == "Your CNN"
    assert action.toolTip().startswith("mnist-cnn (yours) is unavailable: ")


def test_user_models_in_the_plain_discovery(tmp_path):
    _user_model(tmp_path / "mine")
    entries = models.discover_all(MODELS_DIR, tmp_path / "mine")
    keys = [e.key for e in entries if e.key in (*SHIPPED, "user:mnist-cnn")]
    assert keys == ["mnist-dense", "mnist-cnn", "user:mnist-cnn", "fashion-dense", "fashion-cnn"]
    assert len(entries) == len(models.discover(MODELS_DIR)) + 1
    assert models.discover_all(MODELS_DIR, tmp_path / "nowhere") == models.discover(MODELS_DIR)


@pytest.fixture(autouse=True)
def _no_leftover_euid():
    yield
    assert os.geteuid() == os.getuid()


def _folder_with_a_graph_onnx_runtime_refuses(tmp_path: Path) -> Path:
    """mnist-cnn and mnist-dense as shipped, and an mnist-linear that only ONNX Runtime can
    find broken (tests/bad_models.with_unknown_operator)."""
    folder = tmp_path / "models"
    for model_id in ("mnist-cnn", "mnist-dense", "mnist-linear"):
        shutil.copytree(MODELS_DIR / model_id, folder / model_id)
    (folder / "mnist-linear" / "model.onnx").write_bytes(
        with_unknown_operator(MODELS_DIR / "mnist-linear" / "model.onnx"))
    return folder


def test_a_model_found_broken_after_the_window_shows_is_listed_as_unavailable(qtbot, tmp_path):
    """Models are listed before ONNX Runtime loads them; the warm-up after the first paint
    finds the broken one: no message box, a line in the status bar, a disabled menu entry."""
    window = open_window(qtbot, tmp_path, _folder_with_a_graph_onnx_runtime_refuses(tmp_path))
    controller = window.controller
    qtbot.waitUntil(lambda: not controller.is_usable("mnist-linear"), timeout=15000)
    assert "NoSuchOperator" in controller.unusable_reason("mnist-linear")
    assert controller.current.key == "mnist-cnn" and window.last_error is None
    status = window.statusBar().currentMessage()
    assert status.startswith("Unavailable: mnist-linear - ") and "not a valid ONNX model" in status
    action = next(a for a in window.model_actions.actions() if a.data() == "mnist-linear")
    assert not action.isEnabled()
    assert not window.select_model("mnist-linear")


def test_a_chosen_model_found_broken_says_so_and_another_takes_its_place(qtbot, tmp_path):
    store = settings_file(tmp_path)
    store.setValue(settings_keys.MODEL_ID.name, "mnist-linear")
    store.sync()
    window = MainWindow(models_dir=_folder_with_a_graph_onnx_runtime_refuses(tmp_path),
                        settings=store)
    qtbot.addWidget(window)
    assert window.controller.current.key == "mnist-linear"  # listed before it is loaded
    window.show()
    qtbot.waitUntil(lambda: window.last_error is not None, timeout=15000)
    assert "NoSuchOperator" in window.last_error
    assert window.controller.current.key in ("mnist-dense", "mnist-cnn")
    wait_ready(qtbot, window)
    draw(window, DIGITS["1"])
    qtbot.waitUntil(lambda: window.prediction_panel.prediction is not None, timeout=5000)
