"""Find the shipped ONNX models, read what they are from their metadata, and run them.

Everything the app knows about a model (classes, normalisation, preprocessing recipe) comes from
the model file's metadata, so a retrained model with other classes needs no code change. What a
model folder holds is defined in desktop.model_format (metadata) and desktop.training_report
(the training report); this module finds and checks models (desktop.onnx_file reads them without
ONNX Runtime, so the window lists them before ONNX Runtime is even imported) and runs them.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from desktop import lazy_imports, onnx_file, preprocess
from desktop.bounded_io import describe_os_error, open_bounded, read_file_bounded
from desktop.graph_outputs import OUTLIER_OUTPUT
from desktop.lazy_imports import np
from desktop.model_format import (
    ARCHITECTURES,
    DATASETS,
    MAX_MODEL_BYTES,
    MODEL_FILE,
    REPORT_KEY,
    ModelError,
    ModelMetadata,
)
from desktop.training_report import TrainingReport, read_report

if TYPE_CHECKING:
    import onnxruntime as ort

USER_KEY_PREFIX = "user:"  # keys of the user's own models: "user:mnist-cnn"
# Below this top probability the app says "not sure" instead of naming a class.
UNSURE_BELOW = 0.5


@dataclass(frozen=True)
class ModelInfo(ModelMetadata):
    """A usable model: its checked metadata and where its model.onnx is."""

    path: Path = Path(MODEL_FILE)


@dataclass(frozen=True)
class ModelEntry:
    """One folder of the models directory: usable (info) or not (error says why)."""

    model_id: str  # the folder's name
    directory: Path
    info: ModelInfo | None
    error: str | None
    # The user's own (retrained) model, from desktop.paths.user_models_dir(); `run` says how
    # it was trained: "trained 2026-11-21, 3 epochs, lr 0.003".
    user: bool = False
    run: str = ""

    @property
    def available(self) -> bool:
        return self.info is not None

    @property
    def key(self) -> str:
        """Unique among shipped and user models: a user's "mnist-cnn" must not hide the
        shipped one. Shipped models keep their plain id."""
        return USER_KEY_PREFIX + self.model_id if self.user else self.model_id

    @property
    def display_name(self) -> str:
        """'mnist-cnn', or 'mnist-cnn (yours, trained 2026-11-21, 3 epochs, lr 0.003)'."""
        if not self.user:
            return self.model_id
        return f"{self.model_id} (yours{', ' + self.run if self.run else ''})"


@dataclass(frozen=True, eq=False)  # holds arrays: compare by identity, never element-wise
class Prediction:
    probabilities: np.ndarray  # (classes,) float32, sums to 1
    model_input: np.ndarray  # the 28x28 image in 0..1 the model saw (before normalisation)
    index: int
    label: str
    confidence: float
    # Probability (0..1) that the picture is none of the model's classes; 0 for models that
    # cannot tell. `accepted` is False when it passes the model's threshold.
    outlier: float = 0.0
    accepted: bool = True

    @property
    def unsure(self) -> bool:
        return self.confidence < UNSURE_BELOW


def discover(models_dir: Path, user: bool = False) -> list[ModelEntry]:
    """Every subfolder of models_dir as an entry, broken ones with the reason; Digits before
    Clothing, dense before cnn. `user`: the folder holds the user's own models.

    One bad folder (unreadable, damaged, a trap like a named pipe) gets an entry with its
    reason and never keeps the others from being listed.
    """
    try:
        folders = [p for p in Path(models_dir).iterdir() if not p.name.startswith((".", "_"))]
    except OSError:
        return []
    entries = []
    for folder in folders:
        try:
            if not folder.is_dir():
                continue
            info = read_info(folder / MODEL_FILE)
            entries.append(ModelEntry(folder.name, folder, info, None, user,
                                      describe_run(folder) if user else ""))
        except ModelError as exc:
            entries.append(ModelEntry(folder.name, folder, None, str(exc), user))
        except OSError as exc:
            entries.append(ModelEntry(folder.name, folder, None,
                                      f"{folder} cannot be read: {describe_os_error(exc)}.",
                                      user))
        except Exception as exc:  # noqa: BLE001 - the last guard: one folder, one entry
            entries.append(ModelEntry(folder.name, folder, None,
                                      f"{folder} cannot be used ({type(exc).__name__}: "
                                      f"{_first_line(exc)}).", user))
    return sorted(entries, key=_entry_order)


def discover_all(models_dir: Path, user_models_dir: Path | None) -> list[ModelEntry]:
    """The shipped (or --models-dir) models and, beside them, the user's own models."""
    entries = discover(models_dir)
    if user_models_dir is not None and Path(user_models_dir) != Path(models_dir):
        entries += discover(user_models_dir, user=True)
    return sorted(entries, key=_entry_order)


