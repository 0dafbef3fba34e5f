"""The error browser's data, without widgets: the shipped test sets, the test predictions stored
at export, and the examples behind every confusion-matrix cell, checked against a direct ONNX
Runtime run of the real models on the shipped test images."""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import zipfile
import zlib
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from desktop import errors, models, test_sets
from desktop.model_format import DATASETS, ModelError
from desktop.stored_predictions import StoredPredictions, fingerprint
from desktop.test_sets import TestSetError
from desktop.training_report import TrainingReport
from trainer import test_predictions, upgrade
from trainer.cli import main as trainer_main
from trainer.test_sets import npz_bytes

ROOT = Path(__file__).resolve().parents[1]
MODELS_DIR = ROOT / "resources" / "models"
SHIPPED = sorted(p.name for p in MODELS_DIR.iterdir() if (p / "model.onnx").is_file())
# The `upgraded` copies below are remade by trainer.upgrade, which checks answers over the
# dataset's classes; the binary lab's Mistakes cells are checked in tests/test_binary_lab.py.
CLASSIFIERS = [name for name in SHIPPED
               if models.read_info(MODELS_DIR / name / "model.onnx").task is None]
RAW = {"mnist": "MNIST", "fashion": "FashionMNIST"}


def official(data_dir: Path, dataset: str) -> tuple[np.ndarray, np.ndarray]:
    """The official test files read byte by byte (idx format: a header, then the bytes)."""
    raw = data_dir / RAW[dataset] / "raw"
    images = np.frombuffer((raw / "t10k-images-idx3-ubyte").read_bytes()[16:], np.uint8)
    labels = np.frombuffer((raw / "t10k-labels-idx1-ubyte").read_bytes()[8:], np.uint8)
    return images.reshape(-1, 28, 28), labels


@pytest.fixture(scope="module")
def upgraded(tmp_path_factory) -> Path:
    """A copy of the shipped models with test predictions added (the shipped ones untouched)."""
    folder = tmp_path_factory.mktemp("models") / "models"
    shutil.copytree(MODELS_DIR, folder)
    for name in SHIPPED:
        done = upgrade.upgrade_folder(folder / name)
        assert done.added_bytes < 400_000  # the entry stays small (0: shipped with it)
        assert done.differing == 0  # same cells as the report's confusion matrix
    return folder


def direct_probabilities(model: Path, images: np.ndarray) -> np.ndarray:
    """The model run directly by ONNX Runtime, normalised by hand from its metadata."""
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    norm = json.loads(session.get_modelmeta().custom_metadata_map["normalization"])
    inputs = (images.astype(np.float32) / 255 - norm["mean"]) / norm["std"]
    return session.run(None, {"image": inputs.reshape(-1, 1, 28, 28).astype(np.float32)})[0]


# --- the shipped test sets ------------------------------------------------------------------

@pytest.mark.parametrize("dataset", ["mnist", "fashion"])
def test_the_shipped_test_sets_are_the_official_test_files(data_dir, dataset):
    shipped = test_sets.load(dataset)
    images, labels = official(data_dir, dataset)
    assert shipped.images.shape == (10_000, 28, 28) and shipped.images.dtype == np.uint8
    assert np.array_equal(shipped.images, images) and np.array_equal(shipped.labels, labels)
    assert test_sets.path_for(dataset).stat().st_size < 4_000_000
    assert test_sets.load(dataset) is shipped  # read once
    picture = shipped.picture(0)  # dark on white, as a gallery sample
    assert picture.max() == 1.0 and np.isclose(picture, 1 - images[0] / 255).all()


def write_npz(path: Path, **arrays) -> Path:
    path.write_bytes(npz_bytes(arrays))
    return path


def damaged_test_sets(folder: Path) -> dict[str, Path]:
    good = {"images": np.zeros((3, 28, 28), np.uint8), "labels": np.zeros(3, np.uint8)}
    pickled = io.BytesIO()
    np.savez(pickled, images=np.array([{"x": 1}], dtype=object), labels=good["labels"])
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("images.npy", b"\0" * (90 << 20))
        archive.writestr("labels.npy", b"\0")
    cases = {
        "garbage": (folder / "garbage.npz", b"this is not a zip file"),
        "pickled objects": (folder / "pickled.npz", pickled.getvalue()),
        "a member that unpacks to 90 MB": (folder / "bomb.npz", bomb.getvalue()),
    }
    for path, data in cases.values():
        path.write_bytes(data)
    result = {name: path for name, (path, _) in cases.items()}
    result["wrong shape"] = write_npz(folder / "shape.npz", images=np.zeros((3, 28, 27),
                                                                           np.uint8),
                                      labels=good["labels"])
    result["floats"] = write_npz(folder / "floats.npz", images=np.zeros((3, 28, 28)),
                                 labels=good["labels"])
    result["labels beyond the classes"] = write_npz(folder / "labels.npz", images=good["images"],
                                                    labels=np.array([0, 1, 12], np.uint8))
    result["an extra member"] = write_npz(folder / "extra.npz", **good, more=good["labels"])
    result["a folder"] = folder / "folder.npz"
    result["a folder"].mkdir()
    if hasattr(os, "mkfifo"):
        result["a named pipe"] = folder / "pipe.npz"
        os.mkfifo(result["a named pipe"])
    return result


