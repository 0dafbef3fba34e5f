"""The drawing canvas: a square sheet of white paper to draw on with the mouse or a pen.

Left button draws with the current tool (pen or eraser), the right button always erases.
Every finished stroke, clear and picture load is an undoable step (QUndoStack). While a
stroke is being drawn the canvas emits `contentChanged` so the window can classify live.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
    QResizeEvent,
    QUndoCommand,
    QUndoStack,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop.gui.document import (
    DOCUMENT_SIZE,
    PAPER,
    Document,
    Stroke,
    paint_document,
    paint_strokes,
    render_document,
)

MIN_BRUSH = 4
MAX_BRUSH = 64
DEFAULT_BRUSH = 30
PLACEHOLDER_INK = QColor(150, 150, 150)  # on the always-white paper
PLACEHOLDER_MARGIN = 12  # pixels between the invitation and the sheet's edges
UNDO_LIMIT = 200  # steps; a step holding a big loaded picture costs a few MB


class _ReplaceDocument(QUndoCommand):
    """One undoable step: the canvas content before and after."""

    def __init__(self, canvas: DrawingCanvas, before: Document, after: Document, text: str):
        super().__init__(text)
        self._canvas = canvas
        self._before = before
        self._after = after

    def redo(self) -> None:
        self._canvas._apply(self._after)

    def undo(self) -> None:
        self._canvas._apply(self._before)


class DrawingCanvas(QWidget):
    """Draw with the mouse; shows a loaded picture letter-boxed on the paper."""

    contentChanged = Signal()  # anything visible changed, including a stroke in progress
    documentChanged = Signal()  # committed content changed (stroke, clear, load, undo, redo)
    brushSizeChanged = Signal(int)
    eraserChanged = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("canvas")
        self.setAccessibleName("Drawing canvas")
        self.setMouseTracking(True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(220, 220)
        self._document = Document()
        self._undo_stack = QUndoStack(self)
        self._undo_stack.setUndoLimit(UNDO_LIMIT)
        self._live_points: list[tuple[float, float]] | None = None
        self._live_erase = False
        self._live_button = Qt.MouseButton.NoButton
        self._brush_size = DEFAULT_BRUSH
        self._eraser = False
        self._hover: QPointF | None = None
        self._paper_cache: QPixmap | None = None
        self._image_cache: QImage | None = None
        self._placeholder = ("Draw a digit here", "or drop a picture, paste one, or pick a sample")

    # --- content ------------------------------------------------------------------------------

    @property
    def document(self) -> Document:
        return self._document

    @property
    def undo_stack(self) -> QUndoStack:
        return self._undo_stack

    @property
    def is_drawing(self) -> bool:
        return self._live_points is not None

    @property
    def is_blank(self) -> bool:
        return self._document.is_blank and self._live_points is None

    def replace_document(self, document: Document, description: str) -> None:
        """Change the content as one undoable step."""
        self._cancel_stroke()
        self._undo_stack.push(_ReplaceDocument(self, self._document, document, description))

    def clear(self) -> None:
        if not self.is_blank:
            self.replace_document(Document(), "Clear")

    def show_picture(self, gray: np.ndarray, image: QImage, name: str) -> None:
        """Replace the content by a loaded picture (undoable)."""
        self.replace_document(
            Document(picture=gray, picture_image=image, picture_name=name), f"Open {name}"
        )

    def render_image(self) -> QImage:
        """The content, including a stroke in progress, as a square image on white."""
        if self._image_cache is None:
            self._image_cache = render_document(self._document)
        live = self._live_stroke()
        if live is None:
            return self._image_cache
        image = self._image_cache.copy()
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        paint_strokes(painter, [live])
        painter.end()
        return image

    @property
    def placeholder(self) -> tuple[str, str]:
        """The invitation's title and hint."""
        return self._placeholder

    def set_placeholder(self, title: str, hint: str) -> None:
        """The invitation shown on the empty paper."""
        self._placeholder = (title, hint)
        self.update()

    # --- tools --------------------------------------------------------------------------------

    @property
    def brush_size(self) -> int:
        return self._brush_size

    def set_brush_size(self, size: int) -> None:
        size = max(MIN_BRUSH, min(MAX_BRUSH, int(size)))
        if size != self._brush_size:
            self._brush_size = size
            self.update()
            self.brushSizeChanged.emit(size)

    @property
    def eraser(self) -> bool:
        return self._eraser

    def set_eraser(self, on: bool) -> None:
        if on != self._eraser:
            self._eraser = on
            self.update()
            self.eraserChanged.emit(on)

    # --- geometry -----------------------------------------------------------------------------

    def paper_rect(self) -> QRectF:
        """The square sheet, centred, with a small margin."""
        margin = 10.0
        side = max(1.0, min(self.width(), self.height()) - 2 * margin)
        rect = QRectF(0, 0, side, side)
        rect.moveCenter(QRectF(self.rect()).center())
        return rect

    def to_document(self, position: QPointF) -> tuple[float, float]:
        paper = self.paper_rect()
        scale = DOCUMENT_SIZE / paper.width()
        return ((position.x() - paper.left()) * scale, (position.y() - paper.top()) * scale)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt naming
        return QSize(460, 460)

    # --- events -------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        button = event.button()
        if self._live_points is not None or button not in (
            Qt.MouseButton.LeftButton,
            Qt.MouseButton.RightButton,
        ):
            event.ignore()
            return
        self._live_points = [self.to_document(event.position())]
        self._live_erase = self._eraser or button == Qt.MouseButton.RightButton
        self._live_button = button
        self.update()
        self.contentChanged.emit()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self._hover = event.position()
        if self._live_points is not None:
            point = self.to_document(event.position())
            last = self._live_points[-1]
            if math.hypot(point[0] - last[0], point[1] - last[1]) >= 0.75:
                self._live_points.append(point)
                self.contentChanged.emit()
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._live_points is None or event.button() != self._live_button:
            return
        self._live_points.append(self.to_document(event.position()))
        stroke = self._live_stroke()
        self._live_points = None
        if stroke is not None:
            description = "Erase" if stroke.erase else "Stroke"
            self._undo_stack.push(
                _ReplaceDocument(self, self._document, self._document.with_stroke(stroke),
                                 description)
            )

    def leaveEvent(self, event) -> None:  # noqa: N802
        self._hover = None
        self.update()
        super().leaveEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Escape and self._live_points is not None:
            self._cancel_stroke()
            self.contentChanged.emit()
            return
        super().keyPressEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        self._paper_cache = None
        super().resizeEvent(event)

    def changeEvent(self, event) -> None:  # noqa: N802
        self._paper_cache = None  # palette or device pixel ratio may have changed
        super().changeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Window))
        paper = self.paper_rect()
        self._paint_shadow(painter, paper)
        painter.drawPixmap(paper.topLeft(), self._paper_pixmap(paper))
        live = self._live_stroke()
        if live is not None:
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setClipRect(paper)
            painter.translate(paper.topLeft())
            scale = paper.width() / DOCUMENT_SIZE
            painter.scale(scale, scale)
            paint_strokes(painter, [live])
            painter.restore()
        elif self._document.is_blank:
            self._paint_placeholder(painter, paper)
        self._paint_brush_outline(painter, paper)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Mid), 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(paper.adjusted(-0.5, -0.5, 0, 0))
        painter.end()

    # --- internals ----------------------------------------------------------------------------

    def _apply(self, document: Document) -> None:
        """Called by the undo commands: show `document`."""
        previous, self._document = self._document, document
        if _adds_one_stroke(previous, document):
            self._paint_onto_caches(document.strokes[-1])  # cheap: the common case
        else:
            self._paper_cache = None
            self._image_cache = None
        self.update()
        self.documentChanged.emit()
        self.contentChanged.emit()

    def _paint_onto_caches(self, stroke: Stroke) -> None:
        if self._image_cache is not None:
            painter = QPainter(self._image_cache)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            paint_strokes(painter, [stroke])
            painter.end()
        if self._paper_cache is not None:
            paper = self.paper_rect()
            painter = QPainter(self._paper_cache)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.scale(paper.width() / DOCUMENT_SIZE, paper.height() / DOCUMENT_SIZE)
            paint_strokes(painter, [stroke])
            painter.end()

    def _live_stroke(self) -> Stroke | None:
        if not self._live_points:
            return None
        return Stroke(tuple(self._live_points), float(self._brush_size), self._live_erase)

    def _cancel_stroke(self) -> None:
        if self._live_points is not None:
            self._live_points = None
            self.update()

    def _paper_pixmap(self, paper: QRectF) -> QPixmap:
        ratio = self.devicePixelRatioF()
        if self._paper_cache is None or self._paper_cache.devicePixelRatio() != ratio:
            pixmap = QPixmap(
                max(1, round(paper.width() * ratio)), max(1, round(paper.height() * ratio))
            )
            pixmap.setDevicePixelRatio(ratio)
            pixmap.fill(PAPER)
            painter = QPainter(pixmap)
            paint_document(
                painter, self._document, QRectF(0, 0, paper.width(), paper.height())
            )
            painter.end()
            self._paper_cache = pixmap
        return self._paper_cache

    def _paint_shadow(self, painter: QPainter, paper: QRectF) -> None:
        shadow = QColor(self.palette().color(QPalette.ColorRole.Shadow))
        painter.setPen(Qt.PenStyle.NoPen)
        for grow, alpha in ((4.0, 14), (2.5, 22), (1.0, 34)):
            shadow.setAlpha(alpha)
            painter.setBrush(shadow)
            painter.drawRect(paper.adjusted(-grow + 1, -grow + 2, grow + 1, grow + 2))

    def _paint_placeholder(self, painter: QPainter, paper: QRectF) -> None:
        title, hint = self._placeholder
        painter.save()
        painter.setPen(PLACEHOLDER_INK)
        font = placeholder_title_font(self.font(), title, paper)
        painter.setFont(font)
        title_rect = QRectF(paper.left(), paper.top(), paper.width(), paper.height() / 2)
        painter.drawText(
            title_rect.adjusted(PLACEHOLDER_MARGIN, 0, -PLACEHOLDER_MARGIN, 0),
            int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom
                | Qt.TextFlag.TextWordWrap),
            title,
        )
        font.setPointSizeF(max(8.5, paper.height() / 46))
        painter.setFont(font)
        hint_rect = QRectF(paper.left(), paper.center().y() + 6, paper.width(), paper.height() / 2)
        painter.drawText(
            hint_rect.adjusted(16, 0, -16, 0),
            int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
                | Qt.TextFlag.TextWordWrap),
            hint,
        )
        painter.restore()

    def _paint_brush_outline(self, painter: QPainter, paper: QRectF) -> None:
        """A circle the size of the brush under the mouse, visible on white and on ink."""
        if self._hover is None or not paper.contains(self._hover):
            return
        radius = self._brush_size / 2 * paper.width() / DOCUMENT_SIZE
        erasing = self._eraser if self._live_points is None else self._live_erase
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for colour, grow in ((QColor(255, 255, 255, 190), 1.0), (QColor(0, 0, 0, 150), 0.0)):
            pen = QPen(colour, 1.0)
            if erasing:
                pen.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.drawEllipse(self._hover, radius + grow, radius + grow)
        painter.restore()


def placeholder_title_font(base: QFont, title: str, paper: QRectF) -> QFont:
    """The invitation's font: large on a large sheet, but never wider than the sheet
    ("Draw a piece of clothing here" was cut at both ends); it wraps only below 11 pt."""
    font = QFont(base)
    size = max(11.0, paper.height() / 18)
    room = paper.width() - 2 * PLACEHOLDER_MARGIN
    while True:
        font.setPointSizeF(size)
        if size <= 11.0 or QFontMetricsF(font).horizontalAdvance(title) <= room:
            return font
        size = max(11.0, size * 0.92)


def _adds_one_stroke(before: Document, after: Document) -> bool:
    """True when `after` is `before` plus one new stroke on top."""
    return (after.picture is before.picture
            and len(after.strokes) == len(before.strokes) + 1
            and all(a is b for a, b in zip(before.strokes, after.strokes, strict=False)))