def describe_run(directory: Path) -> str:
    """How a model was trained, from its training report: 'trained 2026-11-21, 3 epochs,
    lr 0.003'; '' when the report does not say."""
    try:
        report = load_metrics(directory)
    except ModelError:  # a damaged report says nothing
        return ""
    parts = []
    with contextlib.suppress(ValueError):
        parts.append(f"trained {datetime.fromisoformat(report.trained_at).date().isoformat()}")
    epochs = report.config.get("epochs")
    if isinstance(epochs, int) and not isinstance(epochs, bool):
        parts.append(f"{epochs} epoch{'s' if epochs != 1 else ''}")
    rate = report.config.get("lr")
    if isinstance(rate, (int, float)) and not isinstance(rate, bool):
        parts.append(f"lr {rate:g}")
    return ", ".join(parts)


def read_info(path: Path) -> ModelInfo:
    """Check that a model file follows the model contract (metadata and signature) and read
    its metadata. Whether ONNX Runtime can run its graph shows when its Classifier is made."""
    description = _describe(path, leave_out=(REPORT_KEY,))  # the report is read when shown
    metadata = ModelMetadata.from_strings(description.metadata, path)
    _check_signature(description, path, [1, *metadata.input_size], len(metadata.classes),
                     metadata.reject_threshold is not None, _extra_outputs(metadata))
    return ModelInfo(**vars(metadata), path=path)


class Classifier:
    """One model, its ONNX Runtime session created once and reused for every picture."""

    def __init__(self, info: ModelInfo) -> None:
        ort = lazy_imports.onnxruntime()  # the window shows before its import

        self.info = info
        options = ort.SessionOptions()
        # Tuned for one picture at a time on a desktop: a single thread that does not spin
        # (spinning threads burn a core between strokes) and no parallel executor.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.add_session_config_entry("session.inter_op.allow_spinning", "0")
        self._session = _open_session(info.path, options)
        self._input_name = self._session.get_inputs()[0].name
        # Only the answer: the extra outputs (desktop.graph_outputs) are computed on request.
        answer = 2 if info.reject_threshold is not None else 1
        self._outputs = [output.name for output in self._session.get_outputs()][:answer]

    def classify(self, gray: np.ndarray) -> Prediction | None:
        """gray: H x W in 0..1 (1 = white), any polarity. None when there is nothing to see."""
        image = preprocess.to_model_input(gray, self.info.recipe)
        return None if image is None else self.predict_model_input(image)

    def classify_batch(self, grays: list[np.ndarray]) -> list[Prediction | None]:
        """Several pictures in one run of the model (faster for many files)."""
        images = [preprocess.to_model_input(gray, self.info.recipe) for gray in grays]
        present = [image for image in images if image is not None]
        found = iter(self.predict_batch(np.stack(present)) if present else [])
        return [None if image is None else next(found) for image in images]

    def predict_model_input(self, image28: np.ndarray) -> Prediction:
        """Run the model on an already preprocessed image (0..1, light on dark)."""
        return self.predict_batch(np.asarray(image28)[None])[0]

    def predict_batch(self, images28: np.ndarray) -> list[Prediction]:
        """images28: N x 28 x 28 preprocessed images."""
        images = np.asarray(images28, dtype=np.float32)
        batch = preprocess.normalize(images, self.info.mean, self.info.std)
        try:
            outputs = self._session.run(self._outputs, {self._input_name: batch})
        except Exception as exc:  # onnxruntime raises its own exception types
            raise ModelError(f"{self.info.model_id} failed to run: {_first_line(exc)}") from None
        probabilities = outputs[0]
        threshold = self.info.reject_threshold
        outliers = (outputs[1].reshape(len(images)) if threshold is not None
                    else np.zeros(len(images), dtype=np.float32))
        if not (np.isfinite(probabilities).all() and np.isfinite(outliers).all()):
            raise ModelError(f"{self.info.model_id} produced invalid numbers (NaN).")
        predictions = []
        for image, probs, outlier in zip(images, probabilities, outliers, strict=True):
            index = int(np.argmax(probs))
            accepted = threshold is None or float(outlier) <= threshold
            predictions.append(Prediction(probs, image, index, self.info.classes[index],
                                          float(probs[index]), float(outlier), accepted))
        return predictions

    def layer_outputs(self, image28: np.ndarray, names: list[str]) -> list[np.ndarray]:
        """The named layer outputs (info.layers) for one preprocessed 28x28 image, normalised
        as for classification. Safe from a worker thread: ONNX Runtime sessions are."""
        batch = preprocess.normalize(np.asarray(image28, np.float32)[None],
                                     self.info.mean, self.info.std)
        try:
            return self._session.run(names, {self._input_name: batch})
        except Exception as exc:  # onnxruntime raises its own exception types
            raise ModelError(f"{self.info.model_id} failed to run: {_first_line(exc)}") from None


