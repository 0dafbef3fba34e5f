"""The shipped models, their metadata and their stored metrics tell the same story."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from desktop.models import load_metrics
from trainer.data import DATASETS, load_official

SHIPPED = ["mnist-dense", "mnist-cnn", "fashion-dense", "fashion-cnn"]
TARGETS = {"mnist-dense": 0.985, "mnist-cnn": 0.995, "fashion-dense": 0.90, "fashion-cnn": 0.935}


@pytest.mark.parametrize("model_id", SHIPPED)
def test_metrics_match_what_the_onnx_file_does_on_the_test_set(models_dir: Path, data_dir: Path,
                                                               model_id: str) -> None:
    folder = models_dir / model_id
    metrics = load_metrics(folder)  # still metrics.json beside these models (legacy)
    session = ort.InferenceSession(str(folder / "model.onnx"),
                                   providers=["CPUExecutionProvider"])
    meta = session.get_modelmeta().custom_metadata_map
    assert meta["model_id"] == metrics["model_id"] == model_id
    assert json.loads(meta["classes"]) == metrics["classes"]
    assert int(meta["params"]) == metrics["params"]
    assert float(meta["test_accuracy"]) == pytest.approx(metrics["test_accuracy"], abs=1e-6)
    assert json.loads(meta["normalization"]) == pytest.approx(metrics["normalization"])

    test = load_official(DATASETS[meta["dataset"]], data_dir, train=False)
    norm = json.loads(meta["normalization"])
    images = ((test.images.numpy()[:, None] / 255.0 - norm["mean"]) / norm["std"])
    predicted = np.concatenate([
        session.run(None, {"image": images[i:i + 2000].astype(np.float32)})[0].argmax(1)
        for i in range(0, len(images), 2000)])
    confusion = np.zeros((10, 10), dtype=int)
    np.add.at(confusion, (test.labels.numpy(), predicted), 1)
    # ONNX Runtime may round differently from PyTorch on a borderline image or two
    assert np.abs(confusion - np.array(metrics["confusion_matrix"])).sum() <= 4
    assert np.trace(confusion) / len(predicted) >= TARGETS[model_id]
