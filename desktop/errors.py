"""The test images behind a model's confusion matrix: what the error browser shows.

Built from the model's stored answers on the test set (desktop.stored_predictions) and the
shipped test images (desktop.test_sets), without running the model: the examples of any cell
sorted by the model's confidence, each with its top-3 classes; the most confused pairs of
classes; and the top losses (the test images whose true class got the lowest probability, so
the highest cross-entropy). Everything is sorted once when it is built, so opening a cell is a
slice. A binary lab model (desktop.binary_task.BinaryTask) answers "no"/"yes", so its
cells are indexed by the test labels mapped to 0/1 through its task, not by the dataset's
classes. Plain Python + NumPy, no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from desktop import test_sets
from desktop.binary_task import BinaryTask
from desktop.lazy_imports import np
from desktop.model_format import DATASETS, ModelError
from desktop.stored_predictions import TestPredictions, fingerprint
from desktop.test_sets import TestSet, TestSetError
from desktop.training_report import TrainingReport

TOP = 3  # classes shown per example
TINY = 1e-12  # log(0) guard: a probability stored as 0 in float16 is below 6e-8 anyway


class MistakesUnavailable(Exception):
    """The error browser cannot show this model; the message says why, for the user."""


@dataclass(frozen=True)
class Example:
    """One test image with the model's answer."""

    index: int  # its number in the test set (0-based, the dataset's order)
    true: int
    predicted: int
    confidence: float  # the probability of the predicted class
    loss: float  # cross-entropy on the true class: -ln p(true)
    top: tuple[tuple[int, float], ...]  # the TOP most likely (class, probability), best first

    @property
    def correct(self) -> bool:
        return self.true == self.predicted


@dataclass(frozen=True)
class Pair:
    """A pair of classes the model confuses: `count` test images of `true` taken for
    `predicted`."""

    true: int
    predicted: int
    count: int


class Mistakes:
    """A model's answers on the test images, indexed by confusion-matrix cell."""

    def __init__(self, predictions: TestPredictions, test_set: TestSet,
                 classes: tuple[str, ...], task: BinaryTask | None = None) -> None:
        count = predictions.count
        self.classes = tuple(classes)
        self.test_set = test_set
        self.task = task
        # The truth in the model's own classes: a binary model's is the task's 0/1.
        dataset_labels = test_set.labels[:count].astype(np.int64)
        self.labels = dataset_labels if task is None else \
            np.asarray(task.binary_labels(dataset_labels.tolist()), dtype=np.int64)
        self.predicted = predictions.predicted
        self.probabilities = predictions.probabilities
        rows = np.arange(count)
        self.confidence = self.probabilities[rows, self.predicted]
        self.losses = -np.log(np.maximum(self.probabilities[rows, self.labels], TINY))
        self._top = np.argsort(-self.probabilities, axis=1, kind="stable")[:, :TOP]
        size = len(self.classes)
        cells = self.labels * size + self.predicted
        # Cell by cell, most confident first (ties: the test set's order).
        self._order = np.lexsort((rows, -self.confidence, cells))
        self._starts = np.searchsorted(cells[self._order], np.arange(size * size + 1))
        self.counts = np.bincount(cells, minlength=size * size).reshape(size, size)

    def __len__(self) -> int:
        return len(self.labels)

    def cell_indexes(self, true: int, predicted: int) -> np.ndarray:
        """The test-image numbers of a cell, the most confident answer first."""
        cell = true * len(self.classes) + predicted
        return self._order[self._starts[cell]:self._starts[cell + 1]]

    def cell(self, true: int, predicted: int) -> list[Example]:
        return [self.example(int(index)) for index in self.cell_indexes(true, predicted)]

    def example(self, index: int) -> Example:
        top = tuple((int(k), float(self.probabilities[index, k])) for k in self._top[index])
        return Example(index, int(self.labels[index]), int(self.predicted[index]),
                       float(self.confidence[index]), float(self.losses[index]), top)

    def most_confused(self, min_count: int = 1) -> list[Pair]:
        """Off-diagonal cells with at least `min_count` images, the largest first."""
        off = self.counts.copy()
        np.fill_diagonal(off, 0)
        trues, predicteds = np.nonzero(off >= max(1, min_count))
        pairs = [Pair(int(t), int(p), int(off[t, p])) for t, p in zip(trues, predicteds,
                                                                         strict=True)]
        return sorted(pairs, key=lambda pair: (-pair.count, pair.true, pair.predicted))

    def top_loss_indexes(self, k: int | None = None) -> np.ndarray:
        """Test-image numbers by falling loss (ties: the test set's order)."""
        order = np.lexsort((np.arange(len(self.losses)), -self.losses))
        return order if k is None else order[:k]

    def top_losses(self, k: int | None = None) -> list[Example]:
        return [self.example(int(index)) for index in self.top_loss_indexes(k)]

    def true_name(self, index: int) -> str:
        """What test image `index` is: its class, or for a binary model its dataset class
        ("2", "Sandal"), which says more than "not 7"."""
        label = int(self.labels[index])
        if self.task is None:
            return self.classes[label]
        names = DATASETS[self.task.dataset].classes if self.task.dataset in DATASETS else ()
        own = int(self.test_set.labels[index])
        return names[own] if own < len(names) else self.classes[label]


