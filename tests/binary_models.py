"""Real binary lab models for the tests, made without torch: a logistic regression "is it a
7?" (or any BinaryTask) fitted with NumPy on a few thousand training images of the dataset,
written as an ONNX graph with the onnx package and given a training report with its stored
test predictions, exactly as the trainer's export writes them (trainer.test_predictions).

The graph: "image" [batch, 1, 28, 28] -> Flatten -> MatMul/Add -> z, and "probabilities"
= Concat(1 - Sigmoid(z), Sigmoid(z)): the (no, yes) order of desktop.model_format.BinaryTask.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from desktop import test_sets
from desktop.binary_task import BinaryTask
from desktop.graph_outputs import INPUT_NAME, PROBABILITIES_OUTPUT
from desktop.model_format import DATASETS, MODEL_FILE, ModelMetadata, model_id
from desktop.training_report import TrainingReport, report_entries
from trainer import test_predictions

ROOT = Path(__file__).resolve().parents[1]
TRAIN_IMAGES = 4000  # the first training images: enough for a linear model to learn "a 7"
EPOCHS = 12
LEARNING_RATE = 0.5


def read_idx(path: Path) -> np.ndarray:
    """An idx file of the torchvision layout (raw/): uint8 images (N, 28, 28) or labels (N,)."""
    data = path.read_bytes()
    dims = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims))
    return np.frombuffer(data, np.uint8, offset=4 + 4 * dims).reshape(shape)


def training_images(dataset: str, count: int = TRAIN_IMAGES) -> tuple[np.ndarray, np.ndarray]:
    """The first `count` training images and labels of `dataset` from $DIGIT_LENS_DATA."""
    root = Path(os.environ.get("DIGIT_LENS_DATA", ROOT.parent / "shared" / "datasets"))
    raw = root / DATASETS[dataset].torchvision_name / "raw"
    images = read_idx(raw / "train-images-idx3-ubyte")[:count]
    labels = read_idx(raw / "train-labels-idx1-ubyte")[:count]
    return images, labels


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -60, 60)))


def fit(x: np.ndarray, y: np.ndarray, x_val: np.ndarray, y_val: np.ndarray
        ) -> tuple[np.ndarray, float, list[dict]]:
    """Logistic regression by full-batch gradient descent on binary cross-entropy: weights,
    bias and the per-epoch history the Training tab draws."""
    weights, bias = np.zeros(x.shape[1]), 0.0
    history = []

    def measure(xs: np.ndarray, ys: np.ndarray) -> tuple[float, float]:
        p = np.clip(_sigmoid(xs @ weights + bias), 1e-7, 1 - 1e-7)
        loss = -np.mean(ys * np.log(p) + (1 - ys) * np.log(1 - p))
        return float(loss), float(np.mean((p > 0.5) == ys))

    for epoch in range(1, EPOCHS + 1):
        for _ in range(25):
            error = _sigmoid(x @ weights + bias) - y
            weights -= LEARNING_RATE * (x.T @ error) / len(y)
            bias -= LEARNING_RATE * float(error.mean())
        train_loss, train_accuracy = measure(x, y)
        val_loss, val_accuracy = measure(x_val, y_val)
        history.append({"epoch": epoch, "train_loss": train_loss,
                        "train_accuracy": train_accuracy, "val_loss": val_loss,
                        "val_accuracy": val_accuracy})
    return weights, bias, history


def graph_bytes(weights: np.ndarray, bias: float, metadata: ModelMetadata,
                extra: dict[str, str] | None = None) -> bytes:
    """The ONNX model: Flatten -> MatMul/Add -> z -> Concat(1 - Sigmoid(z), Sigmoid(z))."""
    initializers = [
        numpy_helper.from_array(weights.astype(np.float32).reshape(-1, 1), "weight"),
        numpy_helper.from_array(np.array([bias], np.float32), "bias"),
        numpy_helper.from_array(np.array(1.0, np.float32), "one"),
    ]
    nodes = [
        helper.make_node("Flatten", [INPUT_NAME], ["flat"], axis=1),
        helper.make_node("MatMul", ["flat", "weight"], ["scaled"]),
        helper.make_node("Add", ["scaled", "bias"], ["z"]),
        helper.make_node("Sigmoid", ["z"], ["yes"]),
        helper.make_node("Sub", ["one", "yes"], ["no"]),
        helper.make_node("Concat", ["no", "yes"], [PROBABILITIES_OUTPUT], axis=1),
    ]
    graph = helper.make_graph(
        nodes, "logistic_regression",
        [helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, ["batch", 1, 28, 28])],
        [helper.make_tensor_value_info(PROBABILITIES_OUTPUT, TensorProto.FLOAT, ["batch", 2])],
        initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    for key, value in {**metadata.to_strings(), **(extra or {})}.items():
        model.metadata_props.add(key=key, value=value)
    onnx.checker.check_model(model, full_check=True)
    return model.SerializeToString()


def _per_class(matrix: np.ndarray, classes: tuple[str, ...]) -> list[dict]:
    rows = []
    for i, name in enumerate(classes):
        tp, predicted, actual = matrix[i, i], matrix[:, i].sum(), matrix[i].sum()
        precision = tp / predicted if predicted else 0.0
        recall = tp / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows.append({"class": name, "precision": float(precision), "recall": float(recall),
                     "f1": float(f1), "support": int(actual)})
    return rows


def write_binary_model(target: Path, task: BinaryTask) -> Path:
    """A model folder `target`/<dataset>-linear-<task> holding a real logistic regression for
    `task`, with its training report and stored test predictions. Returns the folder."""
    spec = DATASETS[task.dataset]
    images, labels = training_images(task.dataset)
    pixels = images.reshape(len(images), -1).astype(np.float64) / 255
    mean, std = float(pixels.mean()), float(pixels.std())
    x = (pixels - mean) / std
    y = np.asarray(task.binary_labels(labels.tolist()), np.float64)
    split = len(x) * 4 // 5
    started = time.perf_counter()
    weights, bias, history = fit(x[:split], y[:split], x[split:], y[split:])
    seconds = time.perf_counter() - started
    name = model_id(task.dataset, "linear", task.key)
    test_set = test_sets.load(task.dataset)
    truth = np.asarray(task.binary_labels(test_set.labels.tolist()))

    def metadata(accuracy: float) -> ModelMetadata:
        return ModelMetadata(
            model_id=name, dataset=task.dataset, dataset_title=spec.title,
            architecture="linear", classes=task.classes, mean=mean, std=std,
            recipe=spec.recipe, params=len(weights) + 1, test_accuracy=accuracy,
            summary="Flatten -> Linear(784, 1) -> Sigmoid",
            description=f"{task.question} logistic regression fitted with NumPy (tests)",
            task=task)

    draft = graph_bytes(weights, bias, metadata(float("nan")))
    probabilities = test_predictions.predict_test_set(draft, test_set.images)
    predicted = probabilities.argmax(1)
    accuracy = float(np.mean(predicted == truth))
    onnx_bytes = graph_bytes(weights, bias, metadata(accuracy))
    matrix = np.zeros((2, 2), np.int64)
    np.add.at(matrix, (truth, predicted), 1)
    p_true = np.clip(probabilities[np.arange(len(truth)), truth], 1e-7, 1)
    per_class = _per_class(matrix, task.classes)
    report = TrainingReport.from_dict({
        "model_id": name, "dataset": task.dataset, "architecture": "linear",
        "classes": list(task.classes), "task": task.to_dict(),
        "test_accuracy": accuracy, "test_loss": float(-np.log(p_true).mean()),
        "test_size": len(truth), "confusion_matrix": matrix.tolist(),
        "per_class": per_class,
        "macro_avg": {key: sum(row[key] for row in per_class) / 2
                      for key in ("precision", "recall", "f1")},
        "history": history, "best_epoch": len(history), "params": len(weights) + 1,
        "train_seconds": seconds, "device": "cpu (NumPy)",
        "test_predictions": test_predictions.predictions_entry(
            onnx_bytes, task.dataset, test_set.images, test_set.labels),
        "normalization": {"mean": mean, "std": std},
        "config": {"dataset": task.dataset, "architecture": "linear", "task": task.key,
                   "epochs": EPOCHS, "lr": LEARNING_RATE, "limit": TRAIN_IMAGES},
    }, f"the training report of {name}")
    folder = Path(target) / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MODEL_FILE).write_bytes(graph_bytes(weights, bias, metadata(accuracy),
                                                  report_entries(report)))
    return folder
