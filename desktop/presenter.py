"""What the window tells the user, in words: titles, the model's labels and tooltips, the
prediction panel's states and the status-bar sentences (how the models are named in the picker
and the Model menu is desktop.model_choices).

A plain module (no Qt) so that tests drive it with real models and real predictions, without a
widget. The widgets only render what it returns. The wording of one prediction (sure, unsure,
not one of the classes) lives in desktop.verdict and is reused here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from desktop import APP_NAME, __version__
from desktop.model_choices import accuracy, kind_title
from desktop.models import ModelEntry, ModelInfo, Prediction
from desktop.numbers import NumberReading
from desktop.paths import MODELS_ENV
from desktop.verdict import State, Verdict, verdict

# What to draw, per dataset, for "Draw a digit here" (anything else gets a generic prompt).
DRAW_SUBJECTS = {"mnist": "a digit", "fashion": "a piece of clothing"}
DRAW_HINT = "or drop a picture, paste one, or pick a sample"
SAMPLES_TITLE = "Samples from the test set"


def draw_subject(dataset: str) -> str:
    return DRAW_SUBJECTS.get(dataset, "something")


def window_title(picture_name: str) -> str:
    """'seven.png - Digit Lens' while a picture is open, else 'Digit Lens'."""
    return f"{picture_name} - {APP_NAME}" if picture_name else APP_NAME


# --- the Prediction tab ---------------------------------------------------------------------


class Shown(Enum):
    """What the Prediction tab is showing."""

    NO_MODEL = "no model"
    EMPTY = "empty"  # nothing drawn or opened yet
    THINKING = "thinking"  # the model's session is still being created
    BLANK = "blank"  # a picture without ink or object
    RESULT = "result"  # an answer, sure or unsure
    REJECTED = "rejected"  # not one of the model's classes: "not a digit"
    NUMBER = "number"  # several digits read left to right
    ERROR = "error"


@dataclass(frozen=True)
class PredictionView:
    shown: Shown
    headline: str
    detail: str = ""
    prediction: Prediction | None = None  # RESULT, REJECTED and NUMBER (its first digit)
    verdict: Verdict | None = None  # RESULT and REJECTED
    number: NumberReading | None = None  # NUMBER

    @property
    def status(self) -> str:
        """A status-bar message to go with it ("" for none): errors only."""
        return self.detail if self.shown is Shown.ERROR else ""


def nothing_to_classify(info: ModelInfo | None) -> PredictionView:
    detail = ("" if info is None else f"Draw {draw_subject(info.dataset)} on the canvas, open "
              "or paste a picture, or pick a sample.")
    return PredictionView(Shown.EMPTY, "Nothing to classify yet", detail)


def thinking(info: ModelInfo) -> PredictionView:
    return PredictionView(Shown.THINKING, f"Loading {info.model_id}…")


def classify_failed(error: Exception | str) -> PredictionView:
    return PredictionView(Shown.ERROR, "Could not classify this", str(error))


def answer(info: ModelInfo, prediction: Prediction | None,
           number: NumberReading | None = None) -> PredictionView:
    """The model's answer: a blank picture, a number of several digits, or one verdict."""
    if prediction is None:
        return PredictionView(Shown.BLANK, "Nothing to see",
                              "The picture is blank: there is no ink or object in it.")
    if number is not None:
        return PredictionView(Shown.NUMBER, number.text, prediction=prediction, number=number)
    said = verdict(prediction, info.classes, info.dataset, info.task)
    shown = Shown.REJECTED if said.state is State.REJECTED else Shown.RESULT
    return PredictionView(shown, said.headline, said.detail, prediction, said)


def latency(seconds: float) -> str:
    return f"Classified in {seconds * 1000:.1f} ms"


# --- the chosen model -----------------------------------------------------------------------


@dataclass(frozen=True)
class ModelView:
    """What the window says about the chosen model, or about having none."""

    status_label: str  # the status bar's model name: "Digits - CNN (yours)"
    status_tooltip: str
    note: str  # the line under the bars
    placeholder: tuple[str, str]  # the empty canvas' invitation: title and hint
    gallery_title: str  # "" hides the gallery (no model)
    status: str = ""  # a status-bar message, "" for none
    # No model only: what the Prediction and Training tabs say instead.
    prediction: PredictionView | None = None
    training_message: str = ""


