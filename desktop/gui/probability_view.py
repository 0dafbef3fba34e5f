"""Probability bars for every class, and the enlarged 28 x 28 image the model saw."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QFont,
    QFontMetricsF,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop.gui.style import Role, faint_text, mix, with_alpha
from desktop.lazy_imports import np


class ProbabilityBars(QWidget):
    """One row per class: name, a bar, and the percentage. The top class is highlighted.
    While `click_hint` is set, a click on a row emits classClicked with its class index (Teach
    mode keeps the drawing with that answer)."""

    classClicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("probabilityBars")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._classes: tuple[str, ...] = ()
        self._probabilities: np.ndarray | None = None
        self._muted = False  # greyed out: the model says the picture is none of its classes
        self._click_hint = ""  # "": rows are not clickable

    @property
    def classes(self) -> tuple[str, ...]:
        return self._classes

    @property
    def probabilities(self) -> np.ndarray | None:
        return self._probabilities

    def set_classes(self, classes: tuple[str, ...]) -> None:
        if tuple(classes) != self._classes:
            self._classes = tuple(classes)
            self._probabilities = None
            self.updateGeometry()
            self.update()

    def set_probabilities(self, probabilities: np.ndarray | None) -> None:
        """Show these probabilities (one per class) or None for empty bars."""
        self._probabilities = None if probabilities is None else np.asarray(probabilities)
        self.update()
        self._update_tooltip()

    @property
    def muted(self) -> bool:
        return self._muted

    def set_muted(self, muted: bool) -> None:
        if muted != self._muted:
            self._muted = muted
            self.update()

    def top_index(self) -> int | None:
        if self._probabilities is None or len(self._probabilities) == 0:
            return None
        return int(np.argmax(self._probabilities))

    def set_click_hint(self, hint: str) -> None:
        """Make rows clickable, saying why in the tooltip; "" makes them plain again."""
        self._click_hint = hint
        self.setCursor(Qt.CursorShape.PointingHandCursor if hint else Qt.CursorShape.ArrowCursor)
        self._update_tooltip()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        row = int(event.position().y() // self._painted_row_height()) if self._classes else -1
        if self._click_hint and event.button() == Qt.MouseButton.LeftButton \
                and 0 <= row < len(self._classes):
            self.classClicked.emit(row)
            return
        super().mousePressEvent(event)

    def row_rect(self, index: int) -> QRectF:
        """Where class `index`'s row is painted (and clicked)."""
        row = self._painted_row_height()
        return QRectF(0, index * row, self.width(), row)

    def _painted_row_height(self) -> float:
        return min(self._row_height() * 1.6, self.height() / max(len(self._classes), 1))

    def _row_height(self) -> float:
        return QFontMetricsF(self.font()).height() * 1.75

    def sizeHint(self) -> QSize:
        return QSize(300, int(self._row_height() * max(len(self._classes), 1)) + 4)

    def minimumSizeHint(self) -> QSize:
        return QSize(200, int(self._row_height() * max(len(self._classes), 1) * 0.8))

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self._classes:
            return
        palette = self.palette()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        regular = QFont(self.font())
        bold = QFont(self.font())
        bold.setBold(True)
        metrics = QFontMetricsF(bold)
        name_width = max(metrics.horizontalAdvance(name) for name in self._classes) + 12
        percent_width = metrics.horizontalAdvance("100.0 %") + 8
        row = self._painted_row_height()
        bar_height = max(6.0, min(row * 0.42, 16.0))
        top = self.top_index()
        track_colour = mix(palette.color(Role.Base), palette.color(Role.Mid), 0.35)
        other_colour = mix(palette.color(Role.Highlight), palette.color(Role.Base), 0.55)
        highlight = palette.color(Role.Highlight)
        text = palette.color(Role.WindowText)
        quiet = faint_text(palette)
        if self._muted:
            highlight = other_colour = mix(palette.color(Role.Mid), palette.color(Role.Base), 0.2)
            text = quiet
        for index, name in enumerate(self._classes):
            y = index * row
            is_top = index == top
            if is_top:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(with_alpha(highlight, 0.14))
                painter.drawRoundedRect(QRectF(0, y + 1, self.width(), row - 2), 5, 5)
            painter.setFont(bold if is_top else regular)
            painter.setPen(text if self._probabilities is not None else quiet)
            painter.drawText(
                QRectF(4, y, name_width - 10, row),
                int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight),
                name,
            )
            track = QRectF(
                name_width, y + (row - bar_height) / 2,
                max(10.0, self.width() - name_width - percent_width - 6), bar_height,
            )
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(track_colour)
            painter.drawRoundedRect(track, bar_height / 2, bar_height / 2)
            if self._probabilities is None:
                continue
            value = float(self._probabilities[index])
            fill = QRectF(track.left(), track.top(), track.width() * value, track.height())
            painter.setBrush(highlight if is_top else other_colour)
            if fill.width() >= bar_height:
                painter.drawRoundedRect(fill, bar_height / 2, bar_height / 2)
            elif fill.width() > 0:
                # Too short for a capsule: clip one, so tiny values show as a thin sliver.
                painter.save()
                painter.setClipRect(fill)
                painter.drawRoundedRect(track, bar_height / 2, bar_height / 2)
                painter.restore()
            painter.setPen(text if is_top else quiet)
            painter.drawText(
                QRectF(track.right() + 6, y, percent_width, row),
                int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight),
                format_percent(value),
            )
        painter.end()

    def _update_tooltip(self) -> None:
        lines = []
        if self._probabilities is not None:
            order = np.argsort(self._probabilities)[::-1][:3]
            lines = ["Most likely:"] + [
                f"{self._classes[i]}: {format_percent(float(self._probabilities[i]))}"
                for i in order]
        if self._click_hint:
            lines += ["", self._click_hint] if lines else [self._click_hint]
        self.setToolTip("\n".join(lines))


