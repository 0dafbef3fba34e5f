"""The remembered settings: every key with its default and type, read back from a real ini file,
and a damaged file that never stops the window."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_support import open_window, settings_file
from PySide6.QtCore import QByteArray

from desktop.gui import settings
from desktop.gui.canvas import DEFAULT_BRUSH

VALUES = {settings.MODEL_ID: "user:mnist-cnn", settings.WINDOW_GEOMETRY: QByteArray(b"\x01\x02"),
          settings.WINDOW_STATE: QByteArray(b"state"), settings.SPLITTER: QByteArray(b"\x00s"),
          settings.BRUSH_SIZE: 44, settings.LAST_DIR: "/home/someone/Pictures",
          settings.NORMALIZED: True}


def test_every_key_is_listed_once_with_a_default_of_its_type() -> None:
    names = [key.name for key in settings.ALL_KEYS]
    assert len(set(names)) == len(names) == len(VALUES)
    assert set(settings.ALL_KEYS) == set(VALUES)
    for key in settings.ALL_KEYS:
        assert isinstance(key.default, key.kind), key


def test_a_missing_file_gives_the_defaults(tmp_path: Path) -> None:
    store = settings.Settings(settings_file(tmp_path))
    assert store.get(settings.BRUSH_SIZE) == DEFAULT_BRUSH
    assert store.get(settings.MODEL_ID) == "" and store.get(settings.NORMALIZED) is False
    assert store.get(settings.WINDOW_GEOMETRY).isEmpty()


def test_values_come_back_with_their_type_from_the_file(tmp_path: Path) -> None:
    first = settings.Settings(settings_file(tmp_path))
    for key, value in VALUES.items():
        first.set(key, value)
    first.sync()
    assert (tmp_path / "settings.ini").is_file()
    again = settings.Settings(settings_file(tmp_path))  # a new reader: from the file
    for key, value in VALUES.items():
        read = again.get(key)
        assert read == value and type(read) is key.kind, (key, read)


def test_a_value_of_the_wrong_type_is_refused() -> None:
    with pytest.raises(TypeError, match="canvas/brush_size holds int, not str"):
        settings.Settings().set(settings.BRUSH_SIZE, "44")


def test_a_damaged_file_reads_as_defaults_and_the_window_opens(qtbot, tmp_path: Path) -> None:
    (tmp_path / "settings.ini").write_text(
        "[canvas]\nbrush_size=huge\n[training]\nnormalized=maybe\n"
        "[window]\ngeometry=not bytes\nsplitter=@ByteArray(\\0\\x1garbage)\n"
        "[model]\nid=no-such-model\n")
    store = settings.Settings(settings_file(tmp_path))
    assert store.get(settings.BRUSH_SIZE) == DEFAULT_BRUSH
    assert store.get(settings.NORMALIZED) is False
    assert store.get(settings.WINDOW_GEOMETRY).isEmpty()
    window = open_window(qtbot, tmp_path)
    assert window.canvas.brush_size == DEFAULT_BRUSH
    assert window.controller.current.model_id == window.controller.usable_entries()[0].key
    assert not window.training_panel.normalize_box.isChecked()


def test_the_brush_size_is_saved_when_it_changes(qtbot, tmp_path: Path) -> None:
    window = open_window(qtbot, tmp_path)
    window.bigger_action.trigger()
    size = window.canvas.brush_size
    assert size == DEFAULT_BRUSH + 4
    assert settings.Settings(window.settings.store).get(settings.BRUSH_SIZE) == size
    window.close()
    assert settings.Settings(settings_file(tmp_path)).get(settings.BRUSH_SIZE) == size
