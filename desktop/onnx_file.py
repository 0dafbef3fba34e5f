"""An ONNX file read and edited without the onnx package (the installed app ships only ONNX
Runtime): the app lists its models from their metadata and signature without ONNX Runtime, whose
import and sessions would slow the window's start; personalising reads the last layer and saves
its refit as a copy with new weights and metadata.

An ONNX file is one protocol-buffer message (ModelProto). Protocol buffers are a flat list of
fields, each a tag (field number and wire type) followed by its value; a nested message is a
length-prefixed field. So reading walks the fields it needs: the metadata entries (ModelProto
field 14), and inside the graph (field 7) the inputs and outputs (GraphProto fields 11 and 12:
name, element type, shape) and the initializers (GraphProto field 5). A copy is made by
re-encoding only what changes: the metadata, and the initializers named in `weights`, whose raw
data (TensorProto field 9) is replaced by an array of exactly the same shape and type.
Everything else is copied byte for byte. See onnx/onnx.proto for the field numbers.
"""

from __future__ import annotations

import io
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import BinaryIO

from desktop.lazy_imports import np

MODEL_GRAPH, MODEL_METADATA = 7, 14
GRAPH_INITIALIZER, GRAPH_INPUT, GRAPH_OUTPUT = 5, 11, 12
VALUE_NAME, VALUE_TYPE = 1, 2  # ValueInfoProto
TYPE_TENSOR, TENSOR_ELEMENT_TYPE, TENSOR_SHAPE, SHAPE_DIM = 1, 1, 2, 1  # TypeProto and below
DIM_VALUE, DIM_PARAM = 1, 2  # TensorShapeProto.Dimension
# TensorProto.DataType numbers, named as ONNX Runtime names them in "tensor(float)".
ELEMENT_TYPES = {1: "float", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32",
                 7: "int64", 8: "string", 9: "bool", 10: "float16", 11: "double", 12: "uint32",
                 13: "uint64", 16: "bfloat16"}
TENSOR_DIMS, TENSOR_DATA_TYPE, TENSOR_NAME, TENSOR_RAW_DATA = 1, 2, 8, 9
ENTRY_KEY, ENTRY_VALUE = 1, 2
FLOAT = 1  # TensorProto.DataType.FLOAT
VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5


class OnnxFileError(ValueError):
    """The model cannot be read or edited as asked; the message says why."""


@dataclass(frozen=True)
class Value:
    """A graph input or output, described as ONNX Runtime's NodeArg describes it."""

    name: str
    type: str  # "tensor(float)"
    shape: list[int | str | None]  # a number, a named dimension ("batch") or unknown


@dataclass(frozen=True)
class Description:
    """What the app checks before offering a model: its metadata and its signature."""

    metadata: dict[str, str]
    inputs: list[Value]  # the graph inputs that are not weights (as ONNX Runtime lists them)
    outputs: list[Value]


def describe(model: bytes) -> Description:
    """The metadata, inputs and outputs of a serialized model (see describe_file)."""
    return describe_file(io.BytesIO(model))


def describe_file(file: BinaryIO, leave_out: Collection[str] = ()) -> Description:
    """The metadata, inputs and outputs of the model in `file` (binary, seekable), without the
    metadata entries whose keys are in `leave_out`. Only the fields it needs are read: the
    weights (and the entries left out) are skipped, so listing the models reads little from the
    disk. Raises OnnxFileError when the file is not a protocol-buffer message with a graph."""
    metadata: dict[str, str] = {}
    graph = (0, 0)
    for number, wire, offset, size in _fields_in(file, 0, file.seek(0, io.SEEK_END)):
        if number == MODEL_GRAPH and wire == LENGTH:
            graph = (offset, offset + size)
        elif number == MODEL_METADATA and wire == LENGTH:
            entry = {field: (at, length) for field, kind, at, length
                     in _fields_in(file, offset, offset + size) if kind == LENGTH}
            key = _text(_read(file, *entry.get(ENTRY_KEY, (0, 0))))
            if key not in leave_out:
                metadata[key] = _text(_read(file, *entry.get(ENTRY_VALUE, (0, 0))))
    if graph[0] == graph[1]:
        raise OnnxFileError("it has no graph")
    inputs, outputs, weights = [], [], set()
    for number, wire, offset, size in _fields_in(file, *graph):
        if wire != LENGTH:
            continue
        if number in (GRAPH_INPUT, GRAPH_OUTPUT):
            value = _value(_read(file, offset, size))
            (inputs if number == GRAPH_INPUT else outputs).append(value)
        elif number == GRAPH_INITIALIZER:  # its name only: the weights are not read
            weights.update(_text(_read(file, name_offset, name_size))
                           for field, kind, name_offset, name_size
                           in _fields_in(file, offset, offset + size)
                           if field == TENSOR_NAME and kind == LENGTH)
    return Description(metadata, [v for v in inputs if v.name not in weights], outputs)


