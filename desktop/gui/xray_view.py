"""The "Preprocessing" page of the Look-inside tab: the steps from the picture to the model
input side by side (desktop.xray), each with its one-line explanation and the model's answer
if it were given that step's picture.

The X-ray is computed on a pool thread, one at a time and at most MIN_INTERVAL_MS apart: while
one runs, only the newest picture waits, so a fast stroke never queues up work and drawing
stays smooth.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from PySide6.QtCore import QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QFont, QImage, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from desktop import xray
from desktop.gui.document import gray_to_qimage
from desktop.gui.gallery import MISTAKE_COLOUR
from desktop.gui.probability_view import ModelInputView
from desktop.gui.style import Role, mix
from desktop.gui.workers import TaskRunner
from desktop.lazy_imports import np
from desktop.models import Classifier
from desktop.preprocess import STEP_KEYS

MIN_INTERVAL_MS = 40  # at most 25 X-rays a second while drawing
CARD_WIDTH = 150  # a card's least width; the page shows as many per row as fit (6, 3, 2, 1)
PICTURE_SIDE = 112


@dataclass(frozen=True)
class _Made:
    """An X-ray and its step pictures, ready to paint."""

    result: xray.Xray
    pictures: tuple[QImage, ...]


def _make(classifier: Classifier | None, gray: np.ndarray | None, side: int) -> _Made:
    """Runs on a pool thread: the X-ray, and its pictures already shrunk to at most `side`
    pixels (QImage, unlike QPixmap, may be made off the UI thread), so the UI thread only
    paints them."""
    result = xray.xray(classifier, gray)
    pictures = []
    for step in result.steps:
        picture = gray_to_qimage(step.image)
        if max(picture.width(), picture.height()) > side:
            picture = picture.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio,
                                     Qt.TransformationMode.SmoothTransformation)
        pictures.append(picture)
    return _Made(result, tuple(pictures))


class StepPicture(QWidget):
    """A step's picture fitted into a square with its aspect ratio kept; enlarged pictures
    show their pixels (a 20 x 20 image must look like one)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedSize(PICTURE_SIDE, PICTURE_SIDE)
        self._image: QImage | None = None

    def set_image(self, image: QImage | None) -> None:
        self._image = image
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        frame = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.fillRect(frame, mix(palette.color(Role.Base), palette.color(Role.Mid), 0.25))
        if self._image is not None:
            width, height = self._image.width(), self._image.height()
            scale = min(frame.width() / width, frame.height() / height)
            if scale >= 1:
                scale = max(1.0, float(int(scale)))  # whole multiples: equal pixels
            target = QRectF(0, 0, width * scale, height * scale)
            target.moveCenter(frame.center())
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, scale < 1)
            painter.drawImage(target, self._image)
        painter.setPen(QPen(palette.color(Role.Mid), 1))
        painter.drawRect(frame)
        painter.end()


class StepCard(QFrame):
    """One step: its number and title, picture, explanation, and the model's answer beside
    the 28 x 28 picture the model was given for it. The model input's card is outlined."""

    def __init__(self, number: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"xrayStep{number}")
        self._number = number
        self.final = False
        self.title = QLabel()
        bold = QFont(self.title.font())
        bold.setBold(True)
        self.title.setFont(bold)
        self.picture = StepPicture()
        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        self.explanation.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.explanation.setSizePolicy(QSizePolicy.Policy.Preferred,
                                       QSizePolicy.Policy.MinimumExpanding)
        self.model_view = ModelInputView()
        self.model_view.setFixedSize(58, 58)
        self.answer = QLabel()
        self.answer.setFont(bold)
        self.answer.setWordWrap(True)
        answer_row = QHBoxLayout()
        answer_row.setSpacing(6)
        answer_row.addWidget(self.model_view)
        answer_row.addWidget(self.answer, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addWidget(self.picture, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.explanation, 1)
        layout.addLayout(answer_row)
        self.setMinimumWidth(CARD_WIDTH)

    def set_step(self, step: xray.XrayStep, picture: QImage) -> None:
        self.final = step.final
        self.title.setText(f"{self._number} · {step.text.title}")
        self.picture.set_image(picture)
        self.picture.setToolTip(f"{step.image.shape[0]} × {step.image.shape[1]} pixels")
        self.explanation.setText(step.text.explanation)
        self.model_view.set_image(step.model_view)
        self.model_view.setToolTip(step.text.naive)
        self.answer.setText(step.answer)
        self.answer.setToolTip(step.tooltip)
        # An answer other than the model input's is red; the others keep the palette's text.
        style = "" if step.agrees else f"color: {MISTAKE_COLOUR.name()}"
        if self.answer.styleSheet() != style:  # re-styling costs: only on a change
            self.answer.setStyleSheet(style)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        palette = self.palette()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        colour = palette.color(Role.Highlight) if self.final else palette.color(Role.Mid)
        painter.setPen(QPen(colour, 2 if self.final else 1))
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(1, 1, -1, -1), 6, 6)
        painter.end()


