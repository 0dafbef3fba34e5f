"""Name an exported model's last layer in its metadata (desktop.graph_outputs.Head), so the app can
personalise the model without torch: it reads the layer's input from one more graph output and
refits the layer's weights with numpy (desktop.personalise).

Only the onnx package is needed, so the shipped models gain it without retraining (trainer.upgrade).
The last layer is found from "probabilities" backwards: Softmax <- Div (the calibration
temperature) <- [Slice (the classes' logits of a model with a background class)] <- Gemm with
constant weights and transB=1 (a PyTorch Linear). Graphs of another shape (the binary lab's
logistic regression turns one logit into two) get no head. Nothing on the path to the existing
outputs changes: the layer's input is only renamed and exposed (trainer.layer_outputs.expose).
"""

from __future__ import annotations

import onnx
from onnx import helper

from desktop.graph_outputs import HEAD_KEY, PROBABILITIES_OUTPUT, Head
from trainer.layer_outputs import GraphLook, expose

FEATURES_OUTPUT = "head_features"


def add_head(onnx_bytes: bytes) -> bytes:
    """The model with its last layer named in metadata entry HEAD_KEY (and its input exposed as
    a graph output); unchanged when it has one already or its graph is not of that shape."""
    model = onnx.load_model_from_string(onnx_bytes)
    if any(entry.key == HEAD_KEY for entry in model.metadata_props):
        return onnx_bytes
    look = GraphLook.of(model)
    layer = _last_layer(model, look)
    if layer is None:
        return onnx_bytes
    features, weight, bias = layer.input
    if not any(output.name == features for output in model.graph.output):
        expose(model, look, features, FEATURES_OUTPUT)
        features = FEATURES_OUTPUT
    entry = model.metadata_props.add()
    entry.key, entry.value = HEAD_KEY, Head(features, weight, bias).to_entry()
    onnx.checker.check_model(model, full_check=True)
    return model.SerializeToString()


def _last_layer(model: onnx.ModelProto, look: GraphLook) -> onnx.NodeProto | None:
    """The Gemm whose logits the probabilities are made of, or None."""
    producers = {name: node for node in model.graph.node for name in node.output}
    node = producers.get(PROBABILITIES_OUTPUT)
    for expected in ("Softmax", "Div"):
        if node is None or node.op_type != expected:
            return None
        node = producers.get(node.input[0])
    if node is not None and node.op_type == "Slice":
        node = producers.get(node.input[0])
    if node is None or node.op_type != "Gemm" or len(node.input) != 3:
        return None
    attributes = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    transposed = attributes.get("transB", 0) == 1 and attributes.get("transA", 0) == 0
    plain = attributes.get("alpha", 1.0) == 1.0 and attributes.get("beta", 1.0) == 1.0
    weight, bias = (look.constants.get(name) for name in node.input[1:])
    if not (transposed and plain and weight is not None and bias is not None
            and weight.ndim == 2 and bias.shape == (weight.shape[0],)
            and weight.dtype == bias.dtype == "float32"):
        return None
    return node
