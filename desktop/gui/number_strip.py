"""A strip of the digits read from a number, left to right: each digit's crop with its label
and confidence. Clicking a digit (or the arrow keys) chooses whose bars the panel shows."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QFont, QImage, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop.gui.style import Role, faint_text, mix, with_alpha
from desktop.lazy_imports import np
from desktop.numbers import NumberReading

TILE = 58.0  # the widest a digit's picture is drawn, in pixels
GAP = 8.0
LABEL_HEIGHT = 40.0  # room under each picture for its label and confidence


class NumberStrip(QWidget):
    """The digits of one NumberReading; one of them is selected."""

    digitChosen = Signal(int)  # index of the digit, left to right

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("numberStrip")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("The digits read, left to right. Click one to see its probabilities "
                        "and what the model saw.")
        self._reading: NumberReading | None = None
        self._images: list[QImage] = []
        self._selected = 0

    @property
    def reading(self) -> NumberReading | None:
        return self._reading

    @property
    def selected(self) -> int:
        return self._selected

    def set_reading(self, reading: NumberReading | None, selected: int = 0) -> None:
        self._reading = reading
        self._images = [] if reading is None else [_to_qimage(d.crop) for d in reading.digits]
        count = len(self._images)
        self._selected = selected if 0 <= selected < count else 0
        self.update()

    def select(self, index: int) -> None:
        """Choose a digit (as a click on it does) and say so."""
        if 0 <= index < len(self._images):
            self._selected = index
            self.update()
            self.digitChosen.emit(index)

    def tile_rect(self, index: int) -> QRectF:
        """Where digit `index` (picture and label) is drawn, in widget coordinates."""
        count = max(len(self._images), 1)
        tile = min(TILE, (self.width() - GAP * (count + 1)) / count)
        left = (self.width() - count * tile - (count - 1) * GAP) / 2
        return QRectF(left + index * (tile + GAP), 2, tile, tile + LABEL_HEIGHT)

    def index_at(self, x: float, y: float) -> int | None:
        return next((i for i in range(len(self._images))
                     if self.tile_rect(i).adjusted(-GAP / 2, 0, GAP / 2, 0).contains(x, y)),
                    None)

    def sizeHint(self) -> QSize:
        count = max(len(self._images), 4)
        return QSize(int(count * (TILE + GAP) + GAP), int(TILE + LABEL_HEIGHT + 6))

    def minimumSizeHint(self) -> QSize:
        return QSize(120, int(TILE + LABEL_HEIGHT + 6))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        index = self.index_at(event.position().x(), event.position().y())
        if index is not None and event.button() == Qt.MouseButton.LeftButton:
            self.select(index)
        else:
            super().mousePressEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        step = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1}.get(Qt.Key(event.key()))
        if step is not None and self._images:
            self.select(max(0, min(len(self._images) - 1, self._selected + step)))
        else:
            super().keyPressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._reading is None:
            return
        palette = self.palette()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        highlight = palette.color(Role.Highlight)
        label_font = QFont(self.font())
        label_font.setBold(True)
        label_font.setPointSizeF(max(self.font().pointSizeF(), 8.0) * 1.5)
        small_font = QFont(self.font())
        small_font.setPointSizeF(max(self.font().pointSizeF(), 8.0) * 0.9)
        for index, (digit, image) in enumerate(zip(self._reading.digits, self._images,
                                                   strict=True)):
            tile = self.tile_rect(index)
            chosen = index == self._selected
            if chosen:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(with_alpha(highlight, 0.16))
                painter.drawRoundedRect(tile.adjusted(-GAP / 2 + 1, -1, GAP / 2 - 1, 0), 6, 6)
            picture = QRectF(tile.left() + 3, tile.top() + 3, tile.width() - 6,
                             tile.width() - 6)
            scale = min(picture.width() / image.width(), picture.height() / image.height())
            drawn = QRectF(0, 0, image.width() * scale, image.height() * scale)
            drawn.moveCenter(picture.center())
            painter.fillRect(picture, Qt.GlobalColor.white)  # the canvas' paper is white too
            ratio = self.devicePixelRatioF()
            # Qt's smooth scaling averages areas, so thin strokes do not break up.
            painter.drawImage(drawn, image.scaled(
                max(1, round(drawn.width() * ratio)), max(1, round(drawn.height() * ratio)),
                Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(highlight if chosen else palette.color(Role.Mid),
                                2 if chosen else 1))
            painter.drawRect(picture)
            prediction = digit.prediction
            doubtful = prediction.unsure or not prediction.accepted
            painter.setPen(faint_text(palette) if doubtful else palette.color(Role.WindowText))
            painter.setFont(label_font)
            label_row = QRectF(tile.left() - GAP / 2, picture.bottom() + 2,
                               tile.width() + GAP, LABEL_HEIGHT * 0.55)
            painter.drawText(label_row, int(Qt.AlignmentFlag.AlignCenter), digit.text)
            painter.setFont(small_font)
            painter.setPen(mix(palette.color(Role.WindowText), palette.color(Role.Window), 0.4))
            percent_row = QRectF(label_row.left(), label_row.bottom(), label_row.width(),
                                 LABEL_HEIGHT * 0.4)
            painter.drawText(percent_row, int(Qt.AlignmentFlag.AlignCenter),
                             f"{100 * prediction.confidence:.0f} %")
        painter.end()


def _to_qimage(gray: np.ndarray) -> QImage:
    """A grayscale copy of a 0..1 picture (dark ink on white)."""
    pixels = np.ascontiguousarray(np.clip(np.asarray(gray) * 255 + 0.5, 0, 255)
                                  .astype(np.uint8))
    height, width = pixels.shape
    return QImage(pixels.data, width, height, width, QImage.Format.Format_Grayscale8).copy()
