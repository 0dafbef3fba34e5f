"""Personalise a model on the user's own drawings, with numpy alone (no torch, so it also works
in the installed app): refit only the last layer, on the features the model already computes.

The model's last layer (desktop.graph_outputs.Head) maps features f to logits W f + b. Its rows
for the classes are refit on the user's drawings (desktop.handwriting_set, minus the ones held
back to measure) by minimising the cross-entropy plus an anchor that pulls the weights towards
the model's own, (strength * mean |f|^2 / 2) * |W - W0|^2. The anchor is what keeps the model from
forgetting what it learnt from 60,000 training images when it sees 50 of the user's; scaling it
by the features' size makes one strength fit every architecture. The result is saved as a new
model in the user's models folder (desktop.onnx_file writes the weights and metadata), scored on
the shipped test set like any exported model, so every view of the app works on it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from desktop import handwriting_set, lazy_imports, onnx_file, preprocess, test_sets
from desktop.atomic_file import write_whole
from desktop.graph_outputs import PROBABILITIES_OUTPUT
from desktop.lazy_imports import np
from desktop.model_format import MODEL_FILE, VARIANT_KEY, ModelError, ModelMetadata
from desktop.models import ModelInfo, load_metrics
from desktop.stored_predictions import StoredPredictions, fingerprint
from desktop.test_sets import TestSet, TestSetError
from desktop.training_report import TrainingReport, report_entries

if TYPE_CHECKING:
    import onnxruntime as ort

VARIANT = "personal"  # the id's last part: mnist-cnn -> mnist-cnn-personal
MIN_DRAWINGS = 10  # drawings to learn from (after the held-out ones are set aside)
ANCHOR_STRENGTH = 0.01  # chosen on generated handwriting, never on the pen-tablet benchmark
STEPS = 300
LEARNING_RATE = 0.05


class PersonaliseError(Exception):
    """Personalising cannot go ahead; the message says why, for the user."""


@dataclass(frozen=True)
class Outcome:
    """What personalising did: where the new model is and the before / after figures."""

    base_id: str
    model_id: str
    path: Path  # the new model's folder
    learnt_from: int  # drawings
    held_out: int
    own_before: float  # accuracy on the held-out drawings (NaN when none are held out)
    own_after: float
    test_before: float  # accuracy on the dataset's test set
    test_after: float
    seconds: float


def can_personalise(info: ModelInfo) -> str:
    """'' when `info` can be personalised, else the reason in words for the user."""
    if info.task is not None:
        return "Binary lab models answer one yes/no question; personalise a classifier."
    if info.head is None:
        return ("This model was exported before personalising existed: retrain it, or upgrade "
                "it with trainer.upgrade.")
    return ""


def personalise(info: ModelInfo, drawings: TestSet, out_root: Path,
                test_set: TestSet | None = None, strength: float = ANCHOR_STRENGTH,
                say: Callable[[str], None] = lambda text: None) -> Outcome:
    """Refit `info`'s last layer on `drawings` and save it as <out_root>/<id>-personal.
    `say` hears what is happening, for a progress line. Raises PersonaliseError."""
    started = time.perf_counter()
    reason = can_personalise(info)
    if reason:
        raise PersonaliseError(reason)
    assert info.head is not None
    held = handwriting_set.held_out(drawings.labels)
    learn = ~held
    if int(learn.sum()) < MIN_DRAWINGS:
        raise PersonaliseError(f"Draw at least {MIN_DRAWINGS} digits to learn from (you have "
                               f"{int(learn.sum())} of them, and {int(held.sum())} kept back "
                               f"to measure).")
    try:
        test_set = test_set or test_sets.load(info.dataset)
        base_bytes = info.path.read_bytes()
        report = load_metrics(info.path.parent)
        weights = onnx_file.read_weights(base_bytes, [info.head.weight, info.head.bias])
    except (OSError, ModelError, TestSetError, onnx_file.OnnxFileError) as exc:
        raise PersonaliseError(f"{info.model_id} cannot be personalised: {exc}") from None
    say(f"Reading your {len(drawings)} drawings through {info.model_id}")
    images = drawings.images.astype(np.float32) / np.float32(255)
    base = _session(base_bytes)
    features, before = _run(base, info, images, [info.head.features, PROBABILITIES_OUTPUT])
    weight, bias = weights[info.head.weight], weights[info.head.bias]
    classes = len(info.classes)
    say(f"Refitting the last layer on {int(learn.sum())} drawings")
    new_weight, new_bias = refit(features[learn], drawings.labels[learn],
                                 weight[:classes], bias[:classes], strength)
    weight, bias = weight.copy(), bias.copy()
    weight[:classes], bias[:classes] = new_weight, new_bias

    say(f"Scoring the new model on {len(test_set):,} test images")
    new_id = info.model_id if info.model_id.endswith(f"-{VARIANT}") \
        else f"{info.model_id}-{VARIANT}"
    draft = onnx_file.replace(base_bytes, {info.head.weight: weight, info.head.bias: bias},
                              base.get_modelmeta().custom_metadata_map)
    session = _session(draft)
    (after,) = _run(session, info, images, [PROBABILITIES_OUTPUT])
    (test_probabilities,) = _run(session, info, test_set.images.astype(np.float32) / 255,
                                 [PROBABILITIES_OUTPUT])
    figures = {
        "base_model": info.model_id, "anchor_strength": strength, "learnt_from": int(learn.sum()),
        "held_out": int(held.sum()),
        "own_before": _accuracy(before[held], drawings.labels[held]),
        "own_after": _accuracy(after[held], drawings.labels[held]),
        "test_before": report.test_accuracy,
        "test_after": _accuracy(test_probabilities, test_set.labels),
    }
    new_report = _report(report, new_id, test_set, test_probabilities, figures)
    metadata = dict(base.get_modelmeta().custom_metadata_map)
    metadata.update(model_id=new_id, test_accuracy=repr(new_report.test_accuracy),
                    description=f"{info.description} Personalised on "
                                f"{figures['learnt_from']} of your drawings."[:500].strip(),
                    **{VARIANT_KEY: f"personalised on {figures['learnt_from']} of your "
                                    f"drawings"},
                    **report_entries(new_report))
    ModelMetadata.from_strings(metadata, "the personalised model")  # never save what won't load
    folder = Path(out_root) / new_id
    say(f"Saving {new_id}")
    try:
        write_whole(folder / MODEL_FILE, onnx_file.replace(draft, {}, metadata))
    except OSError as exc:
        raise PersonaliseError(f"Cannot save the personalised model in {folder}: {exc}") \
            from None
    return Outcome(info.model_id, new_id, folder, figures["learnt_from"], figures["held_out"],
                   figures["own_before"], figures["own_after"], figures["test_before"],
                   figures["test_after"], time.perf_counter() - started)


def refit(features: np.ndarray, labels: np.ndarray, weight: np.ndarray, bias: np.ndarray,
          strength: float = ANCHOR_STRENGTH, steps: int = STEPS) -> tuple[np.ndarray, np.ndarray]:
    """The last layer's class rows refit on (features, labels), anchored to (weight, bias):
    full-batch Adam on the mean cross-entropy plus the anchor. Float64 inside, float32 out."""
    x = np.asarray(features, np.float64)
    targets = np.eye(len(weight))[np.asarray(labels, np.int64)]
    anchor = strength * float(np.mean(np.sum(x * x, axis=1))) + 1e-12
    params = [np.asarray(weight, np.float64).copy(), np.asarray(bias, np.float64).copy()]
    start = [p.copy() for p in params]
    moments = [[np.zeros_like(p), np.zeros_like(p)] for p in params]
    for step in range(1, steps + 1):
        logits = x @ params[0].T + params[1]
        logits -= logits.max(axis=1, keepdims=True)
        probabilities = np.exp(logits)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        error = (probabilities - targets) / len(x)
        gradients = [error.T @ x + anchor * (params[0] - start[0]),
                     error.sum(axis=0) + anchor * (params[1] - start[1])]
        for param, gradient, (first, second) in zip(params, gradients, moments, strict=True):
            first[:] = 0.9 * first + 0.1 * gradient
            second[:] = 0.999 * second + 0.001 * gradient * gradient
            corrected = first / (1 - 0.9 ** step), second / (1 - 0.999 ** step)
            param -= LEARNING_RATE * corrected[0] / (np.sqrt(corrected[1]) + 1e-8)
    return params[0].astype(np.float32), params[1].astype(np.float32)


def _session(model: bytes) -> ort.InferenceSession:
    ort = lazy_imports.onnxruntime()  # the window shows before its import

    options = ort.SessionOptions()
    options.log_severity_level = 3
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


def _run(session: ort.InferenceSession, info: ModelInfo, images: np.ndarray,
         outputs: list[str], batch: int = 1000) -> list[np.ndarray]:
    """The named outputs for images (N, 28, 28) in 0..1, normalised as the app does."""
    parts: list[list[np.ndarray]] = [[] for _ in outputs]
    for start in range(0, len(images), batch):
        inputs = preprocess.normalize(images[start:start + batch], info.mean, info.std)
        for part, value in zip(parts, session.run(outputs, {"image": inputs}), strict=True):
            part.append(value.reshape(len(inputs), -1))
    return [np.concatenate(part) for part in parts]


def _accuracy(probabilities: np.ndarray, labels: np.ndarray) -> float:
    if not len(labels):
        return math.nan
    return float(np.mean(probabilities.argmax(axis=1) == labels))


def _report(base: TrainingReport, new_id: str, test_set: TestSet, probabilities: np.ndarray,
            figures: dict) -> TrainingReport:
    """The base model's report (its training curves stay: the body of the network is the one
    they trained) with the test figures of the personalised model and how it was made."""
    classes = probabilities.shape[1]
    predicted = probabilities.argmax(axis=1)
    labels = test_set.labels.astype(np.int64)
    matrix = np.bincount(labels * classes + predicted, minlength=classes * classes)
    matrix = matrix.reshape(classes, classes)
    per_class = []
    for index, name in enumerate(base.classes):
        hits, chosen, actual = matrix[index, index], matrix[:, index].sum(), matrix[index].sum()
        precision = hits / chosen if chosen else 0.0
        recall = hits / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class.append({"class": name, "precision": float(precision),
                          "recall": float(recall), "f1": float(f1), "support": int(actual)})
    picked = probabilities[np.arange(len(labels)), labels]
    raw = dict(base.raw)
    raw.update({
        "model_id": new_id, "test_accuracy": figures["test_after"],
        "test_loss": float(-np.mean(np.log(np.maximum(picked, 1e-12)))),
        "test_size": len(labels), "confusion_matrix": matrix.tolist(), "per_class": per_class,
        "macro_avg": {key: float(np.mean([row[key] for row in per_class]))
                      for key in ("precision", "recall", "f1")},
        "test_predictions": StoredPredictions.encode(
            test_set.dataset, probabilities, predicted,
            fingerprint(test_set.images, test_set.labels)).to_dict(),
        "personalised": figures,
        "config": {**base.config, "personalised_from": figures["base_model"],
                   "personalise_method": "last layer refit with numpy",
                   "anchor_strength": figures["anchor_strength"]},
        "device": "cpu (numpy)",
        "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    })
    return TrainingReport.from_dict(raw, f"the report of {new_id}")