def test_damaged_test_sets_get_a_one_line_message(tmp_path):
    for name, path in damaged_test_sets(tmp_path).items():
        with pytest.raises(TestSetError) as caught:
            test_sets.read(path, "mnist")
        message = str(caught.value)
        assert "\n" not in message and "mnist" in message and str(path) in message, name
    with pytest.raises(TestSetError, match="not available"):
        test_sets.load("mnist", tmp_path / "missing")


# --- the stored predictions -----------------------------------------------------------------

def stored(count: int = 5, classes: int = 10) -> StoredPredictions:
    rng = np.random.default_rng(0)
    probabilities = rng.dirichlet(np.ones(classes), count).astype(np.float32)
    return StoredPredictions.encode("mnist", probabilities, probabilities.argmax(1), "f" * 64)


def test_stored_predictions_round_trip_through_the_report():
    entry = stored()
    decoded = StoredPredictions.from_dict(json.loads(json.dumps(entry.to_dict()))).decode()
    assert decoded.probabilities.shape == (5, 10) and decoded.count == 5
    assert np.array_equal(decoded.predicted, decoded.probabilities.argmax(1))


@pytest.mark.parametrize("change, reason", [
    ({"encoding": "float64-raw"}, "encoding"),
    ({"count": 6}, "damaged"),
    ({"probabilities": "not base64!"}, "damaged"),
    ({"probabilities": base64.b64encode(zlib.compress(b"\0" * 10**6)).decode()}, "damaged"),
    ({"predicted": base64.b64encode(zlib.compress(bytes([200] * 5))).decode()}, "out of range"),
    ({"probabilities": base64.b64encode(zlib.compress(
        np.full(50, np.nan, "<f2").tobytes())).decode()}, "outside 0..1"),
])
def test_damaged_predictions_are_refused_with_a_reason(change, reason):
    entry = StoredPredictions.from_dict({**stored().to_dict(), **change})
    with pytest.raises(ModelError, match=reason):
        entry.decode()


def test_a_damaged_entry_keeps_the_rest_of_the_report(upgraded):
    report = models.load_metrics(upgraded / "mnist-dense")
    raw = dict(report.raw)
    raw["test_predictions"] = {"count": "many"}
    damaged = TrainingReport.from_dict(raw)
    assert damaged.test_predictions is None and "test predictions" in \
        damaged.test_predictions_problem
    assert damaged.confusion_matrix == report.confusion_matrix
    with pytest.raises(errors.MistakesUnavailable, match="cannot be used"):
        errors.open_mistakes(damaged, "mnist", "mnist-dense")


# --- the examples of every cell, against a direct run of the real models ---------------------

@pytest.mark.parametrize("model_id", CLASSIFIERS)
def test_every_cell_holds_exactly_its_test_images_most_confident_first(upgraded, model_id):
    """Binary lab models included: their truth is the test label mapped through the task."""
    folder = upgraded / model_id
    info = models.read_info(folder / "model.onnx")
    report = models.load_metrics(folder)
    mistakes = errors.open_mistakes(report, info.dataset, model_id, task=info.task)
    test_set = test_sets.load(info.dataset)
    probabilities = direct_probabilities(folder / "model.onnx", test_set.images)
    predicted, labels = probabilities.argmax(1), test_set.labels
    if info.task is not None:
        labels = np.array(info.task.binary_labels(labels.tolist()))
    assert np.array_equal(mistakes.counts, np.array(report.confusion_matrix))
    size = len(info.classes)
    for true in range(size):
        for guess in range(size):
            shown = mistakes.cell_indexes(true, guess)
            expected = np.flatnonzero((labels == true) & (predicted == guess))
            assert sorted(shown.tolist()) == expected.tolist(), (true, guess)
            confidence = probabilities[shown, guess]
            # Sorted on float16 values: allow their rounding between neighbours.
            assert (np.diff(confidence) <= 2e-3).all(), (true, guess)
    wrong = np.flatnonzero(predicted != labels)
    some = wrong[:20].tolist() + [0, 1]
    for index in some:
        example = mistakes.example(index)
        top = np.argsort(-probabilities[index])[:3]
        assert example.top[0][0] == predicted[index] and example.true == labels[index]
        assert [p for _, p in example.top] == pytest.approx(probabilities[index, top], abs=1e-3)
        assert example.loss == pytest.approx(-np.log(probabilities[index, labels[index]]),
                                             rel=1e-2, abs=1e-3)


