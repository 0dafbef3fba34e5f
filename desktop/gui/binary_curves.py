"""The binary lab's two plots, painted with QPainter like the other Training pages: the ROC curve
over its diagonal, and the precision-recall curve over the share of yes images, each with the
point of the chosen threshold marked. Hovering gives the numbers of the nearest threshold;
clicking picks it (thresholdPicked). The numbers come from desktop.binary_lab.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop.gui.hover import HoverTooltips
from desktop.gui.style import Role, faint_text, mix
from desktop.lazy_imports import np
from desktop.verdict import percent

MARK_COLOUR = QColor(232, 118, 20)  # the threshold's point: readable on light and dark
TICKS = (0.0, 0.25, 0.5, 0.75, 1.0)
MAX_SIDE = 280.0  # the plots' largest side: the matrix under them stays in view


class RateCurve(HoverTooltips):
    """One curve in the unit square. `staircase`: drawn as steps (the precision-recall curve,
    whose area is the average precision), else as straight segments (the ROC curve, whose
    trapezoids are its AUC). The reference is the diagonal, or a level line."""

    thresholdPicked = Signal(float)

    def __init__(self, name: str, axes: tuple[str, str], staircase: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)
        self.axes = axes
        self.staircase = staircase
        self.title = ""
        self.xs = np.zeros(0)
        self.ys = np.zeros(0)
        self.thresholds = np.zeros(0)  # per point: the threshold that gives it
        self.level: float | None = None  # None: the diagonal; else a level reference line
        self.reference_label = ""
        self.point: tuple[float, float] | None = None  # the chosen threshold's point
        self._path = QPainterPath()
        self._plot = QRectF()

    def set_curve(self, title: str, xs: np.ndarray, ys: np.ndarray, thresholds: np.ndarray,
                  reference_label: str, level: float | None = None) -> None:
        self.title, self.reference_label, self.level = title, reference_label, level
        self.xs, self.ys = np.asarray(xs, float), np.asarray(ys, float)
        self.thresholds = np.asarray(thresholds, float)
        self._path = self._unit_path()
        self.update()

    def set_point(self, point: tuple[float, float] | None) -> None:
        """The point of the current threshold (a coordinate may be NaN: then none)."""
        self.point = point if point is not None and all(map(math.isfinite, point)) else None
        self.update()

    def point_position(self) -> QPointF | None:
        """Where the point is drawn (None before the first paint or without a point)."""
        if self.point is None or self._plot.isEmpty():
            return None
        return self._at(*self.point)

    def sizeHint(self) -> QSize:
        return QSize(300, 300)

    def minimumSizeHint(self) -> QSize:
        return QSize(150, 170)

    def _margins(self) -> tuple[float, float, float, float]:
        """Room around the square plot: tick labels and axis titles, the title and legend."""
        small = QFont(self.font())
        small.setPointSizeF(small.pointSizeF() * 0.88)
        metrics = QFontMetricsF(small)
        line = metrics.height()
        half_label = metrics.horizontalAdvance("100 %") / 2 + 4
        return (metrics.horizontalAdvance("100 %") + 8 + line, half_label, 2 * line + 10,
                2 * line + 8)

    def height_for(self, width: float) -> int:
        """The height at which the plot is square at `width` (the page sizes both curves
        with it, so no empty band sits under them)."""
        left, right, top, bottom = self._margins()
        return int(min(MAX_SIDE, max(40.0, width - left - right)) + top + bottom)

    def _at(self, x: float, y: float) -> QPointF:
        plot = self._plot
        return QPointF(plot.left() + x * plot.width(), plot.bottom() - y * plot.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        palette = self.palette()
        text, quiet = palette.color(Role.WindowText), faint_text(palette)
        grid = mix(palette.color(Role.Window), text, 0.12)
        curve_colour = palette.color(Role.Highlight)
        small = QFont(self.font())
        small.setPointSizeF(small.pointSizeF() * 0.88)
        bold = QFont(self.font())
        bold.setBold(True)
        metrics = QFontMetricsF(small)
        line = metrics.height()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setFont(bold)
        painter.setPen(text)
        painter.drawText(QRectF(0, 0, self.width(), line + 4),
                         int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter),
                         self.title)
        painter.setFont(small)
        left, right, top, bottom = self._margins()
        side = max(40.0, min(self.width() - left - right, self.height() - top - bottom))
        self._plot = plot = QRectF(left + max(0.0, (self.width() - left - right - side) / 2),
                                   top, side, side)
        for tick in TICKS:
            painter.setPen(QPen(grid, 1))
            painter.drawLine(self._at(0, tick), self._at(1, tick))
            painter.drawLine(self._at(tick, 0), self._at(tick, 1))
            if tick not in (0.0, 0.5, 1.0) and side < 260:
                continue  # labels at 0, 50 and 100 % only when small
            painter.setPen(quiet)
            label = f"{tick * 100:.0f} %"
            y = self._at(0, tick).y()
            painter.drawText(QRectF(plot.left() - left + line, y - line / 2, left - line - 5,
                                    line),
                             int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                             label)
            painter.drawText(QRectF(self._at(tick, 0).x() - 30, plot.bottom() + 2, 60, line),
                             int(Qt.AlignmentFlag.AlignHCenter), label)
        # Axis titles centred on the plot, shortened with "…" when the widget is too small.
        room = min(plot.width() + 80, 2 * min(plot.center().x(), self.width() - plot.center().x()))
        painter.drawText(QRectF(plot.center().x() - room / 2, plot.bottom() + 2 + line, room,
                                line), int(Qt.AlignmentFlag.AlignHCenter),
                         metrics.elidedText(self.axes[0], Qt.TextElideMode.ElideRight, room))
        painter.save()
        painter.translate(plot.left() - left + 1, plot.center().y())
        painter.rotate(-90)
        room = min(plot.height() + 60, 2 * (plot.center().y() - line) - 4)
        painter.drawText(QRectF(-room / 2, 0, room, line), int(Qt.AlignmentFlag.AlignHCenter),
                         metrics.elidedText(self.axes[1], Qt.TextElideMode.ElideRight, room))
        painter.restore()
        self._draw_reference(painter, metrics, text)
        if not self._path.isEmpty():
            painter.save()
            painter.translate(plot.left(), plot.bottom())
            painter.scale(plot.width(), -plot.height())
            pen = QPen(curve_colour, 2)
            pen.setCosmetic(True)  # 2 screen pixels whatever the scale
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(self._path)
            painter.restore()
        painter.setPen(QPen(mix(grid, text, 0.3), 1))
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        painter.drawLine(plot.bottomLeft(), plot.topLeft())
        self._draw_legend(painter, metrics, text)
        spot = self.point_position()
        if spot is not None:
            painter.setPen(QPen(palette.color(Role.Base), 1.5))
            painter.setBrush(MARK_COLOUR)
            painter.drawEllipse(spot, 5.5, 5.5)
        painter.end()

    def _unit_path(self) -> QPainterPath:
        """The curve in the unit square (y up), built once per curve: a slider move only
        repaints it. The precision-recall curve steps: at each threshold the precision
        changes at the old recall, then the recall grows, so its area is the average
        precision."""
        if not len(self.xs):
            return QPainterPath()
        if not self.staircase:
            path = QPainterPath(QPointF(self.xs[0], self.ys[0]))
            for x, y in zip(self.xs[1:], self.ys[1:], strict=True):
                path.lineTo(x, y)
            return path
        path = QPainterPath(QPointF(0.0, self.ys[0]))
        last = 0.0
        for x, y in zip(self.xs, self.ys, strict=True):
            path.lineTo(last, y)
            path.lineTo(x, y)
            last = x
        return path

    def _draw_reference(self, painter: QPainter, metrics: QFontMetricsF, text: QColor) -> None:
        painter.setPen(QPen(text, 1.1, Qt.PenStyle.DashLine))
        if self.level is None:
            painter.drawLine(self._at(0, 0), self._at(1, 1))
        elif math.isfinite(self.level):
            painter.drawLine(self._at(0, self.level), self._at(1, self.level))

    def _draw_legend(self, painter: QPainter, metrics: QFontMetricsF, text: QColor) -> None:
        """One row under the title: the reference line and the threshold's point (the curve
        is the model's, as the title says)."""
        entries = (("reference", self.reference_label), ("point", "threshold"))
        widths = [21 + metrics.horizontalAdvance(label) for _, label in entries]
        x = max(4.0, (self.width() - sum(widths) - 12 * (len(entries) - 1)) / 2)
        middle = metrics.height() * 1.5 + 6
        for (kind, label), width in zip(entries, widths, strict=True):
            if kind == "reference":
                painter.setPen(QPen(text, 1.1, Qt.PenStyle.DashLine))
                painter.drawLine(QPointF(x, middle), QPointF(x + 16, middle))
            else:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(MARK_COLOUR)
                painter.drawEllipse(QPointF(x + 8, middle), 4.5, 4.5)
            painter.setPen(text)
            painter.drawText(QPointF(x + 21, middle + metrics.ascent() / 2 - 1), label)
            x += width + 12

    def nearest(self, position: QPointF) -> int | None:
        """The index of the curve's point nearest `position` (within 12 px), or None."""
        if not len(self.xs) or self._plot.isEmpty():
            return None
        px = self._plot.left() + self.xs * self._plot.width()
        py = self._plot.bottom() - self.ys * self._plot.height()
        distance = np.hypot(px - position.x(), py - position.y())
        best = int(np.argmin(distance))
        return best if distance[best] <= 12 else None

    def _tooltip_at(self, position: QPointF) -> str:
        best = self.nearest(position)
        if best is None:
            return ""
        threshold = self.thresholds[best]
        where = "above every score" if not math.isfinite(threshold) else f"{threshold:.3f}"
        return (f"Threshold {where}: {self.axes[0]} {percent(self.xs[best])}, "
                f"{self.axes[1]} {percent(self.ys[best])}. Click to use this threshold.")

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        best = self.nearest(event.position())
        if event.button() == Qt.MouseButton.LeftButton and best is not None:
            threshold = self.thresholds[best]
            self.thresholdPicked.emit(float(min(1.0, threshold)))
        super().mouseReleaseEvent(event)
