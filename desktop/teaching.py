"""Teach mode's logic and wording, without Qt: which digit to ask for next, what the Teach tab
and the status bar say, and how personalising's before / after figures read. The widget
(desktop.gui.teach_view) only shows these; the drawings live in desktop.handwriting_set and
personalising in desktop.personalise.
"""

from __future__ import annotations

import math

from desktop import handwriting_set, preprocess
from desktop.lazy_imports import np
from desktop.models import ModelInfo
from desktop.personalise import MIN_DRAWINGS, Outcome, can_personalise

DATASET = "mnist"  # Teach mode collects digits: people draw those, not clothing
PER_DIGIT = 5  # the drawings Teach mode asks for of every digit (2 of each 5 measure)

TITLE = "Teach it your handwriting"
INTRO = ("Draw each digit a few times and keep it with its right answer. Personalise then "
         "refits the model's last layer on your drawings and saves a new model that reads "
         "your handwriting better; two drawings in five are kept back to measure it.")
CORRECT_HINT = ("Drew something else, or the model got it wrong? Click the right digit to keep "
                "the drawing with that answer (also by clicking a bar on the Prediction tab).")
BARS_HINT = "Click a digit to keep this drawing with that answer (Teach tab)."
SKIP = "Skip"
PERSONALISE = "Personalise"
USE_MODEL = "Use the personalised model"
EXPORT = "Export..."
DELETE_SELECTED = "Delete selected"
DELETE_ALL = "Delete all..."
OPEN_FOLDER = "Open folder"
CONFIRM_DELETE_ALL = "Delete all {count} of your drawings? This cannot be undone."
EXPORT_FILTER = "NumPy archive (*.npz)"


def counts(labels: np.ndarray) -> list[int]:
    """How many drawings of each digit the set holds."""
    return np.bincount(np.asarray(labels, np.int64), minlength=10)[:10].tolist()


def next_digit(labels: np.ndarray) -> int:
    """The digit to ask for: the one with fewest drawings (the smallest of equals), so the set
    fills evenly and a user can stop at any time."""
    have = counts(labels)
    return int(np.argmin(have))


def prompt(digit: int, labels: np.ndarray) -> str:
    have = counts(labels)[digit]
    if min(counts(labels)) >= PER_DIGIT:
        return f"Every digit has {PER_DIGIT} drawings: ready to personalise. Or draw a {digit}."
    return f"Draw a {digit}, then keep it. ({have} of {PER_DIGIT} so far)"


def keep_label(digit: int) -> str:
    return f"Keep as {digit}"


def set_summary(labels: np.ndarray) -> str:
    if not len(labels):
        return "No drawings yet."
    per_digit = ", ".join(f"{digit}: {count}" for digit, count in enumerate(counts(labels)))
    return f"{len(labels)} drawings ({per_digit})"


def kept(digit: int, total: int) -> str:
    return f"Kept your drawing as a {digit} ({total} in your set)."


def drawing_input(gray: np.ndarray | None, info: ModelInfo | None) -> np.ndarray | None:
    """The picture as one digit the way the model sees it (28x28, 0..1, light on dark): what
    Keep stores. None with nothing drawn, or without a digit model."""
    if gray is None or cannot_teach(info):
        return None
    return preprocess.to_model_input(gray, info.recipe)


def nothing_to_keep() -> str:
    return "Draw a digit on the canvas first."


def cannot_teach(info: ModelInfo | None) -> str:
    """'' when Teach mode works with the current model, else why not."""
    if info is None:
        return "Choose a digit model to teach."
    if info.dataset != DATASET:
        return "Teach mode collects digits: choose a digit model in the picker."
    return ""


def personalise_button(info: ModelInfo | None) -> str:
    return f"{PERSONALISE} {info.model_id}" if info is not None else PERSONALISE


def personalise_blocked(info: ModelInfo | None, labels: np.ndarray) -> str:
    """'' when the Personalise button can be pressed, else why not (its tooltip)."""
    reason = cannot_teach(info) or (can_personalise(info) if info is not None else "")
    if reason:
        return reason
    learnt = int(len(labels) - _held_out_count(labels))
    if learnt < MIN_DRAWINGS:
        return f"Keep at least {MIN_DRAWINGS} drawings to learn from first ({learnt} so far)."
    return ""


def _held_out_count(labels: np.ndarray) -> int:
    return int(handwriting_set.held_out(np.asarray(labels)).sum())


def working(step: str) -> str:
    return f"Personalising: {step}..."


def _percent(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.1%}"


def outcome_lines(outcome: Outcome) -> list[str]:
    """Before and after, in the words of the lesson: what was gained, what was forgotten."""
    own = (f"Your {outcome.held_out} held-back drawings: {_percent(outcome.own_before)} → "
           f"{_percent(outcome.own_after)}" if outcome.held_out else
           "No drawings were held back to measure (draw each digit at least twice).")
    change = outcome.test_after - outcome.test_before
    forgot = ("it forgot nothing measurable" if change >= -0.0005 else
              f"it forgot {-change:.2%} of what it knew")
    return [
        f"Saved as {outcome.model_id}: learnt from {outcome.learnt_from} drawings in "
        f"{outcome.seconds:.1f} s.",
        own,
        f"MNIST test set (digits by other people): {outcome.test_before:.2%} → "
        f"{outcome.test_after:.2%}; {forgot}.",
    ]


def personalise_failed(reason: object) -> str:
    return f"Personalising did not finish: {reason}"
