"""The Training tab's "Calibration" page: a reliability diagram (confidence bins against the
share of right answers, the diagonal of an honest model, the number of answers per bar) and the
expected calibration error before and after the temperature. Numbers and words come from
desktop.calibration_summary; this module only draws them.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QFont, QFontMetricsF, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop import calibration_summary as summary
from desktop.gui.gallery import MISTAKE_COLOUR
from desktop.gui.hover import HoverTooltips
from desktop.gui.style import Role, faint_text, mix, with_alpha
from desktop.training_report import TrainingReport

TICKS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
DIAGRAM_MIN_HEIGHT = 280


class ReliabilityDiagram(HoverTooltips):
    """Bars of accuracy per confidence bin over the diagonal; hovering a bar gives its
    numbers."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reliabilityDiagram")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)
        self.bins: tuple[summary.Bin, ...] = ()
        self._plot = QRectF()
        # Per bin with answers, as last painted: the bar (height 0 for no right answer).
        self.bar_rects: list[tuple[QRectF, summary.Bin]] = []

    def set_bins(self, bins: tuple[summary.Bin, ...]) -> None:
        self.bins = tuple(bins)
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(460, 360)

    def minimumSizeHint(self) -> QSize:
        return QSize(240, 200)

    def paintEvent(self, event: QPaintEvent) -> None:
        palette = self.palette()
        text = palette.color(Role.WindowText)
        quiet = faint_text(palette)
        grid = mix(palette.color(Role.Window), text, 0.12)
        bar_colour = palette.color(Role.Highlight)
        small = QFont(self.font())
        small.setPointSizeF(small.pointSizeF() * 0.88)
        metrics = QFontMetricsF(small)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setFont(small)
        line = metrics.height()
        legend_rows = self._legend_rows(metrics, self.width() - 16)
        legend_height = len(legend_rows) * line + 6
        left = metrics.horizontalAdvance("100 %") + 10 + line  # tick labels and axis title
        side = max(40.0, min(self.width() - left - 12,
                             self.height() - legend_height - 2 * line - 16 - line))
        plot = QRectF(left + max(0.0, (self.width() - left - 12 - side) / 2),
                      legend_height + line + 6, side, side)
        self._plot = plot

        def at(x: float, y: float) -> QPointF:
            return QPointF(plot.left() + x * plot.width(), plot.bottom() - y * plot.height())

        roomy = plot.width() / (len(TICKS) - 1) > metrics.horizontalAdvance("100 %") + 8
        for tick in TICKS if roomy else (0.0, 0.5, 1.0):
            painter.setPen(QPen(grid, 1))
            painter.drawLine(at(0, tick), at(1, tick))
            painter.setPen(quiet)
            label = f"{tick * 100:.0f} %"
            y = at(0, tick).y()
            painter.drawText(QRectF(plot.left() - left + line, y - line / 2, left - line - 6,
                                    line),
                             int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                             label)
            x = at(tick, 0).x()
            painter.drawText(QRectF(x - 30, plot.bottom() + 3, 60, line),
                             int(Qt.AlignmentFlag.AlignHCenter), label)
        painter.drawText(QRectF(plot.left(), plot.bottom() + 3 + line, plot.width(), line),
                         int(Qt.AlignmentFlag.AlignHCenter), summary.X_AXIS)
        painter.save()
        painter.translate(plot.left() - left + 2, plot.center().y())
        painter.rotate(-90)
        painter.drawText(QRectF(-plot.height() / 2, 0, plot.height(), line),
                         int(Qt.AlignmentFlag.AlignHCenter), summary.Y_AXIS)
        painter.restore()

        self.bar_rects = []
        gap_brush = QBrush(with_alpha(MISTAKE_COLOUR, 0.55), Qt.BrushStyle.BDiagPattern)
        for one in self.bins:
            if one.count == 0:
                continue
            bar = QRectF(at(one.low, one.accuracy), at(one.high, 0)).adjusted(1, 0, -1, 0)
            self.bar_rects.append((bar, one))
            painter.fillRect(bar, with_alpha(bar_colour, 0.75))
            gap = QRectF(at(one.low, max(one.accuracy, one.confidence)),
                         at(one.high, min(one.accuracy, one.confidence))).adjusted(1, 0, -1, 0)
            painter.setPen(QPen(with_alpha(MISTAKE_COLOUR, 0.8), 1))
            painter.setBrush(gap_brush)
            painter.drawRect(gap)
            self._draw_count(painter, metrics, one, bar, at(0, max(one.accuracy,
                                                                   one.confidence)).y())
        painter.setPen(QPen(text, 1.2, Qt.PenStyle.DashLine))
        painter.drawLine(at(0, 0), at(1, 1))
        painter.setPen(QPen(mix(grid, text, 0.3), 1))
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        painter.drawLine(plot.bottomLeft(), plot.topLeft())
        legend_left = max(8.0, min(plot.left(), self.width() - 8 - max(
            self._row_width(metrics, row) for row in legend_rows)))
        for number, row in enumerate(legend_rows):
            self._draw_legend(painter, metrics, row, QRectF(legend_left, number * line,
                                                            plot.width(), line),
                              bar_colour, gap_brush)
        if not any(one.count for one in self.bins):
            painter.setPen(quiet)
            painter.drawText(plot, int(Qt.AlignmentFlag.AlignCenter), "No answers to show")
        painter.end()

    def _draw_count(self, painter: QPainter, metrics: QFontMetricsF, one: summary.Bin,
                    bar: QRectF, top: float) -> None:
        """The bar's number of answers just above it, or inside its top when there is no room
        above the plot; turned upright when it is wider than the bar."""
        label = summary.count_label(one.count)
        width = metrics.horizontalAdvance(label)
        upright = width > bar.width() + 4
        room = (width if upright else metrics.height()) + 3
        inside = top - room < self._plot.top() - 2
        palette = self.palette()
        painter.setPen(palette.color(Role.HighlightedText) if inside
                       else faint_text(palette, 0.2))
        if not upright:
            y = top + 2 if inside else top - metrics.height() - 1
            painter.drawText(QRectF(bar.center().x() - width, y, 2 * width, metrics.height()),
                             int(Qt.AlignmentFlag.AlignHCenter), label)
            return
        painter.save()
        painter.translate(bar.center().x() + metrics.ascent() / 2 - 1,
                          top + width + 3 if inside else top - 3)
        painter.rotate(-90)
        painter.drawText(QPointF(0, 0), label)
        painter.restore()

    @staticmethod
    def _row_width(metrics: QFontMetricsF, row: list[int]) -> float:
        return sum(21 + metrics.horizontalAdvance(summary.LEGEND[i]) + 14 for i in row) - 14

    def _legend_rows(self, metrics: QFontMetricsF, width: float) -> list[list[int]]:
        """The legend's entries (indices of summary.LEGEND) in rows that fit `width`."""
        rows: list[list[int]] = [[]]
        for index in range(len(summary.LEGEND)):
            if rows[-1] and self._row_width(metrics, [*rows[-1], index]) > width:
                rows.append([])
            rows[-1].append(index)
        return rows

    def _draw_legend(self, painter: QPainter, metrics: QFontMetricsF, entries: list[int],
                     row: QRectF, bar_colour, gap_brush: QBrush) -> None:
        x = row.left()
        middle = row.center().y()
        for index in entries:
            label = summary.LEGEND[index]
            swatch = QRectF(x, middle - 5, 16, 10)
            if index == 0:
                painter.fillRect(swatch, with_alpha(bar_colour, 0.75))
            elif index == 1:
                painter.setPen(QPen(with_alpha(MISTAKE_COLOUR, 0.8), 1))
                painter.setBrush(gap_brush)
                painter.drawRect(swatch)
            else:
                painter.setPen(QPen(self.palette().color(Role.WindowText), 1.2,
                                    Qt.PenStyle.DashLine))
                painter.drawLine(QPointF(x, middle + 5), QPointF(x + 16, middle - 5))
            painter.setPen(self.palette().color(Role.WindowText))
            painter.drawText(QPointF(x + 21, middle + metrics.ascent() / 2 - 1), label)
            x += 21 + metrics.horizontalAdvance(label) + 14

    def _tooltip_at(self, position: QPointF) -> str:
        if not self._plot.adjusted(0, -20, 0, 0).contains(position):
            return ""
        share = (position.x() - self._plot.left()) / max(1.0, self._plot.width())
        for one in self.bins:
            if one.low <= share <= one.high:
                return summary.bin_tooltip(one)
        return ""


