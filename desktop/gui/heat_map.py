"""Small custom-painted widgets for heat maps: a 28x28 picture drawn large with crisp pixels,
the blue-white-red colour legend that says what each end means, and text that changes with
every map without relaying out its page."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QLinearGradient, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop import saliency_display
from desktop.gui.style import faint_text
from desktop.lazy_imports import np

MIN_SCALE = 3  # screen pixels per model pixel, at least (the window at its minimum size)


class HeatMap(QWidget):
    """A small RGB image drawn large with crisp square pixels (integer scale, no smoothing)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._pixels: np.ndarray | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(28 * MIN_SCALE + 2, 28 * MIN_SCALE + 2)

    def pixels(self) -> np.ndarray | None:
        """The (H, W, 3) colours on display, None when empty."""
        return self._pixels

    def set_pixels(self, rgb: np.ndarray | None) -> None:
        self._pixels = None if rgb is None else np.ascontiguousarray(rgb, dtype=np.uint8)
        if self._pixels is None:
            self._image = None
        else:
            height, width, _ = self._pixels.shape
            self._image = QImage(self._pixels.data, width, height, 3 * width,
                                 QImage.Format.Format_RGB888).copy()
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(28 * 8 + 2, 28 * 8 + 2)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return width

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        side = min(self.width(), self.height()) - 2
        scale = max(1, side // 28)
        box = QRectF((self.width() - 28 * scale) / 2, (self.height() - 28 * scale) / 2,
                     28 * scale, 28 * scale)
        frame = self.palette().color(QPalette.ColorRole.Mid)
        if self._image is None:
            painter.fillRect(box, self.palette().color(QPalette.ColorRole.Base))
        else:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
            painter.drawImage(box, self._image)
        painter.setPen(frame)
        painter.drawRect(box.adjusted(-0.5, -0.5, 0.5, 0.5))
        painter.end()


class ColourScale(QWidget):
    """The legend under a map: a blue-white-red bar, the blue end's meaning on the left, the
    red end's on the right, and what full colour stands for under them. Painted, not laid
    out: a new scale with every map costs no relayout of the page."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._blue, self._red, self._scale = "", "", ""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_ends(self, blue: str, red: str, scale: str) -> None:
        self._blue, self._red, self._scale = blue, red, scale
        self.setToolTip(f"Blue: {blue}. Red: {red}." if blue else "")
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(200, 14 + 2 * self.fontMetrics().height() + 2)

    def minimumSizeHint(self) -> QSize:
        return QSize(100, self.sizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self._red:
            return  # no map, no legend
        painter = QPainter(self)
        bar = QRectF(0.5, 0.5, self.width() - 1, 10)
        gradient = QLinearGradient(bar.topLeft(), bar.topRight())
        gradient.setColorAt(0.0, QColor(*saliency_display.BLUE))
        gradient.setColorAt(0.5, QColor(*saliency_display.PAPER))
        gradient.setColorAt(1.0, QColor(*saliency_display.RED))
        painter.fillRect(bar, gradient)
        painter.setPen(self.palette().color(QPalette.ColorRole.Mid))
        painter.drawRect(bar)
        painter.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        text = QRectF(0, 14, self.width(), self.height() - 14)
        half = QRectF(text.left(), text.top(), text.width() / 2 - 4, text.height())
        metrics = self.fontMetrics()
        elide = Qt.TextElideMode.ElideRight
        painter.drawText(half, Qt.AlignmentFlag.AlignLeft,
                         metrics.elidedText(f"◀ {self._blue}" if self._blue else "", elide,
                                            int(half.width())))
        painter.drawText(half.translated(text.width() / 2 + 4, 0), Qt.AlignmentFlag.AlignRight,
                         metrics.elidedText(f"{self._red} ▶" if self._red else "", elide,
                                            int(half.width())))
        painter.setPen(faint_text(self.palette(), 0.3))
        below = QRectF(0, 14 + metrics.height(), self.width(), metrics.height())
        painter.drawText(below, Qt.AlignmentFlag.AlignHCenter,
                         metrics.elidedText(self._scale, elide, self.width()))
        painter.end()


class PaintedText(QWidget):
    """Text that changes with every map while drawing (the answer's percentage, class names).

    A QLabel relays out its page on every new text, and each relayout repainted the whole page
    twice while the user drew. This widget is laid out for the longest text it has held so far
    (`reserve`), so a new text that fits only repaints itself. `wrap`: several lines; else one,
    elided (full text in the tooltip). `quiet`: secondary text colour."""

    def __init__(self, wrap: bool = False, quiet: bool = False,
                 parent: QWidget | None = None, objectName: str = "") -> None:  # noqa: N803
        super().__init__(parent, objectName=objectName)
        self._text = self._reserve = ""
        self._wrap, self._quiet = wrap, quiet
        # Not Fixed when wrapping: a fixed height is capped at sizeHint, whatever the width needs.
        policy = QSizePolicy(QSizePolicy.Policy.Preferred,
                             QSizePolicy.Policy.Preferred if wrap else QSizePolicy.Policy.Fixed)
        policy.setHeightForWidth(wrap)
        self.setSizePolicy(policy)

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:  # noqa: N802 - QLabel's name, for readers and tests
        if text == self._text:
            return
        self._text = text
        if not self._wrap:
            self.setToolTip(text)
        width = self.width() if self.width() > 1 else 200
        if self._height(text, width) > self._height(self._reserve, width):
            self._reserve = text  # needs more room: relay out once
            self.updateGeometry()
        self.update()

    def forget_reserve(self) -> None:
        """Lay out for the current text again (another model: other class names)."""
        self._reserve = self._text
        self.updateGeometry()

    def _height(self, text: str, width: int) -> int:
        metrics = self.fontMetrics()
        if not self._wrap or not text:
            return metrics.height()
        bound = metrics.boundingRect(0, 0, max(1, width), 100_000,
                                     int(Qt.TextFlag.TextWordWrap), text)
        return max(metrics.height(), bound.height())

    def hasHeightForWidth(self) -> bool:
        return self._wrap

    def heightForWidth(self, width: int) -> int:
        return self._height(self._reserve, width)

    def sizeHint(self) -> QSize:
        return QSize(100, self._height(self._reserve, max(self.width(), 100)))

    def minimumSizeHint(self) -> QSize:
        return QSize(40, self.fontMetrics().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setPen(faint_text(self.palette(), 0.3) if self._quiet
                       else self.palette().color(QPalette.ColorRole.WindowText))
        if self._wrap:
            painter.drawText(self.rect(), int(Qt.AlignmentFlag.AlignLeft
                                              | Qt.AlignmentFlag.AlignTop
                                              | Qt.TextFlag.TextWordWrap), self._text)
        else:
            text = self.fontMetrics().elidedText(self._text, Qt.TextElideMode.ElideRight,
                                                 self.width())
            painter.drawText(self.rect(), int(Qt.AlignmentFlag.AlignLeft
                                              | Qt.AlignmentFlag.AlignVCenter), text)
        painter.end()
