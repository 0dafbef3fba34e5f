"""Honest confidence and "none of these": a temperature fitted on validation data, the expected
calibration error, and the rejection threshold. Plain numpy, so the benchmarks share it."""

from __future__ import annotations

import numpy as np

ECE_BINS = 15


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    scaled = logits / temperature
    scaled = scaled - scaled.max(axis=1, keepdims=True)
    exp = np.exp(scaled)
    return exp / exp.sum(axis=1, keepdims=True)


def nll(logits: np.ndarray, labels: np.ndarray, temperature: float) -> float:
    probabilities = softmax(logits, temperature)
    return float(-np.log(np.maximum(probabilities[np.arange(len(labels)), labels], 1e-12)).mean())


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The temperature T (0.25..10) minimising the negative log-likelihood of softmax(z / T):
    a coarse grid on log T, then a finer one around the best point."""
    grid = np.exp(np.linspace(np.log(0.25), np.log(10.0), 61))
    best = min(grid, key=lambda t: nll(logits, labels, t))
    fine = best * np.exp(np.linspace(-0.06, 0.06, 25))
    return float(min(fine, key=lambda t: nll(logits, labels, t)))


def reliability(probabilities: np.ndarray, labels: np.ndarray, bins: int = ECE_BINS) -> list[dict]:
    """Per confidence bin: how many answers, their mean confidence and their accuracy."""
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == labels
    edges = np.linspace(0.0, 1.0, bins + 1)
    rows = []
    for low, high in zip(edges[:-1], edges[1:], strict=True):
        inside = (confidence > low) & (confidence <= high)
        count = int(inside.sum())
        rows.append({"low": float(low), "high": float(high), "count": count,
                     "confidence": float(confidence[inside].mean()) if count else 0.0,
                     "accuracy": float(correct[inside].mean()) if count else 0.0})
    return rows


def expected_calibration_error(probabilities: np.ndarray, labels: np.ndarray,
                               bins: int = ECE_BINS) -> float:
    """Mean gap between confidence and accuracy over confidence bins, weighted by bin size."""
    rows = reliability(probabilities, labels, bins)
    total = max(sum(r["count"] for r in rows), 1)
    return float(sum(r["count"] * abs(r["confidence"] - r["accuracy"]) for r in rows) / total)


def rejection_threshold(outlier_of_real: np.ndarray, max_false_rejection: float) -> float:
    """The lowest threshold on the outlier probability that rejects at most the given share of
    real pictures (validation data), and never below 0.5 (then "none of these" must be more
    likely than all the classes together)."""
    if len(outlier_of_real) == 0:
        return 0.5
    quantile = float(np.quantile(outlier_of_real, 1.0 - max_false_rejection))
    return float(min(max(quantile, 0.5), 0.999))


def rejection_sweep(outlier_of_real: np.ndarray, outlier_of_others: np.ndarray,
                    thresholds: tuple[float, ...] = (0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99)
                    ) -> list[dict]:
    """For each threshold: the share of real pictures rejected and of the others rejected."""
    return [{"threshold": t,
             "real_rejected": float((outlier_of_real > t).mean()) if len(outlier_of_real) else 0.0,
             "others_rejected": float((outlier_of_others > t).mean())
             if len(outlier_of_others) else 0.0}
            for t in thresholds]
