"""Give an exported model extra outputs that show what its layers see, for the app's "Look
inside" tab, and name them in its metadata (desktop.graph_outputs.LayerOutput).

Only the onnx package is needed, so the shipped models can be upgraded without retraining:
`add_layer_outputs(Path("model.onnx").read_bytes())`. Nothing on the path to "probabilities"
and "outlier" changes; the new outputs only expose values the graph already computes (or its
weights), and ONNX Runtime computes an output only when it is asked for.

CNNs: every convolution's output after its ReLU (where the block's detectors fire, at the
convolution's own resolution; the pooled output would only repeat the second ReLU at half the
size), plus the first convolution's kernels through an Identity node. The exporter folds batch
norm into the convolutions, so these are the filters the network really applies.
Dense models: the first layer's weights as one 28x28 template per unit (Transpose/Reshape
nodes inside the graph, so the app need not know the layout), plus that layer's activations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import onnx
from onnx import helper, numpy_helper

from desktop.graph_outputs import LAYERS_KEY, MAX_LAYERS, LayerOutput, layers_entry

PREFIX = "layer_"  # every added output's name starts so; the graph's own names never do here
_PASS_THROUGH = ("BatchNormalization", "Relu")  # what may sit between a layer and its ReLU


@dataclass(frozen=True)
class GraphLook:
    """Look-ups over one graph: who consumes each value, the constant weights and shapes."""

    graph: onnx.GraphProto
    consumers: dict[str, list[onnx.NodeProto]]
    constants: dict[str, np.ndarray]
    shapes: dict[str, list[int | str]]

    @classmethod
    def of(cls, model: onnx.ModelProto) -> GraphLook:
        graph = model.graph
        consumers: dict[str, list[onnx.NodeProto]] = {}
        for node in graph.node:
            for name in node.input:
                consumers.setdefault(name, []).append(node)
        constants = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
        for node in graph.node:  # weights stored as float16 reach the graph through a Cast
            if node.op_type == "Cast" and node.input[0] in constants:
                constants[node.output[0]] = constants[node.input[0]].astype(np.float32)
        inferred = onnx.shape_inference.infer_shapes(model).graph
        shapes = {}
        for value in [*inferred.value_info, *inferred.output, *inferred.input]:
            dims = value.type.tensor_type.shape.dim
            shapes[value.name] = [d.dim_param or d.dim_value for d in dims]
        return cls(graph, consumers, constants, shapes)

    def activation(self, node: onnx.NodeProto) -> str:
        """The value after `node`'s ReLU: follow single consumers through batch norm to the
        ReLU; the node's own output when no ReLU follows."""
        value, current = node.output[0], node
        while True:
            after = self.consumers.get(current.output[0], [])
            if len(after) != 1 or after[0].op_type not in _PASS_THROUGH:
                return value
            current = after[0]
            if current.op_type == "Relu":
                return current.output[0]


def add_layer_outputs(onnx_bytes: bytes) -> bytes:
    """The model with layer outputs added and listed in its metadata entry LAYERS_KEY.

    A model that already has layer outputs is returned unchanged; a model with neither
    convolutions nor a dense first layer on the image gets an empty list; a CNN deeper than
    the contract's MAX_LAYERS shows its first convolutions. Raises onnx's own errors when the
    bytes are not a valid model.
    """
    model = onnx.load_model_from_string(onnx_bytes)
    if any(output.name.startswith(PREFIX) for output in model.graph.output):
        return onnx_bytes  # upgraded already
    kept = [entry for entry in model.metadata_props if entry.key != LAYERS_KEY]
    del model.metadata_props[:]
    model.metadata_props.extend(kept)
    look = GraphLook.of(model)
    convs = [node for node in model.graph.node
             if node.op_type == "Conv" and node.input[1] in look.constants]
    layers = _cnn_layers(model, look, convs) if convs else _dense_layers(model, look)
    entry = model.metadata_props.add()
    entry.key, entry.value = LAYERS_KEY, layers_entry(layers)
    onnx.checker.check_model(model, full_check=True)
    return model.SerializeToString()


