"""The confusion matrix as a labelled heat map (rows: true class, columns: predicted class).

Cells show counts or, in the row-normalised view, the percentage of each true class. Colour
intensity follows the row share on a square-root scale so that rare mistakes stay visible.
Clicking a cell emits cellClicked(true, predicted): the window shows that cell's test images.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QFont, QFontMetricsF, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop.gui.hover import HoverTooltips
from desktop.gui.style import Role, faint_text, mix


class ConfusionMatrixView(HoverTooltips):
    """Heat map of a square confusion matrix with class names on both axes."""

    cellClicked = Signal(int, int)  # row (true class), column (predicted class)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("confusionMatrix")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._classes: tuple[str, ...] = ()
        self._matrix: list[list[int]] = []
        self._normalized = False
        self._grid: tuple[QRectF, float] | None = None  # cells area, cell size
        self._selected: tuple[int, int] | None = None  # the cell whose images are shown
        self.setMouseTracking(True)  # a pointing hand over the cells

    @property
    def normalized(self) -> bool:
        return self._normalized

    def set_normalized(self, normalized: bool) -> None:
        self._normalized = bool(normalized)
        self.update()

    def set_matrix(self, classes: tuple[str, ...], matrix: list[list[int]]) -> None:
        self._classes = tuple(classes)
        self._matrix = [[int(value) for value in row] for row in matrix]
        self._selected = None
        self.update()

    def select_cell(self, cell: tuple[int, int] | None) -> None:
        """Frame the cell whose test images are on show (None: no frame)."""
        self._selected = cell
        self.update()

    def cell_rect(self, row: int, column: int) -> QRectF:
        """Where a cell is drawn (empty before the first paint)."""
        if self._grid is None:
            return QRectF()
        grid, cell = self._grid
        return QRectF(grid.left() + column * cell, grid.top() + row * cell, cell, cell)

    def cell_at(self, position: QPointF) -> tuple[int, int] | None:
        """(row, column) of the cell under `position`, or None."""
        if self._grid is None or not self._classes or not self._grid[0].contains(position):
            return None
        grid, cell = self._grid
        last = len(self._classes) - 1
        return (min(last, int((position.y() - grid.top()) // cell)),
                min(last, int((position.x() - grid.left()) // cell)))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        over = self.cell_at(event.position()) is not None
        self.setCursor(Qt.CursorShape.PointingHandCursor if over else Qt.CursorShape.ArrowCursor)
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        cell = self.cell_at(event.position())
        if event.button() == Qt.MouseButton.LeftButton and cell is not None:
            self.cellClicked.emit(*cell)
        super().mouseReleaseEvent(event)

    def cell_text(self, row: int, column: int) -> str:
        """What a cell shows: a count, or a row percentage in the normalised view."""
        count = self._matrix[row][column]
        if count == 0:
            return ""
        if not self._normalized:
            return str(count)
        total = sum(self._matrix[row])
        if count == total:
            return "100"
        # One decimal: a row with a few mistakes must not read "100".
        return f"{min(99.9, 100 * count / max(1, total)):.1f}"

    def sizeHint(self) -> QSize:
        return QSize(520, 480)

    def minimumSizeHint(self) -> QSize:
        return QSize(300, 280)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        count = len(self._classes)
        if count == 0 or len(self._matrix) != count:
            painter.setPen(faint_text(palette))
            painter.drawText(self.rect(), int(Qt.AlignmentFlag.AlignCenter),
                             "No confusion matrix")
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        font = QFont(self.font())
        bold = QFont(font)
        bold.setBold(True)
        label_metrics = QFontMetricsF(font)
        name_width = max(label_metrics.horizontalAdvance(name) for name in self._classes)
        line = label_metrics.height()
        # Column names are drawn at 45 degrees: they need about name_width * sin(45) of height.
        top = line * 1.6 + name_width * 0.72 + 6
        left = line * 1.6 + name_width + 10
        available_w = self.width() - left - 10
        available_h = self.height() - top - 10
        cell = max(12.0, min(available_w, available_h) / count)
        grid = QRectF(left, top, cell * count, cell * count)
        extra = (self.width() - grid.right() - 10) / 2
        if extra > 0:
            grid.translate(extra, 0)
        self._grid = (grid, cell)

        base = palette.color(Role.Base)
        highlight = palette.color(Role.Highlight)
        text = palette.color(Role.WindowText)
        quiet = faint_text(palette)
        cell_font = QFont(font)
        widest = max(QFontMetricsF(font).horizontalAdvance(self.cell_text(r, c) or "0")
                     for r in range(count) for c in range(count))
        if widest > cell - 6:
            cell_font.setPointSizeF(max(5.0, font.pointSizeF() * (cell - 6) / widest))

        for row in range(count):
            total = max(1, sum(self._matrix[row]))
            for column in range(count):
                share = self._matrix[row][column] / total
                strength = math.sqrt(share)
                rect = QRectF(grid.left() + column * cell, grid.top() + row * cell, cell, cell)
                painter.fillRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), mix(base, highlight,
                                                                          strength))
                label = self.cell_text(row, column)
                if label:
                    painter.setFont(cell_font)
                    if strength > 0.55:
                        painter.setPen(palette.color(Role.HighlightedText))
                    else:
                        painter.setPen(palette.color(Role.Text))
                    painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), label)
        painter.setPen(QPen(palette.color(Role.Mid), 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(grid)
        if self._selected is not None and max(self._selected) < count:
            painter.setPen(QPen(text, 2.5))
            painter.drawRect(self.cell_rect(*self._selected).adjusted(1.5, 1.5, -1.5, -1.5))

        # Row names (true class) and column names (predicted), then the axis titles.
        painter.setFont(font)
        painter.setPen(text)
        for index, name in enumerate(self._classes):
            y = grid.top() + index * cell
            painter.drawText(QRectF(grid.left() - name_width - 8, y, name_width, cell),
                             int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                             name)
            painter.save()
            painter.translate(grid.left() + (index + 0.5) * cell + line * 0.3, grid.top() - 6)
            painter.rotate(-45)
            painter.drawText(QPointF(0, 0), name)
            painter.restore()
        painter.setFont(bold)
        painter.setPen(quiet)
        painter.drawText(QRectF(grid.left(), 0, grid.width(), line * 1.4),
                         int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter),
                         "Predicted class")
        painter.save()
        painter.translate(grid.left() - name_width - 10 - line * 1.5, grid.center().y())
        painter.rotate(-90)
        painter.drawText(QRectF(-grid.height() / 2, 0, grid.height(), line * 1.4),
                         int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter),
                         "True class")
        painter.restore()
        painter.end()

    def _tooltip_at(self, position: QPointF) -> str:
        found = self.cell_at(position)
        if found is None:
            return ""
        row, column = found
        count = self._matrix[row][column]
        total = max(1, sum(self._matrix[row]))
        true_name, predicted_name = self._classes[row], self._classes[column]
        if row == column:
            return (f"{count} of {total} test images of {true_name} were recognised "
                    f"correctly ({100 * count / total:.1f} %). Click to see them.")
        return (f"{count} of {total} test images of {true_name} were taken for "
                f"{predicted_name} ({100 * count / total:.1f} %). Click to see them.")
