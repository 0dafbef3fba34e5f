"""Store a model's large weight tensors as float16: the shipped models take half the room (the
installer's largest part after Qt) and answer as before within HALF_TOLERANCE.

Each large float32 initializer W becomes a float16 initializer W_float16 and a Cast node back to
float32 named W, so every node still reads float32 W and computes in float32. ONNX Runtime folds
those casts when it creates a session, so inference is as fast as before.

Left in float32: small tensors (biases, first-layer kernels: a few kB) and the last layer named
in the metadata (desktop.graph_outputs.Head), which personalising reads and rewrites in float32
(desktop.onnx_file). A graph without large float32 weights comes back unchanged, so storing
twice changes nothing.
"""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from desktop.graph_outputs import HEAD_KEY, OUTLIER_OUTPUT, PROBABILITIES_OUTPUT, Head
from trainer.export import ExportError

MIN_ELEMENTS = 4096  # smaller tensors stay float32: 16 kB or less each
HALF_SUFFIX = "_float16"
# Probabilities move by at most ~1e-3 (8.5e-4 measured over the shipped models' test sets).
HALF_TOLERANCE = 3e-3


class HalfPrecisionError(ExportError):
    """The model answers too differently with float16 weights; nothing was written."""


def store_half(onnx_bytes: bytes) -> bytes:
    """The model with its large weights stored as float16 (see the module's docstring)."""
    model = onnx.load_model_from_string(onnx_bytes)
    graph = model.graph
    kept = _kept_full(model)
    casts = []
    for tensor in graph.initializer:
        if (tensor.data_type != TensorProto.FLOAT or tensor.name in kept
                or int(np.prod(tensor.dims)) < MIN_ELEMENTS):
            continue
        name = tensor.name
        half = numpy_helper.to_array(tensor).astype(np.float16)
        tensor.CopyFrom(numpy_helper.from_array(half, name + HALF_SUFFIX))
        casts.append(helper.make_node("Cast", [name + HALF_SUFFIX], [name],
                                      to=TensorProto.FLOAT, name=f"{name}_to_float32"))
    if not casts:
        return onnx_bytes
    nodes = casts + list(graph.node)  # the casts first: the graph's nodes stay sorted
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.checker.check_model(model, full_check=True)
    return model.SerializeToString()


def _kept_full(model: onnx.ModelProto) -> set[str]:
    """The last layer's weight and bias, which personalising rewrites in float32."""
    entry = next((p.value for p in model.metadata_props if p.key == HEAD_KEY), None)
    head = Head.from_entry(entry) if entry is not None else None
    return {head.weight, head.bias} if head is not None else set()


def check_close(full: bytes, half: bytes, batch: np.ndarray) -> float:
    """The largest difference between the two models' answers on `batch` (N x 1 x 28 x 28,
    normalised); raises HalfPrecisionError above HALF_TOLERANCE."""
    worst = max(float(np.abs(a - b).max())
                for a, b in zip(answers(full, batch), answers(half, batch), strict=True))
    if not worst <= HALF_TOLERANCE:  # NaN included
        raise HalfPrecisionError(f"with float16 weights the answers move by {worst:.1e} "
                                 f"(limit {HALF_TOLERANCE:.0e})")
    return worst


def answers(model: bytes, batch: np.ndarray) -> list[np.ndarray]:
    """What the app classifies with: the model's probabilities (and outlier output, if any)
    on `batch`."""
    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    names = [output.name for output in session.get_outputs()
             if output.name in (PROBABILITIES_OUTPUT, OUTLIER_OUTPUT)]
    return session.run(names, {session.get_inputs()[0].name: batch})
