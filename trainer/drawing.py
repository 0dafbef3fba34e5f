"""Drawing stroke skeletons like a hand with a pen: a style (pen width, pressure, slant,
rotation, aspect, shaky hand, elastic wobble) is drawn at random and the strokes are rendered
with a round, anti-aliased pen, like the app canvas's brush; and digits made to look like an old
scanner's. Gray pictures, black ink on white paper. Plain numpy: the benchmarks use it without
torch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from desktop import preprocess
from trainer.glyphs import Glyph

RESOLUTION = 64  # pixels of the square the strokes are rendered into before preprocessing


@dataclass(frozen=True)
class Style:
    """How one person draws: pen width (fraction of the glyph height), pressure (how much the
    width swells and thins along a stroke), slant and rotation in degrees, aspect (width
    stretch), jitter (shaky hand) and wobble (slow elastic bending), both in glyph heights."""

    width: float
    pressure: float
    slant: float
    rotation: float
    aspect: float
    jitter: float
    wobble: float


def random_style(rng: np.random.Generator) -> Style:
    return Style(
        width=float(rng.choice([rng.uniform(0.02, 0.06), rng.uniform(0.05, 0.16)])),
        pressure=float(rng.uniform(0.0, 0.6)),
        slant=float(rng.uniform(-25, 25)),
        rotation=float(rng.uniform(-12, 12)),
        aspect=float(rng.uniform(0.6, 1.35)),
        jitter=float(rng.uniform(0.0, 0.012)),
        wobble=float(rng.uniform(0.0, 0.05)),
    )


def place(glyph: Glyph, style: Style, rng: np.random.Generator) -> list[np.ndarray]:
    """The glyph's strokes bent by the style, as point arrays in glyph heights, y down."""
    every = np.concatenate([np.asarray(s, dtype=float) for s in glyph])
    middle = (every.min(axis=0) + every.max(axis=0)) / 2
    angle = math.radians(style.rotation)
    shear = math.tan(math.radians(style.slant))
    linear = (np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
              @ np.array([[1.0, -shear], [0.0, 1.0]]) @ np.diag([style.aspect, 1.0]))
    # Elastic wobble: one smooth random displacement field shared by all strokes.
    waves = rng.normal(0, style.wobble, (2, 2, 2))
    phases = rng.uniform(0, 2 * math.pi, (2, 2))
    placed = []
    for stroke in glyph:
        points = densify((np.asarray(stroke, dtype=float) - middle) @ linear.T, spacing=0.02)
        for axis in range(2):
            for k in range(2):
                points[:, axis] += (waves[axis, k, 0] * np.sin(
                    (k + 1) * math.pi * points[:, 1] + phases[axis, k])
                    + waves[axis, k, 1] * np.sin((k + 1) * math.pi * points[:, 0]))
        if style.jitter and len(points) >= 5:
            noise = rng.normal(0, style.jitter, points.shape)
            kernel = np.ones(5) / 5  # a shaky hand wobbles, it does not sparkle
            points = points + np.stack(
                [np.convolve(noise[:, i], kernel, "same") for i in range(2)], 1)
        placed.append(points)
    return placed


def render(strokes: list[np.ndarray], width: float, pressure: float = 0.0,
           rng: np.random.Generator | None = None, size: int = RESOLUTION) -> np.ndarray:
    """Draw strokes (in glyph heights) with a round anti-aliased pen: a size x size picture,
    black ink on white paper (1 = white), the glyph fitted into the middle 75 %."""
    rng = rng or np.random.default_rng(0)
    every = np.concatenate(strokes)
    low, high = every.min(axis=0), every.max(axis=0)
    scale = 0.75 * size / max(float((high - low).max()), 1e-6)
    offset = size / 2 - (low + high) / 2 * scale
    pen = max(width * scale, 0.8)
    ink = np.zeros((size, size), dtype=np.float32)
    for stroke in strokes:
        # Segments of about 2 px: smooth enough for curves, few enough to draw fast.
        points = densify(stroke * scale + offset, spacing=2.0)
        if len(points) == 1:
            points = np.repeat(points, 2, axis=0)
        # Pressure: the pen swells and thins smoothly along the stroke.
        phase = rng.uniform(0, 2 * math.pi)
        along = np.linspace(0, 1, len(points) - 1)
        radii = pen / 2 * (1 + pressure * 0.5 * np.sin(2 * math.pi * along + phase))
        for start, end, radius in zip(points[:-1], points[1:], radii, strict=True):
            _stamp_segment(ink, start, end, float(radius))
    return 1.0 - ink


def _stamp_segment(ink: np.ndarray, start: np.ndarray, end: np.ndarray, radius: float) -> None:
    """Ink a round-capped segment into `ink` (in place), one pixel of anti-aliasing, only in
    the small window around it."""
    reach = radius + 1.0
    x0, y0 = np.floor(np.minimum(start, end) - reach).astype(int)
    x1, y1 = np.ceil(np.maximum(start, end) + reach).astype(int)
    x0, y0 = max(x0, 0), max(y0, 0)
    x1, y1 = min(x1, ink.shape[1]), min(y1, ink.shape[0])
    if x0 >= x1 or y0 >= y1:
        return
    ys, xs = np.mgrid[y0:y1, x0:x1]
    px, py = xs + 0.5 - start[0], ys + 0.5 - start[1]
    dx, dy = end[0] - start[0], end[1] - start[1]
    t = np.clip((px * dx + py * dy) / max(dx * dx + dy * dy, 1e-9), 0.0, 1.0)
    distance = np.hypot(px - t * dx, py - t * dy)
    window = ink[y0:y1, x0:x1]
    np.maximum(window, np.clip(radius - distance + 0.5, 0.0, 1.0), out=window)


def densify(points: np.ndarray, spacing: float) -> np.ndarray:
    """The polyline `points` resampled every `spacing` along its length."""
    lengths = np.r_[0.0, np.cumsum(np.linalg.norm(np.diff(points, axis=0), axis=1))]
    if lengths[-1] == 0:
        return points[:1].copy()
    at = np.linspace(0.0, lengths[-1], max(2, int(lengths[-1] / spacing) + 1))
    return np.stack([np.interp(at, lengths, points[:, i]) for i in range(2)], axis=1)


def scan_like(gray: np.ndarray, rng: np.random.Generator, boxes: tuple[int, ...] = (14, 16, 18)
              ) -> np.ndarray:
    """A digit as old scanned data sets store it: the ink's box stretched to fill a small
    square grid, thresholded to black and white, sometimes enlarged again with hard edges."""
    ink = preprocess.light_on_dark(gray)
    if ink is None:
        return gray
    rows, cols = np.flatnonzero(ink.max(1) > 0.1), np.flatnonzero(ink.max(0) > 0.1)
    crop = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    side = int(rng.choice(boxes))
    small = preprocess._resample_rows(preprocess._resample_rows(crop, side).T, side).T
    binary = (small > rng.uniform(0.25, 0.55) * small.max()).astype(np.float32)
    if rng.random() < 0.5:
        factor = int(rng.integers(2, 8))
        binary = np.kron(binary, np.ones((factor, factor), dtype=np.float32))
    return 1.0 - binary


def draw_glyph(glyph: Glyph, rng: np.random.Generator) -> np.ndarray:
    """One random drawing of a glyph: a gray picture, black on white."""
    style = random_style(rng)
    return render(place(glyph, style, rng), style.width, style.pressure, rng)
