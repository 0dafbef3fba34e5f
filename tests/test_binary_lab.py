"""The binary lab's numbers and words (desktop.binary_lab, desktop.binary_lab_summary): small
cases computed by hand, brute-force loops over every threshold, and a real logistic regression
"is it a 7?" (tests/binary_models.py) with its stored test predictions."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from binary_models import write_binary_model

from desktop import binary_lab_summary as words
from desktop import errors, models, saliency, saliency_display, test_sets
from desktop.binary_lab import BinaryLab, Counts, from_mistakes, from_predictions
from desktop.binary_task import BINARY_TASKS

SEVEN, SHOE = BINARY_TASKS["is-7"], BINARY_TASKS["is-shoe"]


def brute_counts(scores, truth, threshold) -> tuple[int, int, int, int]:
    """TP, FP, FN, TN by looking at every image: yes when score >= t, never at t = 1."""
    tp = fp = fn = tn = 0
    for score, true in zip(scores, truth, strict=True):
        yes = score >= threshold and threshold < 1
        tp += yes and true == 1
        fp += yes and true == 0
        fn += (not yes) and true == 1
        tn += (not yes) and true == 0
    return tp, fp, fn, tn


def brute_auc(scores, truth) -> float:
    """The chance that a yes image outscores a no image, a tie counting half."""
    pos = [s for s, t in zip(scores, truth, strict=True) if t]
    neg = [s for s, t in zip(scores, truth, strict=True) if not t]
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def brute_average_precision(scores, truth) -> float:
    """Sum over the distinct scores, highest first, of (recall gained) x precision there."""
    total = sum(truth)
    ap, last_recall = 0.0, 0.0
    for t in sorted(set(scores), reverse=True):  # yes when score >= t, also at t = 1
        tp = sum(s >= t and y == 1 for s, y in zip(scores, truth, strict=True))
        fp = sum(s >= t and y == 0 for s, y in zip(scores, truth, strict=True))
        recall = tp / total
        ap += (recall - last_recall) * tp / (tp + fp)
        last_recall = recall
    return ap


def test_a_small_case_by_hand():
    # scores of five images, two of them yes: 0.9 (yes), 0.8 (no), 0.6 (yes), 0.6 (no), 0.1
    lab = BinaryLab.from_scores(np.array([0.9, 0.8, 0.6, 0.6, 0.1]),
                                np.array([1, 0, 1, 0, 0]))
    at = lab.at(0.5)  # yes for 0.9, 0.8, 0.6, 0.6
    assert (at.tp, at.fp, at.fn, at.tn) == (2, 2, 0, 1)
    assert at.precision == 0.5 and at.recall == 1.0 and at.specificity == pytest.approx(1 / 3)
    assert at.f1 == pytest.approx(2 / 3) and at.accuracy == 0.6
    assert at.always_no_accuracy == 0.6
    assert at.cells() == ((1, 2), (0, 2))
    fpr, tpr = lab.roc()
    # thresholds: inf, 0.9, 0.8, 0.6 (the tie moves one yes and one no together), 0.1
    assert fpr.tolist() == pytest.approx([0, 0, 1 / 3, 2 / 3, 1])
    assert tpr.tolist() == pytest.approx([0, 0.5, 0.5, 1, 1])
    # area: 1/3 * 0.5 + (1/3) * (0.5 + 1) / 2 (the tie's diagonal) + 1/3 * 1
    assert lab.roc_auc() == pytest.approx(1 / 6 + 1 / 4 + 1 / 3)
    recall, precision = lab.pr()
    assert recall.tolist() == pytest.approx([0.5, 0.5, 1, 1])
    assert precision.tolist() == pytest.approx([1, 0.5, 0.5, 0.4])
    assert lab.average_precision() == pytest.approx(0.5 * 1 + 0.5 * 0.5)
    assert lab.positive_rate == 0.4


def test_the_ends_of_the_slider_are_always_yes_and_always_no():
    lab = BinaryLab.from_scores(np.array([0.0, 0.0, 0.3, 1.0, 1.0]), np.array([0, 1, 0, 1, 0]))
    assert lab.at(0.0) == Counts(0.0, 2, 3, 0, 0)
    assert lab.at(1.0) == Counts(1.0, 0, 0, 2, 3)
    assert math.isnan(lab.at(1.0).precision) and lab.at(1.0).accuracy == 0.6


@pytest.mark.parametrize("seed", range(5))
def test_every_threshold_against_a_brute_force_loop(seed: int):
    rng = np.random.default_rng(seed)
    size = int(rng.integers(5, 60))
    # few distinct scores, so many ties, and both ends of the range
    scores = rng.choice([0.0, 0.1, 0.25, 0.5, 0.5, 0.75, 0.9, 1.0], size)
    truth = rng.integers(0, 2, size)
    truth[:2] = [0, 1]
    lab = BinaryLab.from_scores(scores, truth)
    thresholds = [*np.linspace(0, 1, 41), *np.unique(scores)]
    for t in thresholds:
        at = lab.at(t)
        assert (at.tp, at.fp, at.fn, at.tn) == brute_counts(scores, truth, t), t
        for answer in (0, 1):
            for true in (0, 1):
                expected = [i for i in range(size)
                            if truth[i] == true and (scores[i] >= t and t < 1) == answer]
                assert sorted(lab.cell_indexes(true, answer, t).tolist()) == expected
    assert lab.roc_auc() == pytest.approx(brute_auc(scores, truth))
    assert lab.average_precision() == pytest.approx(brute_average_precision(scores, truth))
    # every operating point of the curves counts the scores at least its threshold
    points, tp, fp = lab.operating_points()
    assert tp[0] == fp[0] == 0 and points[0] == math.inf
    for t, want_tp, want_fp in zip(points[1:], tp[1:], fp[1:], strict=True):
        assert want_tp == int(((scores >= t) & (truth == 1)).sum())
        assert want_fp == int(((scores >= t) & (truth == 0)).sum())


def test_one_kind_of_image_only_gives_no_auc():
    lab = BinaryLab.from_scores(np.array([0.2, 0.7]), np.array([0, 0]))
    assert math.isnan(lab.roc_auc()) and math.isnan(lab.average_precision())
    assert "No curve" in words.headline(lab, SEVEN)


def test_the_cells_and_measures_in_words():
    assert words.cell_names(SEVEN) == {
        "tp": "TP: 7s called 7", "fp": "FP (type I error): other digits called 7",
        "fn": "FN (type II error): 7s missed", "tn": "TN: other digits called not 7"}
    assert words.cell_names(SHOE)["fp"] == "FP (type I error): other clothing called shoe"
    counts = Counts(0.5, tp=90, fp=10, fn=10, tn=890)
    shown = {m.key: m.value for m in words.measures(counts, SEVEN)}
    assert shown == {"precision": "90.0 %", "recall": "90.0 %", "specificity": "98.9 %",
                     "f1": "90.0 %", "accuracy": "98.0 %", "always_no": "90.0 %"}
    sentence = words.comparison(counts, SEVEN)
    assert sentence.startswith("90.0 % of the test images are other digits")
    assert "only 8.0 points better" in sentence
    assert "worse" in words.comparison(Counts(0.0, 100, 900, 0, 0), SEVEN)
    nothing = words.measures(Counts(1.0, 0, 0, 100, 900), SEVEN)
    assert nothing[0].value == "–" and nothing[0].meaning == "nothing is called 7"
    assert words.threshold_text(1.0, SEVEN) == "Threshold 1.000: never answer 7"
    assert words.cell_title(SEVEN, "fn", 1) == "FN (type II error) – 7s missed: 1 test image"
    assert words.cell_title(SHOE, "fp", 45, 0.3) == (
        "FP (type I error) – other clothing called shoe at threshold 0.300: 45 test images")
    assert [words.key_of(*words.cell_of(key)) for key in words.CELLS] == list(words.CELLS)
    assert words.pair_text(SEVEN, 1, 0, 133, 1028) == (
        "FN (type II error) – 7s missed: 133 times (12.9 % of the 7s)")
    assert words.threshold_text(0.25, SEVEN).endswith("p(7) ≥ 0.250")


@pytest.fixture(scope="module")
def seven(tmp_path_factory) -> Path:
    return write_binary_model(tmp_path_factory.mktemp("binary"), SEVEN)


def test_a_real_binary_model_on_the_test_set(seven: Path):
    report = models.load_metrics(seven)
    info = models.read_info(seven / "model.onnx")
    stored = report.test_predictions.decode()
    test_set = test_sets.load("mnist")
    lab = from_predictions(stored.probabilities, test_set.labels, info.task)
    truth = test_set.labels == 7
    p_yes = stored.probabilities[:, 1]
    for t in (0.0, 0.1, 0.5, 0.9, 1.0):
        yes = (p_yes >= t) & (t < 1)
        at = lab.at(t)
        assert (at.tp, at.fp, at.fn, at.tn) == (int((yes & truth).sum()),
                                                int((yes & ~truth).sum()),
                                                int((~yes & truth).sum()),
                                                int((~yes & ~truth).sum()))
    assert lab.positives == int(truth.sum())
    assert 0.95 < lab.roc_auc() <= 1 and lab.average_precision() > lab.positive_rate
    # the error browser's data for it maps the labels the same way
    mistakes = errors.open_mistakes(report, "mnist", info.model_id, task=info.task)
    assert mistakes.labels.tolist() == truth.astype(int).tolist()
    assert (mistakes.counts == np.array(report.confusion_matrix)).all()
    assert from_mistakes(mistakes).at(0.3) == lab.at(0.3)
    first = int(mistakes.cell_indexes(0, 1)[0])
    assert mistakes.true_name(first) == str(test_set.labels[first])


def test_what_it_looked_at_speaks_of_the_question(seven: Path):
    """The saliency page of a binary model: its headline answers the question and "why 7 and
    not “not 7”" quotes the class with a space, on a real test image through the real model."""
    classifier = models.Classifier(models.read_info(seven / "model.onnx"))
    test_set = test_sets.load("mnist")
    number = int(np.flatnonzero(test_set.labels == 7)[0])
    maps = saliency.occlusion(classifier, test_set.model_input(number))
    view = saliency_display.page_view(classifier.info, maps, 1, 0)
    said = "Yes" if maps.index == 1 else "No"
    assert view.headline.startswith(f"Is it a 7? {said}, says the model (")
    assert view.contrast.title == "Why 7 and not “not 7”"
    assert (view.contrast.red, view.contrast.blue) == ("for 7", "for “not 7”")
    answer = SEVEN.classes[maps.index]
    assert view.evidence.title == f"What made it say {saliency_display.named(answer)}"
