"""The binary lab's 2x2 confusion matrix at the chosen threshold, each cell named in it (TP, FP
as the type I error, FN as the type II error, TN) with its count and what it holds in words.
Rows are the truth (no, yes) and columns the answer, as in the Confusion matrix page; right
answers are tinted with the highlight colour, wrong ones red. Clicking a cell emits
cellClicked(key): the page shows its test images.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QFont, QFontMetricsF, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop.binary_lab_summary import CELLS, cell_of
from desktop.gui.gallery import MISTAKE_COLOUR
from desktop.gui.hover import HoverTooltips
from desktop.gui.style import Role, faint_text, mix

CELL_LINES = 4.7  # a cell's height in lines: its name, its count, what it holds (two lines)
MAX_TINT = 0.45  # cells stay light enough (or dark enough) for the palette's text colour


class BinaryMatrix(HoverTooltips):
    """Four named cells; set_cells() with every threshold change."""

    cellClicked = Signal(str)  # "tp", "fp", "fn" or "tn"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("binaryMatrix")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMouseTracking(True)
        self.names: dict[str, str] = {}  # "FP (type I error): other digits called 7"
        self.counts: dict[str, int] = {}
        self.classes: tuple[str, str] = ("no", "yes")
        self._rects: dict[str, QRectF] = {}

    def set_cells(self, names: dict[str, str], counts: dict[str, int],
                  classes: tuple[str, str]) -> None:
        changed = names != self.names or tuple(classes) != self.classes
        self.names, self.counts, self.classes = dict(names), dict(counts), tuple(classes)
        if changed:
            self.updateGeometry()  # another task: other names, another minimum width
        self.update()

    def cell_rect(self, key: str) -> QRectF:
        """Where a cell is drawn (empty before the first paint)."""
        return self._rects.get(key, QRectF())

    def sizeHint(self) -> QSize:
        return QSize(max(340, self._min_width()), self._height())

    def minimumSizeHint(self) -> QSize:
        return QSize(self._min_width(), self._height())

    def _height(self) -> int:
        line = QFontMetricsF(self.font()).height()
        return int(2 * line + 2 * CELL_LINES * line + 6)

    def _left(self) -> float:
        """The room for the row titles (the truth) left of the cells."""
        metrics = QFontMetricsF(self.font())
        return metrics.height() * 1.4 + max(metrics.horizontalAdvance(name)
                                            for name in self.classes) + 10

    def _min_width(self) -> int:
        """Wide enough for every cell's name ("FP (type I error)") in bold on one line."""
        bold = QFont(self.font())
        bold.setBold(True)
        names = [name.partition(": ")[0] for name in self.names.values()] or ["FN"]
        widest = max(QFontMetricsF(bold).horizontalAdvance(name) for name in names)
        return int(self._left() + 2 * (widest + 14) + 4)

    def paintEvent(self, event: QPaintEvent) -> None:
        palette = self.palette()
        text, quiet = palette.color(Role.Text), faint_text(palette)
        base, highlight = palette.color(Role.Base), palette.color(Role.Highlight)
        font = QFont(self.font())
        bold = QFont(font)
        bold.setBold(True)
        big = QFont(bold)
        big.setPointSizeF(font.pointSizeF() * 1.35)
        small = QFont(font)
        small.setPointSizeF(font.pointSizeF() * 0.88)
        metrics = QFontMetricsF(font)
        line = metrics.height()
        left = self._left()
        row_title = left - line * 1.4
        top = 2 * line + 2
        cell_w = max(60.0, (self.width() - left - 4) / 2)
        cell_h = CELL_LINES * line
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setFont(bold)
        painter.setPen(quiet)
        painter.drawText(QRectF(left, 0, 2 * cell_w, line), int(Qt.AlignmentFlag.AlignHCenter),
                         "Answer")
        painter.save()
        painter.translate(0, top + cell_h)
        painter.rotate(-90)
        painter.drawText(QRectF(-cell_h, 0, 2 * cell_h, line * 1.2),
                         int(Qt.AlignmentFlag.AlignHCenter), "Truth")
        painter.restore()
        painter.setFont(font)
        painter.setPen(palette.color(Role.WindowText))
        for index, name in enumerate(self.classes):
            painter.drawText(QRectF(left + index * cell_w, line, cell_w, line),
                             int(Qt.AlignmentFlag.AlignHCenter), name)
            painter.drawText(QRectF(line * 1.4, top + index * cell_h, row_title - 8, cell_h),
                             int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                             name)
        self._rects = {}
        for key in CELLS:
            if key not in self.names:
                continue
            row, column = cell_of(key)
            rect = QRectF(left + column * cell_w, top + row * cell_h, cell_w, cell_h)
            self._rects[key] = rect
            count = self.counts.get(key, 0)
            total = sum(self.counts.get(k, 0) for k in CELLS if cell_of(k)[0] == row)
            share = count / total if total else 0.0
            colour = highlight if row == column else MISTAKE_COLOUR
            painter.fillRect(rect.adjusted(1, 1, -1, -1),
                             mix(base, colour, 0.08 + MAX_TINT * math.sqrt(share)))
            short, _, words = self.names[key].partition(": ")
            inner = rect.adjusted(6, 4, -6, -4)
            painter.setPen(text)
            painter.setFont(bold)
            painter.drawText(QRectF(inner.left(), inner.top(), inner.width(), line),
                             int(Qt.AlignmentFlag.AlignHCenter), short)
            painter.setFont(big)
            painter.drawText(QRectF(inner.left(), inner.top() + line, inner.width(),
                                    1.4 * line), int(Qt.AlignmentFlag.AlignHCenter),
                             f"{count:,}")
            painter.setFont(small)
            painter.drawText(QRectF(inner.left(), inner.top() + 2.4 * line, inner.width(),
                                    inner.height() - 2.4 * line),
                             int(Qt.AlignmentFlag.AlignHCenter | Qt.TextFlag.TextWordWrap),
                             words)
        painter.setPen(QPen(palette.color(Role.Mid), 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(QRectF(left, top, 2 * cell_w, 2 * cell_h))
        painter.end()

    def cell_at(self, position: QPointF) -> str | None:
        return next((key for key, rect in self._rects.items() if rect.contains(position)), None)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        over = self.cell_at(event.position()) is not None
        self.setCursor(Qt.CursorShape.PointingHandCursor if over else Qt.CursorShape.ArrowCursor)
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        key = self.cell_at(event.position())
        if event.button() == Qt.MouseButton.LeftButton and key is not None:
            self.cellClicked.emit(key)
        super().mouseReleaseEvent(event)

    def _tooltip_at(self, position: QPointF) -> str:
        key = self.cell_at(position)
        if key is None:
            return ""
        count = self.counts.get(key, 0)
        return (f"{self.names[key]}: {count:,} test image{'s' if count != 1 else ''}. "
                f"Click to see them on the Mistakes page.")
