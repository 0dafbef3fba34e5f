"""Small line icons painted with QPainter in the palette's text colour.

Icon themes are not available everywhere (Windows, macOS, minimal Linux desktops), and
painted icons follow the light or dark palette. Each icon is a function drawing into a
24 x 24 box.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPalette, QPen, QPixmap

from desktop.gui.style import Role, mix

SIZE = 24


def _pen(colour: QColor, width: float = 1.8) -> QPen:
    pen = QPen(colour, width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def _open(p: QPainter) -> None:
    path = QPainterPath(QPointF(3, 19))
    for x, y in ((3, 5.5), (9, 5.5), (11, 7.5), (19, 7.5), (19, 10)):
        path.lineTo(x, y)
    p.drawPath(path)
    front = QPainterPath(QPointF(3, 19))
    for x, y in ((6.5, 10.5), (21.5, 10.5), (18, 19)):
        front.lineTo(x, y)
    front.closeSubpath()
    p.drawPath(front)


def _save(p: QPainter) -> None:
    p.drawLine(QPointF(12, 3.5), QPointF(12, 14.5))
    p.drawPolyline([QPointF(7.5, 10), QPointF(12, 14.5), QPointF(16.5, 10)])
    p.drawPolyline([QPointF(4, 14), QPointF(4, 20), QPointF(20, 20), QPointF(20, 14)])


def _arrow(p: QPainter, mirrored: bool) -> None:
    if mirrored:
        p.translate(SIZE, 0)
        p.scale(-1, 1)
    path = QPainterPath(QPointF(5, 10))
    path.lineTo(14.5, 10)
    path.cubicTo(22, 10, 22, 20, 14.5, 20)
    path.lineTo(9, 20)
    p.drawPath(path)
    p.drawPolyline([QPointF(9, 5.5), QPointF(4.5, 10), QPointF(9, 14.5)])


def _undo(p: QPainter) -> None:
    _arrow(p, mirrored=False)


def _redo(p: QPainter) -> None:
    _arrow(p, mirrored=True)


def _clear(p: QPainter) -> None:
    p.drawLine(QPointF(4, 6.5), QPointF(20, 6.5))
    p.drawPolyline([QPointF(9, 6.5), QPointF(9.5, 4), QPointF(14.5, 4), QPointF(15, 6.5)])
    path = QPainterPath(QPointF(6, 6.5))
    path.lineTo(7.2, 20)
    path.lineTo(16.8, 20)
    path.lineTo(18, 6.5)
    p.drawPath(path)
    p.drawLine(QPointF(10.3, 10), QPointF(10.5, 16.5))
    p.drawLine(QPointF(13.7, 10), QPointF(13.5, 16.5))


def _pen_tool(p: QPainter) -> None:
    body = QPainterPath(QPointF(15.5, 4.5))
    for x, y in ((19.5, 8.5), (8.5, 19.5), (3.5, 20.5), (4.5, 15.5)):
        body.lineTo(x, y)
    body.closeSubpath()
    p.drawPath(body)
    p.drawLine(QPointF(13, 7), QPointF(17, 11))


def _eraser(p: QPainter) -> None:
    body = QPainterPath(QPointF(13.5, 4))
    for x, y in ((20.5, 11), (12, 19.5), (8, 19.5), (3.5, 15), (3.5, 14)):
        body.lineTo(x, y)
    body.closeSubpath()
    p.drawPath(body)
    p.drawLine(QPointF(8.5, 9), QPointF(15, 15.5))
    p.drawLine(QPointF(12, 19.5), QPointF(20.5, 19.5))


def _paste(p: QPainter) -> None:
    p.drawRoundedRect(QRectF(5, 5, 14, 16), 2, 2)
    p.drawRoundedRect(QRectF(9, 3, 6, 4), 1, 1)
    p.drawLine(QPointF(8.5, 12), QPointF(15.5, 12))
    p.drawLine(QPointF(8.5, 16), QPointF(13.5, 16))


PAINTERS: dict[str, Callable[[QPainter], None]] = {
    "open": _open,
    "save": _save,
    "undo": _undo,
    "redo": _redo,
    "clear": _clear,
    "pen": _pen_tool,
    "eraser": _eraser,
    "paste": _paste,
}


def _pixmap(name: str, colour: QColor, ratio: float) -> QPixmap:
    pixmap = QPixmap(round(SIZE * ratio), round(SIZE * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(_pen(colour))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    PAINTERS[name](painter)
    painter.end()
    return pixmap


def icon(name: str, palette: QPalette) -> QIcon:
    """The named icon in the palette's button text colour (and a faded disabled look)."""
    result = QIcon()
    normal = palette.color(Role.ButtonText)
    disabled = mix(normal, palette.color(Role.Button), 0.6)
    for ratio in (1.0, 2.0):
        result.addPixmap(_pixmap(name, normal, ratio), QIcon.Mode.Normal)
        result.addPixmap(_pixmap(name, disabled, ratio), QIcon.Mode.Disabled)
    return result


def app_icon() -> QIcon:
    """The window icon: a digit under a magnifying lens."""
    result = QIcon()
    for side in (16, 32, 64, 128, 256):
        pixmap = QPixmap(side, side)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.scale(side / 64, side / 64)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(38, 110, 214))
        painter.drawRoundedRect(QRectF(2, 2, 60, 60), 14, 14)
        painter.setPen(_pen(QColor(255, 255, 255), 5))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        seven = QPainterPath(QPointF(17, 17))
        seven.lineTo(33, 17)
        seven.lineTo(22, 40)
        painter.drawPath(seven)
        painter.setPen(_pen(QColor(255, 214, 92), 4.5))
        painter.drawEllipse(QPointF(37, 33), 11, 11)
        painter.drawLine(QPointF(45, 41), QPointF(53, 50))
        painter.end()
        result.addPixmap(pixmap)
    return result
