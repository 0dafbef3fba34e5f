"""Draw digits the way a person draws on the app's canvas (white 280x280, black round-capped
anti-aliased pen, QPainter on a QImage), from the generator's stroke templates.

Used by benchmarks/number_reading.py and benchmarks/latency.py. Templates are polylines in a box
1 tall and about 0.6 wide, y pointing down.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen

from trainer.handwriting import DIGITS

CANVAS = 280
Stroke = list[tuple[float, float]]


# digit -> variant name -> strokes: the generator's style families (trainer.handwriting),
# training and held-out alike.
TEMPLATES = DIGITS


@dataclass(frozen=True)
class Style:
    """How a person draws: pen width in px, slant in degrees (positive leans right), rotation
    in degrees (clockwise), height as a fraction of the canvas, width stretch, centre (0..1 of
    the canvas) and jitter (shaky hand, as a fraction of the height)."""

    width: float = 20.0
    slant: float = 0.0
    rotation: float = 0.0
    size: float = 0.7
    aspect: float = 1.0
    center: tuple[float, float] = (0.5, 0.5)
    jitter: float = 0.0


def random_style(rng: np.random.Generator) -> Style:
    """A plausible canvas drawing: any pen from fine to fat, any size and place."""
    size = float(rng.uniform(0.25, 0.95))
    # Nobody writes a digit only three pen widths tall: that is a blob, not a digit.
    widest = min(40.0, 0.2 * size * CANVAS)
    return Style(
        width=float(rng.uniform(6, widest)),
        slant=float(rng.uniform(-20, 20)),
        rotation=float(rng.uniform(-10, 10)),
        size=size,
        aspect=float(rng.uniform(0.75, 1.3)),
        center=(float(rng.uniform(0, 1)), float(rng.uniform(0, 1))),
        jitter=float(rng.uniform(0, 0.015)),
    )


def canvas_strokes(strokes: list[Stroke], style: Style, rng: np.random.Generator | None = None,
                   canvas: int = CANVAS) -> list[Stroke]:
    """The template's strokes in canvas pixels for `style`, kept inside the canvas (the centre
    is moved, and the digit shrunk if needed, so the pen never leaves it)."""
    rng = rng or np.random.default_rng(0)
    height = style.size * canvas
    pieces = [np.asarray(stroke, dtype=float) for stroke in strokes]
    every = np.concatenate(pieces)
    middle = (every.min(axis=0) + every.max(axis=0)) / 2
    angle = math.radians(style.rotation)
    shear = math.tan(math.radians(style.slant))
    linear = (np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
              @ np.array([[1.0, -shear], [0.0, 1.0]]) @ np.diag([style.aspect, 1.0]) * height)
    placed = []
    for piece in pieces:
        points = _densify((piece - middle) @ linear.T, spacing=4.0)
        if style.jitter and len(points) >= 5:
            noise = rng.normal(0, style.jitter * height, points.shape)
            kernel = np.ones(5) / 5  # smooth: a shaky hand wobbles, it does not sparkle
            noise = np.stack([np.convolve(noise[:, i], kernel, "same") for i in range(2)], 1)
            points = points + noise
        placed.append(points)
    every = np.concatenate(placed)
    low, high = every.min(axis=0), every.max(axis=0)
    room = canvas - style.width - 2
    scale = min(1.0, room / max(float((high - low).max()), 1e-9))
    half = (high - low) * scale / 2
    wanted = np.array(style.center) * canvas
    centre = np.clip(wanted, style.width / 2 + 1 + half, canvas - style.width / 2 - 1 - half)
    shift = centre - (low + high) / 2 * scale
    return [[(float(x), float(y)) for x, y in points * scale + shift] for points in placed]


def _densify(points: np.ndarray, spacing: float) -> np.ndarray:
    """Points every `spacing` px along the polyline, like the mouse moves a drag reports."""
    lengths = np.r_[0.0, np.cumsum(np.linalg.norm(np.diff(points, axis=0), axis=1))]
    if lengths[-1] == 0:
        return points[:1]
    at = np.linspace(0.0, lengths[-1], max(2, int(lengths[-1] / spacing) + 1))
    return np.stack([np.interp(at, lengths, points[:, i]) for i in range(2)], axis=1)


def render(strokes: list[Stroke], width: float, canvas: int = CANVAS) -> QImage:
    """Draw canvas-pixel strokes like the app's canvas: black round pen on white."""
    image = QImage(canvas, canvas, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.white)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor(0, 0, 0), width, Qt.PenStyle.SolidLine,
                        Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
    for stroke in strokes:
        painter.drawPolyline([QPointF(x, y) for x, y in stroke])
    painter.end()
    return image


def render_digit(digit: int, variant: str, style: Style,
                 rng: np.random.Generator | None = None) -> QImage:
    """A drawn digit on a 280x280 canvas image."""
    return render(canvas_strokes(TEMPLATES[digit][variant], style, rng), style.width)