def load_metrics(directory: Path) -> TrainingReport:
    """The training report of a model folder (desktop.training_report.read_report): inside
    model.onnx, or for models of older trainers the metrics.json beside it."""
    return read_report(directory, _describe(Path(directory) / MODEL_FILE).metadata)


def _read_model_file(path: Path) -> bytes:
    """The bytes of `path`, read with a size bound and never from a pipe or a device (a
    reader would wait or read without end)."""
    try:
        return read_file_bounded(path, MAX_MODEL_BYTES)
    except OSError as exc:
        raise _unreadable(path, exc) from None


def _describe(path: Path, leave_out: tuple[str, ...] = ()) -> onnx_file.Description:
    """The model's metadata (less the entries `leave_out` names) and signature, read from the
    file without its weights."""
    try:
        with open_bounded(path, MAX_MODEL_BYTES) as file:
            return onnx_file.describe_file(file, leave_out)
    except OSError as exc:
        raise _unreadable(path, exc) from None
    except onnx_file.OnnxFileError as exc:
        raise ModelError(f"{path} is not a valid ONNX model ({exc}).") from None


def _unreadable(path: Path, error: OSError) -> ModelError:
    if isinstance(error, FileNotFoundError):
        return ModelError(f"{path.name} is missing in {path.parent}.")
    return ModelError(f"{path} cannot be read: {describe_os_error(error)}.")


def _open_session(path: Path, options: ort.SessionOptions) -> ort.InferenceSession:
    ort = lazy_imports.onnxruntime()  # the window shows before its import

    options.log_severity_level = 3  # errors are reported through ModelError, not the console
    model_bytes = _read_model_file(path)
    try:
        return ort.InferenceSession(model_bytes, options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises several unrelated exception types
        raise ModelError(f"{path} is not a valid ONNX model ({_first_line(exc)}).") from None


def _extra_outputs(metadata: ModelMetadata) -> list[str]:
    """The outputs beyond the answer that the metadata names: the layer outputs, and the last
    layer's input (desktop.graph_outputs.Head) unless it is one of those."""
    extras = [layer.output for layer in metadata.layers]
    if metadata.head is not None and metadata.head.features not in extras:
        extras.append(metadata.head.features)
    return extras


def _check_signature(description: onnx_file.Description, path: Path, image_shape: list[int],
                     class_count: int, has_outlier: bool, extras: list[str]) -> None:
    """One float image input [batch, 1, 28, 28], one float output [batch, classes], for
    models that can reject a picture a second output "outlier" [batch, 1], then exactly the
    extra outputs the metadata names (_extra_outputs)."""
    inputs, outputs = description.inputs, description.outputs
    wanted_outputs = 2 if has_outlier else 1
    if len(inputs) != 1 or len(outputs) != wanted_outputs + len(extras):
        raise ModelError(f"{path} has {len(inputs)} inputs and {len(outputs)} outputs; "
                         f"expected one image in and {wanted_outputs + len(extras)} outputs.")
    if sorted(output.name for output in outputs[wanted_outputs:]) != sorted(extras):
        raise ModelError(f"{path}: its extra outputs are not the ones its metadata names.")
    if has_outlier and outputs[1].name != OUTLIER_OUTPUT:
        raise ModelError(f"{path}: the second output is {outputs[1].name!r}, expected "
                         f"{OUTLIER_OUTPUT!r}.")
    expected = [(inputs[0], image_shape), (outputs[0], [class_count])]
    if has_outlier:
        expected.append((outputs[1], [1]))
    for arg, wanted in expected:
        if arg.type != "tensor(float)" or list(arg.shape[1:]) != wanted:
            raise ModelError(f"{path}: {arg.name} is {arg.type} {arg.shape}, expected "
                             f"tensor(float) [batch, {', '.join(map(str, wanted))}].")


def _entry_order(entry: ModelEntry) -> tuple:
    """Known datasets and architectures in their order, then anything else by name."""
    if entry.info is not None:
        dataset, architecture = entry.info.dataset, entry.info.architecture
    else:  # broken: guess from the folder name, e.g. "mnist-cnn"
        dataset, _, architecture = entry.model_id.partition("-")

    def rank(value: str, order: tuple[str, ...]) -> int:
        return order.index(value) if value in order else len(order)

    return (rank(dataset, tuple(DATASETS)), rank(architecture, ARCHITECTURES),
            entry.user, entry.model_id)


def _first_line(exc: Exception) -> str:
    """The useful part of an onnxruntime message, which repeats the path before "failed:"."""
    text = str(exc).strip().splitlines()
    message = text[0].rsplit("failed:", 1)[-1].strip() if text else type(exc).__name__
    return message if len(message) <= 200 else message[:197] + "..."
