"""The Compare tab: the current picture through every usable model of a dataset, one row each.
A picture of several digits is read as a number by every digit model, as the Prediction tab
reads it (desktop.numbers).

Plain Python (no Qt): `run_models` is what the tab runs off the UI thread, `training_times`
what it reads once per model folder, and `compare_rows` decides what each row says; tests drive
all three with real models, the widget only renders the rows.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass

from desktop import preprocess
from desktop.benchmark_figures import HANDWRITING, Figures
from desktop.lazy_imports import np
from desktop.model_choices import ModelChoice, accuracy
from desktop.model_format import ModelError, Recipe
from desktop.models import Classifier, ModelEntry, ModelInfo, Prediction, load_metrics
from desktop.numbers import NumberReading, read_number, reads_digits, segment
from desktop.verdict import percent, subject, verdict

RUNS = 3  # each model's latency is the fastest of this many runs on the picture
NONE = "–"  # a figure nobody measured; its tooltip says why

# (title, tooltip) of each column, in order; "" titles the probability bars.
COLUMNS = (
    ("Model", "Click a row to use that model"),
    ("Answer", "The model's answer for the picture on the canvas, and how sure it is"),
    ("", "The model's probabilities for each class, for this picture"),
    ("Test", "Accuracy on the dataset's 10,000 test images"),
    ("Pen", "Accuracy on real handwriting the model never trained on (pen-tablet digits)"),
    ("Weights", "How many weights (parameters) the model has"),
    ("Time", "How long the model took to answer for this picture: the fastest of "
             f"{RUNS} runs on one thread, preprocessing not counted"),
    ("Trained", "How long its training took"),
)

# The figure columns in words, for the model's tooltip.
FIGURE_WORDS = ("Test accuracy", "handwriting", "weights", "time", "training")


@dataclass(frozen=True)
class Outcome:
    """One model's answer for one picture."""

    prediction: Prediction | None  # None: a blank picture, nothing to see
    seconds: float = math.nan  # the fastest run of the model itself
    error: str = ""
    # Digit models, for a picture of several digits: the number read, as the Prediction tab
    # reads it (seconds then covers splitting the picture and reading every digit, once).
    number: NumberReading | None = None


def run_models(classifiers: Mapping[str, Classifier], gray: np.ndarray) -> dict[str, Outcome]:
    """Every model's answer for `gray` (runs on a worker thread; sessions are thread-safe),
    by the models' keys. The picture is preprocessed once per recipe; a failing model gets an error
    outcome and never stops the others."""
    inputs: dict[Recipe, np.ndarray | None] = {}
    outcomes = {}
    several = len(segment(gray)) > 1  # several digits, whichever model reads them
    for key, classifier in classifiers.items():
        info = classifier.info
        try:
            number = _read_number(classifier, gray) if several and reads_digits(info) else None
            if number is not None:
                outcomes[key] = number
                continue
            if info.recipe not in inputs:
                inputs[info.recipe] = preprocess.to_model_input(gray, info.recipe)
            image = inputs[info.recipe]
            if image is None:
                outcomes[key] = Outcome(None)
                continue
            fastest = math.inf
            for _ in range(RUNS):
                started = time.perf_counter()
                prediction = classifier.predict_model_input(image)
                fastest = min(fastest, time.perf_counter() - started)
            outcomes[key] = Outcome(prediction, fastest)
        except (ModelError, ValueError) as error:
            outcomes[key] = Outcome(None, error=str(error))
    return outcomes


def _read_number(classifier: Classifier, gray: np.ndarray) -> Outcome | None:
    """The number the model reads in the picture; None when it reads one digit (it joined the
    pieces), which is then classified as a whole picture."""
    started = time.perf_counter()
    reading = read_number(classifier, gray)
    seconds = time.perf_counter() - started
    if len(reading.digits) < 2:
        return None
    return Outcome(reading.digits[0].prediction, seconds, number=reading)


