"""What the Training tab's "Binary lab" page says about a yes/no model: the names of the four
cells of its confusion matrix (TP, FP as the type I error, FN as the type II error, TN), its
measures at the chosen threshold, and why accuracy misleads when most answers should be "no".

Qt-free, so the wording is tested without widgets; the numbers come from desktop.binary_lab and
desktop/gui/binary_lab_view.py only lays them out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from desktop.binary_lab import BinaryLab, Counts
from desktop.binary_task import BinaryTask
from desktop.verdict import percent

PAGE_TITLE = "Binary lab"
# What the "no" images of a dataset are, for "other digits called 7".
OTHERS = {"mnist": "other digits", "fashion": "other clothing"}
ROC_AXES = ("false-positive rate (1 − specificity)", "true-positive rate (recall)")
PR_AXES = ("recall", "precision")
CELLS = ("tp", "fp", "fn", "tn")


@dataclass(frozen=True)
class Measure:
    """One line of the measures beside the matrix: name, value, what it means."""

    key: str
    name: str
    value: str
    meaning: str


def plural(task: BinaryTask) -> str:
    """'7s', 'shoes': the yes images."""
    return f"{task.yes}s"


def others(task: BinaryTask) -> str:
    return OTHERS.get(task.dataset, f"images that are {task.no}")


def cell_names(task: BinaryTask) -> dict[str, str]:
    """The four cells in words: 'TP: 7s called 7', 'FP (type I error): other digits called 7',
    'FN (type II error): 7s missed', 'TN: other digits called not 7'."""
    return {
        "tp": f"TP: {plural(task)} called {task.yes}",
        "fp": f"FP (type I error): {others(task)} called {task.yes}",
        "fn": f"FN (type II error): {plural(task)} missed",
        "tn": f"TN: {others(task)} called {task.no}",
    }


def cell_counts(counts: Counts) -> dict[str, int]:
    return {"tp": counts.tp, "fp": counts.fp, "fn": counts.fn, "tn": counts.tn}


def cell_of(key: str) -> tuple[int, int]:
    """Where a cell sits in the matrix (row: truth no/yes, column: answer no/yes); also the
    (true, predicted) classes of its test images."""
    return {"tn": (0, 0), "fp": (0, 1), "fn": (1, 0), "tp": (1, 1)}[key]


def value(ratio: float) -> str:
    """'91.3 %', or '–' when the ratio is undefined (no image to divide by)."""
    return percent(ratio) if math.isfinite(ratio) else "–"


def measures(counts: Counts, task: BinaryTask) -> list[Measure]:
    """Precision, recall, specificity, F1, accuracy and the accuracy of always saying no."""
    yes, many, rest = task.yes, plural(task), others(task)
    precision = ("nothing is called " + yes if math.isnan(counts.precision)
                 else f"of the images called {yes}, the share that are {many}")
    return [
        Measure("precision", "Precision", value(counts.precision), precision),
        Measure("recall", "Recall (sensitivity)", value(counts.recall),
                f"of the {many}, the share found"),
        Measure("specificity", "Specificity", value(counts.specificity),
                f"of the {rest}, the share called {task.no}"),
        Measure("f1", "F1", value(counts.f1), "harmonic mean of precision and recall"),
        Measure("accuracy", "Accuracy", value(counts.accuracy), "the share of right answers"),
        Measure("always_no", "Always answering “no”", value(counts.always_no_accuracy),
                f"the accuracy of never saying {yes}"),
    ]


def headline(lab: BinaryLab, task: BinaryTask) -> str:
    """'Is it a 7? 10,000 test images, 1,028 of them 7s (10.3 %). ROC AUC 0.991, average
    precision 0.953.'"""
    total = len(lab.truth)
    scores = []
    if math.isfinite(lab.roc_auc()):
        scores.append(f"ROC AUC {lab.roc_auc():.3f}")
    if math.isfinite(lab.average_precision()):
        scores.append(f"average precision {lab.average_precision():.3f}")
    return (f"{task.question} {total:,} test images, {lab.positives:,} of them {plural(task)} "
            f"({value(lab.positive_rate)}). {', '.join(scores) or 'No curve without both kinds'}"
            f"{'.' if scores else ' of image.'}")