def open_mistakes(report: TrainingReport, dataset: str, model_name: str,
                  folder: Path | None = None, task: BinaryTask | None = None) -> Mistakes:
    """The error browser's data for a model (`task`: a binary model's question), or
    MistakesUnavailable saying in one line what is missing (older models have no stored test
    predictions). Reads the test set (cached), so call it off the UI thread."""
    stored = report.test_predictions
    if stored is None:
        if report.test_predictions_problem:
            raise MistakesUnavailable(f"The stored test answers of {model_name} cannot be "
                                      f"used: {report.test_predictions_problem}")
        raise MistakesUnavailable(f"{model_name} was saved without its answers on the test "
                                  f"set (by an older trainer), so its mistakes cannot be "
                                  f"shown. Retrain it to see them.")
    try:
        predictions = stored.decode()
    except ModelError as exc:
        raise MistakesUnavailable(f"The stored test answers of {model_name} cannot be used: "
                                  f"{exc}") from None
    if predictions.dataset != dataset or stored.classes != len(report.classes):
        raise MistakesUnavailable(f"The stored test answers of {model_name} are for "
                                  f"{stored.classes} classes of {predictions.dataset!r}, not "
                                  f"the {len(report.classes)} classes of {dataset!r}.")
    try:
        test_set = test_sets.load(dataset, folder)
    except TestSetError as exc:
        raise MistakesUnavailable(str(exc)) from None
    count = predictions.count
    if count > len(test_set) or fingerprint(test_set.images[:count], test_set.labels[:count]) \
            != predictions.fingerprint:
        raise MistakesUnavailable(f"The stored test answers of {model_name} belong to other "
                                  f"test images than the {len(test_set):,} shipped with the "
                                  f"app.")
    return Mistakes(predictions, test_set, report.classes, task)


# --- what the browser says (plain text, so it is tested without widgets) ---------------------

def cell_title(classes: tuple[str, ...], true: int, predicted: int, count: int) -> str:
    """'true 4, predicted 9: 12 test images'."""
    images = "test image" if count == 1 else "test images"
    verdict = " (right)" if true == predicted else ""
    return f"true {classes[true]}, predicted {classes[predicted]}: {count:,} {images}{verdict}"


def percent(probability: float) -> str:
    """'71 %', '0.4 %', '<0.1 %': short enough for a thumbnail's caption."""
    value = 100 * probability
    if value >= 9.95:
        return f"{value:.0f} %"
    return f"{value:.1f} %" if value >= 0.05 else "<0.1 %"


def top_lines(example: Example, classes: tuple[str, ...]) -> list[str]:
    """The caption of a thumbnail: one 'class  probability' line per top class."""
    return [f"{classes[k]} {percent(p)}" for k, p in example.top]


def describe(example: Example, classes: tuple[str, ...], true_name: str = "") -> str:
    """The tooltip: 'Test image #1234: a 4, taken for 9 (71 %, loss 2.31). 9 71 %, 4 20 %...'
    `true_name` (Mistakes.true_name) names the image better than a binary model's class."""
    answer = ("recognised" if example.correct else f"taken for {classes[example.predicted]}")
    return (f"Test image #{example.index}: a {true_name or classes[example.true]}, {answer} "
            f"({percent(example.confidence)}, loss {example.loss:.2f}). Top {len(example.top)}: "
            f"{', '.join(top_lines(example, classes))}. Click to load it onto the canvas.")


def pair_text(pair: Pair, classes: tuple[str, ...], total: int) -> str:
    """'4 taken for 9: 12 times (1.2 % of the 4s)'."""
    share = 100 * pair.count / max(1, total)
    return (f"{classes[pair.true]} taken for {classes[pair.predicted]}: {pair.count} "
            f"time{'s' if pair.count != 1 else ''} ({share:.1f} % of the test images of "
            f"{classes[pair.true]})")