def format_percent(value: float) -> str:
    """0.9734 -> '97.3 %'; tiny values stay readable ('<0.1 %')."""
    percent = value * 100
    if 0 < percent < 0.05:
        return "<0.1 %"
    return f"{percent:.1f} %"


class ModelInputView(QWidget):
    """The 28 x 28 input of the model, enlarged with nearest-neighbour scaling."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("modelInput")
        self.setToolTip("What the model sees: your input after cropping, scaling and "
                        "centring to 28 x 28 pixels, light ink on black.")
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self._image: QImage | None = None
        self._array: np.ndarray | None = None

    @property
    def image_array(self) -> np.ndarray | None:
        return self._array

    def set_image(self, image28: np.ndarray | None) -> None:
        """Show a 28 x 28 float image in 0..1 (light = 1), or None for an empty frame."""
        if image28 is None:
            self._array = None
            self._image = None
        else:
            self._array = np.asarray(image28, dtype=np.float32)
            pixels = np.ascontiguousarray(
                np.clip(self._array * 255 + 0.5, 0, 255).astype(np.uint8)
            )
            height, width = pixels.shape
            self._image = QImage(
                pixels.data, width, height, width, QImage.Format.Format_Grayscale8
            ).copy()
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(170, 170)

    def paintEvent(self, event: QPaintEvent) -> None:
        palette = self.palette()
        painter = QPainter(self)
        side = min(self.width(), self.height()) - 2
        # Whole multiples of 28 keep every model pixel the same size on screen.
        side = max(28, side - side % 28)
        frame = QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)
        if self._image is None:
            painter.fillRect(frame, mix(palette.color(Role.Base), palette.color(Role.Mid), 0.25))
            painter.setPen(faint_text(palette))
            painter.drawText(frame, int(Qt.AlignmentFlag.AlignCenter), "28 × 28")
        else:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
            painter.drawImage(frame, self._image)
        painter.setPen(QPen(palette.color(Role.Mid), 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(frame.adjusted(-0.5, -0.5, 0.5, 0.5))
        painter.end()
