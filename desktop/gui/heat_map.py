"""Small custom-painted widgets for heat maps: a 28x28 picture drawn large with crisp pixels,
and the blue-white-red colour legend that says what each end means."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QLinearGradient, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop import saliency_display
from desktop.gui.style import faint_text

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
