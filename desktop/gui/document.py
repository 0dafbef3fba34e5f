"""What is on the drawing canvas: an optional loaded picture plus pen and eraser strokes.

A Document is immutable; every edit makes a new one, so undo/redo just swaps documents.
Strokes are stored in document coordinates (a DOCUMENT_SIZE square), independent of the
widget's size, and drawn as smooth, anti-aliased paths with round caps and joins.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from PySide6.QtCore import QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen, QUndoCommand

from desktop.lazy_imports import np

DOCUMENT_SIZE = 448  # 16 x 28: plenty of detail for a 28 x 28 model input, cheap to render
PAPER = QColor(255, 255, 255)
PIXELATE_FROM = 4  # enlarging a picture this many times or more shows its pixels
INK = QColor(0, 0, 0)


@dataclass(frozen=True)
class Stroke:
    """One pen or eraser stroke: the mouse positions and the brush diameter."""

    points: tuple[tuple[float, float], ...]
    width: float
    erase: bool = False

    def path(self) -> QPainterPath:
        """A smooth path through the points: quadratic curves between midpoints."""
        path = QPainterPath()
        pts = [QPointF(x, y) for x, y in self.points]
        path.moveTo(pts[0])
        if len(pts) < 3:
            for point in pts[1:]:
                path.lineTo(point)
            return path
        for current, following in zip(pts[1:-1], pts[2:], strict=False):
            path.quadTo(current, (current + following) / 2)
        path.lineTo(pts[-1])
        return path

    def is_dot(self) -> bool:
        first = self.points[0]
        return all(abs(x - first[0]) < 0.5 and abs(y - first[1]) < 0.5 for x, y in self.points)


@dataclass(frozen=True, eq=False)
class Document:
    """Canvas content. `picture` is the decoded grayscale image (0..1, 1 = white) that the
    models classify as-is while nothing has been drawn over it."""

    picture: np.ndarray | None = None
    picture_image: QImage | None = None  # display copy of `picture`
    picture_name: str = ""
    strokes: tuple[Stroke, ...] = field(default_factory=tuple)

    @property
    def is_blank(self) -> bool:
        return self.picture is None and not self.strokes

    def with_stroke(self, stroke: Stroke) -> Document:
        return replace(self, strokes=(*self.strokes, stroke))


class ReplaceDocument(QUndoCommand):
    """One undoable step: the content before and after; `apply` shows a document."""

    def __init__(self, apply: Callable[[Document], None], before: Document, after: Document,
                 text: str) -> None:
        super().__init__(text)
        self._apply = apply
        self._before = before
        self._after = after

    def redo(self) -> None:
        self._apply(self._after)

    def undo(self) -> None:
        self._apply(self._before)


def fit_rect(size: QSizeF, target: QRectF) -> QRectF:
    """The largest rectangle of `size`'s aspect ratio centred in `target` (letter-boxing)."""
    if size.width() <= 0 or size.height() <= 0:
        return QRectF(target)
    scale = min(target.width() / size.width(), target.height() / size.height())
    fitted = QRectF(0, 0, size.width() * scale, size.height() * scale)
    fitted.moveCenter(target.center())
    return fitted


def stroke_pen(stroke: Stroke) -> QPen:
    pen = QPen(PAPER if stroke.erase else INK, stroke.width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def paint_strokes(painter: QPainter, strokes: Iterable[Stroke]) -> None:
    """Paint strokes in document coordinates (the painter's transform maps them)."""
    for stroke in strokes:
        if stroke.is_dot():
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(PAPER if stroke.erase else INK)
            x, y = stroke.points[0]
            radius = stroke.width / 2
            painter.drawEllipse(QPointF(x, y), radius, radius)
        else:
            painter.setPen(stroke_pen(stroke))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(stroke.path())


def paint_document(painter: QPainter, document: Document, target: QRectF) -> None:
    """Paint white paper, the letter-boxed picture and the strokes into `target`."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setClipRect(target)
    painter.fillRect(target, PAPER)
    image = document.picture_image
    if image is not None and not image.isNull():
        placed = fit_rect(QSizeF(image.size()), target)
        # Tiny pictures (28 x 28 samples) are shown as crisp pixels rather than a blur.
        blocky = placed.width() >= PIXELATE_FROM * image.width()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, not blocky)
        painter.drawImage(placed, image)
    painter.translate(target.topLeft())
    painter.scale(target.width() / DOCUMENT_SIZE, target.height() / DOCUMENT_SIZE)
    paint_strokes(painter, document.strokes)
    painter.restore()


def render_document(document: Document) -> QImage:
    """The document as a DOCUMENT_SIZE square image (what gets classified and saved)."""
    image = QImage(DOCUMENT_SIZE, DOCUMENT_SIZE, QImage.Format.Format_RGB32)
    image.fill(PAPER)
    painter = QPainter(image)
    paint_document(painter, document, QRectF(0, 0, DOCUMENT_SIZE, DOCUMENT_SIZE))
    painter.end()
    return image


def gray_to_qimage(gray: np.ndarray, max_side: int = 1024) -> QImage:
    """A display copy of a 0..1 grayscale array (downscaled if it is very large)."""
    pixels = np.ascontiguousarray(np.clip(gray * 255.0 + 0.5, 0, 255).astype(np.uint8))
    height, width = pixels.shape
    image = QImage(pixels.data, width, height, width, QImage.Format.Format_Grayscale8).copy()
    if max(width, height) > max_side:
        image = image.scaled(
            max_side,
            max_side,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
    return image
