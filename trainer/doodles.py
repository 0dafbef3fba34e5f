"""Drawings that are not digits, for the "none of these" class: letters, short words, shapes
people doodle and scribbles, as stroke skeletons (trainer.drawing draws them). Shapes and letters
are split like the digit families: the held-out ones are never trained on, only measured.
"""

from __future__ import annotations

import math

import numpy as np

from trainer.glyphs import HELD_OUT_LETTERS, LETTERS, Glyph, Stroke


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
