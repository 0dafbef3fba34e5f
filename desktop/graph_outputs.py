"""The names a model graph's inputs and outputs carry, and the extra outputs it may give beyond
"probabilities": what its layers see (LayerOutput, for the "Look inside" tab) and its last layer
(Head, for personalising a model without torch). Part of the model-folder contract
(desktop.model_format, which reads both from the metadata); plain Python, no Qt, no torch.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from desktop.bounded_io import read_json_bounded

INPUT_NAME = "image"
PROBABILITIES_OUTPUT = "probabilities"
OUTLIER_OUTPUT = "outlier"  # optional: the probability that a picture is none of the classes
RESERVED = (INPUT_NAME, PROBABILITIES_OUTPUT, OUTLIER_OUTPUT)
LAYERS_KEY = "layers"  # metadata entry listing the extra layer outputs (JSON list)
MAX_LAYERS = 32
HEAD_KEY = "head"  # metadata entry naming the last layer (Head, JSON object)
MAX_ENTRY_BYTES = 1 << 20  # one metadata value
_NAME = re.compile(r"[A-Za-z0-9_.:/-]{1,128}")


def _plain_name(name: object) -> bool:
    return isinstance(name, str) and _NAME.fullmatch(name) is not None


@dataclass(frozen=True)
class LayerOutput:
    """An extra graph output showing what one layer sees, for the app's "Look inside" tab.

    kind: "feature_maps" [batch, maps, h, w] (a convolution's output after its ReLU);
    "filters" [maps, 1, k, k] (the first convolution's kernels, no batch dimension);
    "weights" [units, 28, 28] (a dense first layer's weights, one 28x28 template per unit);
    "units" [batch, units] (that dense layer's activations after its ReLU).
    Checked when made, so a LayerOutput is always one the app can show.
    """

    output: str  # the graph output's name
    title: str  # what the app calls it: "Block 2, conv 1 (64 maps, 14x14)"
    kind: str

    KINDS = ("feature_maps", "filters", "weights", "units")

    def __post_init__(self) -> None:
        if not _plain_name(self.output):
            raise ValueError(f"layer output name {self.output!r} is not a plain name of at "
                             f"most 128 letters, digits or _.:/-")
        if self.output in RESERVED:
            raise ValueError(f"layer output {self.output!r} is a name the contract reserves")
        if not (isinstance(self.title, str) and 0 < len(self.title) <= 120
                and self.title.isprintable()):
            raise ValueError(f"layer title {self.title!r} is not one printable line of at "
                             f"most 120 characters")
        if self.kind not in self.KINDS:
            raise ValueError(f"layer kind {self.kind!r} is not one of {', '.join(self.KINDS)}")

    @classmethod
    def from_dict(cls, entry: object) -> LayerOutput:
        if not isinstance(entry, dict):
            raise ValueError("a layer entry is not a JSON object")
        return cls(entry.get("output"), entry.get("title"), entry.get("kind"))

    def to_dict(self) -> dict:
        return {"output": self.output, "title": self.title, "kind": self.kind}


def layers_entry(layers: tuple[LayerOutput, ...] | list[LayerOutput]) -> str:
    """The metadata value of LAYERS_KEY."""
    return json.dumps([layer.to_dict() for layer in layers])


def read_layers(value: str) -> tuple[LayerOutput, ...]:
    """The layer outputs named by a LAYERS_KEY entry; ValueError if they are not usable."""
    entries = read_json_bounded(value, MAX_ENTRY_BYTES)
    if not isinstance(entries, list) or len(entries) > MAX_LAYERS:
        raise ValueError(f"the layer list is not a list of at most {MAX_LAYERS} entries")
    layers = tuple(LayerOutput.from_dict(entry) for entry in entries)
    if len({layer.output for layer in layers}) != len(layers):
        raise ValueError("the layer list names an output twice")
    return layers


@dataclass(frozen=True)
class Head:
    """The model's last layer, the one personalising refits: logits = features @ weight.T + bias.

    features: the graph output holding that layer's input [batch, F]; weight and bias: the
    graph's float32 initializers [logits, F] and [logits]. The first `classes` logits are the
    classes' (a model that can say "none of these" has one more, its background class), and
    the graph gives probabilities = softmax(logits[:classes] / temperature). Checked when made.
    """

    features: str
    weight: str
    bias: str

    def __post_init__(self) -> None:
        names = (self.features, self.weight, self.bias)
        if not all(_plain_name(name) for name in names):
            raise ValueError(f"the head's names {names!r} are not plain names of at most 128 "
                             f"letters, digits or _.:/-")
        if self.features in RESERVED or len(set(names)) != 3:
            raise ValueError(f"the head's names {names!r} are reserved or repeated")

    def to_entry(self) -> str:
        """The metadata value of HEAD_KEY."""
        return json.dumps({"features": self.features, "weight": self.weight, "bias": self.bias})

    @classmethod
    def from_entry(cls, value: str) -> Head:
        """The head named by a HEAD_KEY entry; ValueError if it is not usable."""
        entry = read_json_bounded(value, MAX_ENTRY_BYTES)
        if not isinstance(entry, dict):
            raise ValueError("the head entry is not a JSON object")
        return cls(entry.get("features"), entry.get("weight"), entry.get("bias"))
