"""Export a trained model to ONNX with everything the app needs in its metadata, prove that
ONNX Runtime reproduces PyTorch's probabilities, and only then move the files into place.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from torch import nn

METADATA_FORMAT = "1"
PARITY_TOLERANCE = 1e-4


class ExportError(RuntimeError):
    """The exported model does not behave like the PyTorch model; nothing was written."""


class WithSoftmax(nn.Module):
    """The app wants probabilities, so the exported graph ends with a softmax over the classes,
    divided by the calibration temperature. A network with one more logit than classes also
    outputs "outlier": the probability that the picture is none of the classes."""

    def __init__(self, model: nn.Module, classes: int = 10, temperature: float = 1.0) -> None:
        super().__init__()
        self.model, self.classes, self.temperature = model, classes, temperature

    @property
    def output_names(self) -> list[str]:
        return ["probabilities", "outlier"] if self.rejects else ["probabilities"]

    @property
    def rejects(self) -> bool:
        last = [m for m in self.model.modules() if isinstance(m, nn.Linear)][-1]
        return last.out_features == self.classes + 1

    def forward(self, images: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        logits = self.model(images)
        probabilities = torch.softmax(logits[:, :self.classes] / self.temperature, dim=1)
        if not self.rejects:
            return probabilities
        return probabilities, torch.softmax(logits, dim=1)[:, self.classes:]


def to_onnx_bytes(wrapped: WithSoftmax, metadata: dict[str, str]) -> bytes:
    """Serialise to a single self-contained ONNX file with a dynamic batch dimension."""
    wrapped = wrapped.eval().cpu()
    # An example batch of more than one keeps the exporter from freezing the batch size at 1.
    example = torch.zeros(4, 1, 28, 28)
    batch = torch.export.Dim("batch", min=1, max=65_536)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.onnx"
        torch.onnx.export(
            wrapped, (example,), str(path), input_names=["image"],
            output_names=wrapped.output_names, dynamic_shapes=({0: batch},),
            external_data=False, dynamo=True, verbose=False, optimize=True,
        )
        proto = onnx.load(str(path))
    del proto.metadata_props[:]
    for key, value in metadata.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    proto.doc_string = metadata.get("description", "")
    onnx.checker.check_model(proto, full_check=True)
    return proto.SerializeToString()


def check_parity(wrapped: WithSoftmax, onnx_bytes: bytes, inputs: torch.Tensor) -> float:
    """ONNX Runtime must give PyTorch's outputs at batch size 1 and at a large batch."""
    wrapped = wrapped.eval().cpu()
    with torch.no_grad():
        expected = wrapped(inputs)
    expected = [t.numpy() for t in (expected if isinstance(expected, tuple) else (expected,))]
    session = ort.InferenceSession(onnx_bytes, providers=["CPUExecutionProvider"])
    input_name = session.get_inputs()[0].name
    many = session.run(None, {input_name: inputs.numpy()})
    singles = [session.run(None, {input_name: inputs[i:i + 1].numpy()}) for i in range(8)]
    pairs = []
    for k, want in enumerate(expected):
        if k >= len(many):
            raise ExportError(f"ONNX graph has {len(many)} outputs, PyTorch {len(expected)}")
        pairs += [(many[k], want), (np.concatenate([one[k] for one in singles]), want[:8])]
    worst = 0.0
    for got, want in pairs:
        if got.shape != want.shape:
            raise ExportError(f"ONNX output shape {got.shape} differs from PyTorch's {want.shape}")
        if not np.array_equal(got.argmax(1), want.argmax(1)):
            raise ExportError("ONNX Runtime and PyTorch predict different classes")
        worst = max(worst, float(np.abs(got - want).max()))
    if worst >= PARITY_TOLERANCE:
        raise ExportError(f"ONNX Runtime differs from PyTorch by {worst:.2e} "
                          f"(limit {PARITY_TOLERANCE:.0e})")
    return worst


def write_artifacts(out_dir: Path, onnx_bytes: bytes, metrics: dict) -> None:
    """Write model.onnx and metrics.json so that a crash never leaves a half-written file:
    each is written in full to a temporary file beside its target, then renamed over it."""
    out_dir.mkdir(parents=True, exist_ok=True)
    payloads = {
        "metrics.json": (json.dumps(metrics, indent=1) + "\n").encode(),
        "model.onnx": onnx_bytes,
    }
    temporaries = {}
    try:
        for name, payload in payloads.items():
            handle, tmp = tempfile.mkstemp(dir=out_dir, prefix=f".{name}.", suffix=".tmp")
            temporaries[name] = tmp
            with os.fdopen(handle, "wb") as file:
                file.write(payload)
                file.flush()
                os.fsync(file.fileno())
            os.chmod(tmp, 0o644)  # mkstemp makes files private; models are meant to be shared
        for name, tmp in temporaries.items():
            os.replace(tmp, out_dir / name)
    finally:
        for tmp in temporaries.values():
            if os.path.exists(tmp):
                os.unlink(tmp)
