"""The "Per class" page of the Training tab: precision, recall, F1 and support per class, with
the macro average last. The cells come from desktop.training_summary.per_class_rows."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from desktop.training_summary import PER_CLASS_COLUMNS


class PerClassTable(QTableWidget):
    """One row per class, then the macro average in bold."""

    COLUMNS = PER_CLASS_COLUMNS

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(self.COLUMNS), parent)
        self.setObjectName("perClassTable")
        self.setHorizontalHeaderLabels(list(self.COLUMNS))
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)

    def set_rows(self, rows: list[tuple[list[str], bool]]) -> None:
        """rows: the cells of each row and whether the row is bold."""
        self.setRowCount(len(rows))
        for index, (cells, bold) in enumerate(rows):
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column > 0:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if bold:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.setItem(index, column, item)
