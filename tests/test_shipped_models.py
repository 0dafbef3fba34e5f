"""The shipped models, their metadata and their stored metrics tell the same story."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from desktop.model_format import ModelMetadata
from desktop.models import load_metrics
from trainer.data import DATASETS, load_official
from trainer.settings import SHIPPED as TARGETS_SHIPPED

SHIPPED = [target.model_id for target in TARGETS_SHIPPED]
# The accuracy each model was trained to reach (the course's figures for its models).
TARGETS = {"mnist-dense": 0.985, "mnist-cnn": 0.995, "fashion-dense": 0.90, "fashion-cnn": 0.935,
           "mnist-linear": 0.91, "fashion-linear": 0.83, "mnist-mlp": 0.975, "fashion-mlp": 0.88,
           "mnist-deep": 0.975, "fashion-deep": 0.88, "mnist-lenet": 0.985,
           "fashion-lenet": 0.89}


def test_every_shipped_model_is_in_resources(models_dir: Path) -> None:
    assert sorted(p.name for p in models_dir.iterdir() if p.is_dir()) == sorted(SHIPPED)


@pytest.mark.parametrize("model_id", SHIPPED)
def test_metrics_match_what_the_onnx_file_does_on_the_test_set(models_dir: Path, data_dir: Path,
                                                               model_id: str) -> None:
    folder = models_dir / model_id
    metrics = load_metrics(folder)  # still metrics.json beside some older models (legacy)
    session = ort.InferenceSession(str(folder / "model.onnx"),
                                   providers=["CPUExecutionProvider"])
    meta = session.get_modelmeta().custom_metadata_map
    info = ModelMetadata.from_strings(meta, folder)
    assert meta["model_id"] == metrics["model_id"] == model_id
    assert json.loads(meta["classes"]) == metrics["classes"]
    assert int(meta["params"]) == metrics["params"]
    assert float(meta["test_accuracy"]) == pytest.approx(metrics["test_accuracy"], abs=1e-6)
    assert json.loads(meta["normalization"]) == pytest.approx(metrics["normalization"])

    test = load_official(DATASETS[meta["dataset"]], data_dir, train=False)
    labels = test.labels.numpy()
    if info.task is not None:  # a binary lab model is scored on no (0) / yes (1)
        labels = np.array(info.task.binary_labels(labels))
    norm = json.loads(meta["normalization"])
    images = ((test.images.numpy()[:, None] / 255.0 - norm["mean"]) / norm["std"])
    predicted = np.concatenate([
        session.run(["probabilities"], {"image": images[i:i + 2000].astype(np.float32)})[0]
        .argmax(1) for i in range(0, len(images), 2000)])
    classes = len(info.classes)
    confusion = np.zeros((classes, classes), dtype=int)
    np.add.at(confusion, (labels, predicted), 1)
    # ONNX Runtime may round differently from PyTorch on a borderline image or two
    assert np.abs(confusion - np.array(metrics["confusion_matrix"])).sum() <= 4
    assert np.trace(confusion) / len(predicted) >= TARGETS.get(model_id, 0.5)


def test_the_held_out_figures_cover_every_digit_model(models_dir: Path) -> None:
    """resources/benchmarks.json (python -m benchmarks.record_figures), as the Compare view
    reads it: one accuracy per shipped ten-digit model on the held-out pen-tablet digits."""
    from benchmarks.record_figures import OUT, TITLE, digit_models

    figures = json.loads(OUT.read_text())["handwriting"]
    assert figures["title"] == TITLE and figures["count"] > 3000
    assert set(figures["accuracy"]) == {entry.model_id for entry in digit_models(models_dir)}
    assert all(0 <= value <= 1 for value in figures["accuracy"].values())
