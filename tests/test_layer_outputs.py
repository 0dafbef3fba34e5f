"""What each layer sees: layer outputs added to exported models (trainer.layer_outputs), their
metadata field (desktop.graph_outputs.LayerOutput) and the views made of them (desktop.layers).

Real models throughout: upgraded copies of the shipped models, and tiny models trained by the
real trainer whose ONNX layer outputs are compared with PyTorch forward hooks.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from onnx import numpy_helper

from desktop import layers
from desktop.graph_outputs import LAYERS_KEY, MAX_LAYERS, LayerOutput, read_layers
from desktop.model_format import DATASETS, ModelError, ModelMetadata
from desktop.models import Classifier, read_info
from trainer.cli import main
from trainer.layer_outputs import GraphLook, add_layer_outputs
from trainer.models import build_model

SHIPPED = ("mnist-cnn", "mnist-dense", "fashion-cnn", "fashion-dense")


@pytest.fixture(scope="module")
def upgraded(tmp_path_factory: pytest.TempPathFactory, older_models_dir: Path) -> Path:
    """Models exported before layer views (made from the shipped ones), with layer outputs
    added again."""
    folder = tmp_path_factory.mktemp("upgraded")
    for name in SHIPPED:
        (folder / name).mkdir()
        source = (older_models_dir / name / "model.onnx").read_bytes()
        (folder / name / "model.onnx").write_bytes(add_layer_outputs(source))
    return folder


def pictures(count: int = 24) -> np.ndarray:
    """Model inputs in 0..1: random strokes, a blank field and a full field."""
    rng = np.random.default_rng(7)
    images = (rng.random((count, 28, 28)) > 0.8).astype(np.float32)
    images[0], images[1] = 0.0, 1.0
    return images


# --- upgrading the shipped models -----------------------------------------------------------

@pytest.mark.parametrize("name", SHIPPED)
def test_upgrading_an_older_model_keeps_its_answers_bit_identical(
        older_models_dir: Path, upgraded: Path, name: str) -> None:
    before = Classifier(read_info(older_models_dir / name / "model.onnx"))
    after = Classifier(read_info(upgraded / name / "model.onnx"))
    assert before.info.layers == () and after.info.layers
    images = pictures()
    for old, new in zip(before.predict_batch(images), after.predict_batch(images), strict=True):
        assert np.array_equal(old.probabilities, new.probabilities)
        assert old.outlier == new.outlier and old.accepted == new.accepted
    # Everything else in the metadata is kept, and the report is still inside.
    old_meta = dataclasses.replace(before.info, layers=(), path=Path())
    assert dataclasses.replace(after.info, layers=(), path=Path()) == old_meta
    original = onnx.load(str(older_models_dir / name / "model.onnx"))
    model = onnx.load(str(upgraded / name / "model.onnx"))
    assert {e.key: e.value for e in original.metadata_props}.items() <= \
        {e.key: e.value for e in model.metadata_props}.items()


@pytest.mark.parametrize("name", SHIPPED)
def test_layer_outputs_expose_the_graphs_own_weights(upgraded: Path, name: str) -> None:
    model = onnx.load(str(upgraded / name / "model.onnx"))
    weights = GraphLook.of(model).constants  # by the names the nodes read (float16 cast back)
    classifier = Classifier(read_info(upgraded / name / "model.onnx"))
    kinds = {layer.kind: layer.output for layer in classifier.info.layers}
    blank = np.zeros((28, 28), np.float32)
    if name.endswith("cnn"):
        first = next(node for node in model.graph.node if node.op_type == "Conv")
        (filters,) = classifier.layer_outputs(blank, [kinds["filters"]])
        assert np.array_equal(filters, weights[first.input[1]])
        titles = [layer.title for layer in classifier.info.layers]
        assert titles == ["Block 1, conv 1 (32 maps, 28x28)", "Block 1, conv 2 (32 maps, 28x28)",
                          "Block 2, conv 1 (64 maps, 14x14)", "Block 2, conv 2 (64 maps, 14x14)",
                          "First-layer filters (32 of 3x3)"]
    else:
        gemm = next(node for node in model.graph.node if node.op_type == "Gemm")
        (templates,) = classifier.layer_outputs(blank, [kinds["weights"]])
        assert np.array_equal(templates, weights[gemm.input[1]].reshape(-1, 28, 28))


def test_upgrading_twice_changes_nothing_and_sizes_stay_small(older_models_dir: Path,
                                                              upgraded: Path) -> None:
    for name in SHIPPED:
        once = (upgraded / name / "model.onnx").read_bytes()
        assert add_layer_outputs(once) == once
        gained = len(once) - (older_models_dir / name / "model.onnx").stat().st_size
        assert 0 < gained < 4096  # names and small nodes: no weights are copied


def test_a_model_whose_metadata_names_a_missing_output_is_refused(upgraded: Path,
                                                                  tmp_path: Path) -> None:
    model = onnx.load(str(upgraded / "mnist-dense" / "model.onnx"))
    entry = next(e for e in model.metadata_props if e.key == LAYERS_KEY)
    entry.value = json.dumps([{"output": "layer_ghost", "title": "Ghost", "kind": "weights"},
                              {"output": "layer_units", "title": "Units", "kind": "units"}])
    (tmp_path / "model.onnx").write_bytes(model.SerializeToString())
    with pytest.raises(ModelError, match="extra outputs are not the ones its metadata names"):
        read_info(tmp_path / "model.onnx")


# --- the metadata field -------------------------------------------------------------------------

def metadata(**changes: object) -> ModelMetadata:
    digits = DATASETS["mnist"]
    fields = dict(model_id="mnist-cnn", dataset="mnist", dataset_title=digits.title,
                  architecture="cnn", classes=digits.classes, mean=0.13, std=0.31,
                  recipe=digits.recipe, test_accuracy=0.9)
    return ModelMetadata(**{**fields, **changes})


def test_layers_round_trip_through_the_metadata_strings() -> None:
    record = metadata(layers=(LayerOutput("layer_block1", "Block 1 (32 maps, 28x28)",
                                          "feature_maps"),
                              LayerOutput("layer_filters", "First-layer filters", "filters")))
    strings = record.to_strings()
    assert json.loads(strings[LAYERS_KEY])[0] == {
        "output": "layer_block1", "title": "Block 1 (32 maps, 28x28)", "kind": "feature_maps"}
    assert ModelMetadata.from_strings(strings, "m") == record
    older = metadata()  # models exported before layer views: no entry, no layers
    assert LAYERS_KEY not in older.to_strings()
    assert ModelMetadata.from_strings(older.to_strings(), "m").layers == ()


HOSTILE = [
    "not json", "{}", "[1]", '"layer"', "[[]]", "[" * 5000 + "]" * 5000,
    json.dumps([{"output": "a b", "title": "t", "kind": "weights"}]),
    json.dumps([{"output": "x" * 129, "title": "t", "kind": "weights"}]),
    json.dumps([{"output": "probabilities", "title": "t", "kind": "weights"}]),
    json.dumps([{"output": "image", "title": "t", "kind": "weights"}]),
    json.dumps([{"output": "a", "title": "", "kind": "weights"}]),
    json.dumps([{"output": "a", "title": "x" * 121, "kind": "weights"}]),
    json.dumps([{"output": "a", "title": "two\nlines", "kind": "weights"}]),
    json.dumps([{"output": "a", "title": 7, "kind": "weights"}]),
    json.dumps([{"output": "a", "title": "t", "kind": "attention"}]),
    json.dumps([{"output": "a", "title": "t"}]),
    json.dumps([{"output": "a", "title": "t", "kind": "units"}] * 2),
    json.dumps([{"output": f"a{i}", "title": "t", "kind": "units"}
                for i in range(MAX_LAYERS + 1)]),
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_layer_entries_get_a_one_line_reason(value: str) -> None:
    strings = {**metadata().to_strings(), LAYERS_KEY: value}
    with pytest.raises(ModelError) as caught:
        ModelMetadata.from_strings(strings, "model.onnx")
    assert "\n" not in str(caught.value) and "model.onnx" in str(caught.value)


# --- the same numbers as PyTorch, on models the real trainer just made ----------------------

@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Path:
    """Tiny CNN and dense models from the real trainer (its export flow adds the layers)."""
    folder = tmp_path_factory.mktemp("trained")
    for architecture in ("cnn", "dense"):
        assert main(["--dataset", "mnist", "--model", architecture, "--limit", "500",
                     "--epochs", "1", "--no-extra-data", "--quiet", "--data-dir",
                     str(data_dir), "--out-dir", str(folder / "models"),
                     "--checkpoint-dir", str(folder / "checkpoints")]) == 0
    return folder


def torch_model(folder: Path, architecture: str) -> torch.nn.Sequential:
    """The trained network with the weights the exporter saw (the best epoch's)."""
    state = torch.load(folder / "checkpoints" / f"mnist-{architecture}" / "checkpoint.pt",
                       weights_only=False)
    model = build_model(architecture, state["config"]["dropout"], 10)
    model.load_state_dict(state["best_state"])
    return model.eval()


def torch_relus(model: torch.nn.Sequential, images: torch.Tensor) -> list[np.ndarray]:
    """The output of every ReLU, caught with forward hooks."""
    caught: list[np.ndarray] = []
    hooks = [module.register_forward_hook(
        lambda _m, _i, output: caught.append(output.detach().clone().numpy()))
        for module in model if isinstance(module, torch.nn.ReLU)]
    with torch.no_grad():
        model(images)
    for hook in hooks:
        hook.remove()
    return caught


def test_cnn_feature_maps_and_filters_equal_pytorch(trained: Path) -> None:
    info = read_info(trained / "models" / "mnist-cnn" / "model.onnx")
    classifier = Classifier(info)
    model = torch_model(trained, "cnn")
    maps = [layer.output for layer in info.layers if layer.kind == "feature_maps"]
    assert len(maps) == 4
    for image in pictures(6):
        normalised = (torch.from_numpy(image)[None, None] - info.mean) / info.std
        expected = torch_relus(model, normalised)[:4]  # the four convolutions' ReLUs
        got = classifier.layer_outputs(image, maps)
        for want, have in zip(expected, got, strict=True):
            assert have.shape == want.shape
            # the exported graph's large kernels are float16 (trainer.half_precision)
            assert np.abs(have - want).max() < 2e-3 * max(1.0, float(np.abs(want).max()))
    # The filters the graph applies: the first convolution with its batch norm folded in.
    conv, norm = model[0], model[1]
    scale = norm.weight / torch.sqrt(norm.running_var + norm.eps)
    folded = (conv.weight * scale[:, None, None, None]).detach().numpy()
    (filters,) = classifier.layer_outputs(pictures(3)[2], ["layer_filters"])
    assert filters.shape == (32, 1, 3, 3)
    assert np.abs(filters - folded).max() < 1e-6


def test_dense_templates_equal_the_torch_weights_exactly(trained: Path) -> None:
    info = read_info(trained / "models" / "mnist-dense" / "model.onnx")
    classifier = Classifier(info)
    model = torch_model(trained, "dense")
    image = pictures(3)[2]
    templates, units = classifier.layer_outputs(image, ["layer_weights", "layer_units"])
    # Stored as float16 (trainer.half_precision): the graph computes with exactly these.
    stored = model[1].weight.detach().numpy().astype(np.float16).astype(np.float32)
    assert np.array_equal(templates, stored.reshape(512, 28, 28))
    normalised = (torch.from_numpy(image)[None, None] - info.mean) / info.std
    want = torch_relus(model, normalised)[0]
    assert np.abs(units - want).max() < 2e-3 * max(1.0, float(np.abs(want).max()))


# --- the views --------------------------------------------------------------------------------

def digit_one() -> np.ndarray:
    gray = np.ones((100, 100), np.float32)
    gray[15:85, 45:55] = 0.0
    return gray


def test_cnn_views_show_every_map_scaled_on_its_own(upgraded: Path) -> None:
    classifier = Classifier(read_info(upgraded / "mnist-cnn" / "model.onnx"))
    offered = layers.choices(classifier.info)
    assert [c.key for c in offered] == ["layer_block1_conv1", "layer_block1_conv2",
                                        "layer_block2_conv1", "layer_block2_conv2",
                                        "layer_filters"]
    view = layers.compute(classifier, "layer_block2_conv1", digit_one())
    assert len(view.tiles) == 64 and view.tiles[0].rgb.shape == (14, 14, 3)
    lit = [tile for tile in view.tiles if tile.rgb.max() > 0]
    assert lit and all(tile.rgb.max() == 255 for tile in lit)  # each map reaches white
    empty = layers.compute(classifier, "layer_block1_conv1", None)
    assert empty.tiles == () and empty.note == layers.NO_INPUT
    filters = layers.compute(classifier, "layer_filters", None)
    assert len(filters.tiles) == 32 and filters.tiles[0].rgb.shape == (3, 3, 3)


def test_dense_view_sorts_units_by_activation(upgraded: Path) -> None:
    classifier = Classifier(read_info(upgraded / "mnist-dense" / "model.onnx"))
    assert [c.key for c in layers.choices(classifier.info)] == [layers.TOP_UNITS,
                                                               layers.ALL_UNITS]
    view = layers.compute(classifier, layers.TOP_UNITS, digit_one())
    assert len(view.tiles) == layers.MOST_ACTIVE
    activations = [float(tile.caption.split(": ")[1]) for tile in view.tiles]
    assert activations == sorted(activations, reverse=True) and activations[0] > 0
    everything = layers.compute(classifier, layers.ALL_UNITS, digit_one())
    assert len(everything.tiles) == 512 and everything.tiles[0].rgb.shape == (28, 28, 3)
    assert not layers.depends_on_input(classifier.info, layers.ALL_UNITS)


def test_models_without_layer_outputs_say_so(older_models_dir: Path) -> None:
    classifier = Classifier(read_info(older_models_dir / "mnist-cnn" / "model.onnx"))
    assert layers.choices(classifier.info) == []
    view = layers.compute(classifier, "layer_block1_conv1", digit_one())
    assert view.explanation == layers.NO_LAYERS and view.tiles == ()


def test_colour_scales() -> None:
    assert layers.diverging(np.array([[0.0]]), 1.0).tolist() == [[[255, 255, 255]]]
    red, blue = layers.diverging(np.array([[2.0, -2.0]]), 1.0)[0]
    assert red[0] > red[2] and blue[2] > blue[0]  # clipped to the ends of the scale
    gray = layers.grayscale(np.array([[0.0, 1.0, 4.0, np.nan]]))
    assert gray[0, :, 0].tolist() == [0, 64, 255, 0]
    assert layers.grayscale(np.zeros((2, 2))).max() == 0  # a silent map stays black
    assert layers.symmetric_scale(np.zeros(4)) == 1.0



def test_a_layer_output_of_the_wrong_shape_gets_a_clear_message(upgraded: Path,
                                                                tmp_path: Path) -> None:
    """A model whose metadata calls its units 'feature_maps' cannot crash the page."""
    model = onnx.load(str(upgraded / "mnist-dense" / "model.onnx"))
    entry = next(e for e in model.metadata_props if e.key == LAYERS_KEY)
    entry.value = json.dumps([{"output": "layer_weights", "title": "Maps", "kind": "feature_maps"},
                              {"output": "layer_units", "title": "Filters", "kind": "filters"}])
    (tmp_path / "model.onnx").write_bytes(model.SerializeToString())
    classifier = Classifier(read_info(tmp_path / "model.onnx"))
    for key in ("layer_weights", "layer_units"):
        with pytest.raises(ModelError, match="cannot be shown as"):
            layers.compute(classifier, key, digit_one())


# --- graphs of other shapes -----------------------------------------------------------------

def hand_made(nodes: list, weights: dict[str, np.ndarray]) -> bytes:
    """A small ONNX model built by hand: image [batch, 1, 28, 28] -> probabilities."""
    graph = onnx.helper.make_graph(
        nodes, "hand-made",
        [onnx.helper.make_tensor_value_info("image", onnx.TensorProto.FLOAT,
                                            ["batch", 1, 28, 28])],
        [onnx.helper.make_tensor_value_info("probabilities", onnx.TensorProto.FLOAT,
                                            ["batch", 10])],
        [numpy_helper.from_array(value, name) for name, value in weights.items()])
    model = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", 20)],
                                   ir_version=10)
    return model.SerializeToString()


