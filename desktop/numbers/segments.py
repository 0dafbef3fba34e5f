"""Split a picture's ink into segments, one per digit where blank columns or separate strokes
allow (steps 1 to 3 of the package docstring): runs of ink columns, fragments merged into
their digit, dust dropped, neighbours that share columns separated by their strokes."""

from __future__ import annotations

from dataclasses import dataclass

from desktop.lazy_imports import np
from desktop.numbers.components import label

# A pixel is ink for splitting when it reaches this fraction of the strongest ink.
INK_LEVEL = 0.25
# Segments lower than this fraction of the line's tallest segment are fragments of a digit.
FRAGMENT_HEIGHT = 0.45
# Fragments whose longer side is below this fraction of the line height are dust: dropped.
DUST_SIZE = 0.08
# A segment wider than this (times its height) may hold touching digits: the model decides.
MAYBE_TOUCHING = 0.9
# A segment wider than this (times its height) may be digits sharing columns: its strokes
# are looked at (slanted neighbours stack up, so such a segment is not very wide).
SEPARATE_ASPECT = 0.5
# Strokes whose columns overlap by this share of the narrower one belong to one digit.
SHARED_COLUMNS = 0.5
# A segment of more separate strokes than this is noise (a photo's grain): not separated.
MAX_COMPONENTS = 24


@dataclass(frozen=True)
class Box:
    """A digit's place in the picture, in pixels: columns left..right-1, rows top..bottom-1."""

    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    def as_dict(self) -> dict[str, int]:
        return {"x": self.left, "y": self.top, "width": self.width, "height": self.height}


@dataclass(frozen=True, eq=False)
class Part:
    """One segment: columns left..right-1 of the picture, with only its own ink (the strokes
    of a neighbour that shares these columns are wiped out)."""

    left: int
    ink: np.ndarray  # picture height x segment width
    mask: np.ndarray  # where ink is strong enough to count

    @property
    def right(self) -> int:
        return self.left + self.ink.shape[1]

    def box(self, left: int, right: int) -> Box | None:
        """The box of the ink in columns left..right-1 (picture coordinates)."""
        top, bottom = _rows(self.mask[:, left - self.left:right - self.left])
        return Box(left, top, right, bottom) if bottom > top else None

    def whole_box(self) -> Box:
        box = self.box(self.left, self.right)
        assert box is not None  # a part always holds ink
        return box


def segments(ink: np.ndarray) -> list[list[list[Part]]]:
    """The picture's segments, left to right (fragments merged, dust dropped), each with its
    ways of reading: [[whole]]; or, when its strokes share columns without touching,
    [[separate strokes...]] if it is too wide for one digit, else [[whole], [strokes...]]."""
    mask = ink >= INK_LEVEL * float(ink.max())
    runs = _runs(mask.any(axis=0))
    if not runs:
        return []
    segments = []
    for left, right in _merge_fragments(mask, runs):
        whole = Part(left, ink[:, left:right], mask[:, left:right])
        box = whole.whole_box()
        apart = _separate_strokes(whole) if box.width > SEPARATE_ASPECT * box.height else []
        if len(apart) < 2:
            segments.append([[whole]])
        elif box.width > MAYBE_TOUCHING * box.height:
            segments.append([apart])  # too wide for one digit: the strokes are digits
        else:  # a digit of several strokes, or stacked neighbours: the model decides
            segments.append([[whole], apart])
    return segments


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of every run of True values."""
    padded = np.concatenate(([False], flags, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def _rows(mask: np.ndarray) -> tuple[int, int]:
    rows = np.flatnonzero(mask.any(axis=1))
    return (int(rows[0]), int(rows[-1]) + 1) if rows.size else (0, 0)


def _merge_fragments(mask: np.ndarray, runs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge runs much lower than the line's digits into their nearest neighbour, drop dust."""
    spans = [_Span(left, right, *_rows(mask[:, left:right]), [n])
             for n, (left, right) in enumerate(runs)]
    return [(span.left, span.right) for span in _merge_small(spans)]


@dataclass
class _Span:
    """A box in (left, right, top, bottom) order and what it is made of (indices)."""

    left: int
    right: int
    top: int
    bottom: int
    members: list[int]

    def absorb(self, other: _Span) -> None:
        self.left, self.right = min(self.left, other.left), max(self.right, other.right)
        self.top, self.bottom = min(self.top, other.top), max(self.bottom, other.bottom)
        self.members += other.members


def _merge_small(spans: list[_Span]) -> list[_Span]:
    """spans sorted by left. Spans lower than FRAGMENT_HEIGHT of the tallest join the
    horizontally nearest span; tiny ones (dust) are dropped. The lowest goes first, so a digit
    broken in three pieces ends up whole."""
    spans = list(spans)
    line_height = max(span.bottom - span.top for span in spans)
    while len(spans) > 1:
        heights = [span.bottom - span.top for span in spans]
        index = int(np.argmin(heights))
        if heights[index] >= FRAGMENT_HEIGHT * line_height:
            break
        small = spans.pop(index)
        if max(heights[index], small.right - small.left) < DUST_SIZE * line_height:
            continue  # a speck, not part of any digit
        # The nearest by the gap between them (negative when they share columns).
        nearest = min(spans, key=lambda span: max(span.left - small.right,
                                                  small.left - span.right))
        nearest.absorb(small)
    return spans


def _separate_strokes(part: Part) -> list[Part]:
    """Split a segment into digits that share columns without touching (slanted or close
    neighbours): connected strokes whose columns overlap much belong to one digit (a 4 drawn
    in two strokes, a lifted bar), small ones join the nearest digit. [] when there is
    nothing to separate."""
    labels, boxes = label(part.mask)
    if not 2 <= len(boxes) <= MAX_COMPONENTS:
        return []
    groups = [_Span(left, right, top, bottom, [label])
              for label, (left, right, top, bottom) in enumerate(boxes, start=1)]
    merged = True
    while merged:  # join strokes whose columns overlap much, until none do
        merged = False
        for first in groups:
            for second in groups:
                overlap = min(first.right, second.right) - max(first.left, second.left)
                narrower = min(first.right - first.left, second.right - second.left)
                if first is not second and overlap >= SHARED_COLUMNS * narrower:
                    first.absorb(second)
                    groups.remove(second)
                    merged = True
                    break
            if merged:
                break
    kept = _merge_small(sorted(groups, key=lambda span: span.left))
    if len(kept) < 2:
        return []
    owner = np.zeros(len(boxes) + 1, dtype=int)  # label -> its digit (1..), 0 = dust
    for digit, span in enumerate(kept, start=1):
        owner[span.members] = digit
    parts = []
    for digit, span in enumerate(kept, start=1):
        left, right = span.left, span.right
        mine = owner[labels[:, left:right]] == digit
        # The faint edge pixels of a stroke (anti-aliasing) stay with it.
        near = mine.copy()
        near[1:] |= mine[:-1]
        near[:-1] |= mine[1:]
        near[:, 1:] |= mine[:, :-1]
        near[:, :-1] |= mine[:, 1:]
        ink = np.where(near, part.ink[:, left:right], 0.0).astype(np.float32)
        if mine.any():
            parts.append(Part(part.left + left, ink, mine))
    return parts

