"""Temperature scaling, calibration error and the rejection threshold, on numbers whose right
answers are known."""

from __future__ import annotations

import numpy as np
import pytest

from trainer import calibration


def _draw_labels(logits: np.ndarray, temperature: float, rng: np.random.Generator) -> np.ndarray:
    probabilities = calibration.softmax(logits, temperature)
    cumulative = probabilities.cumsum(axis=1)
    return (rng.random((len(logits), 1)) > cumulative).sum(axis=1)


@pytest.mark.parametrize("true_temperature", [0.6, 1.0, 2.5])
def test_fitted_temperature_recovers_the_one_that_made_the_labels(true_temperature) -> None:
    rng = np.random.default_rng(1)
    logits = rng.normal(0, 4, (20_000, 10))
    labels = _draw_labels(logits, true_temperature, rng)
    fitted = calibration.fit_temperature(logits, labels)
    assert fitted == pytest.approx(true_temperature, rel=0.06)
    # and the fit makes the confidence honest
    before = calibration.expected_calibration_error(calibration.softmax(logits), labels)
    after = calibration.expected_calibration_error(calibration.softmax(logits, fitted), labels)
    assert after < 0.02
    if true_temperature != 1.0:
        assert after < before


def test_ece_of_a_hand_made_case() -> None:
    # two answers at 0.9 confidence, one right: gap 0.4; two at 0.6, both right: gap 0.4
    probabilities = np.array([[0.9, 0.1], [0.9, 0.1], [0.6, 0.4], [0.6, 0.4]])
    labels = np.array([0, 1, 0, 0])
    assert calibration.expected_calibration_error(probabilities, labels) == pytest.approx(0.4)
    rows = [r for r in calibration.reliability(probabilities, labels) if r["count"]]
    assert [(r["count"], r["accuracy"]) for r in rows] == [(2, 1.0), (2, 0.5)]


def test_rejection_threshold_keeps_false_rejections_within_the_budget() -> None:
    outlier_of_real = np.linspace(0, 1, 1001) ** 8  # mostly tiny, a long tail
    threshold = calibration.rejection_threshold(outlier_of_real, 0.01)
    assert (outlier_of_real > threshold).mean() <= 0.01
    assert threshold >= 0.5
    # never below one half, however clean the real pictures are
    assert calibration.rejection_threshold(np.zeros(100), 0.01) == 0.5
    sweep = calibration.rejection_sweep(outlier_of_real, np.ones(10), thresholds=(0.5, 0.9))
    assert [row["others_rejected"] for row in sweep] == [1.0, 1.0]
    assert sweep[0]["real_rejected"] >= sweep[1]["real_rejected"]