def run_all(onnx_bytes: bytes) -> tuple[dict[str, np.ndarray], list[LayerOutput]]:
    session = ort.InferenceSession(onnx_bytes, providers=["CPUExecutionProvider"])
    names = [output.name for output in session.get_outputs()]
    values = session.run(names, {"image": pictures(3)[2][None, None]})
    meta = session.get_modelmeta().custom_metadata_map
    return dict(zip(names, values, strict=True)), list(read_layers(meta[LAYERS_KEY]))


def test_a_dense_layer_stored_the_other_way_round_is_transposed_inside_the_graph() -> None:
    rng = np.random.default_rng(1)
    w1 = rng.normal(size=(784, 16)).astype(np.float32)  # MatMul: [features, units]
    w2 = rng.normal(size=(16, 10)).astype(np.float32)
    nodes = [onnx.helper.make_node("Reshape", ["image", "shape"], ["flat"]),
             onnx.helper.make_node("MatMul", ["flat", "w1"], ["hidden"]),
             onnx.helper.make_node("Relu", ["hidden"], ["active"]),
             onnx.helper.make_node("MatMul", ["active", "w2"], ["logits"]),
             onnx.helper.make_node("Softmax", ["logits"], ["probabilities"])]
    source = hand_made(nodes, {"shape": np.array([-1, 784], np.int64), "w1": w1, "w2": w2})
    values, found = run_all(add_layer_outputs(source))
    assert [layer.kind for layer in found] == ["weights", "units"]
    assert np.array_equal(values["layer_weights"], w1.T.reshape(16, 28, 28))
    flat = pictures(3)[2].reshape(1, 784)
    assert np.abs(values["layer_units"] - np.maximum(flat @ w1, 0)).max() < 1e-4


