"""A models folder like the one the course's models will make: every architecture of both
datasets, the training variants and the binary lab's models, made from the four shipped
models, for the tests of the model picker and the Compare tab (and benchmarks/screenshots.py).

The dense-like architectures are copies of the shipped dense model, the convolutional ones of
the shipped CNN, with their metadata (and their training report's id) rewritten; their answers
are the shipped models' own. The binary models are real two-class graphs: the shipped dense
model with its class probabilities summed into (no, yes). Qt-free; uses the onnx package (the
trainer's; the app itself never needs it).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
from older_models import without_layer_outputs
from onnx import helper, numpy_helper

from desktop.binary_task import BINARY_TASKS
from desktop.graph_outputs import OUTLIER_OUTPUT, PROBABILITIES_OUTPUT
from desktop.model_format import (
    ARCHITECTURES,
    CONFIG_KEY,
    MODEL_FILE,
    REPORT_KEY,
    TASK_KEY,
    VARIANT_KEY,
    imbalance_variant,
    model_id,
)

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "resources" / "models"
CONVOLUTIONAL = ("lenet", "cnn", "resnet")
# (dataset, architecture, class cut down, fraction, class weights, words for the picker)
VARIANTS = (("mnist", "mlp", 5, 0.05, False, "digit 5 cut to 5 % of training"),
            ("mnist", "mlp", 5, 0.05, True, "digit 5 cut to 5 % of training, class weights"))


def _source(dataset: str, architecture: str) -> Path:
    kind = "cnn" if architecture in CONVOLUTIONAL else "dense"
    return SHIPPED / f"{dataset}-{kind}" / MODEL_FILE


def _rewritten(proto: onnx.ModelProto, changes: dict[str, str | None]) -> onnx.ModelProto:
    """Metadata entries replaced (None: removed); the report's model_id follows."""
    metadata = {entry.key: entry.value for entry in proto.metadata_props}
    metadata.update(changes)
    if metadata.get(REPORT_KEY) and "model_id" in changes:
        report = json.loads(metadata[REPORT_KEY])
        report["model_id"] = changes["model_id"]
        metadata[REPORT_KEY] = json.dumps(report)
    del proto.metadata_props[:]
    for key, value in metadata.items():
        if value is not None:
            proto.metadata_props.add(key=key, value=value)
    return proto


def _write(folder: Path, proto: onnx.ModelProto) -> None:
    folder.mkdir(parents=True)
    (folder / MODEL_FILE).write_bytes(proto.SerializeToString())


def _binary_graph(source: Path, positive: tuple[int, ...]) -> onnx.ModelProto:
    """The source model answering "is it one of `positive`?": (1 - p, p) with p the sum of
    those classes' probabilities; no outlier output, no layer outputs, no training report."""
    proto = onnx.load_from_string(without_layer_outputs(source.read_bytes()))
    graph = proto.graph
    for node in graph.node:
        node.output[:] = [f"{name}_classes" if name == PROBABILITIES_OUTPUT else name
                          for name in node.output]
    graph.initializer.extend([
        numpy_helper.from_array(np.array(positive, np.int64), "binary_positive"),
        numpy_helper.from_array(np.array([1], np.int64), "binary_axes"),
        numpy_helper.from_array(np.array([1.0], np.float32), "binary_one")])
    graph.node.extend([
        helper.make_node("Gather", [f"{PROBABILITIES_OUTPUT}_classes", "binary_positive"],
                         ["binary_picked"], axis=1),
        helper.make_node("ReduceSum", ["binary_picked", "binary_axes"], ["binary_yes"],
                         keepdims=1),
        helper.make_node("Sub", ["binary_one", "binary_yes"], ["binary_no"]),
        helper.make_node("Concat", ["binary_no", "binary_yes"], [PROBABILITIES_OUTPUT],
                         axis=1)])
    kept = [o for o in graph.output if o.name != OUTLIER_OUTPUT]
    kept[0].type.tensor_type.shape.dim[1].dim_value = 2
    del graph.output[:]
    graph.output.extend(kept)
    onnx.checker.check_model(proto, full_check=True)
    return proto


def write_many_models(target: Path, broken: tuple[str, ...] = ()) -> Path:
    """Write the folder into `target` (created); the ids in `broken` get a damaged file, as
    testers break models. Returns `target`."""
    for dataset in ("mnist", "fashion"):
        for architecture in ARCHITECTURES:
            identity = model_id(dataset, architecture)
            proto = onnx.load_from_string(_source(dataset, architecture).read_bytes())
            _write(target / identity, _rewritten(proto, {
                "model_id": identity, "architecture": architecture}))
    for dataset, architecture, index, fraction, weights, words in VARIANTS:
        identity = model_id(dataset, architecture, imbalance_variant(index, fraction, weights))
        proto = onnx.load_from_string(_source(dataset, architecture).read_bytes())
        _write(target / identity, _rewritten(proto, {
            "model_id": identity, "architecture": architecture, VARIANT_KEY: words}))
    for task in BINARY_TASKS.values():
        identity = model_id(task.dataset, "linear", task.key)
        proto = _binary_graph(_source(task.dataset, "linear"), task.positive)
        _write(target / identity, _rewritten(proto, {
            "model_id": identity, "architecture": "linear",
            "classes": json.dumps(list(task.classes)), TASK_KEY: json.dumps(task.to_dict()),
            "rejection": None, REPORT_KEY: None, CONFIG_KEY: None,
            "architecture_summary": "Linear(784 -> 1) -> Sigmoid"}))
    for identity in broken:
        (target / identity / MODEL_FILE).write_bytes(b"this is not an ONNX model")
    return target


if __name__ == "__main__":  # PYTHONPATH=. python tests/many_models.py DIR: a folder to try
    import sys

    print(write_many_models(Path(sys.argv[1])))
