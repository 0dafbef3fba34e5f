"""What the user is told about one prediction, in words: a plain module shared by the window
and the command line, tested without Qt.

Three states: a confident answer, "not sure" (the best class gets under half the probability),
and "this doesn't look like a digit" (the model's outlier output passed its threshold: the
picture is none of its classes, whatever the bars say). A binary lab model answers its
question: "Is it a 7? Yes".
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from desktop.binary_task import BinaryTask
from desktop.models import Prediction

# What one picture of each dataset is, for sentences like "This doesn't look like a digit".
SUBJECTS = {"mnist": "a digit", "fashion": "clothing"}


class State(Enum):
    SURE = "sure"
    UNSURE = "unsure"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Verdict:
    state: State
    headline: str
    detail: str


def percent(probability: float) -> str:
    """0.9734 -> "97.3 %"; tiny values stay readable ("<0.1 %")."""
    if 0 < probability < 0.0005:
        return "<0.1 %"
    return f"{100 * probability:.1f} %"


def subject(dataset: str) -> str:
    return SUBJECTS.get(dataset, "one of the model's classes")


def verdict(prediction: Prediction, classes: tuple[str, ...], dataset: str,
            task: BinaryTask | None = None) -> Verdict:
    """The headline and the sentence under it for this prediction (`task`: the question a
    binary model answers)."""
    best = prediction.label
    if task is not None and prediction.accepted and len(prediction.probabilities) == 2:
        return answer_to(task, prediction)
    if not prediction.accepted:
        return Verdict(
            State.REJECTED, f"This doesn't look like {subject(dataset)}",
            f"The model is {percent(prediction.outlier)} sure it is none of its classes. "
            f"If it had to choose: {best} ({percent(prediction.confidence)}).")
    if prediction.unsure:
        order = prediction.probabilities.argsort()[::-1]
        first, second = (classes[i] for i in order[:2])
        return Verdict(
            State.UNSURE, f"Not sure - maybe {first} or {second}",
            f"The best guess, {first}, gets only {percent(prediction.confidence)}. "
            "Try drawing it larger, centred, with clear strokes.")
    return Verdict(State.SURE, best, f"{percent(prediction.confidence)} sure")


def answer_to(task: BinaryTask, prediction: Prediction) -> Verdict:
    """A binary model's answer: 'Is it a 7? Yes', 'p(7) = 93.0 %: yes from 50 %'. Its two
    probabilities always leave one at least 50 %, so it is never "not sure"."""
    p_yes = float(prediction.probabilities[1])
    said = "Yes" if prediction.index == 1 else "No"
    return Verdict(State.SURE, f"{task.question} {said}",
                   f"{percent(prediction.confidence)} sure: the model gives p({task.yes}) = "
                   f"{percent(p_yes)} and answers yes from 50 %.")


def one_line(prediction: Prediction, dataset: str) -> str:
    """The command line's answer: "7 (98.2 %)" or "not a digit (best guess 3, 41.0 %)"."""
    if not prediction.accepted:
        return (f"not {subject(dataset)} (best guess {prediction.label}, "
                f"{percent(prediction.confidence)})")
    return f"{prediction.label} ({percent(prediction.confidence)})"


def digit_of_number(prediction: Prediction, position: int, count: int) -> str:
    """The sentence under a number read from a picture, about its chosen digit."""
    if not prediction.accepted:
        said = "not a digit, says the model"
    elif prediction.unsure:
        said = f"not sure, maybe {prediction.label} ({percent(prediction.confidence)})"
    else:
        said = f"{prediction.label}, {percent(prediction.confidence)} sure"
    return (f"{count} digits, read left to right. Digit {position + 1}: {said}. "
            "Click a digit to see its probabilities.")
