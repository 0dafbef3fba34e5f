"""What the drawing canvas paints: the sheet with its shadow and border, the stroke being
drawn, the invitation on an empty sheet and the brush-sized ring under the mouse.

Plain functions of a QPainter and the sheet's rectangle (the widget is desktop.gui.canvas).
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen, QPixmap

from desktop.gui.document import (
    DOCUMENT_SIZE,
    PAPER,
    Document,
    Stroke,
    paint_document,
    paint_strokes,
)

PLACEHOLDER_INK = QColor(150, 150, 150)  # on the always-white paper
PLACEHOLDER_MARGIN = 12  # pixels between the invitation and the sheet's edges


def paint_shadow(painter: QPainter, paper: QRectF, colour: QColor) -> None:
    """A soft shadow under the sheet, in the palette's shadow colour."""
    shadow = QColor(colour)
    painter.setPen(Qt.PenStyle.NoPen)
    for grow, alpha in ((4.0, 14), (2.5, 22), (1.0, 34)):
        shadow.setAlpha(alpha)
        painter.setBrush(shadow)
        painter.drawRect(paper.adjusted(-grow + 1, -grow + 2, grow + 1, grow + 2))


def paper_pixmap(document: Document, paper: QRectF, ratio: float) -> QPixmap:
    """The sheet with the document, at the screen's device pixel ratio (the canvas keeps it
    until the document or the size changes)."""
    pixmap = QPixmap(max(1, round(paper.width() * ratio)), max(1, round(paper.height() * ratio)))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(PAPER)
    painter = QPainter(pixmap)
    paint_document(painter, document, QRectF(0, 0, paper.width(), paper.height()))
    painter.end()
    return pixmap


def paint_onto(painter: QPainter, stroke: Stroke, paper: QRectF | None = None) -> None:
    """One stroke, anti-aliased, onto the sheet at `paper` (None: a document-sized image)."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    if paper is not None:
        painter.setClipRect(paper)
        painter.translate(paper.topLeft())
        painter.scale(paper.width() / DOCUMENT_SIZE, paper.height() / DOCUMENT_SIZE)
    paint_strokes(painter, [stroke])
    painter.restore()


def paint_border(painter: QPainter, paper: QRectF, colour: QColor) -> None:
    """A crisp one-pixel line around the sheet."""
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    painter.setPen(QPen(colour, 1))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(paper.adjusted(-0.5, -0.5, 0, 0))


def paint_placeholder(painter: QPainter, paper: QRectF, base: QFont, title: str,
                      hint: str) -> None:
    """The invitation on the empty sheet: a large title over a smaller hint."""
    painter.save()
    painter.setPen(PLACEHOLDER_INK)
    font = placeholder_title_font(base, title, paper)
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


def paint_brush_outline(painter: QPainter, paper: QRectF, hover: QPointF, brush_size: float,
                        erasing: bool) -> None:
    """A circle the size of the brush under the mouse, visible on white and on ink; dashed
    for the eraser."""
    if not paper.contains(hover):
        return
    radius = brush_size / 2 * paper.width() / DOCUMENT_SIZE
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    for colour, grow in ((QColor(255, 255, 255, 190), 1.0), (QColor(0, 0, 0, 150), 0.0)):
        pen = QPen(colour, 1.0)
        if erasing:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.drawEllipse(hover, radius + grow, radius + grow)
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