class XrayView(QWidget):
    """The Look-inside page "Preprocessing" (an InsidePage)."""

    TITLE = xray.PAGE_TITLE  # the page's tab
    TOOLTIP = xray.PAGE_TOOLTIP

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("xrayView")
        self.header = QLabel(xray.TITLE)
        self.header.setWordWrap(True)
        font = QFont(self.header.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.header.setFont(font)
        self.note = QLabel(objectName="xrayNote")
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        grid_holder = QWidget()
        self.cards = [StepCard(number, grid_holder) for number in range(1, len(STEP_KEYS) + 1)]
        self._grid = QGridLayout()
        self._grid.setSpacing(8)
        self._arranged = (0, 0)  # columns and cards as last laid out
        holder_layout = QVBoxLayout(grid_holder)
        holder_layout.setContentsMargins(0, 0, 0, 0)
        holder_layout.addLayout(self._grid)
        holder_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(grid_holder)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(8)
        layout.addWidget(self.header)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.note)
        self._tasks = TaskRunner(self)
        self._wanted: tuple[Classifier | None, np.ndarray | None] = (None, None)
        self._busy = False
        self._pending = False
        self._started_at = 0.0
        # Paces the X-rays while drawing: the UI thread paints their results, and it must
        # keep time for the canvas.
        self._pace = QTimer(self, singleShot=True)
        self._pace.timeout.connect(self._run)
        self.result: xray.Xray | None = None
        self._show(_Made(xray.Xray((), xray.EMPTY_NOTE), ()))

    @property
    def busy(self) -> bool:
        """True from a new picture until its X-ray is on screen."""
        return self._busy

    def show_input(self, classifier: Classifier | None, gray: np.ndarray | None) -> None:
        self._wanted = (classifier, gray)
        if self._busy:
            self._pending = True  # only the newest picture waits
            return
        self._busy = True
        self._pace.start(self._wait_ms())

    def _wait_ms(self) -> int:
        """Until MIN_INTERVAL_MS have passed since the last X-ray started."""
        return max(0, round(MIN_INTERVAL_MS - (time.monotonic() - self._started_at) * 1000))

    def _run(self) -> None:
        self._pending = False
        self._started_at = time.monotonic()
        side = round((PICTURE_SIDE - 2) * self.devicePixelRatioF())  # inside the frame
        self._tasks.start(_make, *self._wanted, side, on_success=self._on_done,
                          on_failure=self._on_failed)

    def _on_done(self, made: _Made) -> None:
        self._show(made)
        if self._pending:
            self._pace.start(self._wait_ms())
        else:
            self._busy = False

    def _on_failed(self, error: Exception) -> None:  # pragma: no cover - xray() reports
        self._on_done(_Made(xray.Xray((), xray.failed(error)), ()))

    def _show(self, made: _Made) -> None:
        result = made.result
        self.result = result
        for card, step, picture in zip(self.cards, result.steps, made.pictures, strict=False):
            card.set_step(step, picture)
        for index, card in enumerate(self.cards):
            card.setVisible(index < len(result.steps))
        self.note.setText(result.note)
        self._arrange()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._arrange()

    def _arrange(self) -> None:
        """As many cards per row as fit: 6, 3, 2 or 1 (rows of equal length where possible).
        Laid out again only when that or the number of steps changes."""
        shown = [card for card in self.cards if not card.isHidden()]
        # From the page's own width: the scroll area's viewport is resized only later.
        scrollbar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        margins = self.layout().contentsMargins()
        room = self.width() - margins.left() - margins.right() - scrollbar - 4
        columns = next((n for n in (6, 3, 2) if n * (CARD_WIDTH + 8) <= room), 1)
        if (columns, len(shown)) == self._arranged:
            return
        self._arranged = (columns, len(shown))
        for card in self.cards:
            self._grid.removeWidget(card)
        for index, card in enumerate(shown):
            self._grid.addWidget(card, index // columns, index % columns)
        for column in range(6):
            self._grid.setColumnStretch(column, 1 if column < columns else 0)

    def sizeHint(self) -> QSize:
        return QSize(3 * (CARD_WIDTH + 8) + 24, 600)
