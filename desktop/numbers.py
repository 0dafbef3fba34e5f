"""Read a number: split a picture holding several digits side by side into one crop per digit,
left to right, and classify each crop with a digit model. Plain numpy, no Qt.

How the picture is split (digits written on one line):
  1. The ink (desktop.preprocess.light_on_dark, so any polarity works) is projected onto the
     columns; every run of ink columns between blank columns is a segment. A digit drawn in
     several strokes, or with a broken stroke (a 5 whose top bar is lifted), stays one segment
     because its parts share columns.
  2. Fragments much lower than the line's digits (a detached flag, a dot, a lifted bar beside
     its digit) are merged into the nearest segment; specks of dust are dropped.
  3. A segment wide enough to hold touching digits is cut by recognition: the columns with
     least ink (local minima of the projection) are candidate cuts, every plausible piece
     between two candidates is classified, and the cuts whose digits the model is most sure of
     together (highest product of confidences) win. So a wide 0 stays one digit while a
     touching "23" is cut in two.
Each crop is the piece's columns of the picture's ink, on clean white paper with a margin (so
no stroke of a neighbour leaks in), classified by Classifier.classify_batch, i.e. with the
model's own preprocessing. A picture that holds a single digit is classified whole, exactly as
the app does without splitting.

A digit the model rejects as "not a digit" (Prediction.accepted is False, models with an
"outlier" output) is shown as "?" in the number, so a smudge never passes for a digit. An
unsure digit keeps its best guess; the GUI and the CLI show its confidence.

Limits: one line of digits; a decimal point or minus sign is merged into a neighbour like a
fragment; digits slanted so far that neighbours share columns are cut by vertical lines.
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
    """The boxes of the pieces separated by blank columns, left to right, fragments merged:
    the digits of a number written with gaps, found without a model. Touching digits stay one
    box here; read_number cuts them with the model's help. [] for a blank picture."""
    ink = preprocess.light_on_dark(gray)
    if ink is None:
        return []
    mask, _, runs = _segments(ink)
    return _boxes(mask, runs)


def read_number(classifier: Classifier, gray: np.ndarray) -> NumberReading:
    """Split the picture and classify every digit; all candidate crops go through the model
    in one run. A picture holding one digit is classified whole, as without splitting."""
    ink = preprocess.light_on_dark(gray)
    if ink is None:
        return NumberReading(())
    mask, columns, runs = _segments(ink)
    line_height = max(box.height for box in _boxes(mask, runs)) if runs else 0
    plans = [_Plan(mask, columns, left, right, line_height) for left, right in runs]
    if len(plans) == 1 and len(plans[0].points) == 2:
        return _read_whole(classifier, gray, ink, plans[0].whole_box())
    boxes = sorted({box for plan in plans for box in plan.boxes.values()},
                   key=lambda box: (box.left, box.right))
    crops = {box: crop(ink, box) for box in boxes}
    found = dict(zip(boxes, classifier.classify_batch([crops[box] for box in boxes]),
                     strict=True))
    chosen = [box for plan in plans for box in plan.best(found) if found[box] is not None]
    if len(chosen) == 1:
        return _read_whole(classifier, gray, ink, chosen[0])
    return NumberReading(tuple(DigitReading(box, crops[box], found[box]) for box in chosen))


def crop(ink: np.ndarray, box: Box) -> np.ndarray:
    """The box's ink as dark ink on white paper, with a margin of paper all round. Columns
    outside the box are left out, so no stroke of a neighbour leaks in."""
    margin = max(2, round(CROP_MARGIN * box.height))
    paper = np.zeros((box.height + 2 * margin, box.width + 2 * margin), dtype=np.float32)
    paper[margin:-margin, margin:-margin] = ink[box.top:box.bottom, box.left:box.right]
    return 1.0 - np.clip(paper, 0.0, 1.0)


# --- splitting ------------------------------------------------------------------------------


def _segments(ink: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int]]]:
    """The ink mask, its column projection and the column runs after merging fragments."""
    mask = ink >= INK_LEVEL * float(ink.max())
    columns = mask.sum(axis=0)
    runs = _runs(columns > 0)
    return mask, columns, (_merge_fragments(mask, runs) if runs else [])


