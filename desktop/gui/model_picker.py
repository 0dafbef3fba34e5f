"""Toolbar control to choose a model: segmented toggles for the dataset (Digits / Clothing) and
a drop-down of that dataset's models (desktop.model_choices names and orders them: one per
architecture, then the training variants, the binary lab's models and the user's own).
Unusable models are listed disabled, their tooltip says why."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QToolButton, QWidget

from desktop import model_choices
from desktop.gui.model_combo import ModelCombo
from desktop.gui.style import Role, mix
from desktop.model_choices import ModelChoice

# A segmented control. Colours come from the palette passed to apply_palette (a style sheet
# with palette(...) would freeze the palette of the moment it was set).
SEGMENT_STYLE = """
QToolButton {{ border: 1px solid {border}; background: {button}; color: {text};
              padding: 3px 14px; }}
QToolButton:hover {{ background: {hover}; }}
QToolButton:checked {{ background: {highlight}; color: {highlighted_text};
                      border-color: {highlight}; }}
QToolButton:disabled {{ color: {disabled_text}; background: {window}; }}
QToolButton[segment="middle"], QToolButton[segment="last"] {{ border-left: none; }}
QToolButton[segment="first"], QToolButton[segment="only"] {{
    border-top-left-radius: 4px; border-bottom-left-radius: 4px; }}
QToolButton[segment="last"], QToolButton[segment="only"] {{
    border-top-right-radius: 4px; border-bottom-right-radius: 4px; }}
"""


def segment_style(palette: QPalette) -> str:
    def colour(role: QPalette.ColorRole) -> QColor:
        return palette.color(role)

    button, text = colour(Role.Button), colour(Role.ButtonText)
    return SEGMENT_STYLE.format(
        border=mix(button, text, 0.35).name(), button=button.name(), text=text.name(),
        hover=mix(button, colour(Role.Highlight), 0.15).name(),
        highlight=colour(Role.Highlight).name(),
        highlighted_text=colour(Role.HighlightedText).name(),
        disabled_text=mix(colour(Role.Window), text, 0.4).name(),
        window=colour(Role.Window).name(),
    )


class _Segment(QWidget):
    """Adjacent checkable buttons of which exactly one is checked."""

    def __init__(self, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self._style = ""
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(0)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[str, QToolButton] = {}

    def set_keys(self, keys: list[tuple[str, str]]) -> None:
        """(key, title) pairs; rebuilt only when they change."""
        if [(k, b.text()) for k, b in self.buttons.items()] == keys:
            return
        for button in self.buttons.values():
            self.group.removeButton(button)
            button.deleteLater()
        self.buttons = {}
        for key, title in keys:
            button = QToolButton(self)
            button.setObjectName(f"{self.objectName()}_{key}")
            button.setText(title)
            button.setCheckable(True)
            button.setMinimumWidth(70)
            self.group.addButton(button)
            self._layout.addWidget(button)
            self.buttons[key] = button
        self._set_positions()

    def _set_positions(self) -> None:
        """Round the outer corners of the first and last visible buttons."""
        shown = [button for button in self.buttons.values() if not button.isHidden()]
        for index, button in enumerate(shown):
            last = len(shown) - 1
            position = ("only" if last == 0 else "first" if index == 0
                        else "last" if index == last else "middle")
            button.setProperty("segment", position)
        self.setStyleSheet("")
        self.setStyleSheet(self._style)  # re-polish with the new positions

    def apply_palette(self, palette: QPalette) -> None:
        self._style = segment_style(palette)
        self.setStyleSheet(self._style)

    def check(self, key: str | None) -> None:
        # An exclusive group refuses to uncheck its last button; "none" is valid here.
        self.group.setExclusive(False)
        for button_key, button in self.buttons.items():
            button.setChecked(button_key == key)
        self.group.setExclusive(True)

    def key_of(self, button: QToolButton) -> str | None:
        return next((k for k, b in self.buttons.items() if b is button), None)


class ModelPicker(QWidget):
    """Dataset toggles and the chosen dataset's models; emits the chosen model's key."""

    modelChosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("modelPicker")
        self.datasets = _Segment("datasetButtons")
        self.combo = ModelCombo()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(8)
        self._words = [QLabel("Recognise"), QLabel("&with")]  # Alt+W: to the models
        self._words[1].setBuddy(self.combo)
        layout.addWidget(self._words[0])
        layout.addWidget(self.datasets)
        layout.addSpacing(6)
        layout.addWidget(self._words[1])
        layout.addWidget(self.combo)
        self._choices: list[ModelChoice] = []
        self._current: ModelChoice | None = None
        self.apply_palette(self.palette())
        self.datasets.group.buttonClicked.connect(self._on_dataset_clicked)
        self.combo.keyChosen.connect(self._on_model_chosen)

    @property
    def choices(self) -> list[ModelChoice]:
        return list(self._choices)

    def set_compact(self, compact: bool) -> None:
        """Without the words "Recognise" and "with" and with a narrower drop-down, for narrow
        windows."""
        for label in self._words:
            label.setHidden(compact)
        self.combo.set_compact(compact)

    def apply_palette(self, palette: QPalette) -> None:
        """Colour the toggles for this palette (called again when the theme changes)."""
        self.datasets.apply_palette(palette)

    def set_choices(self, choices: list[ModelChoice], current_key: str | None) -> None:
        self._choices = list(choices)
        self.datasets.set_keys(model_choices.datasets(self._choices))
        self.set_current(current_key)

    def set_current(self, key: str | None) -> None:
        self._current = next((c for c in self._choices if c.key == key), None)
        dataset = self._current.dataset if self._current else None
        self.datasets.check(dataset)
        for dataset_key, button in self.datasets.buttons.items():
            in_dataset = [c for c in self._choices if c.dataset == dataset_key]
            button.setEnabled(any(c.usable for c in in_dataset))
            button.setToolTip(model_choices.dataset_tooltip(button.text(), in_dataset))
        self.combo.set_choices([c for c in self._choices if c.dataset == dataset], key)

    def _on_dataset_clicked(self, button: QToolButton) -> None:
        dataset = self.datasets.key_of(button) or ""
        choice = model_choices.first_of_dataset(self._choices, dataset, self._current)
        if choice is not None:
            self.modelChosen.emit(choice.key)
        else:
            self.set_current(self._current.key if self._current else None)

    def _on_model_chosen(self, key: str) -> None:
        choice = next((c for c in self._choices if c.key == key), None)
        if choice is not None and choice.usable:
            self.modelChosen.emit(key)
        else:  # pragma: no cover - disabled entries cannot be chosen
            self.set_current(self._current.key if self._current else None)
