"""The binary lab's numbers: how a yes/no model (desktop.binary_task.BinaryTask) does on the
test set at every threshold, from its stored test predictions.

The model answers "yes" when its probability of yes is at least the threshold t (t = 1 is
"above every score": always "no", the ROC curve's corner (0, 0); t = 0 is always "yes").
Every distinct score is a threshold where the answers change, so the ROC and precision-recall
curves go through all of them; tied scores move together, which makes the curves exact on
ties (a tie between a yes and a no image is a diagonal step of the ROC curve). Sorting once
makes any threshold a binary search, so a slider can ask for one per pixel.

Plain NumPy, no Qt: desktop.binary_lab_summary says it in words, desktop.gui.binary_lab_view
draws it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from desktop.binary_task import BinaryTask
from desktop.errors import Mistakes
from desktop.lazy_imports import np

DEFAULT_THRESHOLD = 0.5


def _ratio(part: int, whole: int) -> float:
    """part / whole, NaN when whole is 0 (precision with nothing called yes)."""
    return part / whole if whole else math.nan


@dataclass(frozen=True)
class Counts:
    """The 2x2 confusion matrix at one threshold and what follows from it."""

    threshold: float
    tp: int  # yes images answered yes
    fp: int  # no images answered yes: type I error
    fn: int  # yes images answered no: type II error
    tn: int  # no images answered no

    @property
    def total(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def precision(self) -> float:
        return _ratio(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> float:
        """Also called sensitivity, or the true-positive rate."""
        return _ratio(self.tp, self.tp + self.fn)

    @property
    def specificity(self) -> float:
        """The true-negative rate: 1 - the false-positive rate."""
        return _ratio(self.tn, self.tn + self.fp)

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall: 2 TP / (2 TP + FP + FN)."""
        return _ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn)

    @property
    def accuracy(self) -> float:
        return _ratio(self.tp + self.tn, self.total)

    @property
    def always_no_accuracy(self) -> float:
        """The accuracy of a "model" that answers "no" to everything: the share of no images."""
        return _ratio(self.fp + self.tn, self.total)

    def cells(self) -> tuple[tuple[int, int], tuple[int, int]]:
        """As the confusion matrix lays them out: rows the truth (no, yes), columns the
        answer (no, yes)."""
        return (self.tn, self.fp), (self.fn, self.tp)


@dataclass(frozen=True, eq=False)  # holds arrays: compare by identity
class BinaryLab:
    """A binary model's scores on the test set, sorted once for any threshold."""

    scores: np.ndarray  # (N,) float64: the stored probability of "yes" per test image
    truth: np.ndarray  # (N,) int64: 1 for yes images, 0 for no images
    _positive: np.ndarray  # the scores of yes images, ascending
    _negative: np.ndarray  # the scores of no images, ascending

    @classmethod
    def from_scores(cls, scores: np.ndarray, truth: np.ndarray) -> BinaryLab:
        scores = np.asarray(scores, dtype=np.float64)
        truth = np.asarray(truth, dtype=np.int64)
        if scores.shape != truth.shape or scores.ndim != 1:
            raise ValueError(f"{scores.shape} scores for {truth.shape} labels")
        return cls(scores, truth, np.sort(scores[truth == 1]), np.sort(scores[truth == 0]))

    @property
    def positives(self) -> int:
        return len(self._positive)

    @property
    def negatives(self) -> int:
        return len(self._negative)

    def at(self, threshold: float) -> Counts:
        """The counts when the model answers yes for scores >= threshold (nothing at 1)."""
        side = "right" if threshold >= 1 else "left"  # t = 1: even a score of 1 is "no"
        fn = int(np.searchsorted(self._positive, threshold, side))
        tn = int(np.searchsorted(self._negative, threshold, side))
        return Counts(float(threshold), self.positives - fn, self.negatives - tn, fn, tn)

    def answers(self, threshold: float) -> np.ndarray:
        """(N,) int64: the answer (1 yes, 0 no) for every test image at `threshold`."""
        if threshold >= 1:
            return np.zeros(len(self.scores), dtype=np.int64)
        return (self.scores >= threshold).astype(np.int64)

    def cell_indexes(self, true: int, answer: int, threshold: float) -> np.ndarray:
        """The test images of one cell at `threshold`, the surest answer first (the highest
        score for "yes" answers, the lowest for "no"); ties in test-set order."""
        found = np.flatnonzero((self.truth == true) & (self.answers(threshold) == answer))
        surest = -self.scores[found] if answer else self.scores[found]
        return found[np.argsort(surest, kind="stable")]

    def operating_points(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(thresholds, tp, fp): one point per distinct score, highest first, after the
        point "nothing is yes" (threshold +inf, 0, 0). tp and fp count the images whose score
        is at least the threshold."""
        distinct, where = np.unique(self.scores, return_inverse=True)
        yes = np.bincount(where, weights=self.truth, minlength=len(distinct))
        every = np.bincount(where, minlength=len(distinct))
        tp = np.concatenate([[0], np.cumsum(yes[::-1])]).astype(np.int64)
        fp = np.concatenate([[0], np.cumsum((every - yes)[::-1])]).astype(np.int64)
        return np.concatenate([[math.inf], distinct[::-1]]), tp, fp

    def roc(self) -> tuple[np.ndarray, np.ndarray]:
        """The ROC curve: false-positive rate and true-positive rate, from (0, 0) to (1, 1)."""
        _, tp, fp = self.operating_points()
        return fp / max(1, self.negatives), tp / max(1, self.positives)

    def roc_auc(self) -> float:
        """The area under the ROC curve (trapezoids, so a tie counts half): the chance that a
        random yes image scores above a random no image. NaN without both kinds."""
        if not (self.positives and self.negatives):
            return math.nan
        fpr, tpr = self.roc()
        return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))

    def pr(self) -> tuple[np.ndarray, np.ndarray]:
        """The precision-recall curve at every threshold, highest first: recall and
        precision (the "nothing is yes" point left out: its precision is undefined)."""
        _, tp, fp = self.operating_points()
        tp, fp = tp[1:], fp[1:]
        return tp / max(1, self.positives), tp / np.maximum(1, tp + fp)

    def average_precision(self) -> float:
        """The area under the precision-recall curve as average precision: the precision at
        each threshold weighted by the recall it adds (steps, no interpolation; as
        scikit-learn's average_precision_score). NaN without yes images."""
        if not self.positives:
            return math.nan
        recall, precision = self.pr()
        return float(np.sum(np.diff(np.concatenate([[0.0], recall])) * precision))

    @property
    def positive_rate(self) -> float:
        """The share of yes images: the precision of answering yes to everything, the PR
        curve's baseline."""
        return _ratio(self.positives, len(self.truth))


def from_mistakes(mistakes: Mistakes) -> BinaryLab:
    """The lab of a binary model from its Mistakes (desktop.errors), whose labels are already
    the 0/1 truth of its task."""
    return BinaryLab.from_scores(mistakes.probabilities[:, 1], mistakes.labels)


def from_predictions(probabilities: np.ndarray, labels: np.ndarray,
                     task: BinaryTask) -> BinaryLab:
    """The lab from stored (no, yes) probabilities and the dataset's own test labels."""
    truth = np.asarray(task.binary_labels(np.asarray(labels).tolist()), dtype=np.int64)
    return BinaryLab.from_scores(np.asarray(probabilities)[:, 1], truth)
