"""Models as the exporter wrote them before layer views, the named last layer and float16 weights
existed, made from the shipped ones (which `python -m trainer.upgrade` brought up to date), for
the tests of older models."""

from __future__ import annotations

from pathlib import Path

import onnx
from onnx import numpy_helper

from desktop.graph_outputs import HEAD_KEY, LAYERS_KEY, OUTLIER_OUTPUT, PROBABILITIES_OUTPUT
from desktop.model_format import MODEL_FILE


def without_layer_outputs(onnx_bytes: bytes) -> bytes:
    """The graph with only its answer outputs, the nodes and weights they need, and no
    `layers` or `head` metadata: what an older exporter wrote (the answers stay bit-identical)."""
    model = onnx.load_from_string(onnx_bytes)
    answers = [o for o in model.graph.output if o.name in (PROBABILITIES_OUTPUT, OUTLIER_OUTPUT)]
    needed = {o.name for o in answers}
    kept = []
    for node in reversed(model.graph.node):
        if needed.intersection(node.output):
            kept.append(node)
            needed.update(node.input)
    weights = [t for t in model.graph.initializer if t.name in needed]
    metadata = [p for p in model.metadata_props if p.key not in (LAYERS_KEY, HEAD_KEY)]
    for field, items in ((model.graph.output, answers), (model.graph.node, kept[::-1]),
                         (model.graph.initializer, weights), (model.metadata_props, metadata)):
        del field[:]
        field.extend(items)
    onnx.checker.check_model(model, full_check=True)
    return model.SerializeToString()


def in_full_precision(onnx_bytes: bytes) -> bytes:
    """The graph with its float16 weights (trainer.half_precision) back in float32: each Cast of
    a float16 initializer becomes a float32 initializer under the Cast's output name."""
    model = onnx.load_from_string(onnx_bytes)
    halves = {t.name: t for t in model.graph.initializer
              if t.data_type == onnx.TensorProto.FLOAT16}
    casts = [n for n in model.graph.node if n.op_type == "Cast" and n.input[0] in halves]
    full = [numpy_helper.from_array(numpy_helper.to_array(halves[n.input[0]]).astype("float32"),
                                    n.output[0]) for n in casts]
    weights = [t for t in model.graph.initializer if t.name not in halves] + full
    nodes = [n for n in model.graph.node if n not in casts]
    for field, items in ((model.graph.node, nodes), (model.graph.initializer, weights)):
        del field[:]
        field.extend(items)
    onnx.checker.check_model(model, full_check=True)
    return model.SerializeToString()


def write_older_copies(models_dir: Path, target: Path) -> Path:
    for source in sorted(models_dir.glob(f"*/{MODEL_FILE}")):
        (target / source.parent.name).mkdir(parents=True)
        (target / source.parent.name / MODEL_FILE).write_bytes(
            without_layer_outputs(source.read_bytes()))
    return target
