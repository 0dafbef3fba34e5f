"""Read a number: split a picture holding several digits side by side into one crop per digit,
left to right, and classify each crop with a digit model. Plain numpy, no Qt.

How the picture is split (digits written on one line):
  1. The ink (desktop.preprocess.light_on_dark, so any polarity works) is projected onto the
     columns; every run of ink columns between blank columns is a segment. A digit drawn in
     several strokes, or with a broken stroke (a 5 whose top bar is lifted), stays one segment
     because its parts share columns.
  2. Fragments much lower than the line's digits (a detached flag, a dot, a lifted bar beside
     its digit) are merged into the nearest segment; specks of dust are dropped.
  3. A segment may be neighbours that share columns without touching (slanted or close
     digits): its connected strokes are grouped, strokes whose columns overlap much belonging
     to one digit, and each group becomes a segment with only its own ink. When the segment
     is not too wide for one digit (a 4 drawn with a gap between its strokes), the model
     decides between one digit and the groups, as in step 4.
  4. A segment still wide enough to hold touching digits is cut by recognition: the columns
     with least ink (local minima of the projection) are candidate cuts, every plausible
     piece between two candidates is classified, and the cuts whose digits the model is most
     sure of together (highest product of confidences) win. So a wide 0 stays one digit while
     a touching "23" is cut in two.
Each crop is the piece's own ink, on clean white paper with a margin (no stroke of a
neighbour leaks in), classified by Classifier.classify_batch, i.e. with the
model's own preprocessing. A picture that holds a single digit is classified whole, exactly as
the app does without splitting.

A digit the model rejects as "not a digit" (Prediction.accepted is False, models with an
"outlier" output) is shown as "?" in the number, so a smudge never passes for a digit. An
unsure digit keeps its best guess; the GUI and the CLI show its confidence.

Limits: one line of digits; a decimal point or minus sign is merged into a neighbour like a
fragment; touching digits are cut by straight vertical lines, and the model's overconfidence
on a piece holding two digits makes about 4 in 10 touching numbers come out wrong
(benchmarks/number_reading.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from desktop import preprocess
from desktop.models import Classifier, ModelInfo, Prediction

# A pixel is ink for splitting when it reaches this fraction of the strongest ink.
INK_LEVEL = 0.25
# Segments lower than this fraction of the line's tallest segment are fragments of a digit.
FRAGMENT_HEIGHT = 0.45
# Fragments whose longer side is below this fraction of the line height are dust: dropped.
DUST_SIZE = 0.08
# A segment wider than this (times its height) may hold touching digits: the model decides.
MAYBE_TOUCHING = 0.9
# No single digit is wider than this (few MNIST digits are wider than 1.2).
SINGLE_MAX_ASPECT = 1.8
# A piece cut out of a segment is at least this tall (times the line's tallest segment)...
PIECE_HEIGHT = 0.6
# ... and at least this wide (times its height): no slivers.
MIN_PIECE_ASPECT = 0.15
# At most this many candidate cuts per segment (the lowest minima of the projection), at
# least this far apart (times the segment's height).
MAX_CUTS = 8
CUT_SPACING = 0.15
# A segment wider than this (times its height) may be digits sharing columns: its strokes
# are looked at (slanted neighbours stack up, so such a segment is not very wide).
SEPARATE_ASPECT = 0.5
# Strokes whose columns overlap by this share of the narrower one belong to one digit.
SHARED_COLUMNS = 0.5
# A segment of more separate strokes than this is noise (a photo's grain): not separated.
MAX_COMPONENTS = 24
# Margin of paper around each crop, as a fraction of its height.
CROP_MARGIN = 0.15
UNREADABLE = "?"  # stands in the number for a digit the model rejects
# Log-score of a reading that needs an implausibly wide piece: only a last resort.
_IMPLAUSIBLE = -50.0


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


@dataclass(frozen=True, eq=False)  # holds arrays: compare by identity
class DigitReading:
    box: Box
    crop: np.ndarray  # what was classified: dark ink on white paper, H x W in 0..1
    prediction: Prediction

    @property
    def text(self) -> str:
        """The digit's character in the number: its label, or "?" when the model rejects it."""
        return self.prediction.label if self.prediction.accepted else UNREADABLE


@dataclass(frozen=True, eq=False)
class NumberReading:
    digits: tuple[DigitReading, ...]  # left to right; empty for a blank picture

    @property
    def text(self) -> str:
        """The number read, e.g. "2026"; "" for a blank picture."""
        return "".join(digit.text for digit in self.digits)


def reads_digits(info: ModelInfo) -> bool:
    """True for models whose classes are the single characters "0".."9": their labels spell
    a number. Clothing models do not."""
    return all(len(name) == 1 and name.isdigit() for name in info.classes)


