"""Synthetic handwriting: digits in the styles people write around the world, and pictures that
are not digits at all (letters, scribbles, shapes), drawn like a pen on the app's canvas.

Every glyph is a stroke skeleton in a box about 0.6 wide and 1 tall (y down). A style (pen
width, pressure, slant, rotation, aspect, shaky hand, elastic wobble) is drawn at random and the
strokes are rendered with a round, anti-aliased pen, like the canvas's brush. The images then go
through the app's own preprocessing (desktop.preprocess), so they reach the network exactly as a
user's drawing would.

Style families are split in two: TRAIN families feed the trainer, HELD_OUT families are never
trained on and only measured (benchmarks/handwriting.py), so the benchmark cannot flatter.
Plain numpy: the benchmarks use it without torch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from desktop import preprocess

Stroke = list[tuple[float, float]]
Glyph = list[Stroke]
RESOLUTION = 64  # pixels of the square the strokes are rendered into before preprocessing
MNIST_RECIPE = {"name": "mnist-digit", "ink": "light-on-dark", "trim": "ink", "fit": 20,
                "canvas": 28, "center": "mass"}


def arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float,
        steps: int = 24) -> Stroke:
    """Points on an ellipse from angle `start` to `end` in degrees (0 = right, 90 = down)."""
    angles = np.radians(np.linspace(start, end, steps))
    return [(cx + rx * math.cos(a), cy + ry * math.sin(a)) for a in angles]


def figure_eight(tilt: float = 0.0, top: float = 0.22, bottom: float = 0.28) -> Stroke:
    """One continuous stroke: down the right of the top loop, crossing, round the bottom."""
    points = []
    for t in np.linspace(0.0, 1.0, 60):
        y = 0.5 - 0.48 * math.cos(2 * math.pi * t)
        width = top if y < 0.5 else bottom
        points.append((0.3 + width * math.sin(4 * math.pi * t) + tilt * (0.5 - y), y))
    return points


# digit -> family -> glyph. Families marked in HELD_OUT_DIGIT_FAMILIES are never trained on.
DIGITS: dict[int, dict[str, Glyph]] = {
    0: {
        "oval": [arc(0.3, 0.5, 0.28, 0.48, -100, 265)],
        "overlap": [arc(0.32, 0.5, 0.27, 0.47, -60, 320)],
        "narrow": [arc(0.3, 0.5, 0.17, 0.48, -90, 272)],
        "open-top": [arc(0.3, 0.52, 0.27, 0.46, -70, 245)],
        "egg": [arc(0.3, 0.55, 0.3, 0.44, -95, 268)],
    },
    1: {
        "stick": [[(0.3, 0.0), (0.3, 1.0)]],
        "flag": [[(0.12, 0.2), (0.34, 0.0), (0.34, 1.0)]],
        "long-flag": [[(0.0, 0.42), (0.36, 0.0), (0.36, 1.0)]],
        "flag-base": [[(0.1, 0.24), (0.34, 0.0), (0.34, 1.0)], [(0.06, 1.0), (0.62, 1.0)]],
        "long-flag-base": [[(0.02, 0.38), (0.34, 0.0), (0.34, 1.0)], [(0.1, 1.0), (0.58, 1.0)]],
        "curved-flag": [[(0.08, 0.3), (0.2, 0.16), (0.3, 0.04), (0.34, 0.0), (0.33, 1.0)]],
        "serif": [[(0.2, 0.08), (0.32, 0.0), (0.32, 1.0)]],
    },
    2: {
        "plain": [arc(0.3, 0.28, 0.27, 0.26, 190, 390)[:-4] + [(0.03, 0.98), (0.62, 0.98)]],
        "loop": [arc(0.3, 0.28, 0.27, 0.26, 190, 390)[:-4]
                 + [(0.16, 0.84), (0.06, 0.97), (0.01, 0.9), (0.1, 0.84), (0.2, 0.9),
                    (0.28, 0.97), (0.62, 0.97)]],
        "z-like": [[(0.04, 0.06), (0.56, 0.04), (0.04, 0.96), (0.62, 0.96)]],
        "swan": [arc(0.3, 0.3, 0.28, 0.28, 180, 360)
                 + arc(0.0, 0.3, 0.58, 0.68, 0, 90)[1:] + [(0.62, 0.98)]],
        "wavy-base": [arc(0.3, 0.28, 0.27, 0.26, 190, 390)[:-4]
                      + [(0.03, 0.95), (0.2, 0.9), (0.4, 1.0), (0.62, 0.94)]],
    },
    3: {
        "round": [arc(0.3, 0.26, 0.26, 0.24, 200, 450) + arc(0.3, 0.74, 0.3, 0.26, -90, 160)[1:]],
        "flat-top": [[(0.05, 0.02), (0.58, 0.02), (0.25, 0.42)]
                     + arc(0.3, 0.7, 0.3, 0.28, -100, 160)[1:]],
        "two-strokes": [arc(0.3, 0.26, 0.26, 0.24, 200, 440),
                        arc(0.3, 0.74, 0.3, 0.26, -110, 160)],
        "pointed": [[(0.04, 0.1), (0.3, 0.0), (0.56, 0.14), (0.24, 0.48), (0.58, 0.64),
                     (0.5, 0.9), (0.26, 1.0), (0.02, 0.88)]],
        "small-top": [arc(0.32, 0.2, 0.18, 0.18, 200, 450)
                      + arc(0.3, 0.68, 0.3, 0.32, -90, 165)[1:]],
    },
    4: {
        "closed": [[(0.46, 0.0), (0.0, 0.66), (0.62, 0.66)], [(0.46, 0.0), (0.46, 1.0)]],
        "open-top": [[(0.1, 0.0), (0.04, 0.6), (0.62, 0.6)], [(0.46, 0.05), (0.46, 1.0)]],
        "one-stroke": [[(0.12, 0.0), (0.04, 0.62), (0.5, 0.62), (0.5, 0.2), (0.5, 1.0)]],
        "long-cross": [[(0.08, 0.0), (0.02, 0.58), (0.64, 0.58)], [(0.42, 0.12), (0.42, 1.0)]],
        "slanted-open": [[(0.2, 0.0), (0.0, 0.62), (0.6, 0.6)], [(0.5, 0.2), (0.4, 1.0)]],
        "closed-one-stroke": [[(0.64, 0.7), (0.0, 0.7), (0.44, 0.0), (0.44, 1.0)]],
    },
    5: {
        "classic": [[(0.1, 0.02), (0.07, 0.45)] + arc(0.3, 0.68, 0.29, 0.3, -145, 150)[1:],
                    [(0.1, 0.02), (0.58, 0.02)]],
        "one-stroke": [[(0.58, 0.02), (0.1, 0.02), (0.07, 0.45)]
                       + arc(0.3, 0.68, 0.29, 0.3, -145, 150)[1:]],
        "flag-last": [[(0.12, 0.0), (0.08, 0.42)] + arc(0.28, 0.7, 0.3, 0.28, -140, 160)[1:],
                      [(0.14, 0.0), (0.6, -0.04)]],
        "angular": [[(0.58, 0.0), (0.08, 0.0), (0.06, 0.42), (0.5, 0.46), (0.6, 0.72),
                     (0.44, 0.98), (0.02, 0.9)]],
        "round-belly": [[(0.56, 0.02), (0.14, 0.02), (0.1, 0.38)]
                        + arc(0.3, 0.66, 0.3, 0.34, -130, 170)[1:]],
    },
    6: {
        "curved": [arc(0.62, 0.62, 0.58, 0.6, 250, 160) + arc(0.32, 0.72, 0.27, 0.26, 170, -180)],
        "straight": [[(0.5, 0.0), (0.07, 0.7)] + arc(0.32, 0.74, 0.26, 0.24, 180, -175)[1:]],
        "small-loop": [arc(0.6, 0.6, 0.56, 0.6, 250, 165) + arc(0.28, 0.8, 0.2, 0.18, 170, -185)],
        "angular": [[(0.52, 0.0), (0.1, 0.5), (0.04, 0.82), (0.3, 1.0), (0.56, 0.8),
                     (0.4, 0.56), (0.08, 0.66)]],
    },
    7: {
        "plain": [[(0.02, 0.03), (0.6, 0.03), (0.2, 1.0)]],
        "crossed": [[(0.02, 0.03), (0.6, 0.03), (0.2, 1.0)], [(0.12, 0.52), (0.54, 0.52)]],
        "hook": [[(0.02, 0.16), (0.02, 0.03), (0.6, 0.03), (0.26, 1.0)]],
        "curved-stem": [[(0.02, 0.04), (0.6, 0.04), (0.44, 0.3), (0.34, 0.6), (0.3, 1.0)]],
        "crossed-curved": [[(0.02, 0.04), (0.6, 0.04), (0.44, 0.3), (0.34, 0.6), (0.3, 1.0)],
                           [(0.18, 0.5), (0.6, 0.48)]],
        "straight-down": [[(0.0, 0.04), (0.58, 0.02), (0.5, 1.0)]],
    },
    8: {
        "figure": [figure_eight()],
        "two-circles": [arc(0.3, 0.25, 0.22, 0.23, -90, 270), arc(0.3, 0.73, 0.28, 0.26, -90, 270)],
        "snowman": [arc(0.3, 0.2, 0.15, 0.19, -90, 270), arc(0.3, 0.68, 0.29, 0.31, -90, 270)],
        "slanted": [figure_eight(tilt=0.25)],
    },
    9: {
        "straight": [arc(0.3, 0.27, 0.26, 0.25, -10, -370) + [(0.56, 0.3), (0.54, 1.0)]],
        "curved": [arc(0.3, 0.27, 0.26, 0.25, -10, -370)
                   + [(0.56, 0.32), (0.55, 0.65), (0.47, 0.9), (0.28, 1.0)]],
        "slanted": [arc(0.34, 0.27, 0.26, 0.25, -10, -370) + [(0.6, 0.3), (0.32, 1.0)]],
        "hooked": [arc(0.3, 0.27, 0.26, 0.25, -10, -370)
                   + [(0.56, 0.3), (0.56, 0.85), (0.46, 1.0), (0.34, 0.94)]],
        "two-strokes": [arc(0.3, 0.27, 0.26, 0.25, 0, 360), [(0.56, 0.1), (0.52, 1.0)]],
        "small-head": [arc(0.34, 0.2, 0.2, 0.18, -10, -370) + [(0.54, 0.22), (0.5, 1.0)]],
    },
}
HELD_OUT_DIGIT_FAMILIES = {
    0: {"egg"}, 1: {"curved-flag"}, 2: {"wavy-base"}, 3: {"small-top"},
    4: {"closed-one-stroke"}, 5: {"round-belly"}, 6: {"angular"}, 7: {"straight-down"},
    8: {"slanted"}, 9: {"small-head"},
}

# Letters that no reader would take for a digit (no O, I, l, S, Z, B, G, b, g, q, ...).
LETTERS: dict[str, Glyph] = {
    "A": [[(0.0, 1.0), (0.3, 0.0), (0.6, 1.0)], [(0.14, 0.6), (0.46, 0.6)]],
    "E": [[(0.55, 0.0), (0.05, 0.0), (0.05, 1.0), (0.55, 1.0)], [(0.05, 0.5), (0.45, 0.5)]],
    "F": [[(0.55, 0.0), (0.05, 0.0), (0.05, 1.0)], [(0.05, 0.48), (0.42, 0.48)]],
    "H": [[(0.05, 0.0), (0.05, 1.0)], [(0.55, 0.0), (0.55, 1.0)], [(0.05, 0.5), (0.55, 0.5)]],
    "K": [[(0.05, 0.0), (0.05, 1.0)], [(0.55, 0.0), (0.08, 0.55), (0.58, 1.0)]],
    "M": [[(0.0, 1.0), (0.05, 0.0), (0.3, 0.6), (0.55, 0.0), (0.6, 1.0)]],
    "N": [[(0.05, 1.0), (0.05, 0.0), (0.55, 1.0), (0.55, 0.0)]],
    "R": [[(0.05, 1.0), (0.05, 0.0), (0.4, 0.02)] + arc(0.38, 0.25, 0.2, 0.23, -90, 90)[1:]
          + [(0.05, 0.48), (0.58, 1.0)]],
    "W": [[(0.0, 0.0), (0.15, 1.0), (0.3, 0.35), (0.45, 1.0), (0.6, 0.0)]],
    "X": [[(0.0, 0.0), (0.6, 1.0)], [(0.6, 0.0), (0.0, 1.0)]],
    "Y": [[(0.0, 0.0), (0.3, 0.5), (0.6, 0.0)], [(0.3, 0.5), (0.3, 1.0)]],
    "k": [[(0.08, 0.0), (0.08, 1.0)], [(0.5, 0.4), (0.1, 0.7), (0.55, 1.0)]],
    "h": [[(0.08, 0.0), (0.08, 1.0)], [(0.08, 0.6)] + arc(0.3, 0.66, 0.22, 0.22, 180, 360)[1:]
          + [(0.52, 1.0)]],
    "m": [[(0.0, 1.0), (0.0, 0.4)] + arc(0.15, 0.5, 0.15, 0.15, 180, 360)[1:] + [(0.3, 1.0)],
          [(0.3, 0.5)] + arc(0.45, 0.5, 0.15, 0.15, 180, 360)[1:] + [(0.6, 1.0)]],
    "w": [[(0.0, 0.3), (0.15, 1.0), (0.3, 0.5), (0.45, 1.0), (0.6, 0.3)]],
    "e": [[(0.04, 0.6), (0.56, 0.6)] + arc(0.3, 0.62, 0.26, 0.36, 0, -300)[1:]],
    "Q": [arc(0.3, 0.48, 0.3, 0.46, -90, 270), [(0.36, 0.72), (0.62, 1.0)]],
    "P": [[(0.06, 1.0), (0.06, 0.0), (0.3, 0.0)] + arc(0.3, 0.25, 0.26, 0.25, -90, 90)[1:]
          + [(0.06, 0.5)]],
    "T": [[(0.0, 0.0), (0.6, 0.0)], [(0.3, 0.0), (0.3, 1.0)]],
    "V": [[(0.0, 0.0), (0.3, 1.0), (0.6, 0.0)]],
    "L": [[(0.05, 0.0), (0.05, 1.0), (0.55, 1.0)]],
    "C": [arc(0.34, 0.5, 0.32, 0.48, -50, -310)],
    "U": [[(0.02, 0.0), (0.02, 0.6)] + arc(0.3, 0.66, 0.28, 0.34, 180, 0)[1:] + [(0.58, 0.0)]],
    "J": [[(0.58, 0.0), (0.58, 0.7)] + arc(0.32, 0.72, 0.26, 0.28, 0, 170)[1:]],
    "D": [[(0.04, 0.0), (0.04, 1.0)],
          [(0.04, 0.0), (0.28, 0.0)] + arc(0.28, 0.5, 0.3, 0.5, -90, 90)[1:] + [(0.04, 1.0)]],
    "r": [[(0.1, 1.0), (0.1, 0.3)], [(0.1, 0.5)] + arc(0.35, 0.5, 0.25, 0.18, 180, 300)[1:]],
    "n": [[(0.05, 1.0), (0.05, 0.3)], [(0.05, 0.55)] + arc(0.3, 0.55, 0.25, 0.25, 180, 360)[1:]
          + [(0.55, 1.0)]],
    "y": [[(0.0, 0.3), (0.3, 0.75)], [(0.6, 0.3), (0.2, 1.2)]],
    "x": [[(0.05, 0.3), (0.55, 1.0)], [(0.55, 0.3), (0.05, 1.0)]],
    "&": [[(0.6, 1.0), (0.1, 0.35)] + arc(0.25, 0.18, 0.15, 0.18, 150, 390)[1:]
          + [(0.05, 0.7)] + arc(0.25, 0.8, 0.2, 0.2, 180, 30)[1:] + [(0.6, 0.5)]],
    "#": [[(0.2, 0.0), (0.12, 1.0)], [(0.46, 0.0), (0.38, 1.0)], [(0.0, 0.33), (0.6, 0.33)],
          [(0.0, 0.67), (0.6, 0.67)]],
    "@": [arc(0.3, 0.5, 0.12, 0.15, 0, 360), [(0.42, 0.4), (0.44, 0.62)]
          + arc(0.3, 0.5, 0.3, 0.42, 30, -300)[1:]],
    "+": [[(0.3, 0.1), (0.3, 0.9)], [(0.0, 0.5), (0.6, 0.5)]],
    "?": [arc(0.3, 0.25, 0.26, 0.24, 200, 420) + [(0.32, 0.7)], [(0.32, 0.92), (0.33, 1.0)]],
    "f": [arc(0.45, 0.15, 0.15, 0.15, 0, -180)[::-1] + [(0.3, 1.0)], [(0.08, 0.45), (0.52, 0.45)]],
    "t": [[(0.3, 0.0), (0.3, 0.85)] + arc(0.45, 0.85, 0.15, 0.15, 180, 90)[1:],
          [(0.05, 0.35), (0.55, 0.35)]],
    "u": [[(0.02, 0.3), (0.02, 0.75)] + arc(0.28, 0.75, 0.26, 0.25, 180, 0)[1:],
          [(0.54, 0.3), (0.56, 1.0)]],
    "v": [[(0.0, 0.3), (0.3, 1.0), (0.6, 0.3)]],
    "G": [arc(0.34, 0.5, 0.32, 0.48, -40, -320) + [(0.64, 0.55), (0.36, 0.55)]],
    "a": [arc(0.3, 0.62, 0.26, 0.3, -20, -380), [(0.56, 0.35), (0.58, 1.0)]],
    "d": [arc(0.28, 0.68, 0.26, 0.3, -20, -380), [(0.56, 0.0), (0.58, 1.0)]],
    "Z": [[(0.0, 0.0), (0.6, 0.0), (0.0, 1.0), (0.6, 1.0)], [(0.12, 0.5), (0.48, 0.5)]],
    "$": [arc(0.3, 0.3, 0.26, 0.2, -20, -270) + arc(0.3, 0.7, 0.28, 0.2, -90, 160)[1:],
          [(0.3, -0.1), (0.3, 1.1)]],
    "%": [arc(0.12, 0.15, 0.1, 0.14, 0, 360), [(0.6, 0.0), (0.0, 1.0)],
          arc(0.48, 0.85, 0.1, 0.14, 0, 360)],
    "=": [[(0.0, 0.35), (0.6, 0.35)], [(0.0, 0.65), (0.6, 0.65)]],
    "*": [[(0.3, 0.0), (0.3, 1.0)], [(0.0, 0.25), (0.6, 0.75)], [(0.6, 0.25), (0.0, 0.75)]],
}
# Letters and signs kept out of training, to measure rejection of what was never seen. (A
# first split held out Q P T V L C U J D r n y x & # @ + ?; after one measurement all but the
# ones below moved to training, and letters and signs never measured before joined these.)
HELD_OUT_LETTERS = {"C", "U", "T", "P", "?", "y", "&", "f", "t", "u", "v", "G", "a", "$",
                    "%", "*"}


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
        points = _densify((np.asarray(stroke, dtype=float) - middle) @ linear.T, spacing=0.02)
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
        points = _densify(stroke * scale + offset, spacing=2.0)
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


def _densify(points: np.ndarray, spacing: float) -> np.ndarray:
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


def to_mnist_input(gray: np.ndarray, recipe: dict | None = None) -> np.ndarray | None:
    """A picture as the digit model sees it (28x28 uint8, light on dark), or None if blank."""
    image = preprocess.to_model_input(gray, recipe or MNIST_RECIPE)
    return None if image is None else np.round(image * 255).astype(np.uint8)


def draw_glyph(glyph: Glyph, rng: np.random.Generator) -> np.ndarray:
    """One random drawing of a glyph: a gray picture, black on white."""
    style = random_style(rng)
    return render(place(glyph, style, rng), style.width, style.pressure, rng)


# ---- pictures that are not digits ----

def scribble(rng: np.random.Generator) -> Glyph:
    """A random pen path: zig-zags, loops, hatching, or a smooth random walk."""
    kind = rng.integers(0, 4)
    if kind == 0:  # zig-zag
        turns = int(rng.integers(3, 9))
        xs = np.linspace(0, 1, turns)
        ys = np.where(np.arange(turns) % 2 == 0, 0.0, 1.0) + rng.normal(0, 0.1, turns)
        return [list(zip(xs * rng.uniform(0.5, 1.5), ys, strict=True))]
    if kind == 1:  # loops like a telephone cord
        t = np.linspace(0, 2 * math.pi * rng.uniform(2, 5), 120)
        r = rng.uniform(0.15, 0.4)
        return [list(zip(t / t[-1] * 1.2 + r * np.cos(t), 0.5 + r * np.sin(t), strict=True))]
    if kind == 2:  # hatching: parallel lines
        count, slope = int(rng.integers(3, 7)), rng.uniform(-0.5, 0.5)
        return [[(i / count, 0.0), (i / count + slope, 1.0)] for i in range(count)]
    steps = rng.normal(0, 1, (int(rng.integers(15, 40)), 2))  # smooth random walk
    kernel = np.ones(4) / 4
    path = np.cumsum(np.stack([np.convolve(steps[:, i], kernel, "same") for i in range(2)], 1), 0)
    return [[(float(x), float(y)) for x, y in path]]


def _polygon(rng: np.random.Generator, corners: int, star: bool = False) -> Stroke:
    angles = np.sort(rng.uniform(0, 2 * math.pi, corners)) if not star else (
        np.arange(corners * 2) * math.pi / corners)
    radius = np.where(np.arange(len(angles)) % 2 == 1, 0.45, 1.0) if star else np.ones(corners)
    points = [(0.5 + r * math.cos(a) / 2, 0.5 + r * math.sin(a) / 2)
              for r, a in zip(radius, angles, strict=True)]
    return points + points[:1]


def _curve(rng: np.random.Generator, cx: float, cy: float, r: float, bumps: int,
           depth: float, start: float = 0, end: float = 360) -> Stroke:
    t = np.radians(np.linspace(start, end, 90))
    radius = r * (1 + depth * np.cos(bumps * t))
    return list(zip(cx + radius * np.cos(t), cy + radius * np.sin(t), strict=True))


TRAIN_SHAPES = ("triangle", "star", "square-x", "grid", "wave", "cross-box", "polygon",
                "spiral", "heart", "arrow", "house", "check", "lightning", "smiley", "cloud",
                "sun", "target", "flower", "stick-figure", "envelope", "tree", "rectangle")
HELD_OUT_SHAPES = ("moon", "infinity", "diamond", "bowtie", "key", "fish", "crown", "bolt-box")


def shape(rng: np.random.Generator, held_out: bool = False) -> Glyph:
    """Figures people doodle. Plain circles and single lines are left out: they are 0 and 1."""
    names = HELD_OUT_SHAPES if held_out else TRAIN_SHAPES
    name = names[int(rng.integers(0, len(names)))]
    t = np.linspace(0, 2 * math.pi, 80)
    if name == "triangle":
        return [_polygon(rng, 3)]
    if name == "polygon":
        return [_polygon(rng, int(rng.integers(4, 6)))]
    if name == "rectangle":
        w = rng.uniform(0.3, 1.6)
        return [[(0, 0), (w, 0), (w, 1), (0, 1), (0, 0)], [(0, 0), (w, 1)]]
    if name == "star":
        return [_polygon(rng, int(rng.integers(5, 8)), star=True)]
    if name == "square-x":
        return [[(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)], [(0, 0), (1, 1)], [(1, 0), (0, 1)]]
    if name == "grid":
        n = int(rng.integers(3, 5))
        return [[(i / (n - 1), 0), (i / (n - 1), 1)] for i in range(n)] + [
            [(0, i / (n - 1)), (1, i / (n - 1))] for i in range(n)]
    if name == "wave":
        x = np.linspace(0, 1, 80)
        return [list(zip(x * 1.6, 0.5 + 0.3 * np.sin(x * 2 * math.pi * rng.uniform(2, 4)),
                         strict=True))]
    if name == "cross-box":
        return [[(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)], [(0.5, 0), (0.5, 1)],
                [(0, 0.5), (1, 0.5)]]
    if name == "spiral":
        turns = np.linspace(0, 2 * math.pi * rng.uniform(2, 4), 150)
        return [list(zip(0.5 + turns * np.cos(turns) / 40, 0.5 + turns * np.sin(turns) / 40,
                         strict=True))]
    if name == "heart":
        x = 16 * np.sin(t) ** 3
        y = -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
        return [list(zip(x / 32, y / 32, strict=True))]
    if name == "arrow":
        return [[(0, 0.5), (1, 0.5)], [(0.7, 0.25), (1, 0.5), (0.7, 0.75)]]
    if name == "house":
        return [[(0, 1), (0, 0.4), (0.5, 0), (1, 0.4), (1, 1), (0, 1)],
                [(0.4, 1), (0.4, 0.7), (0.6, 0.7), (0.6, 1)]]
    if name == "check":
        return [[(0, 0.6), (0.3, 1.0), (1.0, 0.0)]]
    if name == "lightning":
        return [[(0.6, 0), (0.2, 0.55), (0.55, 0.5), (0.3, 1.0)]]
    if name == "smiley":
        return [_curve(rng, 0.5, 0.5, 0.5, 1, 0.0), [(0.33, 0.35), (0.34, 0.37)],
                [(0.66, 0.35), (0.67, 0.37)], _curve(rng, 0.5, 0.55, 0.25, 1, 0.0, 20, 160)]
    if name == "cloud":
        return [_curve(rng, 0.5, 0.5, 0.4, int(rng.integers(5, 9)), 0.18)]
    if name == "sun":
        rays = [[(0.5 + 0.3 * math.cos(a), 0.5 + 0.3 * math.sin(a)),
                 (0.5 + 0.5 * math.cos(a), 0.5 + 0.5 * math.sin(a))]
                for a in np.linspace(0, 2 * math.pi, 9)[:-1]]
        return [_curve(rng, 0.5, 0.5, 0.22, 1, 0.0), *rays]
    if name == "target":
        return [_curve(rng, 0.5, 0.5, r, 1, 0.0) for r in (0.5, 0.32, 0.14)]
    if name == "flower":
        return [_curve(rng, 0.5, 0.5, 0.35, int(rng.integers(5, 8)), 0.45),
                [(0.5, 0.85), (0.5, 1.6)]]
    if name == "stick-figure":
        return [_curve(rng, 0.5, 0.15, 0.15, 1, 0.0), [(0.5, 0.3), (0.5, 0.7)],
                [(0.2, 0.45), (0.8, 0.45)], [(0.25, 1.0), (0.5, 0.7), (0.75, 1.0)]]
    if name == "envelope":
        return [[(0, 0), (1.4, 0), (1.4, 1), (0, 1), (0, 0)], [(0, 0), (0.7, 0.55), (1.4, 0)]]
    if name == "tree":
        return [[(0.5, 0), (0.05, 0.65), (0.95, 0.65), (0.5, 0)], [(0.45, 0.65), (0.45, 1.0)],
                [(0.55, 0.65), (0.55, 1.0)]]
    if name == "moon":
        return [_curve(rng, 0.5, 0.5, 0.5, 1, 0.0, 60, 300)
                + _curve(rng, 0.7, 0.5, 0.4, 1, 0.0, 250, 110)]
    if name == "infinity":
        return [list(zip(np.cos(t) / (1 + np.sin(t) ** 2),
                         0.5 * np.sin(t) * np.cos(t) / (1 + np.sin(t) ** 2), strict=True))]
    if name == "diamond":
        return [[(0.5, 0), (1, 0.5), (0.5, 1), (0, 0.5), (0.5, 0)], [(0.5, 0), (0.5, 1)]]
    if name == "bowtie":
        return [[(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)]]
    if name == "key":
        return [_curve(rng, 0.2, 0.5, 0.2, 1, 0.0), [(0.4, 0.5), (1.2, 0.5), (1.2, 0.7)],
                [(1.0, 0.5), (1.0, 0.68)]]
    if name == "fish":
        return [_curve(rng, 0.5, 0.5, 0.4, 1, 0.0, 30, 330) + [(1.2, 0.2), (1.2, 0.8)]
                + _curve(rng, 0.5, 0.5, 0.4, 1, 0.0, 30, 31)]
    if name == "crown":
        return [[(0, 1), (0, 0.2), (0.25, 0.6), (0.5, 0.1), (0.75, 0.6), (1, 0.2), (1, 1),
                 (0, 1)]]
    return [[(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)], [(0.6, 0.1), (0.3, 0.55), (0.6, 0.5),
                                                        (0.4, 0.9)]]  # bolt-box


def word(rng: np.random.Generator, letters: list[str]) -> Glyph:
    """Two to five letters side by side, as a short handwritten word."""
    glyph: Glyph = []
    x = 0.0
    for _ in range(int(rng.integers(2, 6))):
        for stroke in LETTERS[letters[int(rng.integers(0, len(letters)))]]:
            glyph.append([(px * 0.8 + x, py) for px, py in stroke])
        x += 0.62
    return glyph


def negative_glyph(rng: np.random.Generator, held_out: bool = False) -> tuple[str, Glyph]:
    """(family, glyph) of a drawing that is not a digit."""
    letters = sorted(HELD_OUT_LETTERS if held_out else set(LETTERS) - HELD_OUT_LETTERS)
    kind = int(rng.integers(0, 4))
    if kind == 0:
        return "letter", LETTERS[letters[int(rng.integers(0, len(letters)))]]
    if kind == 1:
        return "word", word(rng, letters)
    if kind == 2:
        return "shape", shape(rng, held_out)
    while True:  # a scribble that came out as a near-straight line would be a "1"
        glyph = scribble(rng)
        every = np.concatenate([np.asarray(s, dtype=float) for s in glyph])
        extent = every.max(axis=0) - every.min(axis=0)
        if extent.min() > 0.3 * extent.max():
            return "scribble", glyph


# ---- real pen-tablet handwriting ----

def read_pendigits(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(N x 8 x 2 points on 0..100 with y up, N labels) from the UCI pen-digits CSV."""
    rows = [line.strip().split(",") for line in Path(path).read_text().splitlines() if line.strip()]
    points = np.array([[int(v) for v in row[:16]] for row in rows], dtype=np.float32)
    labels = np.array([row[16].index("1") if len(row[16]) == 10 else int(row[16])
                       for row in rows], dtype=np.int64)
    return points.reshape(-1, 8, 2), labels


