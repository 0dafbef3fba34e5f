"""Export a trained model to ONNX with everything the app needs in its metadata, prove that
ONNX Runtime reproduces PyTorch's probabilities, and only then move the model into place: one
file that holds the graph, its metadata and the training report.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnx import numpy_helper
from torch import nn

from desktop.graph_outputs import INPUT_NAME, OUTLIER_OUTPUT, PROBABILITIES_OUTPUT
from desktop.model_format import (
    ACCURACY_KEY,
    LEGACY_REPORT_FILE,
    MAX_REPORT_BYTES,
    MODEL_FILE,
    REPORT_KEY,
    ModelMetadata,
)
from desktop.training_report import TrainingReport, report_entries
from trainer import files, head, layer_outputs, testhook

PARITY_TOLERANCE = 1e-4


class ExportError(RuntimeError):
    """The exported model does not behave like the PyTorch model; nothing was written."""


class WithSoftmax(nn.Module):
    """The app wants probabilities, so the exported graph ends with a softmax over the classes,
    divided by the calibration temperature. A network with one more logit than classes also
    outputs "outlier": the probability that the picture is none of the classes."""

    def __init__(self, model: nn.Module, classes: int, temperature: float = 1.0) -> None:
        super().__init__()
        self.model, self.classes, self.temperature = model, classes, temperature

    @property
    def output_names(self) -> list[str]:
        return [PROBABILITIES_OUTPUT, OUTLIER_OUTPUT] if self.rejects else [PROBABILITIES_OUTPUT]

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


def to_onnx_bytes(wrapped: WithSoftmax, metadata: ModelMetadata | dict[str, str]) -> bytes:
    """Serialise to a single self-contained ONNX file with a dynamic batch dimension."""
    if isinstance(metadata, ModelMetadata):
        metadata = metadata.to_strings()
    wrapped = wrapped.eval().cpu()
    # An example batch of more than one keeps the exporter from freezing the batch size at 1.
    example = torch.zeros(4, 1, 28, 28)
    batch = torch.export.Dim("batch", min=1, max=65_536)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.onnx"
        torch.onnx.export(
            wrapped, (example,), str(path), input_names=[INPUT_NAME],
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
    # The "Look inside" tab's layer outputs, and the last layer named for personalising.
    return head.add_head(layer_outputs.add_layer_outputs(proto.SerializeToString()))


def check_parity(wrapped: WithSoftmax, onnx_bytes: bytes, inputs: torch.Tensor) -> float:
    """ONNX Runtime must give PyTorch's outputs at batch size 1 and at a large batch."""
    wrapped = wrapped.eval().cpu()
    with torch.no_grad():
        expected = wrapped(inputs)
    expected = [t.numpy() for t in (expected if isinstance(expected, tuple) else (expected,))]
    session = ort.InferenceSession(onnx_bytes, providers=["CPUExecutionProvider"])
    input_name = session.get_inputs()[0].name
    answer = [output.name for output in session.get_outputs()  # not the layer outputs
              if not output.name.startswith(layer_outputs.PREFIX)]
    many = session.run(answer, {input_name: inputs.numpy()})
    singles = [session.run(answer, {input_name: inputs[i:i + 1].numpy()}) for i in range(8)]
    pairs = []
    for k, want in enumerate(expected):
        if k >= len(many):
            raise ExportError(f"ONNX graph has {len(many)} outputs, PyTorch {len(expected)}")
        pairs += [(many[k], want), (np.concatenate([one[k] for one in singles]), want[:8])]
    worst = 0.0
    for got, want in pairs:
        # NaN rows would pass the checks below (argmax 0 on both sides, NaN >= limit is False).
        if not (np.isfinite(got).all() and np.isfinite(want).all()):
            raise ExportError("the model's outputs contain NaN or infinity: training diverged; "
                              "try a smaller --lr")
        if got.shape != want.shape:
            raise ExportError(f"ONNX output shape {got.shape} differs from PyTorch's {want.shape}")
        if not np.array_equal(got.argmax(1), want.argmax(1)):
            raise ExportError("ONNX Runtime and PyTorch predict different classes")
        worst = max(worst, float(np.abs(got - want).max()))
    if worst >= PARITY_TOLERANCE:
        raise ExportError(f"ONNX Runtime differs from PyTorch by {worst:.2e} "
                          f"(limit {PARITY_TOLERANCE:.0e})")
    return worst


def embed_report(onnx_bytes: bytes, report: TrainingReport | dict) -> bytes:
    """The model with its training report inside: metadata "metrics" holds what metrics.json
    used to hold, and "config" the run's settings, so that model and report are one file."""
    proto = onnx.load_model_from_string(onnx_bytes)
    entries = report_entries(report)
    if len(entries[REPORT_KEY].encode()) > MAX_REPORT_BYTES:
        raise ExportError(f"the training report is larger than {MAX_REPORT_BYTES:,} bytes")
    _agree_on_accuracy(proto, report)
    kept = [entry for entry in proto.metadata_props if entry.key not in entries]
    del proto.metadata_props[:]
    proto.metadata_props.extend(kept)
    for key, value in entries.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    return proto.SerializeToString()


def _agree_on_accuracy(proto: onnx.ModelProto, report: TrainingReport | dict) -> None:
    """The metadata's test accuracy (the model's summary line) becomes the report's, when the
    report was rescored (trainer.test_predictions.scored_as_stored)."""
    accuracy = (report.raw if isinstance(report, TrainingReport) else report).get("test_accuracy")
    entry = next((e for e in proto.metadata_props if e.key == ACCURACY_KEY), None)
    if entry is None or not isinstance(accuracy, float):
        return
    try:
        same = float(entry.value) == accuracy
    except ValueError:
        same = False
    if not same:
        entry.value = repr(accuracy)


def check_finite_weights(onnx_bytes: bytes) -> None:
    """Refuse a model whose weights are not all finite (a diverged run: NaN everywhere)."""
    graph = onnx.load_model_from_string(onnx_bytes).graph
    tensors = list(graph.initializer)
    tensors += [attribute.t for node in graph.node if node.op_type == "Constant"
                for attribute in node.attribute if attribute.HasField("t")]
    for tensor in tensors:
        values = numpy_helper.to_array(tensor)
        if np.issubdtype(values.dtype, np.floating) and not np.isfinite(values).all():
            raise ExportError(f"the model's weights contain NaN or infinity ({tensor.name}): "
                              f"training diverged; try a smaller --lr")


def write_artifacts(out_dir: Path, onnx_bytes: bytes, report: TrainingReport | dict) -> None:
    """Write out_dir/model.onnx with the training report inside, as one atomic unit.

    The complete file goes to a temporary file beside the target, is flushed to disk, then
    renamed over the target (trainer.files.atomic_write): a crash or kill leaves either the
    previous model or the new one, never half a file and never one model beside another
    model's report. Call this only while holding the folder's lock (trainer.folders.FolderLock):
    two writers would race otherwise.
    """
    check_finite_weights(onnx_bytes)
    payload = embed_report(onnx_bytes, report)
    testhook.phase("write")
    # 0o644: models are meant to be shared (a temporary file starts private).
    with files.atomic_write(out_dir / MODEL_FILE, mode=0o644, rename_phase="rename") as file:
        half = len(payload) // 2
        file.write(payload[:half])
        file.flush()
        testhook.phase("write-half")
        file.write(payload[half:])
    testhook.phase("renamed")
    # The report is inside the model now; a metrics.json from an older trainer would only
    # describe the previous model (the app ignores it once the model has its own report).
    legacy = out_dir / LEGACY_REPORT_FILE
    if legacy.is_file():
        legacy.unlink()
