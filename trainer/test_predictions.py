"""Store a model's answers on the test set in its training report, for the app's error browser.

The answers come from the EXPORTED graph run by ONNX Runtime on the test images exactly as the
app feeds them (desktop.preprocess.normalize of image / 255), so what the browser shows is what
the app would compute. The pipeline calls predictions_entry at export; add_test_predictions
upgrades the report of a model exported before (trainer.upgrade does that for whole folders).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import onnx
import onnxruntime as ort
import torch

from desktop import preprocess
from desktop.binary_task import BinaryTask
from desktop.graph_outputs import PROBABILITIES_OUTPUT
from desktop.model_format import ModelMetadata
from desktop.stored_predictions import REPORT_FIELD, StoredPredictions, fingerprint
from desktop.test_sets import TestSet
from desktop.training_report import TrainingReport
from trainer import metrics

BATCH = 1000


def predict_test_set(onnx_bytes: bytes, images: np.ndarray) -> np.ndarray:
    """The graph's class probabilities (N, classes) float32 for uint8 images (N, 28, 28)
    stored light on dark, normalised with the mean and std of the model's own metadata."""
    metadata = ModelMetadata.from_strings(_metadata(onnx_bytes), "the exported model")
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(onnx_bytes, options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    parts = []
    for start in range(0, len(images), BATCH):
        batch = np.asarray(images[start:start + BATCH], dtype=np.float32) / np.float32(255)
        inputs = preprocess.normalize(batch, metadata.mean, metadata.std)
        parts.append(session.run([PROBABILITIES_OUTPUT], {name: inputs})[0])
    return np.concatenate(parts).astype(np.float32)


def predictions_entry(onnx_bytes: bytes, dataset: str, images: np.ndarray,
                      labels: np.ndarray) -> dict:
    """The report entry for test images 0..N-1 (all of them, or the first N of a --limit run):
    probabilities, predicted classes and the fingerprint of those images and labels."""
    images = np.asarray(images, dtype=np.uint8)
    labels = np.asarray(labels, dtype=np.uint8)
    probabilities = predict_test_set(onnx_bytes, images)
    stored = StoredPredictions.encode(dataset, probabilities, probabilities.argmax(1),
                                      fingerprint(images, labels))
    return stored.to_dict()


def model_labels(task: BinaryTask | None, labels: np.ndarray) -> np.ndarray:
    """The labels a model is scored on: the dataset's own, or a binary task's 0 (no) / 1
    (yes); the stored predictions' fingerprint is made with them."""
    if task is None:
        return np.asarray(labels)
    return np.asarray(task.binary_labels(np.asarray(labels).tolist()), dtype=np.uint8)


def add_test_predictions(report: TrainingReport | Mapping, onnx_bytes: bytes,
                         test_set: TestSet, task: BinaryTask | None = None) -> TrainingReport:
    """The report with the predictions of the model `onnx_bytes` on the whole `test_set`
    (a binary lab model's `task` turns the labels into 0/1)."""
    raw = dict(report.raw if isinstance(report, TrainingReport) else report)
    raw[REPORT_FIELD] = predictions_entry(onnx_bytes, test_set.dataset, test_set.images,
                                          model_labels(task, test_set.labels))
    return TrainingReport.from_dict(raw, "the upgraded training report")


def disagreements(report: TrainingReport, labels: np.ndarray) -> int:
    """How many test images the stored predictions put in another confusion-matrix cell than
    the report's own matrix (near ties that PyTorch and the exported graph, with its float16
    weights, break differently): 0 when they agree. Only the first `count` labels are used."""
    counts = _stored_matrix(report, labels)
    return int(np.abs(counts - np.asarray(report.confusion_matrix)).sum()) // 2


def scored_as_stored(report: TrainingReport, labels: np.ndarray) -> TrainingReport:
    """The report whose test figures (confusion matrix, accuracy, per-class and macro scores)
    are those of its stored predictions, i.e. of the exported graph the app runs, so that the
    Training tab and the error browser count the same images. Unchanged when they agree."""
    if disagreements(report, labels) == 0:
        return report
    matrix = torch.from_numpy(_stored_matrix(report, labels))
    per_class = metrics.per_class_report(matrix, list(report.classes))
    raw = dict(report.raw)
    raw.update(confusion_matrix=matrix.tolist(), per_class=per_class,
               macro_avg=metrics.macro_average(per_class),
               test_accuracy=int(matrix.diag().sum()) / int(matrix.sum()))
    return TrainingReport.from_dict(raw, "the training report scored as stored")


def _stored_matrix(report: TrainingReport, labels: np.ndarray) -> np.ndarray:
    decoded = report.test_predictions.decode()
    counts = np.zeros(np.shape(report.confusion_matrix), dtype=np.int64)
    np.add.at(counts, (np.asarray(labels[:decoded.count], np.int64), decoded.predicted), 1)
    return counts


def _metadata(onnx_bytes: bytes) -> dict[str, str]:
    proto = onnx.load_model_from_string(onnx_bytes)
    return {entry.key: entry.value for entry in proto.metadata_props}
