"""Personalising without torch: the last layer named in every shipped classifier, the ONNX
weights rewritten without the onnx package, the user's drawings kept safely, and a refit that
raises accuracy on a handwriting style the model reads badly. Real ONNX Runtime sessions on the
shipped models; the user's drawings are generated in the generator's held-out families."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import numpy_helper

from desktop import handwriting_set, onnx_file, personalise, preprocess
from desktop.graph_outputs import HEAD_KEY, Head
from desktop.handwriting_set import HandwritingError
from desktop.model_format import MODEL_FILE, ModelError, ModelMetadata
from desktop.models import discover, read_info
from trainer import handwriting as generator
from trainer.head import add_head

CLASSIFIERS = ["mnist-linear", "mnist-mlp", "mnist-deep", "mnist-dense", "mnist-lenet",
               "mnist-cnn", "mnist-resnet", "fashion-linear", "fashion-mlp", "fashion-deep",
               "fashion-dense", "fashion-lenet", "fashion-cnn", "fashion-resnet"]


def initializers(model: bytes) -> dict[str, np.ndarray]:
    graph = onnx.load_from_string(model).graph
    return {t.name: numpy_helper.to_array(t) for t in graph.initializer}


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_every_shipped_classifier_names_a_last_layer_that_makes_its_probabilities(
        name: str, models_dir: Path) -> None:
    info = read_info(models_dir / name / MODEL_FILE)
    assert info.head is not None
    model = info.path.read_bytes()
    weights = onnx_file.read_weights(model, [info.head.weight, info.head.bias])
    for key, value in weights.items():  # read without the onnx package, checked with it
        np.testing.assert_array_equal(value, initializers(model)[key])
    images = np.random.default_rng(0).random((16, 28, 28), dtype=np.float32)
    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    features, probabilities = session.run(
        [info.head.features, "probabilities"],
        {"image": preprocess.normalize(images, info.mean, info.std)})
    logits = features.reshape(16, -1) @ weights[info.head.weight].T + weights[info.head.bias]
    scaled = logits[:, :len(info.classes)] / info.temperature
    expected = np.exp(scaled - scaled.max(1, keepdims=True))
    np.testing.assert_allclose(expected / expected.sum(1, keepdims=True), probabilities,
                               atol=1e-5)


def test_binary_lab_models_have_no_head_and_say_why(models_dir: Path) -> None:
    info = read_info(models_dir / "mnist-linear-is-7" / MODEL_FILE)
    assert info.head is None and "yes/no" in personalise.can_personalise(info)
    assert add_head(info.path.read_bytes()) == info.path.read_bytes()


def test_adding_a_head_twice_changes_nothing(models_dir: Path) -> None:
    model = (models_dir / "mnist-cnn" / MODEL_FILE).read_bytes()
    assert add_head(model) == model


@pytest.mark.parametrize("entry, problem", [
    ({"features": "image", "weight": "w", "bias": "b"}, "reserved"),
    ({"features": "f", "weight": "f", "bias": "b"}, "repeated"),
    ({"features": "f g", "weight": "w", "bias": "b"}, "plain names"),
    ({"features": "f", "weight": "w"}, "plain names"),
    ([1, 2], "not a JSON object"),
])
def test_a_bad_head_entry_is_refused_with_a_reason(models_dir: Path, entry: object,
                                                    problem: str) -> None:
    metadata = read_info(models_dir / "mnist-mlp" / MODEL_FILE).to_strings()
    metadata[HEAD_KEY] = json.dumps(entry)
    with pytest.raises(ModelError, match=problem):
        ModelMetadata.from_strings(metadata, "a model")


def test_the_head_round_trips_through_the_metadata(models_dir: Path) -> None:
    info = read_info(models_dir / "mnist-cnn" / MODEL_FILE)
    again = ModelMetadata.from_strings(info.to_strings(), "again")
    assert again.head == info.head == Head("head_features", info.head.weight, info.head.bias)


def test_the_weights_editor_rewrites_only_what_it_is_asked(models_dir: Path) -> None:
    model = (models_dir / "mnist-mlp" / MODEL_FILE).read_bytes()
    metadata = {e.key: e.value for e in onnx.load_from_string(model).metadata_props}
    assert onnx_file.replace(model, {}, metadata) == model  # nothing asked: the same bytes
    before = initializers(model)
    new_weight = np.full((10, 128), 0.5, np.float32)
    edited = onnx_file.replace(model, {"model.3.weight": new_weight},
                               dict(metadata, model_id="edited"))
    proto = onnx.load_from_string(edited)
    onnx.checker.check_model(proto, full_check=True)
    after = initializers(edited)
    np.testing.assert_array_equal(after["model.3.weight"], new_weight)
    assert all(np.array_equal(after[name], value) for name, value in before.items()
               if name != "model.3.weight")
    assert {e.key: e.value for e in proto.metadata_props}["model_id"] == "edited"
    ort.InferenceSession(edited, providers=["CPUExecutionProvider"])


@pytest.mark.parametrize("weights, problem", [
    ({"no.such.weight": np.zeros(3, np.float32)}, "no weights named no.such.weight"),
    ({"model.3.weight": np.zeros((10, 127), np.float32)}, "not"),
    ({"model.3.weight": np.zeros((10, 128), np.float64)}, "not"),
])
def test_the_weights_editor_refuses_what_does_not_fit(models_dir: Path, weights: dict,
                                                      problem: str) -> None:
    model = (models_dir / "mnist-mlp" / MODEL_FILE).read_bytes()
    with pytest.raises(onnx_file.OnnxFileError, match=problem):
        onnx_file.replace(model, weights, {})


def test_a_truncated_model_is_called_damaged(models_dir: Path) -> None:
    model = (models_dir / "mnist-mlp" / MODEL_FILE).read_bytes()
    with pytest.raises(onnx_file.OnnxFileError, match="damaged"):
        onnx_file.read_weights(model[:len(model) // 2], ["model.3.weight"])


# --- the user's drawings

def drawing(value: int) -> np.ndarray:
    image = np.zeros((28, 28), np.float32)
    image[4:24, 10 + value % 8] = 1.0
    return image


def test_drawings_are_kept_removed_and_exported(tmp_path: Path) -> None:
    folder = tmp_path / "handwriting"
    assert len(handwriting_set.load("mnist", folder)) == 0
    for label in (3, 3, 7):
        handwriting_set.add("mnist", drawing(label), label, folder)
    kept = handwriting_set.load("mnist", folder)
    assert kept.labels.tolist() == [3, 3, 7]
    np.testing.assert_array_equal(kept.images[2], (drawing(7) * 255).astype(np.uint8))
    assert handwriting_set.export("mnist", tmp_path / "mine.npz", folder) == 3
    with np.load(tmp_path / "mine.npz") as exported:  # anyone can open it with numpy
        assert exported["labels"].tolist() == [3, 3, 7]
    assert handwriting_set.remove("mnist", [0, 99], folder).labels.tolist() == [3, 7]
    assert handwriting_set.remove("mnist", [0, 1], folder).labels.tolist() == []
    assert not handwriting_set.path_for("mnist", folder).exists()
    with pytest.raises(HandwritingError, match="no drawings"):
        handwriting_set.export("mnist", tmp_path / "none.npz", folder)


def test_a_damaged_set_or_an_unwritable_folder_gets_a_reason(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("in the way")
    with pytest.raises(HandwritingError, match="cannot be read.*not a directory"):
        handwriting_set.add("mnist", drawing(2), 2, blocked / "handwriting")
    folder = tmp_path / "handwriting"
    handwriting_set.add("mnist", drawing(1), 1, folder)
    assert [p.name for p in folder.iterdir()] == ["mnist.npz"]  # no temporary left behind
    handwriting_set.path_for("mnist", folder).write_bytes(b"not a zip")
    with pytest.raises(HandwritingError, match="cannot be read"):
        handwriting_set.load("mnist", folder)


def test_two_in_five_drawings_of_each_class_are_held_back() -> None:
    labels = np.array([0] * 5 + [1] * 3 + [2])
    assert handwriting_set.held_out(labels).tolist() == [False, True, False, True, False,
                                                         False, True, False, False]


# --- personalising

def user_set(per_digit: int, seed: int) -> tuple[handwriting_set.TestSet, list]:
    """A user who writes in the generator's held-out families: the first `per_digit` of every
    digit are taught, the rest kept to score."""
    taught, rest = [], []
    for label, _family, gray in generator.synthetic_digits(400, seed, held_out=True,
                                                            scan_fraction=0.0):
        image = preprocess.to_model_input(gray, read_info_cached().recipe)
        target = taught if sum(1 for x, _ in taught if x == label) < per_digit else rest
        target.append((label, image))
    images = np.stack([np.rint(image * 255).astype(np.uint8) for _, image in taught])
    labels = np.array([label for label, _ in taught], np.uint8)
    return handwriting_set.TestSet("mnist", images, labels), rest


_cached = {}


def read_info_cached():
    if "info" not in _cached:
        _cached["info"] = read_info(Path(__file__).parents[1] / "resources" / "models"
                                    / "mnist-linear" / MODEL_FILE)
    return _cached["info"]


def test_personalising_raises_accuracy_on_the_users_style_and_saves_a_new_model(
        tmp_path: Path, models_dir: Path) -> None:
    shipped = (models_dir / "mnist-linear" / MODEL_FILE).read_bytes()
    info = read_info_cached()
    taught, rest = user_set(8, seed=11)
    said: list[str] = []
    outcome = personalise.personalise(info, taught, tmp_path / "user-models", say=said.append)
    assert (models_dir / "mnist-linear" / MODEL_FILE).read_bytes() == shipped
    assert outcome.model_id == "mnist-linear-personal" and outcome.learnt_from == 50
    assert outcome.held_out == 30 and said
    new = read_info(outcome.path / MODEL_FILE)  # a valid model of the contract
    assert new.model_id == outcome.model_id and "your drawings" in new.variant
    assert [e.model_id for e in discover(tmp_path / "user-models", user=True)] == [new.model_id]
    images = np.stack([image for _, image in rest])
    labels = np.array([label for label, _ in rest])
    from desktop.models import Classifier, load_metrics
    before = np.mean([p.index for p in Classifier(info).predict_batch(images)] == labels)
    after = np.mean([p.index for p in Classifier(new).predict_batch(images)] == labels)
    assert after > before + 0.03, (before, after)  # drawings it never saw, in the same style
    assert outcome.own_after >= outcome.own_before
    assert outcome.test_after > outcome.test_before - 0.05  # forgets little of MNIST
    report = load_metrics(outcome.path)
    assert math.isclose(report.test_accuracy, outcome.test_after)
    assert report.test_predictions is not None and report.config["personalised_from"] == \
        "mnist-linear"
    assert int(np.trace(np.array(report.confusion_matrix))) == round(
        outcome.test_after * 10_000)


def test_too_few_drawings_and_binary_models_get_a_reason(tmp_path: Path,
                                                         models_dir: Path) -> None:
    one_each, _ = user_set(1, seed=3)
    taught = handwriting_set.TestSet("mnist", one_each.images[:9], one_each.labels[:9])
    with pytest.raises(personalise.PersonaliseError, match="Draw at least 10"):
        personalise.personalise(read_info_cached(), taught, tmp_path)
    binary = read_info(models_dir / "mnist-linear-is-7" / MODEL_FILE)
    with pytest.raises(personalise.PersonaliseError, match="yes/no"):
        personalise.personalise(binary, taught, tmp_path)
    assert not list(tmp_path.iterdir())