def training_times(entries: list[ModelEntry]) -> dict[str, tuple[float | None, str]]:
    """(seconds, '') or (None, why not) per entry key, from each training report (reading
    them takes a while: a worker thread calls this once per folder)."""
    times = {}
    for entry in entries:
        try:
            seconds = load_metrics(entry.directory).train_seconds
        except ModelError as error:
            times[entry.key] = (None, f"No training report: {error}")
            continue
        if math.isfinite(seconds) and seconds >= 0:
            times[entry.key] = (seconds, "")
        else:
            times[entry.key] = (None, "Its training report does not say how long it took.")
    return times


@dataclass(frozen=True)
class Cell:
    text: str
    sort: float  # what the column sorts by
    tooltip: str = ""


@dataclass(frozen=True)
class Row:
    key: str
    chosen: bool  # the model the window uses now
    order: int  # the picker's order
    cells: tuple[Cell, ...]  # one per COLUMNS entry; the bars' cell holds their tooltip
    probabilities: tuple[float, ...]  # the bars; () when there is no answer to show
    top: int  # the highlighted bar
    muted: bool  # the model rejected the picture: grey bars


def compare_rows(choices: list[ModelChoice], infos: Mapping[str, ModelInfo],
                 current_key: str | None, picture: bool, outcomes: Mapping[str, Outcome],
                 figures: Figures,
                 training: Mapping[str, tuple[float | None, str]]) -> list[Row]:
    """A row per usable choice with its info, in the choices' order. `picture`: there is a
    picture to classify (else the rows say "draw something"); `outcomes` by model key (a model
    without one is still working); `training` from training_times (missing: still reading)."""
    rows = []
    for order, choice in enumerate(c for c in choices if c.usable and c.key in infos):
        info = infos[choice.key]
        outcome = outcomes.get(choice.key) if picture else None
        answer, bars, probabilities, top, muted = _answer(info, picture, outcome)
        figures_cells = (_accuracy_cell(info.test_accuracy), _handwriting(figures, choice.key),
                         _weights(info.params), _latency(picture, outcome),
                         _training(training.get(choice.key)))
        # The name's tooltip holds every figure too: a narrow table leaves some columns out.
        said = ", ".join(f"{words} {cell.text}" for words, cell
                         in zip(FIGURE_WORDS, figures_cells, strict=True))
        name = Cell(choice.label, order, f"{choice.tooltip}\n{said}")
        rows.append(Row(choice.key, choice.key == current_key, order,
                        (name, answer, bars, *figures_cells), probabilities, top, muted))
    return rows


def _answer(info: ModelInfo, picture: bool, outcome: Outcome | None
            ) -> tuple[Cell, Cell, tuple[float, ...], int, bool]:
    """(answer cell, bars cell, probabilities, top, muted)."""
    nothing = Cell("", -1.0)
    if not picture:
        return Cell("draw something", -1.0, "Draw on the canvas or open a picture."), \
            nothing, (), 0, False
    if outcome is None:
        return Cell("…", -1.0, "Working on it…"), nothing, (), 0, False
    if outcome.error:
        return Cell("failed", -1.0, outcome.error), nothing, (), 0, False
    prediction = outcome.prediction
    if prediction is None:
        return Cell("nothing to see", -1.0, "The picture is blank: there is no ink or object "
                                            "in it."), nothing, (), 0, False
    if outcome.number is not None:
        digits = outcome.number.digits
        said = ", ".join(f"{d.text} ({whole_percent(d.prediction.confidence)})" for d in digits)
        sort = min(d.prediction.confidence for d in digits)
        return (Cell(outcome.number.text, sort, f"Read as a number, left to right: {said}"),
                Cell("", sort), (), 0, False)
    said = verdict(prediction, info.classes, info.dataset)
    sure = whole_percent(prediction.confidence)
    if not prediction.accepted:
        text, sort = f"not {subject(info.dataset)}", -prediction.outlier
    elif info.task is not None:
        text = f"{info.task.yes}: {'yes' if prediction.index == 1 else 'no'}, {sure}"
        sort = prediction.confidence
    else:
        text = f"{'maybe ' if prediction.unsure else ''}{prediction.label}, {sure}"
        sort = prediction.confidence
    order = np.argsort(prediction.probabilities)[::-1][:3]
    bars = Cell("", sort, "\n".join(f"{info.classes[i]}: {percent(prediction.probabilities[i])}"
                                    for i in order))
    probabilities = tuple(float(p) for p in prediction.probabilities)
    return (Cell(text, sort, f"{said.headline}\n{said.detail}"), bars, probabilities,
            prediction.index, not prediction.accepted)


