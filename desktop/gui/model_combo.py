"""The drop-down of one dataset's models in the toolbar (objectName "modelCombo").

A QComboBox that stays narrow on the toolbar however long a model's name is ("MLP, digit 5 cut
to 5 % of training, class weights · 93.0 %"): it draws the chosen name elided, its tooltip and
its list show the names whole. Groups of models are parted by separators; unusable models are
listed disabled with their reason as tooltip (the keyboard skips them).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPaintEvent, QStandardItemModel
from PySide6.QtWidgets import QComboBox, QStyle, QStyleOptionComboBox, QStylePainter, QWidget

from desktop.model_choices import ModelChoice

KEY_ROLE = Qt.ItemDataRole.UserRole
WIDE_CHARACTERS = 18  # the drop-down's width in characters: a usual model's whole name
COMPACT_CHARACTERS = 14  # in a narrow window


class ModelCombo(QComboBox):
    """Lists ModelChoices; emits the key of the one the user picks."""

    keyChosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("modelCombo")
        self.setAccessibleName("Model")
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(WIDE_CHARACTERS)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._shown: list[tuple] = []
        self.activated.connect(self._on_activated)

    def set_compact(self, compact: bool) -> None:
        self.setMinimumContentsLength(COMPACT_CHARACTERS if compact else WIDE_CHARACTERS)

    def model_keys(self) -> list[str]:
        """The keys of the listed models, in order (separators left out)."""
        return [key for key in (self.itemData(i, KEY_ROLE) for i in range(self.count())) if key]

    def index_of(self, key: str) -> int:
        return next((i for i in range(self.count()) if self.itemData(i, KEY_ROLE) == key), -1)

    def current_key(self) -> str | None:
        return self.currentData(KEY_ROLE)

    def set_choices(self, choices: list[ModelChoice], current_key: str | None) -> None:
        """List `choices` (one dataset's, in order) and show `current_key` as chosen."""
        shown = [(c.key, c.text, c.usable, c.tooltip, c.group) for c in choices]
        if shown != self._shown:
            self._rebuild(choices)
            self._shown = shown
        self.setCurrentIndex(self.index_of(current_key) if current_key else -1)
        current = next((c for c in choices if c.key == current_key), None)
        self.setToolTip(current.tooltip if current else "Choose a model")
        self.setEnabled(any(c.usable for c in choices))

    def _rebuild(self, choices: list[ModelChoice]) -> None:
        self.clear()
        model = self.model()
        assert isinstance(model, QStandardItemModel)  # QComboBox's own model
        previous = None
        for choice in choices:
            if previous is not None and choice.group != previous:
                self.insertSeparator(self.count())
            previous = choice.group
            self.addItem(choice.text, choice.key)
            index = self.count() - 1
            self.setItemData(index, choice.tooltip, Qt.ItemDataRole.ToolTipRole)
            model.item(index).setEnabled(choice.usable)
        # The open list shows every name whole, however narrow the closed drop-down is.
        view = self.view()
        view.setMinimumWidth(view.sizeHintForColumn(0) + 2 * view.frameWidth()
                             + self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent))

    def _on_activated(self, index: int) -> None:
        key = self.itemData(index, KEY_ROLE)
        if key:
            self.keyChosen.emit(str(key))

    def paintEvent(self, event: QPaintEvent) -> None:
        """As QComboBox paints itself, with the chosen name elided to the room there is."""
        painter = QStylePainter(self)
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        field = self.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option,
                                            QStyle.SubControl.SC_ComboBoxEditField, self)
        option.currentText = self.fontMetrics().elidedText(
            option.currentText, Qt.TextElideMode.ElideRight, max(0, field.width() - 4))
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)
