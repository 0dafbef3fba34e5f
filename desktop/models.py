"""Find the shipped ONNX models, read what they are from their metadata, and run them.

Everything the app knows about a model (classes, normalisation, preprocessing recipe) comes from
the model file's metadata, so a retrained model with other classes needs no code change.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import onnxruntime as ort

from desktop import preprocess
from desktop.bounded_io import (
    JSONLimitError,
    describe_os_error,
    read_file_bounded,
    read_json_bounded,
)

MODEL_FILE = "model.onnx"
METRICS_FILE = "metrics.json"
# Bounds on what is read from a model folder (the shipped files are 2 MB and 10 kB).
MAX_MODEL_BYTES = 64 << 20
MAX_METRICS_BYTES = 8 << 20
MAX_METADATA_BYTES = 1 << 20  # one metadata value
USER_KEY_PREFIX = "user:"  # keys of the user's own models: "user:mnist-cnn"
METRICS_KEY = "metrics"  # the metadata entry holding the training report (JSON)
METADATA_FORMAT = "1"
# The graph's optional second output: per picture, the probability that it is none of the classes.
OUTLIER_OUTPUT = "outlier"
# Below this top probability the app says "not sure" instead of naming a class.
UNSURE_BELOW = 0.5

_DATASET_ORDER = ("mnist", "fashion")  # Digits before Clothing
_ARCHITECTURE_ORDER = ("dense", "cnn")
_REQUIRED_METADATA = ("format", "model_id", "dataset", "dataset_title", "architecture", "classes",
                      "input_size", "normalization", "preprocessing")
_REQUIRED_METRICS = ("classes", "test_accuracy", "confusion_matrix", "per_class", "history")


class ModelError(Exception):
    """A model cannot be used; the message is a clear reason meant for the user."""


@dataclass(frozen=True)
class ModelInfo:
    model_id: str
    dataset: str  # "mnist" | "fashion"
    dataset_title: str  # what the app shows: "Digits" | "Clothing"
    architecture: str  # "dense" | "cnn"
    classes: tuple[str, ...]
    mean: float  # normalisation on the 0..1 pixel scale
    std: float
    recipe: dict  # preprocessing recipe, see desktop.preprocess
    params: int
    test_accuracy: float  # 0..1, or NaN when the metadata does not say
    summary: str  # architecture in one line: "Conv2d -> BatchNorm2d -> ..."
    path: Path  # the model.onnx file
    description: str = ""
    # "Not one of my classes": the graph's second output (the probability that the picture is
    # none of the classes) above this threshold rejects the picture. None: the model cannot
    # tell (older models), every picture is accepted.
    reject_threshold: float | None = None
    temperature: float = 1.0  # calibration temperature already applied inside the graph


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
        metrics = load_metrics(directory)
    except (ModelError, TypeError, ValueError, KeyError):  # a damaged report says nothing
        return ""
    config = metrics.get("config")
    config = config if isinstance(config, dict) else {}
    parts = []
    trained_at = metrics.get("trained_at")
    if isinstance(trained_at, str):
        with contextlib.suppress(ValueError):
            parts.append(f"trained {datetime.fromisoformat(trained_at).date().isoformat()}")
    epochs = config.get("epochs")
    if isinstance(epochs, int) and not isinstance(epochs, bool):
        parts.append(f"{epochs} epoch{'s' if epochs != 1 else ''}")
    rate = config.get("lr")
    if isinstance(rate, (int, float)) and not isinstance(rate, bool):
        parts.append(f"lr {rate:g}")
    return ", ".join(parts)


def read_info(path: Path) -> ModelInfo:
    """Check that a model file follows the model contract and read its metadata."""
    options = ort.SessionOptions()
    # Only reading: a bare, unoptimised session loads in a few milliseconds.
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.intra_op_num_threads = 1
    session = _open_session(path, options)
    metadata = session.get_modelmeta().custom_metadata_map
    missing = [key for key in _REQUIRED_METADATA if key not in metadata]
    if missing:
        raise ModelError(f"{path} lacks metadata ({', '.join(missing)}): it was not "
                         f"exported by this project's trainer.")
    if metadata["format"] != METADATA_FORMAT:
        raise ModelError(f"{path} uses metadata format {metadata['format']!r}; this version of "
                         f"the app reads format {METADATA_FORMAT}.")
    try:
        classes = _metadata_json(metadata["classes"])
        size = _metadata_json(metadata["input_size"])
        norm = _metadata_json(metadata["normalization"])
        recipe = preprocess.validate_recipe(_metadata_json(metadata["preprocessing"]))
        mean, std = float(norm["mean"]), float(norm["std"])
        params = int(metadata.get("params", 0))
        accuracy = float(metadata.get("test_accuracy", "nan"))
        reject_threshold = _reject_threshold(metadata)
        temperature = float(_metadata_json(metadata.get("calibration", "{}"))
                            .get("temperature", 1))
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
        raise ModelError(f"{path} has unreadable metadata: {exc}.") from None
    if not (isinstance(classes, list) and len(classes) >= 2
            and all(isinstance(name, str) for name in classes)):
        raise ModelError(f"{path}: the metadata's class list is not a list of names.")
    if size != [recipe["canvas"]] * 2:
        raise ModelError(f"{path}: input size {size} does not match the preprocessing canvas.")
    if not (np.isfinite(mean) and np.isfinite(std) and std > 0):
        raise ModelError(f"{path}: normalisation mean={mean}, std={std} is not usable.")
    _check_signature(session, path, [1, *size], len(classes), reject_threshold is not None)
    return ModelInfo(
        model_id=metadata["model_id"], dataset=metadata["dataset"],
        dataset_title=metadata["dataset_title"], architecture=metadata["architecture"],
        classes=tuple(classes), mean=mean, std=std, recipe=recipe, params=params,
        test_accuracy=accuracy, summary=metadata.get("architecture_summary", ""),
        path=path, description=metadata.get("description", ""),
        reject_threshold=reject_threshold, temperature=temperature,
    )


def _reject_threshold(metadata: dict[str, str]) -> float | None:
    """The threshold on the graph's "outlier" output, or None if the model has no such output.
    Raises ValueError/TypeError/KeyError on malformed metadata."""
    if "rejection" not in metadata:
        return None
    rejection = _metadata_json(metadata["rejection"])
    threshold = float(rejection["threshold"])
    if rejection.get("output") != OUTLIER_OUTPUT or not 0.0 <= threshold <= 1.0:
        raise ValueError(f"rejection {rejection!r} is not a threshold in 0..1 on the "
                         f"{OUTLIER_OUTPUT!r} output")
    return threshold


def _metadata_json(value: str) -> object:
    """One JSON value of the ONNX metadata, bounded in size and depth (ValueError if not)."""
    return read_json_bounded(value, MAX_METADATA_BYTES)


class Classifier:
    """One model, its ONNX Runtime session created once and reused for every picture."""

    def __init__(self, info: ModelInfo) -> None:
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
        self._outputs = [output.name for output in self._session.get_outputs()]

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


def load_metrics(directory: Path) -> dict:
    """The training report of a model folder: the "metrics" entry of model.onnx's metadata,
    which the trainer writes in the same file as the model so the two always belong together.

    Models from older trainers have no such entry; for them the report is the metrics.json
    beside the model, used only if it names the same model and test accuracy as the model.
    Every read is bounded (size, nesting, numbers): a damaged report cannot hang or crash.
    """
    model = Path(directory) / MODEL_FILE
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.intra_op_num_threads = 1
    metadata = _open_session(model, options).get_modelmeta().custom_metadata_map
    if METRICS_KEY in metadata:
        source = f"{model} (metadata {METRICS_KEY!r})"
        metrics = _parse_metrics(metadata[METRICS_KEY], source)
    else:
        path = Path(directory) / METRICS_FILE
        source = str(path)
        try:
            text = read_file_bounded(path, MAX_METRICS_BYTES)
        except FileNotFoundError:
            raise ModelError(f"No training report: the model has none inside and {path} is "
                             f"missing.") from None
        except OSError as exc:
            raise ModelError(f"Cannot read {path}: {describe_os_error(exc)}.") from None
        metrics = _parse_metrics(text, source)
        _check_same_model(metrics, metadata, path)
    return _validated(metrics, source)


def _parse_metrics(text: str | bytes, source: str) -> object:
    try:
        return read_json_bounded(text, MAX_METRICS_BYTES)
    except UnicodeDecodeError as exc:
        raise ModelError(f"Cannot read {source}: {exc}.") from None
    except json.JSONDecodeError as exc:
        raise ModelError(f"{source} is damaged (not valid JSON: {exc.msg}, line "
                         f"{exc.lineno}).") from None
    except JSONLimitError as exc:
        raise ModelError(f"{source} cannot be used: {exc}.") from None


def _check_same_model(metrics: object, metadata: dict[str, str], path: Path) -> None:
    """A metrics.json left beside another training run's model must not be shown as its own."""
    if not isinstance(metrics, dict):
        return  # _validated says what is wrong
    model_id = metadata.get("model_id")
    if model_id is not None and metrics.get("model_id", model_id) != model_id:
        raise ModelError(f"{path} describes {metrics.get('model_id')!r}, not {model_id!r}.")
    try:
        stored, own = float(metrics.get("test_accuracy")), float(metadata["test_accuracy"])
    except (KeyError, TypeError, ValueError):
        return
    if abs(stored - own) > 1e-5:
        raise ModelError(f"{path} belongs to another training run (test accuracy "
                         f"{stored:.4f}, the model says {own:.4f}).")