class CalibrationPage(QWidget):
    """The ECE in words, the diagram, and what it means; or why the model has none."""

    TITLE = summary.PAGE_TITLE  # the Training tab's sub-tab

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("calibrationPage")
        self.headline = QLabel(objectName="calibrationHeadline")
        self.headline.setWordWrap(True)
        bold = QFont(self.headline.font())
        bold.setBold(True)
        self.headline.setFont(bold)
        self.diagram = ReliabilityDiagram()
        self.diagram.setMinimumHeight(DIAGRAM_MIN_HEIGHT)
        self.explanation = QLabel(objectName="calibrationExplanation")
        self.explanation.setWordWrap(True)
        content = QWidget()
        inner = QVBoxLayout(content)
        inner.setContentsMargins(8, 8, 8, 8)
        inner.addWidget(self.headline)
        inner.addWidget(self.diagram, 1)
        inner.addWidget(self.explanation)
        # In a small window the text scrolls rather than squeezing the diagram flat.
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)
        self.found: summary.Calibration | None = None

    def set_report(self, model_id: str, report: TrainingReport) -> None:
        self.found = summary.calibration(report)
        if self.found is None:
            self.headline.setText(summary.missing(model_id))
            self.diagram.set_bins(())
            self.diagram.hide()
            self.explanation.clear()
            return
        self.headline.setText(summary.headline(self.found))
        self.diagram.set_bins(self.found.bins)
        self.diagram.show()
        self.explanation.setText(summary.explanation(self.found))
