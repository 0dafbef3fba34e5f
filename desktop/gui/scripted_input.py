"""Draw on the canvas with real mouse events, as a user would: used by the GUI tests, the
latency benchmark and the screenshot script.

Shapes are lists of strokes; a stroke is a list of points in paper coordinates from 0 to 1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QWidget

Point = tuple[float, float]
Shape = list[list[Point]]


def _ellipse(cx: float, cy: float, rx: float, ry: float, steps: int = 48) -> list[Point]:
    angles = [2 * math.pi * i / steps for i in range(steps + 1)]
    return [(cx + rx * math.sin(a), cy - ry * math.cos(a)) for a in angles]


def _arc(cx: float, cy: float, r: float, start: float, end: float, steps: int = 24) -> list[Point]:
    """Clockwise arc; angles in degrees, 0 = up, 90 = right."""
    return [(cx + r * math.sin(math.radians(a)), cy - r * math.cos(math.radians(a)))
            for a in (start + (end - start) * i / steps for i in range(steps + 1))]


DIGITS: dict[str, Shape] = {
    "0": [_ellipse(0.5, 0.5, 0.19, 0.3)],
    "1": [[(0.44, 0.28), (0.53, 0.2), (0.53, 0.8)]],
    "2": [_arc(0.5, 0.36, 0.17, -75, 120) + [(0.3, 0.8), (0.72, 0.8)]],
    "3": [_arc(0.48, 0.35, 0.15, -80, 175), _arc(0.48, 0.64, 0.17, 5, 235)],
    "4": [[(0.58, 0.2), (0.28, 0.62), (0.74, 0.62)], [(0.6, 0.42), (0.6, 0.82)]],
    "5": [[(0.66, 0.22), (0.36, 0.22), (0.33, 0.47)] + _arc(0.49, 0.62, 0.18, -55, 215)],
    "6": [[(0.62, 0.22), (0.45, 0.36), (0.35, 0.55)] + _arc(0.5, 0.64, 0.16, 270, 630)],
    "7": [[(0.3, 0.22), (0.72, 0.22), (0.45, 0.8)]],
    "8": [_ellipse(0.5, 0.35, 0.13, 0.14), _ellipse(0.5, 0.65, 0.16, 0.16)],
    "9": [_ellipse(0.5, 0.36, 0.15, 0.15), [(0.65, 0.36), (0.63, 0.8)]],
}



def number_shape(text: str, width: float = 0.86, gap: float = 0.35) -> Shape:
    """The DIGITS of `text` side by side on the paper, centred, each digit's box separated by
    `gap` times a digit's height (the way people write a number with gaps)."""
    shapes = [DIGITS[char] for char in text]
    spans = [(min(x for stroke in shape for x, _ in stroke),
              max(x for stroke in shape for x, _ in stroke)) for shape in shapes]
    height = 0.6  # every digit in DIGITS spans y 0.2..0.8
    total = sum(right - left for left, right in spans) + gap * height * (len(shapes) - 1)
    scale = min(1.0, width / total)
    x = 0.5 - total * scale / 2
    result: Shape = []
    for shape, (left, right) in zip(shapes, spans, strict=True):
        result.extend([[(x + (px - left) * scale, 0.5 + (py - 0.5) * scale) for px, py in stroke]
                       for stroke in shape])
        x += (right - left + gap * height) * scale
    return result


# Drawings that are no digit at all, for showing (and testing) how the app admits doubt.
NOT_DIGITS: dict[str, Shape] = {
    "smile": [[(0.3, 0.55), (0.4, 0.68), (0.5, 0.72), (0.6, 0.68), (0.7, 0.55)],
              [(0.4, 0.35), (0.41, 0.36)], [(0.6, 0.35), (0.61, 0.36)]],
    "cross": [[(0.3, 0.25), (0.7, 0.8)], [(0.7, 0.25), (0.3, 0.8)]],
    "plus": [[(0.5, 0.25), (0.5, 0.8)], [(0.25, 0.52), (0.75, 0.52)]],
    "k": [[(0.35, 0.2), (0.35, 0.8)], [(0.68, 0.2), (0.36, 0.52), (0.68, 0.8)]],
}


def send_mouse(widget: QWidget, kind: QEvent.Type, position: QPointF,
               button: Qt.MouseButton, buttons: Qt.MouseButton) -> None:
    global_position = QPointF(widget.mapToGlobal(position))
    event = QMouseEvent(kind, position, global_position, button, buttons,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def draw_stroke(canvas: QWidget, points: Sequence[Point], step_px: float = 4.0,
                button: Qt.MouseButton = Qt.MouseButton.LeftButton,
                release: bool = True) -> None:
    """Press, drag through `points` (paper coordinates 0..1) in small steps, release."""
    paper = canvas.paper_rect()  # type: ignore[attr-defined]

    def at(point: Point) -> QPointF:
        return QPointF(paper.left() + point[0] * paper.width(),
                       paper.top() + point[1] * paper.height())

    positions = [at(point) for point in points]
    send_mouse(canvas, QEvent.Type.MouseButtonPress, positions[0], button, button)
    for start, end in zip(positions, positions[1:], strict=False):
        distance = math.hypot(end.x() - start.x(), end.y() - start.y())
        steps = max(1, int(distance / step_px))
        for i in range(1, steps + 1):
            position = start + (end - start) * (i / steps)
            send_mouse(canvas, QEvent.Type.MouseMove, position, Qt.MouseButton.NoButton, button)
    if release:
        send_mouse(canvas, QEvent.Type.MouseButtonRelease, positions[-1], button,
                   Qt.MouseButton.NoButton)


def draw_shape(canvas: QWidget, shape: Shape, **options) -> None:
    for stroke in shape:
        draw_stroke(canvas, stroke, **options)


# Drawings a reader could take for either of two digits: the model accepts them but is unsure.
UNCLEAR_DIGITS: dict[str, Shape] = {
    "wide arc": [[(0.5 + 0.19 * math.sin(a), 0.5 - 0.3 * math.cos(a))
                          for a in (3.6 * i / 29 for i in range(30))]],  # ")": a 1? a 2 begun?
    "u": [[(0.35, 0.3), (0.38, 0.65), (0.5, 0.72), (0.62, 0.65), (0.64, 0.3)]],  # 0 or 4?
}