def _validated(metrics: object, source: str) -> dict:
    if not isinstance(metrics, dict):
        raise ModelError(f"{source} is not a training report (expected a JSON object).")
    missing = [key for key in _REQUIRED_METRICS if key not in metrics]
    if missing:
        raise ModelError(f"{source} lacks {', '.join(missing)}.")
    classes, matrix = metrics["classes"], metrics["confusion_matrix"]
    if not isinstance(classes, list):
        raise ModelError(f"{source} is damaged: its \"classes\" is not a list.")
    size = len(classes)
    if not (isinstance(matrix, list) and len(matrix) == size
            and all(isinstance(row, list) and len(row) == size for row in matrix)):
        raise ModelError(f"{source}: the confusion matrix is not {size} x {size}.")
    return metrics


def _open_session(path: Path, options: ort.SessionOptions) -> ort.InferenceSession:
    """A session on the bytes of `path`, read with a size bound and never from a pipe or a
    device (ONNX Runtime would wait or read without end)."""
    options.log_severity_level = 3  # errors are reported through ModelError, not the console
    try:
        model_bytes = read_file_bounded(path, MAX_MODEL_BYTES)
    except FileNotFoundError:
        raise ModelError(f"{path.name} is missing in {path.parent}.") from None
    except OSError as exc:
        raise ModelError(f"{path} cannot be read: {describe_os_error(exc)}.") from None
    try:
        return ort.InferenceSession(model_bytes, options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises several unrelated exception types
        raise ModelError(f"{path} is not a valid ONNX model ({_first_line(exc)}).") from None


def _check_signature(session: ort.InferenceSession, path: Path, image_shape: list[int],
                     class_count: int, has_outlier: bool) -> None:
    """One float image input [batch, 1, 28, 28], one float output [batch, classes], and for
    models that can reject a picture a second output "outlier" [batch, 1]."""
    inputs, outputs = session.get_inputs(), session.get_outputs()
    wanted_outputs = 2 if has_outlier else 1
    if len(inputs) != 1 or len(outputs) != wanted_outputs:
        raise ModelError(f"{path} has {len(inputs)} inputs and {len(outputs)} outputs; "
                         f"expected one image in and {wanted_outputs} outputs.")
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

    return (rank(dataset, _DATASET_ORDER), rank(architecture, _ARCHITECTURE_ORDER),
            entry.user, entry.model_id)


def _first_line(exc: Exception) -> str:
    """The useful part of an onnxruntime message, which repeats the path before "failed:"."""
    text = str(exc).strip().splitlines()
    message = text[0].rsplit("failed:", 1)[-1].strip() if text else type(exc).__name__
    return message if len(message) <= 200 else message[:197] + "..."
