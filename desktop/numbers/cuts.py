"""Cut a segment that may hold touching digits (step 4 of the package docstring): candidate
cuts at the columns with least ink, every plausible piece between two of them, and the pieces
whose digits the model is most sure of together."""

from __future__ import annotations

from desktop.lazy_imports import np
from desktop.models import Prediction
from desktop.numbers.segments import MAYBE_TOUCHING, Box, Part

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
# Log-score of a reading that needs an implausibly wide piece: only a last resort.
_IMPLAUSIBLE = -50.0


def on_paper(ink: np.ndarray) -> np.ndarray:
    """Light-on-dark ink as dark ink on white paper, with a margin of paper all round."""
    height, width = ink.shape
    margin = max(2, round(CROP_MARGIN * height))
    paper = np.zeros((height + 2 * margin, width + 2 * margin), dtype=np.float32)
    paper[margin:-margin, margin:-margin] = ink
    return 1.0 - np.clip(paper, 0.0, 1.0)


class Plan:
    """The ways to cut one part into digits: cut points at the columns with least ink, and
    the box of every plausible piece between two of them (as tall as a digit of the line, not
    a sliver, not wider than any digit; the whole part is always a way)."""

    def __init__(self, part: Part, line_height: int) -> None:
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
        return on_paper(self.part.ink[box.top:box.bottom, box.left - left:box.right - left])

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

