"""The Compare tab's table: one row per model (desktop.comparison.Row), sortable by any column,
with small probability bars painted in the palette's colours.

Column widths are fixed from the widest text each column can hold (not from what it holds now),
so nothing moves while the answers change under the pen. When the table is too narrow for every
column, the least needed ones step aside (their figures stay in the row's tooltip).
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from desktop.comparison import COLUMNS, Row
from desktop.gui.style import Role, mix

KEY_ROLE = Qt.ItemDataRole.UserRole
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
BARS_ROLE = Qt.ItemDataRole.UserRole + 2  # (probabilities, top, muted)
MODEL, ANSWER, BARS = 0, 1, 2
BARS_WIDTH = 60
# The widest text of the figure columns ("Test", "Pen", "Weights", "Time", "Trained").
WIDEST = {3: "100.0 %", 4: "100.0 %", 5: "999k", 6: "10.00 ms", 7: "59 min"}
HIDE_FIRST = (7, 5, 4, 6, 3)  # columns that step aside in a narrow table, in this order
MODEL_MIN = 110  # the model's name gets at least this much before columns step aside


class _Item(QTableWidgetItem):
    """Sorts by SORT_ROLE, not by its text."""

    def __lt__(self, other: QTableWidgetItem) -> bool:
        return (self.data(SORT_ROLE) or 0.0) < (other.data(SORT_ROLE) or 0.0)


class _Bars(QStyledItemDelegate):
    """Paints a row's probabilities as small bars, the top one highlighted. Its height, two
    lines of text, is every row's: a name on two lines fits, and the bars have room."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        return QSize(BARS_WIDTH, 2 * option.fontMetrics.height() + 8)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        option = QStyleOptionViewItem(option)
        self.initStyleOption(option, index)
        widget = option.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter,
                                widget)
        bars = index.data(BARS_ROLE)
        if not bars or not bars[0]:
            return
        probabilities, top, muted = bars
        palette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        text = palette.color(Role.HighlightedText if selected else Role.Text)
        base = palette.color(Role.Highlight if selected else Role.Base)
        quiet = mix(text, base, 0.6)
        strong = quiet if muted else (text if selected else palette.color(Role.Highlight))
        area = QRectF(option.rect).adjusted(6, 5, -6, -5)
        step = area.width() / len(probabilities)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.fillRect(QRectF(area.left(), area.bottom(), area.width(), 1), quiet)
        for position, value in enumerate(probabilities):
            height = max(1.0, area.height() * float(value))
            bar = QRectF(area.left() + position * step + 0.5, area.bottom() - height,
                         max(1.0, step - 1.5), height)
            painter.fillRect(bar, strong if position == top else quiet)
        painter.restore()


class CompareTable(QTableWidget):
    """Rows of desktop.comparison; the chosen model's row is selected and its name bold."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setObjectName("compareTable")
        for column, (title, tip) in enumerate(COLUMNS):
            header = QTableWidgetItem(title)
            header.setToolTip(tip)
            self.setHorizontalHeaderItem(column, header)
        self.setItemDelegateForColumn(BARS, _Bars(self))
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setShowGrid(False)
        self.setAlternatingRowColors(True)
        # Long names ("MLP, digit 5 cut to 5 % of training, class weights") take two lines;
        # the rows' heights are measured when the names or the widths change, never while the
        # answers do.
        self.setWordWrap(True)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.verticalHeader().hide()
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(MODEL, QHeaderView.ResizeMode.Stretch)
        header.setHighlightSections(False)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSortingEnabled(True)
        self.sortByColumn(MODEL, Qt.SortOrder.AscendingOrder)
        self._widest_answer = "draw something"
        self._names: list[tuple[str, str]] = []

    def key_at(self, row: int) -> str | None:
        item = self.item(row, MODEL)
        return item.data(KEY_ROLE) if item is not None else None

    def model_keys(self) -> list[str]:
        """The models' keys, top to bottom as shown."""
        return [self.key_at(row) for row in range(self.rowCount())]

    def row_of(self, key: str) -> int:
        return next((row for row in range(self.rowCount()) if self.key_at(row) == key), -1)

    def set_widest_answer(self, text: str) -> None:
        """The longest answer this dataset's models can give (sets the Answer column)."""
        self._widest_answer = text
        self._fit_columns()

    def show_rows(self, rows: list[Row]) -> None:
        """Show `rows`: updated in place when the same models are listed, so nothing moves."""
        sorting = self.isSortingEnabled()
        self.setSortingEnabled(False)  # else every setItem re-sorts the rows under our feet
        names = [(row.key, row.cells[MODEL].text) for row in rows]
        measure = names != self._names
        self._names = names
        if sorted(self.model_keys()) != sorted(row.key for row in rows):
            self.clearContents()
            self.setRowCount(len(rows))
            for position, row in enumerate(rows):
                for column in range(len(COLUMNS)):
                    self.setItem(position, column, _Item())
                self.item(position, MODEL).setData(KEY_ROLE, row.key)
        chosen = -1
        for row in rows:
            position = self.row_of(row.key)
            for column, cell in enumerate(row.cells):
                item = self.item(position, column)
                item.setText(cell.text)
                item.setData(SORT_ROLE, cell.sort)
                item.setToolTip(cell.tooltip)
                if column not in (MODEL, ANSWER):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
            self.item(position, BARS).setData(BARS_ROLE, (row.probabilities, row.top, row.muted))
            font = QFont(self.font())
            font.setBold(row.chosen)
            self.item(position, MODEL).setFont(font)
            if row.chosen:
                chosen = position
        self.setSortingEnabled(sorting)
        if measure:
            self.resizeRowsToContents()
        if chosen >= 0:
            self.selectRow(self.row_of(next(r.key for r in rows if r.chosen)))
        else:
            self.clearSelection()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_columns()

    def _fit_columns(self) -> None:
        """Fixed widths from the widest possible text; columns step aside when narrow."""
        metrics = QFontMetrics(self.font())
        bold = QFont(self.font())
        bold.setBold(True)
        header = QFontMetrics(self.horizontalHeader().font())
        widths = {ANSWER: metrics.horizontalAdvance(self._widest_answer) + 18,
                  BARS: BARS_WIDTH}
        for column, text in WIDEST.items():
            title = COLUMNS[column][0]
            widths[column] = max(metrics.horizontalAdvance(text),
                                 header.horizontalAdvance(title) + 4) + 12
        for column, width in widths.items():
            self.setColumnWidth(column, width)
        room = self.viewport().width() - MODEL_MIN
        hidden: set[int] = set()
        for column in HIDE_FIRST:
            if sum(w for c, w in widths.items() if c not in hidden) <= room:
                break
            hidden.add(column)
        for column in WIDEST:
            self.setColumnHidden(column, column in hidden)
        self.resizeRowsToContents()  # the names may wrap otherwise now
