"""Every setting the app remembers between runs: its QSettings key, default and type, in one list.

`Settings` wraps a QSettings with typed reads and writes. A value that is missing, or that a
hand-edited or damaged settings file holds in the wrong type, reads as the key's default:
a bad settings file never stops the app from starting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from PySide6.QtCore import QByteArray, QSettings

from desktop.gui.canvas import DEFAULT_BRUSH

T = TypeVar("T", str, int, bool, QByteArray)


@dataclass(frozen=True)
class Key(Generic[T]):
    """One remembered setting."""

    name: str  # the QSettings key, "group/name"
    default: T
    kind: type[T]  # what the value is read as


MODEL_ID = Key("model/id", "", str)  # the chosen model's entry key; "" before the first run
WINDOW_GEOMETRY = Key("window/geometry", QByteArray(), QByteArray)  # QWidget.saveGeometry
WINDOW_STATE = Key("window/state", QByteArray(), QByteArray)  # QMainWindow.saveState
SPLITTER = Key("window/splitter", QByteArray(), QByteArray)  # canvas | results split
BRUSH_SIZE = Key("canvas/brush_size", DEFAULT_BRUSH, int)
LAST_DIR = Key("files/last_dir", "", str)  # where Open and Save start; "" = the home folder
NORMALIZED = Key("training/normalized", False, bool)  # the confusion matrix in percent

ALL_KEYS: tuple[Key, ...] = (MODEL_ID, WINDOW_GEOMETRY, WINDOW_STATE, SPLITTER, BRUSH_SIZE,
                             LAST_DIR, NORMALIZED)

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", ""}


class Settings:
    """Typed access to a QSettings (the app's own by default) through the keys above."""

    def __init__(self, store: QSettings | None = None) -> None:
        self.store = store if store is not None else QSettings()

    def get(self, key: Key[T]) -> T:
        """The stored value as the key's type, or its default when missing or unreadable."""
        raw = self.store.value(key.name)
        if raw is None:
            return key.default
        value = _convert(raw, key.kind)
        return key.default if value is None else value

    def set(self, key: Key[T], value: T) -> None:
        if not isinstance(value, key.kind):
            raise TypeError(f"{key.name} holds {key.kind.__name__}, not {type(value).__name__}")
        self.store.setValue(key.name, value)

    def sync(self) -> None:
        """Write to disk now (QSettings otherwise writes later, and on exit)."""
        self.store.sync()


def _convert(raw: object, kind: type) -> object | None:
    """`raw` as `kind`, or None when it cannot be one. An ini file gives back every plain
    value as a string ("30", "true"), the native formats keep the type."""
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        return True if text in _TRUE else False if text in _FALSE else None
    if kind is int:
        if isinstance(raw, bool):
            return None
        try:
            return int(str(raw).strip())
        except ValueError:
            return None
    if kind is str:
        return raw if isinstance(raw, str) else None
    if kind is QByteArray:
        return raw if isinstance(raw, QByteArray) else None
    return None
