"""The model picker with many models (tests/many_models.py: every architecture of both
datasets, variants, binary models, one broken): real windows, real ONNX sessions, real keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_support import choose_in_combo, draw, open_window, wait_ready
from many_models import write_many_models
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QToolButton

from desktop import model_choices, models
from desktop.gui.scripted_input import DIGITS
from desktop.model_format import ARCHITECTURES

BROKEN = "mnist-deep"


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_many_models(tmp_path_factory.mktemp("many") / "models", broken=(BROKEN,))


@pytest.fixture
def window(qtbot, tmp_path, many):
    return open_window(qtbot, tmp_path, many)


def _expected(many: Path, dataset: str) -> list[model_choices.ModelChoice]:
    entries = models.discover(many)
    reasons = {entry.key: entry.error for entry in entries}
    return [c for c in model_choices.model_choices(entries, reasons.get) if c.dataset == dataset]


def test_the_picker_lists_every_model_of_the_dataset_in_order(qtbot, window, many):
    combo = window.model_picker.combo
    for dataset in ("fashion", "mnist"):
        qtbot.mouseClick(window.model_picker.datasets.buttons[dataset], Qt.MouseButton.LeftButton)
        wait_ready(qtbot, window)
        expected = _expected(many, dataset)
        assert combo.model_keys() == [c.key for c in expected]
        assert combo.model_keys()[:len(ARCHITECTURES)] == [f"{dataset}-{a}"
                                                           for a in ARCHITECTURES]
        for choice in expected:
            index = combo.index_of(choice.key)
            assert combo.itemText(index) == choice.text
            assert combo.model().item(index).isEnabled() == choice.usable
        # Separators part the groups: usual, variants, binary.
        assert combo.count() == len(expected) + len({c.group for c in expected}) - 1


def test_a_broken_model_is_listed_disabled_and_skipped_by_the_keys(qtbot, window):
    combo = window.model_picker.combo
    index = combo.index_of(BROKEN)
    reason = window.controller.unusable_reason(BROKEN)
    assert reason and not combo.model().item(index).isEnabled()
    assert reason in combo.itemData(index, Qt.ItemDataRole.ToolTipRole)
    choose_in_combo(qtbot, combo, "mnist-mlp")
    qtbot.keyClick(combo, Qt.Key.Key_Down)  # over the broken Deep MLP
    assert combo.current_key() == "mnist-dense"
    qtbot.waitUntil(lambda: window.controller.current.key == "mnist-dense")


@pytest.mark.parametrize("model_id", ["mnist-lenet", "mnist-mlp-5-at-5pct-weighted",
                                      "mnist-linear-is-7"])
def test_choosing_a_model_switches_to_it(qtbot, window, model_id):
    choose_in_combo(qtbot, window.model_picker.combo, model_id)
    qtbot.waitUntil(lambda: window.controller.current.key == model_id)
    wait_ready(qtbot, window)
    info = window.controller.current_info
    draw(window, DIGITS["7"])
    expected = models.Classifier(info).classify(window.current_gray())
    assert window.prediction_panel.prediction.label == expected.label
    assert window.prediction_panel.bars.classes == info.classes
    choice = next(c for c in window.model_picker.choices if c.key == model_id)
    assert window.model_label.text() == choice.title
    action = next(a for a in window.model_actions.actions() if a.data() == model_id)
    assert action.isChecked()


def test_the_model_menu_lists_every_model_by_dataset(window, many):
    submenus = [a.menu() for a in window.model_menu.actions() if a.menu() is not None]
    assert [menu.title() for menu in submenus] == ["&Digits", "&Clothing"]
    for menu, dataset in zip(submenus, ("mnist", "fashion"), strict=True):
        listed = [a for a in menu.actions() if not a.isSeparator()]
        expected = _expected(many, dataset)
        assert [a.data() for a in listed] == [c.key for c in expected]
        assert [a.text() for a in listed] == [c.text for c in expected]
        assert [a.isEnabled() for a in listed] == [c.usable for c in expected]


@pytest.mark.parametrize("size", [(1280, 800), (1024, 700), "minimum"])
def test_the_picker_fits_the_toolbar_with_a_long_name_chosen(qtbot, window, size):
    choose_in_combo(qtbot, window.model_picker.combo, "mnist-mlp-5-at-5pct-weighted")
    if size == "minimum":
        size = (window.minimumWidth(), window.minimumHeight())
    window.resize(*size)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == tuple(size))
    qtbot.wait(20)
    toolbar, combo = window.toolbar, window.model_picker.combo
    assert combo.isVisible()
    assert toolbar.rect().contains(window.model_picker.geometry())
    extension = toolbar.findChild(QToolButton, "qt_toolbar_ext_button")
    assert extension is None or not extension.isVisible()
    # Room for a usual model's whole name, "LeNet-5 · 99.6 %", even at the minimum width.
    usual = max((c.text for c in window.model_picker.choices
                 if c.group is model_choices.Group.USUAL), key=len)
    assert combo.width() > QFontMetrics(combo.font()).horizontalAdvance(usual) + 20
    assert combo.toolTip().startswith("Digits - MLP, digit 5 cut to 5 % of training, class")


def test_alt_w_goes_to_the_models(qtbot, window):
    window.resize(1280, 800)  # wide enough for the words "Recognise ... with"
    qtbot.waitUntil(lambda: window.model_picker._words[1].isVisible())
    window.activateWindow()
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_W, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: window.model_picker.combo.hasFocus())
