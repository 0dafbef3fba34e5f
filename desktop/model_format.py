"""What a model folder holds: the one definition shared by the trainer (which writes it) and
the app (which reads it). Plain Python, no Qt and no torch, so both sides import it.

A model folder is `<dataset>-<architecture>/model.onnx`: the graph takes "image" [batch, 1,
28, 28] and gives "probabilities" [batch, classes] (and "outlier" [batch, 1] for models that
can say "none of these"); its metadata (ModelMetadata, format FORMAT) says what the model is,
and its metadata entry REPORT_KEY holds the training report (desktop.training_report). Older
trainers wrote that report to LEGACY_REPORT_FILE beside the model instead. Models exported since
the layer views may also give extra outputs (desktop.graph_outputs, which names the graph's
inputs and outputs): what their layers see (LayerOutput, metadata entry LAYERS_KEY), computed
only when the app asks for them, and the input of their last layer (Head, metadata entry
HEAD_KEY), which personalising refits.

Binary lab models (desktop.binary_task.BinaryTask, metadata entry TASK_KEY) answer one yes/no
question with the same "probabilities" output over two classes (no, yes). Models trained
differently from their architecture's usual recipe (one class cut down, class weights) say how
in VARIANT_KEY, and their id ends with a variant: model_id().

Adding a dataset, an architecture or a metadata field is a change here, plus the code that
uses it.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

from desktop.binary_task import BinaryTask
from desktop.bounded_io import read_json_bounded
from desktop.graph_outputs import (
    HEAD_KEY,
    LAYERS_KEY,
    OUTLIER_OUTPUT,
    Head,
    LayerOutput,
    layers_entry,
    read_layers,
)

FORMAT = "1"  # the metadata format; an app refuses models of a format it does not know
MODEL_FILE = "model.onnx"
LEGACY_REPORT_FILE = "metrics.json"  # the training report, beside models of older trainers
REPORT_KEY = "metrics"  # metadata entry holding the training report (JSON)
CONFIG_KEY = "config"  # metadata entry holding the run's settings (JSON)
ACCURACY_KEY = "test_accuracy"  # metadata entry: the report's test accuracy (repr of a float)
# Bounds on what is read from a model folder (the shipped files are up to 1.4 MB and 10 kB).
MAX_MODEL_BYTES = 64 << 20
MAX_REPORT_BYTES = 8 << 20
MAX_METADATA_BYTES = 1 << 20  # one metadata value
TASK_KEY = "task"  # metadata entry of binary lab models: their BinaryTask (JSON)
VARIANT_KEY = "variant"  # metadata entry: how the training differed (ModelMetadata.variant)
REQUIRED_KEYS = ("format", "model_id", "dataset", "dataset_title", "architecture", "classes",
                 "input_size", "normalization", "preprocessing")

# Every architecture the trainer builds, simplest first (also the order the app lists them in):
# the course's classic models beside the two the app started with.
ARCHITECTURES = ("linear", "mlp", "deep", "dense", "lenet", "cnn", "resnet")
ARCHITECTURE_TITLES = {
    "linear": "Linear",  # softmax regression on the 784 pixels (logistic regression, binary)
    "mlp": "MLP",  # 784 -> 128 -> classes
    "deep": "Deep MLP",  # 784 -> 100 -> 50 -> 50 -> 25 -> 25 -> classes
    "dense": "Dense",  # 784 -> 512 -> 256 -> classes, dropout
    "lenet": "LeNet-5",
    "cnn": "CNN",  # small VGG-style network
    "resnet": "ResNet",  # a few residual blocks with batch norm
}


class ModelError(Exception):
    """A model cannot be used; the message is a clear reason meant for the user."""


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Recipe:
    """How to turn any picture into the image a model was trained on (desktop.preprocess
    follows it). Checked once, when it is made: a Recipe is always one the app can follow."""

    name: str
    ink: str  # "light-on-dark": the model sees light ink on a black field
    trim: str  # "ink": crop to the strokes; "background": crop the plain background away
    fit: int  # the longer side of the cropped picture, in pixels
    canvas: int  # the side of the square field it is placed in
    center: str  # "mass": centre of mass in the middle; "box": bounding box in the middle

    CHOICES = {"ink": ("light-on-dark",), "trim": ("ink", "background"),
               "center": ("mass", "box")}

    def __post_init__(self) -> None:
        for key, allowed in self.CHOICES.items():
            if getattr(self, key) not in allowed:
                raise ValueError(f"preprocessing {key!r} is {getattr(self, key)!r}, expected "
                                 f"one of {', '.join(allowed)}")
        if not (_whole(self.canvas) and _whole(self.fit) and 1 <= self.fit <= self.canvas):
            raise ValueError(f"preprocessing sizes fit={self.fit!r}, canvas={self.canvas!r} "
                             f"are not whole numbers with 1 <= fit <= canvas")

    @classmethod
    def from_dict(cls, recipe: object) -> Recipe:
        """The recipe stored as a JSON object; ValueError saying why it cannot be followed."""
        if not isinstance(recipe, dict):
            raise ValueError("the preprocessing recipe is not a JSON object")
        return cls(**{field.name: recipe.get(field.name, "" if field.name == "name" else None)
                      for field in dataclasses.fields(cls)})

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Dataset:
    """A dataset the trainer can train on and the app knows how to show."""

    key: str  # "mnist" / "fashion": the first half of a model id
    title: str  # what the app shows: "Digits" / "Clothing"
    torchvision_name: str  # the torchvision class, and its folder under the data root
    classes: tuple[str, ...]
    recipe: Recipe


DATASETS: dict[str, Dataset] = {  # in the order the app lists them: Digits before Clothing
    # MNIST: white ink on black, the digit scaled so its longer side is 20 px, then placed in
    # 28x28 so that its centre of mass is at the centre.
    "mnist": Dataset("mnist", "Digits", "MNIST", tuple(str(d) for d in range(10)),
                     Recipe("mnist-digit", "light-on-dark", "ink", 20, 28, "mass")),
    # Fashion-MNIST: product photo trimmed of its background, longer side scaled to 28, centred
    # in 28x28, intensities negated so the object is light on black.
    "fashion": Dataset("fashion", "Clothing", "FashionMNIST",
                       ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                        "Sneaker", "Bag", "Ankle boot"),
                       Recipe("fashion-mnist", "light-on-dark", "background", 28, 28, "box")),
}


def imbalance_variant(class_index: int, fraction: float, class_weights: bool) -> str:
    """The id part of a model trained with one class cut down: '5-at-5pct', with class weights
    '5-at-5pct-weighted' (--imbalance 5:0.05 [--class-weights])."""
    return f"{class_index}-at-{fraction * 100:g}pct" + ("-weighted" if class_weights else "")


def model_id(dataset: str, architecture: str, variant: str = "") -> str:
    """'mnist-cnn': the model's id and its folder's name; a variant (a binary task, an
    imbalanced training set) is added at the end: 'mnist-linear-is-7',
    'mnist-dense-5-at-5pct-weighted'."""
    return "-".join(part for part in (dataset, architecture, variant) if part)


@dataclass(frozen=True)
class ModelMetadata:
    """What the ONNX model's metadata says about it; every value is a string in the file."""

    model_id: str
    dataset: str  # a DATASETS key for the trainer's own datasets
    dataset_title: str
    architecture: str
    classes: tuple[str, ...]
    mean: float  # normalisation on the 0..1 pixel scale
    std: float
    recipe: Recipe
    params: int = 0
    test_accuracy: float = math.nan  # 0..1; NaN when the metadata does not say
    summary: str = ""  # the architecture in one line: "Conv2d -> BatchNorm2d -> ..."
    description: str = ""
    temperature: float = 1.0  # calibration temperature already applied inside the graph
    # "Not one of my classes": the "outlier" output above this threshold rejects a picture.
    # None: the graph has no such output (older models) and every picture is accepted.
    reject_threshold: float | None = None
    # Extra outputs showing what the layers see; () for models exported before layer views.
    layers: tuple[LayerOutput, ...] = ()
    # A binary lab model's question (classes are then task.classes); None: one class per
    # dataset class, as usual.
    task: BinaryTask | None = None
    # How this model's training differs from its architecture's usual one, in words for the
    # picker: "digit 5 cut to 5 % of training, class weights". "" for the usual training.
    variant: str = ""
    # The last layer, for personalising (desktop.personalise); None for models exported
    # before it was named, and for binary lab models.
    head: Head | None = None

    @property
    def input_size(self) -> tuple[int, int]:
        return self.recipe.canvas, self.recipe.canvas

    def to_strings(self) -> dict[str, str]:
        """The metadata entries to write into the ONNX file."""
        entries = {
            "format": FORMAT, "model_id": self.model_id, "dataset": self.dataset,
            "dataset_title": self.dataset_title, "architecture": self.architecture,
            "architecture_summary": self.summary, "classes": json.dumps(list(self.classes)),
            "input_size": json.dumps(list(self.input_size)),
            "normalization": json.dumps({"mean": self.mean, "std": self.std}),
            "preprocessing": json.dumps(self.recipe.to_dict()),
            "params": str(int(self.params)), ACCURACY_KEY: repr(float(self.test_accuracy)),
            "description": self.description,
            "calibration": json.dumps({"temperature": self.temperature}),
        }
        if self.reject_threshold is not None:
            entries["rejection"] = json.dumps({"method": "background-class",
                                               "output": OUTLIER_OUTPUT,
                                               "threshold": self.reject_threshold})
        if self.layers:
            entries[LAYERS_KEY] = layers_entry(self.layers)
        if self.task is not None:
            entries[TASK_KEY] = json.dumps(self.task.to_dict())
        if self.variant:
            entries[VARIANT_KEY] = self.variant
        if self.head is not None:
            entries[HEAD_KEY] = self.head.to_entry()
        return entries

    @classmethod
    def from_strings(cls, metadata: dict[str, str], source: object) -> ModelMetadata:
        """Read and check the entries of a model file (`source` names it in messages).
        Raises ModelError with a one-line reason for anything the app could not use."""
        missing = [key for key in REQUIRED_KEYS if key not in metadata]
        if missing:
            raise ModelError(f"{source} lacks metadata ({', '.join(missing)}): it was not "
                             f"exported by this project's trainer.")
        if metadata["format"] != FORMAT:
            raise ModelError(f"{source} uses metadata format {metadata['format']!r}; this "
                             f"version of the app reads format {FORMAT}.")
        try:
            classes = _json(metadata["classes"])
            size = _json(metadata["input_size"])
            norm = _json(metadata["normalization"])
            recipe = Recipe.from_dict(_json(metadata["preprocessing"]))
            mean, std = float(norm["mean"]), float(norm["std"])
            params = int(metadata.get("params", 0))
            accuracy = float(metadata.get(ACCURACY_KEY, "nan"))
            threshold = _reject_threshold(metadata)
            temperature = float(_json(metadata.get("calibration", "{}")).get("temperature", 1))
            layers = read_layers(metadata[LAYERS_KEY]) if LAYERS_KEY in metadata else ()
            task = BinaryTask.from_dict(_json(metadata[TASK_KEY])) if TASK_KEY in metadata \
                else None
            variant = metadata.get(VARIANT_KEY, "")
            head = Head.from_entry(metadata[HEAD_KEY]) if HEAD_KEY in metadata else None
            if len(variant) > 120 or not variant.isprintable():
                raise ValueError("the variant is not one printable line of at most 120 "
                                 "characters")
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
            raise ModelError(f"{source} has unreadable metadata: {exc}.") from None
        if not (isinstance(classes, list) and len(classes) >= 2
                and all(isinstance(name, str) for name in classes)):
            raise ModelError(f"{source}: the metadata's class list is not a list of names.")
        if task is not None and tuple(classes) != task.classes:
            raise ModelError(f"{source}: the classes {classes} are not the binary task's "
                             f"{list(task.classes)}.")
        if size != [recipe.canvas] * 2:
            raise ModelError(f"{source}: input size {size} does not match the preprocessing "
                             f"canvas.")
        if not (math.isfinite(mean) and math.isfinite(std) and std > 0):
            raise ModelError(f"{source}: normalisation mean={mean}, std={std} is not usable.")
        return cls(
            model_id=metadata["model_id"], dataset=metadata["dataset"],
            dataset_title=metadata["dataset_title"], architecture=metadata["architecture"],
            classes=tuple(classes), mean=mean, std=std, recipe=recipe, params=params,
            test_accuracy=accuracy, summary=metadata.get("architecture_summary", ""),
            description=metadata.get("description", ""), temperature=temperature,
            reject_threshold=threshold, layers=layers, task=task, variant=variant,
            head=head)


