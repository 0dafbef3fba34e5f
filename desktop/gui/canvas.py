"""The drawing canvas: a square sheet of white paper to draw on with the mouse or a pen.

Left button draws with the current tool (pen or eraser), the right button always erases.
Every finished stroke, clear and picture load is an undoable step (QUndoStack). While a
stroke is being drawn the canvas emits `contentChanged` so the window can classify live.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPixmap,
    QResizeEvent,
    QUndoStack,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop.gui.canvas_paint import (
    paint_border,
    paint_brush_outline,
    paint_onto,
    paint_placeholder,
    paint_shadow,
    paper_pixmap,
)
from desktop.gui.document import (
    DOCUMENT_SIZE,
    Document,
    ReplaceDocument,
    Stroke,
    paint_strokes,
    render_document,
)
from desktop.lazy_imports import np

MIN_BRUSH = 4
MAX_BRUSH = 64
DEFAULT_BRUSH = 30
UNDO_LIMIT = 200  # steps; a step holding a big loaded picture costs a few MB


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
        self._placeholder = ("", "")  # the window says what to draw: set_placeholder

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
        self._undo_stack.push(
            ReplaceDocument(self._apply, self._document, document, description))

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

    def sizeHint(self) -> QSize:
        return QSize(460, 460)

    # --- events -------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
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

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._hover = event.position()
        if self._live_points is not None:
            point = self.to_document(event.position())
            last = self._live_points[-1]
            if math.hypot(point[0] - last[0], point[1] - last[1]) >= 0.75:
                self._live_points.append(point)
                self.contentChanged.emit()
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._live_points is None or event.button() != self._live_button:
            return
        self._live_points.append(self.to_document(event.position()))
        stroke = self._live_stroke()
        self._live_points = None
        if stroke is not None:
            description = "Erase" if stroke.erase else "Stroke"
            self._undo_stack.push(
                ReplaceDocument(self._apply, self._document,
                                self._document.with_stroke(stroke), description)
            )

    def leaveEvent(self, event) -> None:
        self._hover = None
        self.update()
        super().leaveEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self._live_points is not None:
            self._cancel_stroke()
            self.contentChanged.emit()
            return
        super().keyPressEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._paper_cache = None
        super().resizeEvent(event)

    def changeEvent(self, event) -> None:
        self._paper_cache = None  # palette or device pixel ratio may have changed
        super().changeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Window))
        paper = self.paper_rect()
        paint_shadow(painter, paper, self.palette().color(QPalette.ColorRole.Shadow))
        painter.drawPixmap(paper.topLeft(), self._paper_pixmap(paper))
        live = self._live_stroke()
        if live is not None:
            paint_onto(painter, live, paper)
        elif self._document.is_blank:
            paint_placeholder(painter, paper, self.font(), *self._placeholder)
        if self._hover is not None:
            erasing = self._eraser if self._live_points is None else self._live_erase
            paint_brush_outline(painter, paper, self._hover, self._brush_size, erasing)
        paint_border(painter, paper, self.palette().color(QPalette.ColorRole.Mid))
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
        for cache, target in ((self._image_cache, None), (self._paper_cache, self.paper_rect())):
            if cache is not None:
                painter = QPainter(cache)
                paint_onto(painter, stroke, None if target is None
                           else QRectF(0, 0, target.width(), target.height()))
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
            self._paper_cache = paper_pixmap(self._document, paper, ratio)
        return self._paper_cache


def _adds_one_stroke(before: Document, after: Document) -> bool:
    """True when `after` is `before` plus one new stroke on top."""
    return (after.picture is before.picture
            and len(after.strokes) == len(before.strokes) + 1
            and all(a is b for a, b in zip(before.strokes, after.strokes, strict=False)))