def model_title(dataset_title: str, architecture: str, name: str, user: bool) -> str:
    """'Digits - CNN'; the user's own by its name: 'Digits - mnist-cnn (yours, trained ...)'."""
    return f"{dataset_title} - {name if user else architecture}"


def model_view(entry: ModelEntry) -> ModelView:
    """The window's words for a usable model."""
    info = entry.info
    assert info is not None, "model_view is for usable models; see no_model_view"
    score = accuracy(info.test_accuracy)
    on_test = f" ({score} on the test set)" if score else ""
    weights = f", {info.params:,} weights" if info.params else ""
    kind = kind_title(info.architecture, info.variant, info.task.question if info.task else "")
    label = f"{info.dataset_title} - {kind}"
    title = model_title(info.dataset_title, kind, entry.display_name, entry.user)
    return ModelView(
        status_label=label + (" (yours)" if entry.user else ""),
        status_tooltip=f"{entry.display_name}{on_test}\n{info.summary}",
        note=f"Model: {title}{on_test}{weights}. "
             "The Training tab shows how it learned.",
        placeholder=(f"Draw {draw_subject(info.dataset)} here", DRAW_HINT),
        gallery_title=f"{info.dataset_title}: samples from the test set",
    )


def no_model_view(reason: str) -> ModelView:
    """The window's words when not a single model can be used; `reason` says why."""
    return ModelView(
        status_label="No model", status_tooltip="", note="",
        placeholder=("No model available", reason), gallery_title="", status=reason,
        prediction=PredictionView(
            Shown.NO_MODEL, "No model can be used",
            f"{reason}\n\nPut model folders there, or start the app with --models-dir DIR "
            f"(or ${MODELS_ENV}=DIR), then choose Model > Reload Models."),
        training_message=reason,
    )


# --- status-bar sentences -------------------------------------------------------------------


def cannot_use(key: str, reason: str | None) -> str:
    return f"Cannot use {key}: {reason or 'it cannot be used'}"


def models_found(count: int, folder: Path) -> str:
    return f"Found {count} usable models in {folder}"


def model_personalised(model_id: str) -> str:
    """The Teach tab saved a personalised model: it is now in the picker."""
    return f"Personalised: {model_id} (yours) is now in the model picker"


def model_trained(name: str) -> str:
    """The Train tab finished a run: its model is now in the picker."""
    return f"Trained: {name} is now in the model picker"


def unavailable(names: list[str], first_reason: str | None) -> str:
    """Models that are listed but cannot be used, said once at start."""
    return f"Unavailable: {', '.join(names)} - {first_reason}"


def model_failed(name: str) -> str:
    """The title of the message when a model's session cannot be created."""
    return f"The model {name} cannot be used"


def samples_not_checked(error: Exception) -> str:
    return f"Could not check the samples: {error}"


def opening(name: str) -> str:
    return f"Opening {name}…"


def opened(name: str) -> str:
    return f"Opened {name}"


def drop_to_open(name: str | None) -> str:
    return f"Drop to open {name or 'the picture'}"


NOTHING_TO_PASTE = "Nothing to paste: the clipboard holds no picture."
NOT_SAVED = "The drawing was not saved"


def saved(path: Path) -> str:
    return f"Saved {path}"


def cannot_write(path: Path) -> str:
    return f"Cannot write {path}."


def about_html(models_dir: Path, versions: dict[str, str]) -> str:
    """The About box: what the app is, where its models are, and the library versions."""
    libraries = " · ".join(f"{name} {version}" for name, version in versions.items())
    return (
        f"<h3>{APP_NAME} {__version__}</h3>"
        "<p>Draw a digit or open a picture of clothing and see what a small neural "
        "network thinks it is - and how that network was trained.</p>"
        f"<p>Models: {models_dir}</p>"
        f"<p>{libraries}</p>"
    )