def _boxes(mask: np.ndarray, pieces: list[tuple[int, int]]) -> list[Box]:
    return [box for box in (_box(mask, left, right) for left, right in pieces) if box]


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of every run of True values."""
    padded = np.concatenate(([False], flags, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def _rows(mask: np.ndarray, left: int, right: int) -> tuple[int, int]:
    rows = np.flatnonzero(mask[:, left:right].any(axis=1))
    return (int(rows[0]), int(rows[-1]) + 1) if rows.size else (0, 0)


def _box(mask: np.ndarray, left: int, right: int) -> Box | None:
    top, bottom = _rows(mask, left, right)
    return Box(left, top, right, bottom) if bottom > top else None


def _merge_fragments(mask: np.ndarray, runs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge runs much lower than the line's digits into their nearest neighbour, drop dust.
    The lowest fragment goes first, so a digit broken in three pieces ends up whole."""
    runs = list(runs)
    line_height = max(np.subtract(*_rows(mask, *run)[::-1]) for run in runs)
    while len(runs) > 1:
        heights = [np.subtract(*_rows(mask, *run)[::-1]) for run in runs]
        index = int(np.argmin(heights))
        if heights[index] >= FRAGMENT_HEIGHT * line_height:
            break
        left, right = runs.pop(index)
        if max(heights[index], right - left) < DUST_SIZE * line_height:
            continue  # a speck, not part of any digit
        gaps = []
        if index > 0:
            gaps.append((left - runs[index - 1][1], index - 1))
        if index < len(runs):
            gaps.append((runs[index][0] - right, index))
        _, neighbour = min(gaps)
        other = runs[neighbour]
        runs[neighbour] = (min(left, other[0]), max(right, other[1]))
    return runs


class _Plan:
    """The ways to cut one segment into digits: cut points at the columns with least ink, and
    the box of every plausible piece between two of them (as tall as a digit of the line, not
    a sliver, not wider than any digit; the whole segment is always a way)."""

    def __init__(self, mask: np.ndarray, columns: np.ndarray, left: int, right: int,
                 line_height: int) -> None:
        top, bottom = _rows(mask, left, right)
        self.height = max(bottom - top, 1)
        cuts = (_candidate_cuts(columns[left:right], CUT_SPACING * self.height) + left
                if right - left > MAYBE_TOUCHING * self.height else np.array([], dtype=int))
        self.points = [left, *cuts.tolist(), right]
        self.boxes: dict[tuple[int, int], Box] = {}
        last = len(self.points) - 1
        for i in range(last):
            for j in range(i + 1, last + 1):
                box = _box(mask, self.points[i], self.points[j])
                if box is None:
                    continue
                if (i, j) == (0, last) or (
                        box.height >= PIECE_HEIGHT * line_height
                        and MIN_PIECE_ASPECT * box.height <= box.width
                        <= SINGLE_MAX_ASPECT * box.height):
                    self.boxes[i, j] = box

    def whole_box(self) -> Box:
        return self.boxes[0, len(self.points) - 1]

    def best(self, found: dict[Box, Prediction | None]) -> list[Box]:
        """The boxes of the cuts with the highest product of confidences (dynamic
        programming over the cut points, left to right)."""
        count = len(self.points)
        score = [0.0] + [-np.inf] * (count - 1)
        previous = [0] * count
        for (i, j), box in sorted(self.boxes.items(), key=lambda item: item[0][1]):
            gain = _log_confidence(found[box])
            if box.width > SINGLE_MAX_ASPECT * box.height:
                gain += _IMPLAUSIBLE
            if score[i] + gain > score[j]:
                score[j], previous[j] = score[i] + gain, i
        path, j = [], count - 1
        while j > 0:
            path.append(self.boxes[previous[j], j])
            j = previous[j]
        return path[::-1]


def _candidate_cuts(profile: np.ndarray, spacing: float) -> np.ndarray:
    """Columns (relative to the segment) where the smoothed ink projection has a local
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
