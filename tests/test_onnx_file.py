"""desktop.onnx_file reads what the app checks before offering a model (metadata, inputs,
outputs) without ONNX Runtime: it must say exactly what ONNX Runtime says, and turn damaged
bytes into OnnxFileError, never another exception or a hang."""

from __future__ import annotations

import io
import random
from pathlib import Path

import onnx
import onnxruntime as ort
import pytest

from desktop import onnx_file

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "resources" / "models").glob("*/model.onnx"))


def runtime_view(model: bytes) -> tuple[dict[str, str], list, list]:
    options = ort.SessionOptions()
    options.log_severity_level = 3  # not the warnings about weights listed as inputs
    session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    def args(values):
        return [(value.name, value.type, list(value.shape)) for value in values]
    return (dict(session.get_modelmeta().custom_metadata_map), args(session.get_inputs()),
            args(session.get_outputs()))


def our_view(model: bytes) -> tuple[dict[str, str], list, list]:
    description = onnx_file.describe(model)
    def args(values):
        return [(value.name, value.type, value.shape) for value in values]
    return description.metadata, args(description.inputs), args(description.outputs)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.parent.name)
def test_every_shipped_model_is_described_as_onnx_runtime_describes_it(path: Path) -> None:
    model = path.read_bytes()
    assert our_view(model) == runtime_view(model)


def test_weights_listed_as_inputs_and_unknown_dimensions_are_read_alike() -> None:
    """Older exporters list the weights among the graph inputs (ONNX Runtime leaves them out).
    A dimension that is neither a number nor a name is unknown to us; ONNX Runtime may infer
    it from the graph, so a model that leaves its class count unknown is refused."""
    proto = onnx.load_model_from_string(SHIPPED[0].read_bytes())
    graph = proto.graph
    graph.input.extend(onnx.helper.make_tensor_value_info(tensor.name, tensor.data_type,
                                                          list(tensor.dims))
                       for tensor in graph.initializer)
    dims = graph.output[0].type.tensor_type.shape.dim
    dims[0].ClearField("dim_param")
    model = proto.SerializeToString()
    ours, theirs = our_view(model), runtime_view(model)
    assert ours[:2] == theirs[:2] and len(ours[1]) == 1
    assert ours[2][0][2][0] is None and theirs[2][0][2][0] == "batch"
    assert ours[2][1:] == theirs[2][1:]


class CountingReader(io.BytesIO):
    """A file that counts the bytes it is asked for."""

    bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.bytes_read += len(data)
        return data


@pytest.mark.parametrize("path", SHIPPED[:4], ids=lambda path: path.parent.name)
def test_a_file_is_described_from_a_few_kilobytes(path: Path) -> None:
    """Listing 18 models read all their 10.5 MB (85 ms of a cold start); their signature and
    metadata, less the training report the app reads when it shows it, take a few kB."""
    model = path.read_bytes()
    full = onnx_file.describe(model)
    file = CountingReader(model)
    listed = onnx_file.describe_file(file, leave_out=("metrics",))
    assert listed.inputs == full.inputs and listed.outputs == full.outputs
    assert listed.metadata == {k: v for k, v in full.metadata.items() if k != "metrics"}
    assert len(full.metadata["metrics"]) > 100_000 and 0 < file.bytes_read < 10_000


@pytest.mark.parametrize("damage", ["empty", "text", "truncated", "no graph"])
def test_damaged_bytes_are_an_onnx_file_error(damage: str) -> None:
    model = SHIPPED[0].read_bytes()
    proto = onnx.load_model_from_string(model)
    proto.ClearField("graph")
    damaged = {"empty": b"", "text": b"this is not a neural network\n",
               "truncated": model[: len(model) // 2],
               "no graph": proto.SerializeToString()}[damage]
    with pytest.raises(onnx_file.OnnxFileError):
        onnx_file.describe(damaged)


def test_random_damage_never_raises_anything_else() -> None:
    """Flipped bytes anywhere (the header, the graph, the metadata): a description or an
    OnnxFileError, within a bounded time; ONNX Runtime still decides later whether it runs."""
    model = bytearray(min(SHIPPED, key=lambda path: path.stat().st_size).read_bytes())
    rng = random.Random(2026)
    outcomes = {"described": 0, "refused": 0}
    for _ in range(300):
        damaged = bytearray(model)
        for _ in range(rng.randint(1, 8)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        try:
            onnx_file.describe(bytes(damaged))
            outcomes["described"] += 1
        except onnx_file.OnnxFileError:
            outcomes["refused"] += 1
    assert outcomes["described"] and outcomes["refused"], outcomes
