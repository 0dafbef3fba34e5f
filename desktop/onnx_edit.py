"""Write a copy of an ONNX model with new values for some weights and new metadata, and read
weights back, without the onnx package (the installed app ships only ONNX Runtime):
personalising reads the last layer and saves its refit this way.

An ONNX file is one protocol-buffer message (ModelProto). Protocol buffers are a flat list of
fields, each a tag (field number and wire type) followed by its value; a nested message is a
length-prefixed field. So a copy is made by walking the fields and re-encoding only what changes:
the metadata entries (ModelProto field 14), and inside the graph (field 7) the initializers
(GraphProto field 5) named in `weights`, whose raw data (TensorProto field 9) is replaced by an
array of exactly the same shape and type. Everything else is copied byte for byte.
See onnx/onnx.proto for the field numbers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np

MODEL_GRAPH, MODEL_METADATA = 7, 14
GRAPH_INITIALIZER = 5
TENSOR_DIMS, TENSOR_DATA_TYPE, TENSOR_NAME, TENSOR_RAW_DATA = 1, 2, 8, 9
ENTRY_KEY, ENTRY_VALUE = 1, 2
FLOAT = 1  # TensorProto.DataType.FLOAT
VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5


class OnnxEditError(ValueError):
    """The model cannot be edited as asked; the message says why."""


def replace(model: bytes, weights: Mapping[str, np.ndarray], metadata: Mapping[str, str]) -> bytes:
    """A copy of `model` whose float32 initializers named in `weights` hold the given arrays
    (same shapes as before) and whose metadata is exactly `metadata`. Raises OnnxEditError when
    an initializer is missing, of another shape or type, or not stored as raw data."""
    pending = dict(weights)
    out = bytearray()
    for number, wire, value, raw in _fields(model):
        if number == MODEL_METADATA and wire == LENGTH:
            continue  # all of it is written anew below
        if number == MODEL_GRAPH and wire == LENGTH:
            out += _field(number, _edit_graph(value, pending))
        else:
            out += raw
    if pending:
        raise OnnxEditError(f"the model has no weights named {', '.join(sorted(pending))}")
    for key, text in metadata.items():
        out += _field(MODEL_METADATA, _field(ENTRY_KEY, key.encode())
                      + _field(ENTRY_VALUE, text.encode()))
    return bytes(out)


def read_weights(model: bytes, names: list[str]) -> dict[str, np.ndarray]:
    """The float32 initializers named `names` (stored as raw data), as arrays."""
    found: dict[str, np.ndarray] = {}
    for number, wire, graph, _raw in _fields(model):
        if number != MODEL_GRAPH or wire != LENGTH:
            continue
        for field, kind, tensor, _ in _fields(graph):
            if field == GRAPH_INITIALIZER and kind == LENGTH and _tensor_name(tensor) in names:
                found[_tensor_name(tensor)] = _tensor_array(tensor)
    missing = [name for name in names if name not in found]
    if missing:
        raise OnnxEditError(f"the model has no weights named {', '.join(missing)}")
    return found


def _edit_graph(graph: bytes, pending: dict[str, np.ndarray]) -> bytes:
    out = bytearray()
    for number, wire, value, raw in _fields(graph):
        if number == GRAPH_INITIALIZER and wire == LENGTH:
            name = _tensor_name(value)
            if name in pending:
                out += _field(number, _edit_tensor(value, name, pending.pop(name)))
                continue
        out += raw
    return bytes(out)


def _edit_tensor(tensor: bytes, name: str, array: np.ndarray) -> bytes:
    old, array = _tensor_array(tensor), np.asarray(array)
    if old.shape != array.shape or array.dtype != np.float32:
        raise OnnxEditError(f"the weights {name!r} are {old.shape} float32, not "
                            f"{array.shape} {array.dtype}")
    kept = b"".join(raw for number, _wire, _value, raw in _fields(tensor)
                    if number != TENSOR_RAW_DATA)
    return kept + _field(TENSOR_RAW_DATA, array.astype("<f4").tobytes())


def _tensor_array(tensor: bytes) -> np.ndarray:
    dims, data_type, data = [], None, None
    for number, wire, value, _raw in _fields(tensor):
        if number == TENSOR_DIMS:
            dims += [value] if wire == VARINT else list(_packed_varints(value))
        elif number == TENSOR_DATA_TYPE:
            data_type = value
        elif number == TENSOR_RAW_DATA and wire == LENGTH:
            data = value
    if data_type != FLOAT or data is None or len(data) != 4 * int(np.prod(dims)):
        raise OnnxEditError(f"the weights {_tensor_name(tensor)!r} are not float32 raw data")
    return np.frombuffer(data, "<f4").reshape(dims).astype(np.float32)


def _tensor_name(tensor: bytes) -> str | None:
    for number, wire, value, _raw in _fields(tensor):
        if number == TENSOR_NAME and wire == LENGTH:
            return value.decode("utf-8", "replace")
    return None


def _fields(message: bytes) -> Iterator[tuple[int, int, int | bytes, bytes]]:
    """(field number, wire type, value, the field's whole encoding) of every field in turn."""
    position, end = 0, len(message)
    while position < end:
        start = position
        tag, position = _varint(message, position)
        number, wire = tag >> 3, tag & 7
        if wire == VARINT:
            value, position = _varint(message, position)
        elif wire in (FIXED64, FIXED32):
            size = 8 if wire == FIXED64 else 4
            value, position = message[position:position + size], position + size
        elif wire == LENGTH:
            size, position = _varint(message, position)
            value, position = message[position:position + size], position + size
        else:
            raise OnnxEditError(f"the model file is damaged (wire type {wire})")
        if position > end:
            raise OnnxEditError("the model file is damaged (a field runs past its end)")
        yield number, wire, value, message[start:position]


def _varint(data: bytes, position: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if position >= len(data) or shift > 63:
            raise OnnxEditError("the model file is damaged (a number runs past its end)")
        byte = data[position]
        position += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, position


def _packed_varints(data: bytes) -> Iterator[int]:
    position = 0
    while position < len(data):
        value, position = _varint(data, position)
        yield value


def _encode_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited field."""
    return _encode_varint(number << 3 | LENGTH) + _encode_varint(len(payload)) + payload