def test_a_deep_cnn_shows_its_first_convolutions_within_the_contracts_bound() -> None:
    rng = np.random.default_rng(2)
    weights = {"k0": rng.normal(size=(4, 1, 3, 3)).astype(np.float32),
               "head": rng.normal(size=(4, 10)).astype(np.float32)}
    nodes, value = [], "image"
    for index in range(40):
        if index:
            weights[f"k{index}"] = rng.normal(size=(4, 4, 3, 3)).astype(np.float32) * 0.3
        nodes += [onnx.helper.make_node("Conv", [value, f"k{index}"], [f"c{index}"],
                                        pads=[1, 1, 1, 1]),
                  onnx.helper.make_node("Relu", [f"c{index}"], [f"r{index}"])]
        value = f"r{index}"
    nodes += [onnx.helper.make_node("GlobalAveragePool", [value], ["pooled"]),
              onnx.helper.make_node("Flatten", ["pooled"], ["flat"]),
              onnx.helper.make_node("MatMul", ["flat", "head"], ["logits"]),
              onnx.helper.make_node("Softmax", ["logits"], ["probabilities"])]
    source = hand_made(nodes, weights)
    values, found = run_all(add_layer_outputs(source))
    assert len(found) == MAX_LAYERS and found[-1].kind == "filters"
    assert found[0].title == "Block 1, conv 1 (4 maps, 28x28)"
    assert np.array_equal(values["layer_filters"], weights["k0"])
    before = ort.InferenceSession(source, providers=["CPUExecutionProvider"])
    image = {"image": pictures(3)[2][None, None]}
    assert np.array_equal(before.run(None, image)[0], values["probabilities"])


def test_a_graph_with_no_layer_to_show_gets_an_empty_list() -> None:
    nodes = [onnx.helper.make_node("ReduceMean", ["image", "axes"], ["mean"], keepdims=0),
             onnx.helper.make_node("Tile", ["mean", "repeats"], ["logits"]),
             onnx.helper.make_node("Softmax", ["logits"], ["probabilities"])]
    source = hand_made(nodes, {"axes": np.array([2, 3], np.int64),
                               "repeats": np.array([1, 10], np.int64)})
    values, found = run_all(add_layer_outputs(source))
    assert found == [] and list(values) == ["probabilities"]
