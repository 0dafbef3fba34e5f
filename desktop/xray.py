"""The preprocessing X-ray: every step from the picture to the model input (desktop.preprocess
.steps), each with what the model answers when it is given that step's picture directly, so a
learner sees which step makes the answer right, and that a dense network needs the cropping and
centring more than a CNN does.

Qt-free, so the wording and the numbers are tested with real models and no widget;
desktop/gui/xray_view.py only puts them on screen.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop import numbers, preprocess
from desktop.lazy_imports import np
from desktop.model_format import ModelError, Recipe
from desktop.models import Classifier, Prediction
from desktop.verdict import percent, subject

EMPTY_NOTE = "Draw or open a picture to see, step by step, how it becomes the model's input."
NO_MODEL_NOTE = "No model is ready yet: choose one, or wait while it loads."
TITLE = "How the picture becomes the model's input"
SEVERAL_DIGITS_NOTE = ("This picture holds several digits: the Prediction tab reads them one by "
                       "one, the steps here treat it as one picture.")
PAGE_TITLE = "Preprocessing"
PAGE_TOOLTIP = ("Each step from your picture to the model's 28 × 28 input, with what the model "
                "would answer if the steps stopped there.")
LESSONS = {
    "dense": "A dense network weighs every pixel on its own: moved into a corner or stretched, "
             "the same picture gets another answer, so it needs every step.",
    "cnn": "A CNN looks for the same small shapes anywhere: moved into a corner or stretched, "
           "a picture often keeps its answer. Squeezed to a few pixels, it is lost too.",
}


@dataclass(frozen=True)
class StepText:
    title: str  # a few words under the step's number
    explanation: str  # one line: what the step does and why
    naive: str  # what the model was given for this step's answer


@dataclass(frozen=True, eq=False)  # holds arrays: compare by identity
class XrayStep:
    key: str  # a preprocess.STEP_KEYS entry
    text: StepText
    image: np.ndarray  # the step's picture; "given" in its own colours, the rest light on black
    model_view: np.ndarray  # canvas x canvas: what the model was given for `prediction`
    prediction: Prediction
    answer: str  # the prediction in a few words (`answer`)
    final: bool  # this picture is the model input itself
    agrees: bool  # same class as the answer to the model input

    @property
    def tooltip(self) -> str:
        """What the answer under the step means."""
        if self.final:
            return "The model's answer to its real input: what the Prediction tab shows."
        same = "the same as" if self.agrees else "not what it says to"
        return (f"If preprocessing stopped here. {self.text.naive} The model says "
                f"{self.answer}: {same} its real input.")


@dataclass(frozen=True)
class Xray:
    steps: tuple[XrayStep, ...]  # empty when there is nothing to show (see `note`)
    note: str  # a sentence under the steps: the lesson, or why there are no steps


def step_text(key: str, recipe: Recipe, shape: tuple[int, ...] = ()) -> StepText:
    """The wording of one step for a recipe; `shape`: the step picture's height and width."""
    side = f"{recipe.canvas} × {recipe.canvas}"
    size = f"{shape[0]} × {shape[1]}" if len(shape) == 2 else "the picture"
    thing = "ink" if recipe.trim == "ink" else "object"
    texts = {
        "given": StepText("As given", f"The picture as drawn or opened, {size} pixels.",
                          f"The whole picture squeezed to {side}, its colours unchanged."),
        "found": StepText(f"{thing.capitalize()} found",
                          f"The {thing} becomes light on black, the background black, as in "
                          f"the training images.",
                          f"The whole picture squeezed to {side}."),
        "cropped": StepText("Cropped", f"Cut to the box around the {thing}: where it was "
                            f"drawn no longer matters.", f"The crop stretched to {side}."),
        "fitted": StepText(f"Fitted to {recipe.fit} px",
                           f"Longer side scaled to {recipe.fit} px, shape kept: how big it "
                           f"was no longer matters.",
                           f"This {size} picture in the top-left corner of {side}."),
        "box": StepText("Box centred", f"Placed in the {side} field with its box in the "
                        f"middle.", "This picture itself."),
        "mass": StepText("Mass centred", "Shifted so its centre of mass is in the middle, as "
                         "MNIST's digits were.", "This picture itself."),
    }
    text = texts[key]
    if key == recipe.center:
        return StepText(text.title, text.explanation + " This is the model's input.", text.naive)
    return text


def answer(prediction: Prediction, dataset: str) -> str:
    """'7 · 98.2 %', or 'not a digit (7 · 41.0 %)' when the model rejects the picture."""
    said = f"{prediction.label} · {percent(prediction.confidence)}"
    if prediction.accepted:
        return said
    return f"not {subject(dataset)} ({said})"


def failed(error: Exception) -> str:
    """The note when the X-ray could not be made (the model failed, an odd picture)."""
    return f"The steps cannot be shown: {error}"


def lesson(architecture: str) -> str:
    """What the steps teach about this kind of network."""
    return LESSONS.get(architecture, "Compare the answers of a dense network and a CNN: the "
                                     "dense one depends more on where the picture is and how "
                                     "big.")


def xray(classifier: Classifier | None, gray: np.ndarray | None) -> Xray:
    """Every preprocessing step of `gray` for the classifier's model, with the model's answer
    to each step's picture, all in one run of the model. No steps while there is no model or
    no picture, nor for a blank picture or a failure (the note says why)."""
    if classifier is None:
        return Xray((), NO_MODEL_NOTE)
    if gray is None:
        return Xray((), EMPTY_NOTE)
    info = classifier.info
    recipe = info.recipe
    try:
        taken = preprocess.steps(gray, recipe)
        if taken[-1].key != recipe.center:
            return Xray((), f"There is no {'ink' if recipe.trim == 'ink' else 'object'} in "
                            f"this picture, so the model is not asked.")
        views = [preprocess.naive_input(step, recipe.canvas) for step in taken]
        predictions = classifier.predict_batch(np.stack(views))
    except (ModelError, ValueError) as error:  # a failing model, a picture of odd shape
        return Xray((), failed(error))
    final = predictions[-1]
    steps = tuple(
        XrayStep(step.key, step_text(step.key, recipe, step.image.shape), step.image, view,
                 prediction, answer(prediction, info.dataset), final=prediction is final,
                 agrees=(prediction.index == final.index
                         and prediction.accepted == final.accepted))
        for step, view, prediction in zip(taken, views, predictions, strict=True))
    note = lesson(info.architecture)
    if numbers.reads_digits(info) and len(numbers.segment(gray)) > 1:
        note = SEVERAL_DIGITS_NOTE + " " + note
    return Xray(steps, note)