def draw_pendigit(points: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The tablet's points joined as one polyline (pen lifts were not recorded), y down."""
    stroke = np.stack([points[:, 0], 100 - points[:, 1]], 1) / 100.0
    width = float(rng.uniform(0.025, 0.12))
    return render([_densify(stroke, 0.02)], width, float(rng.uniform(0, 0.4)), rng)


# ---- whole sets ----

def digit_families(held_out: bool) -> list[tuple[int, str]]:
    """(digit, family) pairs of one side of the split."""
    return [(digit, family) for digit, families in DIGITS.items() for family in families
            if (family in HELD_OUT_DIGIT_FAMILIES[digit]) == held_out]


def synthetic_digits(count: int, seed: int, held_out: bool = False, scan_fraction: float = 0.25
                     ) -> Iterator[tuple[int, str, np.ndarray]]:
    """(digit, family, gray picture) drawings, cycling through the families of one side."""
    rng = np.random.default_rng(seed)
    families = digit_families(held_out)
    for i in range(count):
        digit, family = families[i % len(families)]
        gray = draw_glyph(DIGITS[digit][family], rng)
        if rng.random() < scan_fraction:
            gray, family = scan_like(gray, rng), family + "/scan"
        yield digit, family, gray


def negatives(count: int, seed: int, held_out: bool = False
              ) -> Iterator[tuple[str, np.ndarray]]:
    """(family, gray picture) drawings that are not digits."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        family, glyph = negative_glyph(rng, held_out)
        yield family, draw_glyph(glyph, rng)


def preprocess_all(grays: Iterator[np.ndarray], recipe: dict,
                   progress: Callable[[int], None] | None = None) -> np.ndarray:
    """Stack the model inputs (uint8 N x 28 x 28) of pictures; blank ones become all zero."""
    images = []
    for i, gray in enumerate(grays):
        image = preprocess.to_model_input(gray, recipe)
        images.append(np.zeros((28, 28), np.uint8) if image is None
                      else np.round(image * 255).astype(np.uint8))
        if progress and i % 1000 == 0:
            progress(i)
    return np.stack(images) if images else np.zeros((0, 28, 28), np.uint8)