def segment(gray: np.ndarray) -> list[Box]:
    """The boxes of the digits found without a model, left to right: pieces separated by blank
    columns or, where strokes share columns without touching, by connected strokes; fragments
    merged. Touching digits stay one box here; read_number cuts them, and may join strokes
    again that the model reads better as one digit. [] for a blank picture."""
    ink = preprocess.light_on_dark(gray)
    if ink is None:
        return []
    return [part.whole_box() for ways in _segments(ink) for part in ways[-1]]


def read_number(classifier: Classifier, gray: np.ndarray) -> NumberReading:
    """Split the picture and classify every digit; all candidate crops go through the model
    in one run. A picture holding one digit is classified whole, as without splitting."""
    ink = preprocess.light_on_dark(gray)
    if ink is None:
        return NumberReading(())
    segments = _segments(ink)
    if not segments:
        return NumberReading(())
    line_height = max(part.whole_box().height for ways in segments for part in ways[-1])
    # Per segment, its ways of reading (whole, or separate strokes), each a list of plans.
    options = [[[_Plan(part, line_height) for part in way] for way in ways] for ways in segments]
    plans = [plan for ways in options for way in ways for plan in way]
    if len(plans) == 1 and len(plans[0].points) == 2:
        return _read_whole(classifier, gray, ink, plans[0].whole_box())
    keys = [(plan, piece) for plan in plans for piece in plan.boxes]
    crops = {(plan, piece): plan.crop(piece) for plan, piece in keys}
    found = dict(zip(keys, classifier.classify_batch([crops[key] for key in keys]),
                     strict=True))
    chosen = []
    for ways in options:
        readings = [[(plan, plan.best({p: found[plan, p] for p in plan.boxes}))
                     for plan in way] for way in ways]
        best = max(readings, key=lambda way: sum(score for _, (score, _) in way))
        chosen += [(plan, piece) for plan, (_, pieces) in best for piece in pieces
                   if found[plan, piece] is not None]
    if len(chosen) == 1:
        plan, piece = chosen[0]
        return _read_whole(classifier, gray, ink, plan.boxes[piece])
    return NumberReading(tuple(DigitReading(plan.boxes[piece], crops[plan, piece],
                                            found[plan, piece]) for plan, piece in chosen))


def crop(ink: np.ndarray, box: Box) -> np.ndarray:
    """The box's ink as dark ink on white paper, with a margin of paper all round."""
    return _on_paper(ink[box.top:box.bottom, box.left:box.right])


def _on_paper(ink: np.ndarray) -> np.ndarray:
    height, width = ink.shape
    margin = max(2, round(CROP_MARGIN * height))
    paper = np.zeros((height + 2 * margin, width + 2 * margin), dtype=np.float32)
    paper[margin:-margin, margin:-margin] = ink
    return 1.0 - np.clip(paper, 0.0, 1.0)


# --- splitting ------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Part:
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


def _segments(ink: np.ndarray) -> list[list[list[_Part]]]:
    """The picture's segments, left to right (fragments merged, dust dropped), each with its
    ways of reading: [[whole]]; or, when its strokes share columns without touching,
    [[separate strokes...]] if it is too wide for one digit, else [[whole], [strokes...]]."""
    mask = ink >= INK_LEVEL * float(ink.max())
    runs = _runs(mask.any(axis=0))
    if not runs:
        return []
    segments = []
    for left, right in _merge_fragments(mask, runs):
        whole = _Part(left, ink[:, left:right], mask[:, left:right])
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


def _separate_strokes(part: _Part) -> list[_Part]:
    """Split a segment into digits that share columns without touching (slanted or close
    neighbours): connected strokes whose columns overlap much belong to one digit (a 4 drawn
    in two strokes, a lifted bar), small ones join the nearest digit. [] when there is
    nothing to separate."""
    labels, boxes = _label(part.mask)
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
            parts.append(_Part(part.left + left, ink, mine))
    return parts