def _reject_threshold(metadata: dict[str, str]) -> float | None:
    """The threshold on the "outlier" output, or None if the model has no such output.
    Raises ValueError/TypeError/KeyError on malformed metadata."""
    if "rejection" not in metadata:
        return None
    rejection = _json(metadata["rejection"])
    threshold = float(rejection["threshold"])
    if rejection.get("output") != OUTLIER_OUTPUT or not 0.0 <= threshold <= 1.0:
        raise ValueError(f"rejection {rejection!r} is not a threshold in 0..1 on the "
                         f"{OUTLIER_OUTPUT!r} output")
    return threshold


def _json(value: str) -> object:
    """One JSON value of the metadata, bounded in size and depth (ValueError if not)."""
    return read_json_bounded(value, MAX_METADATA_BYTES)


# --- sample pictures: resources/samples/<dataset>/<class index>-<class slug>-<test number>.png

_SAMPLE_NAME = re.compile(r"(\d+)-(?:[a-z0-9-]*-)?(\d+)\.png")


def sample_name(class_index: int, class_name: str, test_number: int) -> str:
    """7, 'Sneaker', 9 -> '7-sneaker-00009.png': the true class travels with the picture."""
    slug = re.sub(r"[^a-z0-9]+", "-", class_name.lower()).strip("-")
    return f"{class_index}-{slug}-{test_number:05d}.png"


def parse_sample_name(path: Path | str) -> tuple[int, int] | None:
    """'7-sneaker-00009.png' -> (7, 9), the true class index and the test image number;
    None for a name not made by sample_name."""
    match = _SAMPLE_NAME.fullmatch(Path(path).name)
    return (int(match.group(1)), int(match.group(2))) if match else None