def threshold_text(threshold: float, task: BinaryTask) -> str:
    """What the slider's position means."""
    if threshold >= 1:
        return f"Threshold 1.000: never answer {task.yes}"
    if threshold <= 0:
        return f"Threshold 0.000: always answer {task.yes}"
    return f"Threshold {threshold:.3f}: answer {task.yes} when p({task.yes}) ≥ {threshold:.3f}"


def comparison(counts: Counts, task: BinaryTask) -> str:
    """Why accuracy misleads: the model against a "model" that always answers no."""
    model, never = counts.accuracy, counts.always_no_accuracy
    if not (math.isfinite(model) and math.isfinite(never)):
        return ""
    share = (f"{value(never)} of the test images are {others(task)}, so answering “no” to "
             f"everything is right {value(never)} of the time while finding no "
             f"{task.yes} at all.")
    gap = 100 * (model - never)
    if gap > 0.05:
        verdict = (f"The model's accuracy, {value(model)}, is only {gap:.1f} points better: "
                   f"recall and precision tell how well it finds the {plural(task)}.")
    elif gap < -0.05:
        verdict = (f"At this threshold the model's accuracy, {value(model)}, is even "
                   f"{-gap:.1f} points worse.")
    else:
        verdict = f"At this threshold the model's accuracy, {value(model)}, is no better."
    return f"{share} {verdict}"


def point_text(counts: Counts) -> str:
    """The marked point on the curves: 'FPR 1.2 %, TPR 91.3 %, precision 88.0 %'."""
    fpr = 1 - counts.specificity if math.isfinite(counts.specificity) else math.nan
    return (f"At this threshold: false-positive rate {value(fpr)}, true-positive rate "
            f"{value(counts.recall)}, precision {value(counts.precision)}.")


def explanation(task: BinaryTask) -> str:
    """What the curves show, once per model."""
    return (f"Each threshold turns the model's probability of {task.yes} into a yes/no answer. "
            f"The ROC curve shows, over every threshold, the share of {plural(task)} found "
            f"against the share of {others(task)} wrongly called {task.yes}; the diagonal is "
            f"guessing, and its AUC is the chance that a random {task.yes} scores above a "
            f"random one of the {others(task)}. The precision-recall curve shows how many of "
            f"the answers “{task.yes}” are right as more {plural(task)} are found; its "
            f"baseline is the share of {plural(task)}, the precision of answering yes to "
            f"everything. Its area is given as average precision (the precision at each "
            f"threshold weighted by the recall it adds). Click a cell of the matrix to see "
            f"its test images on the Mistakes page.")


def cell_title(task: BinaryTask, key: str, count: int, threshold: float | None = None) -> str:
    """The Mistakes page's title for a cell: 'FP (type I error) – other digits called 7: 45
    test images', with ' at threshold 0.300' when opened from the lab (else the model's own
    answers are meant)."""
    images = "test image" if count == 1 else "test images"
    at = f" at threshold {threshold:.3f}" if threshold is not None else ""
    return f"{cell_names(task)[key].replace(': ', ' – ', 1)}{at}: {count:,} {images}"


def key_of(true: int, predicted: int) -> str:
    """'fp' for (0, 1): the cell of the matrix's row `true` and column `predicted`."""
    return next(key for key in CELLS if cell_of(key) == (true, predicted))


def pair_text(task: BinaryTask, true: int, predicted: int, count: int, total: int) -> str:
    """The Mistakes page's confused pair of a binary model: 'FN (type II error) – 7s missed:
    133 times (12.9 % of the 7s)'."""
    name = cell_names(task)[key_of(true, predicted)].replace(": ", " – ", 1)
    group = plural(task) if true == 1 else others(task)
    return (f"{name}: {count:,} time{'s' if count != 1 else ''} "
            f"({100 * count / max(1, total):.1f} % of the {group})")


def loading(model_id: str) -> str:
    return f"Reading the test answers of {model_id}…"