def _label(mask: np.ndarray) -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
    """Connected components (8-neighbours) of a mask: a label image (0 = background, 1..n)
    and each component's (left, right, top, bottom). Works on runs of pixels in rows, so it
    is fast in numpy: runs in neighbouring rows that touch are joined (union-find)."""
    height, width = mask.shape
    padded = np.zeros((height, width + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    steps = np.diff(padded, axis=1)
    rows, starts = np.nonzero(steps == 1)
    _, ends = np.nonzero(steps == -1)  # row-major order: the n-th end closes the n-th start
    stride = width + 3
    start_keys, end_keys = rows * stride + starts, rows * stride + ends
    # Runs of the row above that touch run j: end >= start_j and start <= end_j.
    first = np.searchsorted(end_keys, (rows - 1) * stride + starts, side="left")
    last = np.searchsorted(start_keys, (rows - 1) * stride + ends, side="right")
    parent = list(range(len(rows)))

    def root(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for run, (low, high) in enumerate(zip(first.tolist(), last.tolist(), strict=True)):
        for above in range(low, high):
            a, b = root(above), root(run)
            if a != b:
                parent[max(a, b)] = min(a, b)
    roots = np.array([root(run) for run in range(len(rows))], dtype=int)
    _, run_labels = np.unique(roots, return_inverse=True)
    run_labels = run_labels + 1
    lengths = ends - starts
    labels = np.zeros(height * width, dtype=np.int32)
    offsets = np.repeat(rows * width + starts - np.cumsum(lengths) + lengths, lengths)
    labels[offsets + np.arange(int(lengths.sum()))] = np.repeat(run_labels, lengths)
    count = int(run_labels.max()) if len(rows) else 0
    lefts = np.full(count + 1, width)
    rights = np.zeros(count + 1, dtype=int)
    tops = np.full(count + 1, height)
    bottoms = np.zeros(count + 1, dtype=int)
    np.minimum.at(lefts, run_labels, starts)
    np.maximum.at(rights, run_labels, ends)
    np.minimum.at(tops, run_labels, rows)
    np.maximum.at(bottoms, run_labels, rows + 1)
    boxes = [(int(lefts[i]), int(rights[i]), int(tops[i]), int(bottoms[i]))
             for i in range(1, count + 1)]
    return labels.reshape(height, width), boxes


class _Plan:
    """The ways to cut one part into digits: cut points at the columns with least ink, and
    the box of every plausible piece between two of them (as tall as a digit of the line, not
    a sliver, not wider than any digit; the whole part is always a way)."""

    def __init__(self, part: _Part, line_height: int) -> None:
        self.part = part
        whole = part.whole_box()
        cuts = (_candidate_cuts(part.mask.sum(axis=0), CUT_SPACING * whole.height) + part.left
                if whole.width > MAYBE_TOUCHING * whole.height else np.array([], dtype=int))
        self.points = [part.left, *cuts.tolist(), part.right]
        self.boxes: dict[tuple[int, int], Box] = {}
        last = len(self.points) - 1
        for i in range(last):
            for j in range(i + 1, last + 1):
                box = part.box(self.points[i], self.points[j])
                if box is None:
                    continue
                if (i, j) == (0, last) or (
                        box.height >= PIECE_HEIGHT * line_height
                        and MIN_PIECE_ASPECT * box.height <= box.width
                        <= SINGLE_MAX_ASPECT * box.height):
                    self.boxes[i, j] = box

    def whole_box(self) -> Box:
        return self.boxes[0, len(self.points) - 1]

    def crop(self, piece: tuple[int, int]) -> np.ndarray:
        box, left = self.boxes[piece], self.part.left
        return _on_paper(self.part.ink[box.top:box.bottom, box.left - left:box.right - left])

    def best(self, found: dict[tuple[int, int], Prediction | None]
             ) -> tuple[float, list[tuple[int, int]]]:
        """The pieces with the highest product of confidences and that product's logarithm
        (dynamic programming over the cut points, left to right)."""
        count = len(self.points)
        score = [0.0] + [-np.inf] * (count - 1)
        previous = [0] * count
        for (i, j), box in sorted(self.boxes.items(), key=lambda item: item[0][1]):
            gain = _log_confidence(found[i, j])
            if box.width > SINGLE_MAX_ASPECT * box.height:
                gain += _IMPLAUSIBLE
            if score[i] + gain > score[j]:
                score[j], previous[j] = score[i] + gain, i
        path, j = [], count - 1
        while j > 0:
            path.append((previous[j], j))
            j = previous[j]
        return score[-1], path[::-1]


def _candidate_cuts(profile: np.ndarray, spacing: float) -> np.ndarray:
    """Columns (relative to the part) where the smoothed ink projection has a local
    minimum: where touching digits join. The lowest minima first, none closer than `spacing`
    to a lower one, at most MAX_CUTS (each candidate adds pieces to classify)."""
    smooth = np.convolve(profile.astype(float), np.ones(3) / 3, mode="same")
    inner = np.arange(2, len(smooth) - 2)
    if inner.size == 0:
        return inner
    here = smooth[inner]
    minima = inner[(here <= smooth[inner - 1]) & (here < smooth[inner + 1])]
    kept: list[int] = []
    for column in minima[np.argsort(smooth[minima], kind="stable")].tolist():
        if all(abs(column - other) >= spacing for other in kept):
            kept.append(column)
            if len(kept) == MAX_CUTS:
                break
    return np.array(sorted(kept), dtype=int)


def _log_confidence(prediction: Prediction | None) -> float:
    """A piece's share of a reading's score: -inf for a blank piece."""
    if prediction is None:
        return -np.inf
    return float(np.log(max(prediction.confidence, 1e-6)))


def _read_whole(classifier: Classifier, gray: np.ndarray, ink: np.ndarray,
                box: Box) -> NumberReading:
    prediction = classifier.classify(gray)
    if prediction is None:
        return NumberReading(())
    return NumberReading((DigitReading(box, 1.0 - ink.astype(np.float32), prediction),))
