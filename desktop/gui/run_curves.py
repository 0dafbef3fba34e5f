"""The Train panel's live curves: loss and accuracy of the run being trained, per epoch (dots,
training and validation) and within the epoch (a thin line of the batches' running means),
with another run of the session drawn dashed beside it for comparison.

Painted with QPainter as desktop/gui/curves.py paints the Training tab's curves, in the
palette's colours; the x axis spans the planned epochs so the curves grow from the left.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop import training_summary
from desktop.gui.style import Role, faint_text, mix
from desktop.training_run import TrainingRun

CHARTS = (("Loss", "loss", False), ("Accuracy", "accuracy", True))  # title, field, percent


def _epoch_values(run: TrainingRun, name: str) -> list[tuple[float, float, float]]:
    """(epoch, training, validation) per finished epoch."""
    return [(p.epoch, getattr(p, f"train_{name}"), getattr(p, f"val_{name}")) for p in run.epochs]


class RunCurves(QWidget):
    """Loss and accuracy of one run, live, and optionally a second run dashed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("runCurves")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.run: TrainingRun | None = None
        self.comparison: TrainingRun | None = None

    def show_runs(self, run: TrainingRun | None, comparison: TrainingRun | None) -> None:
        self.run, self.comparison = run, comparison if comparison is not run else None
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(520, 260)

    def minimumSizeHint(self) -> QSize:
        return QSize(260, 150)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        runs = [r for r in (self.run, self.comparison) if r is not None]
        if not any(r.epochs or r.batches for r in runs):
            painter.setPen(faint_text(self.palette()))
            if self.run is None:
                text = "Start a run to see its curves here."
            elif self.run.active:
                text = "The curves appear here as the first batches are trained."
            else:
                text = "No curves: the run ended before its first batch."
            painter.drawText(self.rect().adjusted(8, 8, -8, -8),
                             int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap), text)
            return
        area = QRectF(self.rect()).adjusted(4, 4, -4, -4)
        side_by_side = area.width() >= 1.6 * area.height()
        for index, chart in enumerate(CHARTS):
            if side_by_side:
                width = (area.width() - 16) / 2
                rect = QRectF(area.left() + index * (width + 16), area.top(), width,
                              area.height())
            else:
                height = (area.height() - 10) / 2
                rect = QRectF(area.left(), area.top() + index * (height + 10), area.width(),
                              height)
            self._paint_chart(painter, rect, *chart)
        painter.end()

    def _last_epoch(self) -> float:
        ends = [1.0]
        for run in (self.run, self.comparison):
            if run is not None:
                ends += [float(run.epochs_planned), run.position()]
        return max(ends)

    def _paint_chart(self, painter: QPainter, rect: QRectF, title: str, name: str,
                     percent: bool) -> None:
        palette = self.palette()
        text, quiet = palette.color(Role.WindowText), faint_text(palette)
        grid = mix(palette.color(Role.Window), text, 0.12)
        train_colour = mix(text, palette.color(Role.Window), 0.4)
        valid_colour = palette.color(Role.Highlight)
        small = QFont(self.font())
        small.setPointSizeF(self.font().pointSizeF() * 0.88)
        bold = QFont(self.font())
        bold.setBold(True)
        metrics = QFontMetricsF(small)

        values = [v for run in (self.run, self.comparison) if run is not None
                  for e in _epoch_values(run, name) for v in e[1:]]
        values += [getattr(b, name) for b in (self.run.batches if self.run else ())]
        values = [v for v in values if math.isfinite(v)]
        if percent:
            low, high, ticks = training_summary.nice_ticks(
                max(0.0, min(values, default=0.0) - 0.02), 1.0, 4)
        else:
            low, high, ticks = training_summary.nice_ticks(0.0, max(values, default=1.0) * 1.05,
                                                           4)

        def y_label(value: float) -> str:
            return f"{value * 100:.0f} %" if percent else f"{value:g}"

        left = max(metrics.horizontalAdvance(y_label(t)) for t in ticks) + 10
        line = QFontMetricsF(bold).height() + 2
        title_width = QFontMetricsF(bold).horizontalAdvance(title) + 12
        # In a narrow chart the legend goes under the title instead of beside it.
        legend_row = QRectF(rect.left(), rect.top(), rect.width(), line)
        header = line + 4
        if title_width + self._legend_width(metrics) > rect.width():
            legend_row.translate(0, line)
            header += line
            title_width = 0
        plot = QRectF(rect.left() + left, rect.top() + header,
                      max(10.0, rect.width() - left - 8),
                      max(10.0, rect.height() - header - 2 * metrics.height() - 6))
        last = self._last_epoch()

        def to_point(epoch: float, value: float) -> QPointF:
            return QPointF(plot.left() + epoch / last * plot.width(),
                           plot.bottom() - (value - low) / (high - low) * plot.height())

        painter.setFont(bold)
        painter.setPen(text)
        painter.drawText(QRectF(rect.left(), rect.top(), rect.width(), line),
                         int(Qt.AlignmentFlag.AlignVCenter), title)
        self._paint_legend(painter, small, legend_row, title_width, train_colour, valid_colour)
        painter.setFont(small)
        for tick in ticks:
            y = to_point(0, tick).y()
            painter.setPen(QPen(grid, 1))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(quiet)
            painter.drawText(QRectF(rect.left(), y - metrics.height() / 2, left - 8,
                                    metrics.height()),
                             int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                             y_label(tick))
        _, _, epoch_ticks = training_summary.nice_ticks(0, last, max(2, int(plot.width() // 60)))
        for epoch in epoch_ticks:
            if 0 <= epoch <= last and epoch == int(epoch):
                x = to_point(epoch, low).x()
                painter.drawText(QRectF(x - 30, plot.bottom() + 3, 60, metrics.height()),
                                 int(Qt.AlignmentFlag.AlignHCenter), str(int(epoch)))
        painter.drawText(QRectF(plot.left(), plot.bottom() + 3 + metrics.height(), plot.width(),
                                metrics.height()), int(Qt.AlignmentFlag.AlignHCenter), "epoch")
        painter.setPen(QPen(mix(grid, text, 0.3), 1))
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        painter.drawLine(plot.bottomLeft(), plot.topLeft())

        painter.save()
        painter.setClipRect(plot.adjusted(-5, -5, 5, 5))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if self.comparison is not None:
            self._paint_epochs(painter, self.comparison, name, to_point, train_colour,
                               valid_colour, Qt.PenStyle.DashLine)
        if self.run is not None:
            self._paint_batches(painter, self.run, name, to_point, mix(train_colour, grid, 0.35))
            self._paint_epochs(painter, self.run, name, to_point, train_colour, valid_colour,
                               Qt.PenStyle.SolidLine)
        painter.restore()

    def _legend_items(self, train_colour=None, valid_colour=None) -> list[tuple]:
        items = [("training", train_colour, Qt.PenStyle.SolidLine),
                 ("validation", valid_colour, Qt.PenStyle.SolidLine)]
        if self.comparison is not None:
            items.append(("compared", faint_text(self.palette()), Qt.PenStyle.DashLine))
        return items

    def _legend_width(self, metrics: QFontMetricsF) -> float:
        return sum(metrics.horizontalAdvance(label) + 32 for label, *_ in self._legend_items())

    def _paint_legend(self, painter: QPainter, font: QFont, row: QRectF, title_width: float,
                      train_colour, valid_colour) -> None:
        """training, validation and, with a comparison, what the dashes are; right-aligned
        (as much of it as fits: under the title there is room for all of it)."""
        metrics = QFontMetricsF(font)
        items = self._legend_items(train_colour, valid_colour)
        painter.setFont(font)
        x = row.right()
        for label, colour, style in reversed(items):
            width = metrics.horizontalAdvance(label)
            if x - width - 22 < row.left() + title_width:
                break
            x -= width
            painter.setPen(self.palette().color(Role.WindowText))
            painter.drawText(QRectF(x, row.top(), width + 2, row.height()),
                             int(Qt.AlignmentFlag.AlignVCenter), label)
            x -= 20
            painter.setPen(QPen(colour, 2, style))
            painter.drawLine(QPointF(x, row.center().y()), QPointF(x + 15, row.center().y()))
            x -= 12

    @staticmethod
    def _paint_epochs(painter: QPainter, run: TrainingRun, name: str, to_point, train_colour,
                      valid_colour, style: Qt.PenStyle) -> None:
        values = _epoch_values(run, name)
        for column, colour in ((1, train_colour), (2, valid_colour)):
            points = [to_point(v[0], v[column]) for v in values if math.isfinite(v[column])]
            if not points:
                continue
            path = QPainterPath(points[0])
            for point in points[1:]:
                path.lineTo(point)
            painter.setPen(QPen(colour, 2.0, style, Qt.PenCapStyle.RoundCap,
                                Qt.PenJoinStyle.RoundJoin))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(path)
            if style == Qt.PenStyle.SolidLine and len(points) <= 60:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(colour)
                for point in points:
                    painter.drawEllipse(point, 2.8, 2.8)

    @staticmethod
    def _paint_batches(painter: QPainter, run: TrainingRun, name: str, to_point,
                       colour) -> None:
        """The running means within each epoch: one thin line per epoch (they restart)."""
        painter.setPen(QPen(colour, 1.2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        path, epoch = QPainterPath(), None
        for point in run.batches:
            value = getattr(point, name)
            if not math.isfinite(value):
                continue
            xy = to_point(point.position, value)
            this_epoch = math.ceil(point.position - 1e-9)
            if this_epoch != epoch:
                path.moveTo(xy)
                epoch = this_epoch
            else:
                path.lineTo(xy)
        painter.drawPath(path)
