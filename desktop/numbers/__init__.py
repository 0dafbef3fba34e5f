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

The modules: segments.py (steps 1-3, with components.py for connected strokes), cuts.py
(step 4, and the crops on clean paper); this one reads the number with the model.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop import preprocess
from desktop.lazy_imports import np
from desktop.models import Classifier, ModelInfo, Prediction
from desktop.numbers.cuts import Plan, on_paper
from desktop.numbers.segments import Box, segments

__all__ = ["UNREADABLE", "Box", "DigitReading", "NumberReading", "crop", "read_number",
           "reads_digits", "segment"]

UNREADABLE = "?"  # stands in the number for a digit the model rejects


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
    return [part.whole_box() for ways in segments(ink) for part in ways[-1]]


def read_number(classifier: Classifier, gray: np.ndarray) -> NumberReading:
    """Split the picture and classify every digit; all candidate crops go through the model
    in one run. A picture holding one digit is classified whole, as without splitting."""
    ink = preprocess.light_on_dark(gray)
    if ink is None:
        return NumberReading(())
    found_segments = segments(ink)
    if not found_segments:
        return NumberReading(())
    line_height = max(part.whole_box().height for ways in found_segments for part in ways[-1])
    # Per segment, its ways of reading (whole, or separate strokes), each a list of plans.
    options = [[[Plan(part, line_height) for part in way] for way in ways]
               for ways in found_segments]
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
    return on_paper(ink[box.top:box.bottom, box.left:box.right])


def _read_whole(classifier: Classifier, gray: np.ndarray, ink: np.ndarray,
                box: Box) -> NumberReading:
    prediction = classifier.classify(gray)
    if prediction is None:
        return NumberReading(())
    return NumberReading((DigitReading(box, 1.0 - ink.astype(np.float32), prediction),))