def _cnn_layers(model: onnx.ModelProto, look: GraphLook,
                convs: list[onnx.NodeProto]) -> list[LayerOutput]:
    """Feature maps of every convolution, grouped in blocks that end at a pooling layer."""
    block, blocks = 1, {}
    for node in model.graph.node:
        if node.op_type == "Conv" and node in convs:
            blocks.setdefault(block, []).append(node)
        elif node.op_type in ("MaxPool", "AveragePool") and blocks.get(block):
            block += 1
    layers: list[LayerOutput] = []
    for number, members in blocks.items():
        for position, conv in enumerate(members, 1):
            if len(layers) == MAX_LAYERS - 1:  # room for the filters
                break
            value = look.activation(conv)
            shape = look.shapes.get(value, [])
            maps = int(look.constants[conv.input[1]].shape[0])
            size = f", {shape[2]}x{shape[3]}" if len(shape) == 4 else ""
            which = f", conv {position}" if len(members) > 1 else ""
            name = f"{PREFIX}block{number}" + (f"_conv{position}" if len(members) > 1 else "")
            expose(model, look, value, name)
            layers.append(LayerOutput(name, f"Block {number}{which} ({maps} maps{size})",
                                      "feature_maps"))
    first = convs[0]
    kernels = look.constants[first.input[1]]
    name = f"{PREFIX}filters"
    model.graph.node.append(helper.make_node("Identity", [first.input[1]], [name],
                                             name=f"{name}_identity"))
    model.graph.output.append(helper.make_tensor_value_info(
        name, onnx.TensorProto.FLOAT, list(kernels.shape)))
    size = "x".join(str(s) for s in kernels.shape[2:])
    layers.append(LayerOutput(name, f"First-layer filters ({kernels.shape[0]} of {size})",
                              "filters"))
    return layers


def _dense_layers(model: onnx.ModelProto, look: GraphLook) -> list[LayerOutput]:
    """The first dense layer (a Gemm or MatMul on the flattened image): its weights as 28x28
    templates and its activations."""
    image = model.graph.input[0]
    height, width = (d.dim_value for d in image.type.tensor_type.shape.dim[2:4])
    for node in model.graph.node:
        if node.op_type not in ("Gemm", "MatMul") or node.input[1] not in look.constants:
            continue
        weights = look.constants[node.input[1]]
        attributes = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        transposed = node.op_type == "Gemm" and attributes.get("transB", 0) == 1
        if weights.ndim != 2:
            return []
        features, units = weights.shape if not transposed else weights.shape[::-1]
        if features != height * width:
            return []  # the first dense layer is not on the image: nothing to show as 28x28
        source = node.input[1]
        if not transposed:  # [features, units] -> [units, features]
            source = f"{PREFIX}weights_by_unit"
            model.graph.node.append(helper.make_node(
                "Transpose", [node.input[1]], [source], perm=[1, 0], name=f"{source}_node"))
        shape = f"{PREFIX}weights_shape"
        model.graph.initializer.append(numpy_helper.from_array(
            np.array([units, height, width], np.int64), shape))
        name = f"{PREFIX}weights"
        model.graph.node.append(helper.make_node("Reshape", [source, shape], [name],
                                                 name=f"{name}_reshape"))
        model.graph.output.append(helper.make_tensor_value_info(
            name, onnx.TensorProto.FLOAT, [units, height, width]))
        plural = "s" if units != 1 else ""
        layers = [LayerOutput(name, f"First-layer weights ({units} template{plural} of "
                                    f"{height}x{width})", "weights")]
        units_name = f"{PREFIX}units"
        expose(model, look, look.activation(node), units_name)
        layers.append(LayerOutput(units_name, f"First-layer units ({units})", "units"))
        return layers
    return []


def expose(model: onnx.ModelProto, look: GraphLook, value: str, name: str) -> None:
    """Make the graph's value `value` an output named `name` by renaming it where it is made
    and read: no node is added, so the normal run does exactly the work it did before (an
    Identity node would copy every map at every run). A value that is a graph output already
    keeps its name and gets an Identity copy."""
    graph = model.graph
    if any(output.name == value for output in graph.output):
        graph.node.append(helper.make_node("Identity", [value], [name], name=f"{name}_copy"))
    else:
        for node in graph.node:
            for names in (node.input, node.output):
                for index, each in enumerate(names):
                    if each == value:
                        names[index] = name
        for info in graph.value_info:
            if info.name == value:
                info.name = name
    shape = look.shapes.get(value)
    graph.output.append(helper.make_tensor_value_info(
        name, onnx.TensorProto.FLOAT, shape if shape else None))
