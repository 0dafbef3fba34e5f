"""What the "What it looked at" page says, and how it colours a saliency map (Qt-free, tested
without widgets; desktop.gui.saliency_view only renders it).

Colours: the 28x28 model input as grey ink on white paper, each pixel tinted red (pushes the
model towards the class) or blue (pushes it away), as strongly as its share of the map's largest
value. Each map has its own scale, said in words under it.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop.lazy_imports import np
from desktop.models import ModelInfo
from desktop.saliency import SaliencyMaps
from desktop.verdict import percent, subject

RED = (214, 39, 40)  # towards the class (or towards X)
BLUE = (33, 102, 172)  # away from it (or towards Y)
PAPER = (255, 255, 255)
INK = (140, 140, 140)  # full ink, before tinting: light enough for the tint to show
# A map whose largest value is below this (in log-probability) is shown flat: the answer does
# not move whichever part is blanked, and stretching noise to full colour would mislead.
FLAT_BELOW = 1e-4
TAB_TIP = ("Which pixels made the model decide: the picture is hidden a square at a time and the "
           "answer watched. Also: why one class and not another.")


@dataclass(frozen=True)
class MapView:
    """One heat map's words: its title, the two ends of its colour legend and a caption."""

    title: str  # "Evidence for 3"
    red: str  # the legend's red end: "for 3"
    blue: str  # the legend's blue end: "against 3"
    caption: str  # what the colours mean, or why the map is flat
    scale: float  # the largest |value|: full colour
    flat: bool
    scale_text: str = ""  # under the legend: "full colour: 0.058 in log p(3)"


@dataclass(frozen=True)
class PageView:
    """Everything the page shows in words; maps are None while there is nothing to show."""

    headline: str
    detail: str = ""
    evidence: MapView | None = None
    contrast: MapView | None = None
    cost: str = ""  # "40 copies, 7 ms": changes with every map, so kept out of the layout


def colours(image: np.ndarray, values: np.ndarray, scale: float) -> np.ndarray:
    """(H, W, 3) uint8: `image` (0..1 ink) as grey on white, tinted by `values` / `scale`."""
    ink = np.clip(np.asarray(image, dtype=np.float32), 0, 1)[..., None]
    paper, grey = np.array(PAPER, np.float32), np.array(INK, np.float32)
    base = paper + (grey - paper) * ink
    if scale <= 0 or not np.isfinite(scale):
        return base.round().astype(np.uint8)
    strength = np.clip(np.asarray(values, dtype=np.float32) / np.float32(scale), -1, 1)[..., None]
    tint = np.where(strength > 0, np.array(RED, np.float32), np.array(BLUE, np.float32))
    return (base + (tint - base) * np.abs(strength)).round().astype(np.uint8)


def map_scale(values: np.ndarray) -> float:
    """Full colour for a map: its largest |value|."""
    return float(np.abs(values).max()) if np.size(values) else 0.0


def no_model() -> PageView:
    return PageView("No model", "Choose a model to see what it looks at.")


def loading(info: ModelInfo | None) -> PageView:
    name = info.model_id if info is not None else "the model"
    return PageView(f"Loading {name}…")


def nothing_drawn(info: ModelInfo | None) -> PageView:
    thing = subject(info.dataset) if info is not None else "something"
    return PageView("Nothing to look at yet",
                    f"Draw {thing} or open a picture: this page colours the pixels the model "
                    "relied on, and compares two classes.")


def blank() -> PageView:
    return PageView("Nothing to look at",
                    "The picture is blank: there is no ink or object for the model to see.")


def failed(error: Exception | str) -> PageView:
    return PageView("The map could not be made", str(error))


def named(label: str) -> str:
    """A class name fit for a sentence: a binary model's "not 7" in quotes, so that "why 7
    and not “not 7”" reads right."""
    return f"“{label}”" if " " in label else label


def evidence_view(label: str, values: np.ndarray) -> MapView:
    scale = map_scale(values)
    shown = named(label)
    flat = scale < FLAT_BELOW
    if flat:
        caption = (f"Blanking any part hardly changes p({label}): the model is sure of it "
                   "whatever is hidden. The comparison beside it shows more.")
    else:
        caption = (f"Red: hiding this part lowers p({label}), so it speaks for {shown}. "
                   f"Blue: hiding it raises p({label}).")
    return MapView(f"What made it say {shown}", f"for {shown}", f"against {shown}", caption,
                   scale, flat, "" if flat else f"full colour: {scale:.2g} in log p({label})")


def contrast_view(x_label: str, y_label: str, values: np.ndarray) -> MapView:
    x, y = named(x_label), named(y_label)
    if x == y:
        return MapView(f"Why {x} and not {y}", f"for {x}", f"for {y}",
                       "Pick two different classes to compare.", 0.0, True)
    scale = map_scale(values)
    flat = scale < FLAT_BELOW
    caption = (f"No part of the picture tells {x} from {y}." if flat else
               f"Red: this part speaks for {x} rather than {y}. Blue: for {y} rather than {x}.")
    return MapView(f"Why {x} and not {y}", f"for {x}", f"for {y}", caption, scale, flat,
                   "" if flat else f"full colour: {scale:.2g} in log p({x_label}) - "
                                   f"log p({y_label})")


def page_view(info: ModelInfo, maps: SaliencyMaps, x: int, y: int) -> PageView:
    """The words for a computed map: the answer, and both maps' titles, legends and captions."""
    classes = info.classes
    index = maps.index
    said = f"{classes[index]} ({percent(float(maps.probabilities[index]))})"
    if maps.accepted and info.task is not None and len(classes) == 2:  # a yes/no question
        headline = (f"{info.task.question} {'Yes' if index == 1 else 'No'}, says the model "
                    f"({percent(float(maps.probabilities[index]))})")
    elif maps.accepted:
        headline = f"The model says {said}"
    else:
        headline = f"Not {subject(info.dataset)}, says the model (likeliest: {said})"
    side = f"{maps.patch}x{maps.patch}"
    detail = (f"How: the model ran again on copies of its 28x28 input, each with one {side} "
              "square blanked. Each pixel is coloured by how much blanking the squares around "
              "it changes the log-probability. Only pixels that hold something are coloured: "
              "blanking empty background changes nothing.")
    cost = f"{maps.occluded} copies, {maps.seconds * 1000:.0f} ms"
    return PageView(headline, detail,
                    evidence_view(classes[index], maps.for_class(index)),
                    contrast_view(classes[x], classes[y], maps.contrast(x, y)), cost)
