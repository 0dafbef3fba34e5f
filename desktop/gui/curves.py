"""Training curves (loss and accuracy per epoch, training vs validation), painted with QPainter.

Two small charts with axes, ticks, a legend and a marker at the best epoch. Hovering shows the
numbers of the nearest epoch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop import training_summary
from desktop.gui.hover import HoverTooltips
from desktop.gui.style import Role, faint_text, mix, with_alpha


@dataclass(frozen=True)
class Series:
    label: str
    values: list[float]
    validation: bool  # validation curves use the highlight colour


@dataclass(frozen=True)
class Chart:
    title: str
    series: tuple[Series, Series]
    percent: bool  # values are fractions shown as percentages


MARKER_ROOM = 8  # pixels the curves may paint outside the plot area


class TrainingCurves(HoverTooltips):
    """Loss and accuracy per epoch for training and validation data."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainingCurves")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)
        self._epochs: list[int] = []
        self._charts: list[Chart] = []
        self._best_epoch: int | None = None
        self._plot_areas: list[tuple[QRectF, Chart, float, float]] = []
        # Per chart, as last painted: the circle around the kept epoch (pen included) and
        # the area the curves may paint in.
        self.best_markers: list[tuple[QRectF, QRectF]] = []

    @property
    def epochs(self) -> list[int]:
        return list(self._epochs)

    def set_history(self, history: list[dict], best_epoch: int | None) -> None:
        """history: the per-epoch dicts of the training report."""
        self._epochs, curves = training_summary.curves(history)
        self._charts = [Chart(curve.title, (Series("training", curve.training, False),
                                            Series("validation", curve.validation, True)),
                              curve.percent) for curve in curves]
        self._best_epoch = best_epoch
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(520, 300)

    def minimumSizeHint(self) -> QSize:
        return QSize(280, 200)

    # --- painting -----------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self._plot_areas = []
        self.best_markers = []
        if not self._epochs:
            painter.setPen(faint_text(self.palette()))
            painter.drawText(self.rect(), int(Qt.AlignmentFlag.AlignCenter),
                             "No training history")
            return
        area = QRectF(self.rect()).adjusted(4, 4, -4, -4)
        side_by_side = area.width() >= 1.7 * area.height()
        for index, chart in enumerate(self._charts):
            if side_by_side:
                width = (area.width() - 16) / 2
                rect = QRectF(area.left() + index * (width + 16), area.top(), width, area.height())
            else:
                height = (area.height() - 12) / 2
                rect = QRectF(area.left(), area.top() + index * (height + 12), area.width(),
                              height)
            self._paint_chart(painter, rect, chart)
        painter.end()

    def _paint_chart(self, painter: QPainter, rect: QRectF, chart: Chart) -> None:
        palette = self.palette()
        text = palette.color(Role.WindowText)
        quiet = faint_text(palette)
        grid = mix(palette.color(Role.Window), palette.color(Role.WindowText), 0.12)
        train_colour = mix(palette.color(Role.WindowText), palette.color(Role.Window), 0.4)
        valid_colour = palette.color(Role.Highlight)
        font = QFont(self.font())
        small = QFont(font)
        small.setPointSizeF(font.pointSizeF() * 0.88)
        bold = QFont(font)
        bold.setBold(True)
        metrics = QFontMetricsF(small)

        values = [v for s in chart.series for v in s.values if math.isfinite(v)]
        if chart.percent:
            low = min(values, default=0.0)
            low, high, ticks = training_summary.nice_ticks(max(0.0, low - 0.02), 1.0, 4)
        else:
            low, high, ticks = training_summary.nice_ticks(0.0, max(values, default=1.0) * 1.05, 4)

        def y_label(value: float) -> str:
            if chart.percent:
                return f"{value * 100:.0f} %" if abs(value * 100 - round(value * 100)) < 1e-6 \
                    else f"{value * 100:.1f} %"
            return f"{value:g}"

        left = max(metrics.horizontalAdvance(y_label(t)) for t in ticks) + 10
        line_height = QFontMetricsF(bold).height() + 2
        title_height = line_height + 6
        legend = [(s.label, valid_colour if s.validation else train_colour) for s in chart.series]
        legend_width = sum(metrics.horizontalAdvance(label) + 36 for label, _ in legend)
        # In a narrow chart the legend goes under the title instead of over it.
        legend_top = rect.top()
        if QFontMetricsF(bold).horizontalAdvance(chart.title) + 12 + legend_width > rect.width():
            legend_top += line_height
            title_height += line_height
        bottom = metrics.height() * 2 + 6
        plot = QRectF(rect.left() + left, rect.top() + title_height,
                      max(10.0, rect.width() - left - 8),
                      max(10.0, rect.height() - title_height - bottom))
        first_epoch, last_epoch = self._epochs[0], self._epochs[-1]
        # A one-epoch run (a quick --limit try) sits in the middle, not on the left axis.
        x_start = first_epoch if last_epoch > first_epoch else first_epoch - 0.5
        x_span = max(1, last_epoch - first_epoch)

        def to_point(epoch: float, value: float) -> QPointF:
            x = plot.left() + (epoch - x_start) / x_span * plot.width()
            y = plot.bottom() - (value - low) / (high - low) * plot.height()
            return QPointF(x, y)

        # Title and legend.
        painter.setFont(bold)
        painter.setPen(text)
        painter.drawText(QRectF(rect.left(), rect.top(), rect.width(), line_height),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                         chart.title)
        painter.setFont(small)
        x = rect.right()
        for label, colour in reversed(legend):
            width = metrics.horizontalAdvance(label)
            x -= width
            painter.setPen(text)
            painter.drawText(QRectF(x, legend_top, width + 2, line_height),
                             int(Qt.AlignmentFlag.AlignVCenter), label)
            x -= 22
            painter.setPen(QPen(colour, 2.5))
            middle = legend_top + line_height / 2
            painter.drawLine(QPointF(x, middle), QPointF(x + 16, middle))
            x -= 14

        # Grid, ticks and axis labels.
        painter.setFont(small)
        for tick in ticks:
            point = to_point(first_epoch, tick)
            painter.setPen(QPen(grid, 1))
            painter.drawLine(QPointF(plot.left(), point.y()), QPointF(plot.right(), point.y()))
            painter.setPen(quiet)
            painter.drawText(QRectF(rect.left(), point.y() - metrics.height() / 2, left - 8,
                                    metrics.height()),
                             int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                             y_label(tick))
        _, _, epoch_ticks = training_summary.nice_ticks(first_epoch, last_epoch,
                                                        max(2, int(plot.width() // 60)))
        for epoch in epoch_ticks:
            if not first_epoch <= epoch <= last_epoch or epoch != int(epoch):
                continue
            point = to_point(epoch, low)
            painter.setPen(QPen(grid, 1))
            painter.drawLine(point, point + QPointF(0, 4))
            painter.setPen(quiet)
            painter.drawText(QRectF(point.x() - 30, plot.bottom() + 4, 60, metrics.height()),
                             int(Qt.AlignmentFlag.AlignHCenter), str(int(epoch)))
        painter.drawText(QRectF(plot.left(), plot.bottom() + 4 + metrics.height(), plot.width(),
                                metrics.height()),
                         int(Qt.AlignmentFlag.AlignHCenter), "epoch")
        painter.setPen(QPen(mix(grid, text, 0.3), 1))
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        painter.drawLine(plot.bottomLeft(), plot.topLeft())

        # Best epoch marker.
        best = self._best_epoch
        if best is not None and first_epoch <= best <= last_epoch:
            top_point = to_point(best, high)
            pen = QPen(with_alpha(text, 0.45), 1, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.drawLine(top_point, to_point(best, low))
            painter.setPen(quiet)
            label = f"best: epoch {best}"
            width = metrics.horizontalAdvance(label)
            label_x = top_point.x() + 4
            if label_x + width > plot.right():
                label_x = max(plot.left() + 2, top_point.x() - 4 - width)  # not on the axis
            label_y = plot.bottom() - metrics.height() - 2 if chart.percent else plot.top()
            painter.drawText(QRectF(label_x, label_y, width + 2, metrics.height()),
                             int(Qt.AlignmentFlag.AlignVCenter), label)

        # The curves, validation on top.
        painter.save()
        # Room for the kept epoch's circle (radius 5, pen 2) at the plot's very edges.
        clip = plot.adjusted(-MARKER_ROOM, -MARKER_ROOM, MARKER_ROOM, MARKER_ROOM)
        painter.setClipRect(clip)
        for series in sorted(chart.series, key=lambda s: s.validation):
            colour = valid_colour if series.validation else train_colour
            points = [to_point(e, v) for e, v in zip(self._epochs, series.values, strict=False)
                      if math.isfinite(v)]
            if not points:
                continue
            path = QPainterPath(points[0])
            for point in points[1:]:
                path.lineTo(point)
            painter.setPen(QPen(colour, 2.2 if series.validation else 1.8, Qt.PenStyle.SolidLine,
                                Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(path)
            if len(points) <= 40:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(colour)
                for point in points:
                    painter.drawEllipse(point, 2.6, 2.6)
            if series.validation and best in self._epochs:
                value = series.values[self._epochs.index(best)]
                if math.isfinite(value):
                    painter.setPen(QPen(colour, 2))
                    painter.setBrush(palette.color(Role.Window))
                    centre = to_point(best, value)
                    painter.drawEllipse(centre, 5, 5)
                    self.best_markers.append((QRectF(centre.x() - 6, centre.y() - 6, 12, 12),
                                              clip))
        painter.restore()
        self._plot_areas.append((plot, chart, float(x_start), float(x_span)))

    # --- hover details ------------------------------------------------------------------------

    def _tooltip_at(self, position: QPointF) -> str:
        for plot, chart, first_epoch, x_span in self._plot_areas:
            if not plot.adjusted(-6, -6, 6, 6).contains(position):
                continue
            epoch = round(first_epoch + (position.x() - plot.left()) / plot.width() * x_span)
            if epoch not in self._epochs:
                return ""
            index = self._epochs.index(epoch)
            values = [(series.label, series.values[index]) for series in chart.series]
            return training_summary.epoch_tooltip(epoch, chart.title, values, chart.percent)
        return ""