def replace(model: bytes, weights: Mapping[str, np.ndarray], metadata: Mapping[str, str]) -> bytes:
    """A copy of `model` whose float32 initializers named in `weights` hold the given arrays
    (same shapes as before) and whose metadata is exactly `metadata`. Raises OnnxFileError when
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
        raise OnnxFileError(f"the model has no weights named {', '.join(sorted(pending))}")
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
        raise OnnxFileError(f"the model has no weights named {', '.join(missing)}")
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
        raise OnnxFileError(f"the weights {name!r} are {old.shape} float32, not "
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
        raise OnnxFileError(f"the weights {_tensor_name(tensor)!r} are not float32 raw data")
    return np.frombuffer(data, "<f4").reshape(dims).astype(np.float32)


def _value(info: bytes) -> Value:
    """A ValueInfoProto: its name, and its type and shape when it is a tensor."""
    name, element, shape = "", None, []
    for number, wire, value, _raw in _fields(info):
        if number == VALUE_NAME and wire == LENGTH:
            name = _text(value)
        elif number == VALUE_TYPE and wire == LENGTH:
            for kind_number, kind_wire, tensor, _ in _fields(value):
                if kind_number == TYPE_TENSOR and kind_wire == LENGTH:
                    element, shape = _tensor_type(tensor)
    kind = f"tensor({ELEMENT_TYPES.get(element, element)})" if element is not None else "other"
    return Value(name, kind, shape)


def _tensor_type(tensor: bytes) -> tuple[int | None, list[int | str | None]]:
    element, shape = None, []
    for number, wire, value, _raw in _fields(tensor):
        if number == TENSOR_ELEMENT_TYPE and wire == VARINT:
            element = value
        elif number == TENSOR_SHAPE and wire == LENGTH:
            shape = [_dimension(dim) for field, kind, dim, _ in _fields(value)
                     if field == SHAPE_DIM and kind == LENGTH]
    return element, shape


def _dimension(dim: bytes) -> int | str | None:
    for number, wire, value, _raw in _fields(dim):
        if number == DIM_VALUE and wire == VARINT:
            return value
        if number == DIM_PARAM and wire == LENGTH:
            return _text(value)
    return None


def _text(value: int | bytes) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


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
            raise OnnxFileError(f"the file is damaged: unknown wire type {wire}")
        if position > end:
            raise OnnxFileError("the file is damaged: a field runs past its end")
        yield number, wire, value, message[start:position]


def _varint(data: bytes, position: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if position >= len(data) or shift > 63:
            raise OnnxFileError("the file is damaged: a number runs past its end")
        byte = data[position]
        position += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, position


def _fields_in(file: BinaryIO, start: int, end: int) -> Iterator[tuple[int, int, int, int]]:
    """(field number, wire type, offset, size) of every field of the message in the file's
    bytes start to end. Only the tags are read; a length-delimited field gives its value's offset
    and size for the caller to read or skip, the other fields (0, 0)."""
    position = start
    while position < end:
        file.seek(position)
        tag = _read_varint(file)
        number, wire, offset, size = tag >> 3, tag & 7, 0, 0
        if wire == VARINT:
            _read_varint(file)
            position = file.tell()
        elif wire in (FIXED64, FIXED32):
            position = file.tell() + (8 if wire == FIXED64 else 4)
        elif wire == LENGTH:
            size = _read_varint(file)
            offset = file.tell()
            position = offset + size
        else:
            raise OnnxFileError(f"the file is damaged: unknown wire type {wire}")
        if position > end:
            raise OnnxFileError("the file is damaged: a field runs past its end")
        yield number, wire, offset, size


def _read_varint(file: BinaryIO) -> int:
    value = shift = 0
    while True:
        byte = file.read(1)
        if not byte or shift > 63:
            raise OnnxFileError("the file is damaged: a number runs past its end")
        value |= (byte[0] & 0x7F) << shift
        shift += 7
        if not byte[0] & 0x80:
            return value


def _read(file: BinaryIO, offset: int, size: int) -> bytes:
    file.seek(offset)
    data = file.read(size)
    if len(data) != size:  # the file was cut short while it was read
        raise OnnxFileError("the file is damaged: a field runs past its end")
    return data


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