def whole_percent(probability: float) -> str:
    """0.934 -> '93 %': the Answer column is narrow; the bars' tooltip has the decimals."""
    return f"{100 * probability:.0f} %"


def _accuracy_cell(test_accuracy: float) -> Cell:
    score = accuracy(test_accuracy)
    if not score:
        return Cell(NONE, -1.0, "The model's metadata does not say its test accuracy.")
    return Cell(score, test_accuracy, f"{score} of the test images right")


def _handwriting(figures: Figures, key: str) -> Cell:
    value, why = figures.accuracy(HANDWRITING, key)
    if value is None:
        return Cell(NONE, -1.0, why)
    return Cell(percent(value), value, f"{percent(value)} right on "
                                       f"{figures.sets[HANDWRITING].describe()}")


def weights(count: int) -> str:
    """536075 -> '536k', 7950 -> '8.0k', 1234567 -> '1.2M'."""
    if count >= 1_000_000:
        return f"{count / 1_000_000:.1f}M"
    if count >= 10_000:
        return f"{count / 1000:.0f}k"
    return f"{count / 1000:.1f}k" if count >= 1000 else str(count)


def _weights(count: int) -> Cell:
    if count <= 0:
        return Cell(NONE, -1.0, "The model's metadata does not say how many weights it has.")
    return Cell(weights(count), count, f"{count:,} weights")


def milliseconds(seconds: float) -> str:
    """0.000183 -> '0.18 ms', 0.0123 -> '12 ms'."""
    ms = seconds * 1000
    return f"{ms:.2f} ms" if ms < 10 else f"{ms:.0f} ms"


def _latency(picture: bool, outcome: Outcome | None) -> Cell:
    if not picture:
        return Cell(NONE, -1.0, "Measured on the picture: draw something.")
    if outcome is None or not math.isfinite(outcome.seconds):
        return Cell(NONE, -1.0, "Not measured for this picture.")
    if outcome.number is not None:
        return Cell(milliseconds(outcome.seconds), outcome.seconds,
                    f"{outcome.seconds * 1e6:.0f} µs to split the picture and read its "
                    f"{len(outcome.number.digits)} digits")
    return Cell(milliseconds(outcome.seconds), outcome.seconds,
                f"{outcome.seconds * 1e6:.0f} µs for this picture, the fastest of {RUNS} runs")


def duration(seconds: float) -> str:
    """76 -> '76 s', 634 -> '11 min', 5400 -> '1.5 h'."""
    if seconds < 100:
        return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _training(time_and_reason: tuple[float | None, str] | None) -> Cell:
    if time_and_reason is None:
        return Cell("…", -1.0, "Reading its training report…")
    seconds, why = time_and_reason
    if seconds is None:
        return Cell(NONE, -1.0, why)
    return Cell(duration(seconds), seconds, f"Its training took {seconds:,.0f} s")


def headline(dataset_title: str, count: int, picture: bool) -> str:
    """The line above the table: 'Digits: 9 models on this picture'."""
    models = f"{count} model{'s' if count != 1 else ''}"
    if not picture:
        return f"{dataset_title}: {models}, waiting for a picture"
    return f"{dataset_title}: {models} on this picture"


HINT = "Click a row to use that model, a column title to sort by it."


def widest_answer(infos: list[ModelInfo]) -> str:
    """The longest text these models' Answer cells can hold (the column is made that wide)."""
    texts = ["draw something", "nothing to see", "failed"]
    for info in infos:
        texts.append(f"not {subject(info.dataset)}")
        if info.task is not None:
            texts.append(f"{info.task.yes}: yes, {whole_percent(1.0)}")
        else:  # "maybe" is said only below one half
            texts += [f"maybe {name}, {whole_percent(0.49)}" for name in info.classes]
            texts += [f"{name}, {whole_percent(1.0)}" for name in info.classes]
    return max(texts, key=len)