@pytest.mark.parametrize("model_id", ["mnist-cnn", "fashion-dense"])
def test_most_confused_pairs_and_top_losses(upgraded, model_id):
    folder = upgraded / model_id
    report = models.load_metrics(folder)
    mistakes = errors.open_mistakes(report, model_id.split("-")[0], model_id)
    matrix = np.array(report.confusion_matrix)
    pairs = mistakes.most_confused()
    assert sum(pair.count for pair in pairs) == matrix.sum() - np.trace(matrix)
    assert all(matrix[pair.true, pair.predicted] == pair.count and pair.true != pair.predicted
               for pair in pairs)
    assert [pair.count for pair in pairs] == sorted((pair.count for pair in pairs), reverse=True)
    losses = [example.loss for example in mistakes.top_losses(50)]
    assert losses == sorted(losses, reverse=True)
    assert losses[0] == pytest.approx(mistakes.losses.max())
    assert all(not example.correct for example in mistakes.top_losses(10))


def test_models_without_predictions_say_what_is_missing(upgraded, tmp_path):
    upgraded_report = models.load_metrics(upgraded / "mnist-cnn")
    older = dict(upgraded_report.raw)
    del older["test_predictions"]  # as in the reports of models exported before
    with pytest.raises(errors.MistakesUnavailable, match="Retrain it"):
        errors.open_mistakes(TrainingReport.from_dict(older), "mnist", "mnist-cnn")
    with pytest.raises(errors.MistakesUnavailable, match="not available"):
        errors.open_mistakes(upgraded_report, "mnist", "mnist-cnn", tmp_path)
    with pytest.raises(errors.MistakesUnavailable, match="classes"):
        errors.open_mistakes(upgraded_report, "fashion", "mnist-cnn")
    # The answers of another test set (its labels shifted) are never shown beside these images.
    mnist = test_sets.load("mnist")
    write_npz(tmp_path / "mnist.npz", images=mnist.images, labels=(mnist.labels + 1) % 10)
    with pytest.raises(errors.MistakesUnavailable, match="other test images"):
        errors.open_mistakes(upgraded_report, "mnist", "mnist-cnn", tmp_path)


def test_wording():
    classes = DATASETS["fashion"].classes
    assert errors.cell_title(classes, 6, 0, 12) == \
        "true Shirt, predicted T-shirt/top: 12 test images"
    assert errors.cell_title(("0", "1"), 1, 1, 1) == "true 1, predicted 1: 1 test image (right)"
    assert [errors.percent(p) for p in (0.712, 0.047, 0.0004)] == ["71 %", "4.7 %", "<0.1 %"]
    pair = errors.Pair(6, 0, 115)
    assert errors.pair_text(pair, classes, 1000).startswith("Shirt taken for T-shirt/top: 115 "
                                                            "times (11.5 %")


# --- the trainer stores them at export ------------------------------------------------------

def test_a_training_run_stores_the_test_predictions_of_its_exported_graph(tmp_path, data_dir):
    assert trainer_main(["--dataset", "fashion", "--model", "dense", "--no-extra-data",
                         "--limit", "500", "--epochs", "1", "--quiet",
                         "--out-dir", str(tmp_path / "models"),
                         "--checkpoint-dir", str(tmp_path / "checkpoints")]) == 0
    folder = tmp_path / "models" / "fashion-dense"
    report = models.load_metrics(folder)
    assert report.test_predictions.count == report.test_size == 100  # the first 100 (--limit)
    test_set = test_sets.load("fashion")
    assert report.test_predictions.fingerprint == fingerprint(test_set.images[:100],
                                                              test_set.labels[:100])
    assert test_predictions.disagreements(report, test_set.labels) == 0
    mistakes = errors.open_mistakes(report, "fashion", "fashion-dense")
    assert len(mistakes) == 100 and np.array_equal(mistakes.counts, report.confusion_matrix)
    probabilities = direct_probabilities(folder / "model.onnx", test_set.images[:100])
    assert np.array_equal(mistakes.predicted, probabilities.argmax(1))
