"""Classification metrics from predictions: plain functions, checked against hand computations."""

from __future__ import annotations

import torch


def confusion_matrix(labels: torch.Tensor, predictions: torch.Tensor, classes: int) -> torch.Tensor:
    """Rows are the true class, columns the predicted class."""
    flat = labels.to(torch.int64) * classes + predictions.to(torch.int64)
    return torch.bincount(flat, minlength=classes * classes).view(classes, classes)


def per_class_report(matrix: torch.Tensor, class_names: list[str]) -> list[dict]:
    """Precision, recall, F1 and support of every class; 0 where a ratio is undefined."""
    matrix = matrix.to(torch.float64)
    true_positives = matrix.diag()
    predicted = matrix.sum(0)
    actual = matrix.sum(1)
    report = []
    for i, name in enumerate(class_names):
        tp, pred, act = float(true_positives[i]), float(predicted[i]), float(actual[i])
        precision = tp / pred if pred else 0.0
        recall = tp / act if act else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        report.append({"class": name, "precision": precision, "recall": recall, "f1": f1,
                       "support": int(act)})
    return report


def macro_average(report: list[dict]) -> dict:
    n = len(report)
    return {key: sum(row[key] for row in report) / n for key in ("precision", "recall", "f1")}
