"""What each layer sees, for the "Look inside" tab: runs the current model for its layer outputs
(desktop.graph_outputs.LayerOutput) on one picture and turns them into tiles to show, with the
words that go with them. Plain numpy, no Qt: the widget (desktop.gui.layers_view) only paints.

Colours: a feature map is scaled on its own (black = silent, white = its strongest response),
because maps differ in range by orders of magnitude and each is read for *where* it fires.
Weights and filters share one blue-white-red scale per view (blue negative, red positive), so
that tiles can be compared with each other and white always means zero.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop import preprocess
from desktop.graph_outputs import LayerOutput
from desktop.lazy_imports import np
from desktop.model_format import ModelError
from desktop.models import Classifier, ModelInfo

PAGE_TITLE = "Layers"
PAGE_TOOLTIP = "What each layer of the model sees: feature maps, filters and weights."
CHOOSER_LABEL = "Show:"
NO_MODEL = "No model is ready yet."
NO_LAYERS = ("This model was exported before layer views existed: retrain it, or upgrade it "
             "with trainer.layer_outputs, to see what its layers see.")
NO_INPUT = "Draw or open a picture to see what this layer does with it."
MOST_ACTIVE = 32  # units shown for a dense model's "most active" view
MAX_TILES, MAX_SIDE = 4096, 256  # bounds on what a model's layer output may ask us to draw
TOP_UNITS = "Units this picture activates most"
ALL_UNITS = "All first-layer templates"


@dataclass(frozen=True)
class Choice:
    """One entry of the page's chooser: a view the model can show."""

    key: str  # a LayerOutput's output name, or TOP_UNITS / ALL_UNITS for dense models
    title: str


@dataclass(frozen=True, eq=False)
class Tile:
    rgb: np.ndarray  # h x w x 3 uint8, ready to paint
    caption: str


@dataclass(frozen=True, eq=False)
class LayerView:
    """What the page shows for one choice and one picture."""

    heading: str
    explanation: str  # what a learner should look for
    tiles: tuple[Tile, ...] = ()
    note: str = ""  # a line under the grid (scale, silent maps, why nothing is shown)


def choices(info: ModelInfo) -> list[Choice]:
    """The views this model offers, in order; [] for models without layer outputs."""
    kinds = {layer.kind: layer for layer in info.layers}
    if "weights" in kinds:
        return [Choice(TOP_UNITS, TOP_UNITS), Choice(ALL_UNITS, ALL_UNITS)]
    return [Choice(layer.output, layer.title) for layer in info.layers
            if layer.kind in ("feature_maps", "filters")]


def depends_on_input(info: ModelInfo, key: str) -> bool:
    """False for views that show only weights (filters, all templates): computed once per
    model, not at every stroke."""
    kinds = {layer.output: layer.kind for layer in info.layers}
    return key == TOP_UNITS or kinds.get(key) == "feature_maps"


def compute(classifier: Classifier, key: str, gray: np.ndarray | None) -> LayerView:
    """The view `key` (a Choice.key) for the picture `gray` (H x W in 0..1, or None). Runs the
    model: call it off the UI thread."""
    layers = {layer.output: layer for layer in classifier.info.layers}
    kinds = {layer.kind: layer for layer in classifier.info.layers}
    image = None if gray is None else preprocess.to_model_input(gray, classifier.info.recipe)
    if key in (TOP_UNITS, ALL_UNITS) and "weights" in kinds:
        return _dense(classifier, kinds["weights"], kinds.get("units"), image,
                      everything=key == ALL_UNITS)
    layer = layers.get(key)
    if layer is None:
        return LayerView("", NO_LAYERS)
    if layer.kind == "filters":
        return _filters(classifier, layer)
    return _feature_maps(classifier, layer, image)


def _feature_maps(classifier: Classifier, layer: LayerOutput,
                  image: np.ndarray | None) -> LayerView:
    explanation = ("Each square is one filter's response across the picture: bright where it "
                   "found its pattern. Early blocks find strokes and edges; later ones, at "
                   "lower resolution, combine them into parts.")
    if image is None:
        return LayerView(layer.title, explanation, note=NO_INPUT)
    (maps,) = classifier.layer_outputs(image, [layer.output])
    maps = _checked(maps, 4, layer)[0]
    tiles, silent = [], 0
    for number, feature in enumerate(maps, 1):
        strongest = float(feature.max())
        silent += strongest <= 0
        tiles.append(Tile(grayscale(feature), f"{number}: {strongest:.2g}"))
    note = "Each map is scaled on its own: black = 0, white = its strongest response."
    if silent:
        note += f" {silent} of {len(maps)} maps are silent (all zero) for this picture."
    return LayerView(layer.title, explanation, tuple(tiles), note)


def _filters(classifier: Classifier, layer: LayerOutput) -> LayerView:
    (kernels,) = classifier.layer_outputs(np.zeros(classifier.info.input_size, np.float32),
                                          [layer.output])
    kernels = _checked(kernels, 4, layer)
    scale = symmetric_scale(kernels)
    tiles = tuple(Tile(diverging(kernel[0], scale), str(number))
                  for number, kernel in enumerate(kernels, 1))
    return LayerView(layer.title,
                     "Each filter is the set of weights the first layer multiplies every "
                     "small patch of the picture by (batch norm folded in): ink on red adds, "
                     "ink on blue subtracts. They are the patterns the first block looks for, "
                     "such as edges at one angle.",
                     tiles, f"Red positive, blue negative, white zero; one scale for all "
                            f"(±{scale:.2g}).")


def _dense(classifier: Classifier, weights: LayerOutput, units: LayerOutput | None,
           image: np.ndarray | None, everything: bool) -> LayerView:
    wanted = units is not None and image is not None and not everything
    names = [weights.output] + ([units.output] if wanted else [])
    outputs = classifier.layer_outputs(
        image if image is not None else np.zeros(classifier.info.input_size, np.float32),
        names)
    templates = _checked(outputs[0], 3, weights)
    activity = _checked(outputs[1], 2, units)[0] if len(outputs) > 1 else None
    if activity is not None and activity.shape != templates.shape[:1]:
        raise ModelError(f"{units.title}: {activity.size} units but {len(templates)} templates.")
    explanation = ("A dense layer compares the whole picture with one template per unit: "
                   "ink on red pixels raises the unit's activation, ink on blue lowers it. "
                   "These are the templates of a linear model.")
    if everything or activity is None:
        order = np.arange(len(templates))
        heading = f"{weights.title}"
    else:
        order = np.argsort(-activity, kind="stable")[:MOST_ACTIVE]
        heading = f"The {len(order)} units this picture activates most"
    scale = symmetric_scale(templates)
    tiles = tuple(Tile(diverging(templates[unit], scale),
                       f"#{unit + 1}" + (f": {activity[unit]:.2g}" if activity is not None
                                         else ""))
                  for unit in order)
    note = f"Red positive, blue negative, white zero; one scale for all (±{scale:.2g})."
    if activity is not None and not everything:
        active = int((activity > 0).sum())
        note = (f"{active} of {len(activity)} units respond to this picture; sorted by "
                f"activation. " + note)
    elif not everything:
        note = "Draw or open a picture to sort the units by how much it activates them. " + note
    return LayerView(heading, explanation, tiles, note)


def _checked(values: object, dimensions: int, layer: LayerOutput) -> np.ndarray:
    """A layer output as float32, or ModelError if its shape is not one the page can draw."""
    array = np.asarray(values, np.float32)
    usable = array.ndim == dimensions and array.size > 0
    if usable and dimensions == 2:  # [batch, units]
        usable = array.shape[1] <= MAX_TILES
    elif usable:  # tiles of h x w
        usable = (int(np.prod(array.shape[:-2])) <= MAX_TILES
                  and max(array.shape[-2:]) <= MAX_SIDE)
    if not usable:
        raise ModelError(f"{layer.title}: the model gives shape {list(array.shape)}, which "
                         f"cannot be shown as {layer.kind.replace('_', ' ')}.")
    return array


def symmetric_scale(values: np.ndarray) -> float:
    """One scale for a set of weights: the 99.5th percentile of |w|, so that a few extreme
    weights do not wash every tile out to white (those few are clipped)."""
    magnitude = np.abs(np.asarray(values, np.float64))
    finite = magnitude[np.isfinite(magnitude)]
    scale = float(np.percentile(finite, 99.5)) if finite.size else 0.0
    return scale if scale > 0 else 1.0


def grayscale(values: np.ndarray) -> np.ndarray:
    """A map scaled on its own to 0..255 gray (negative and non-finite values as 0)."""
    values = np.nan_to_num(np.asarray(values, np.float32), nan=0.0, posinf=0.0, neginf=0.0)
    top = float(values.max()) if values.size else 0.0
    level = np.clip(values / top, 0, 1) if top > 0 else np.zeros_like(values)
    gray = np.round(level * 255).astype(np.uint8)
    return np.repeat(gray[..., None], 3, axis=2)


def diverging(values: np.ndarray, scale: float) -> np.ndarray:
    """Blue (-scale) through white (0) to red (+scale), as h x w x 3 uint8."""
    values = np.nan_to_num(np.asarray(values, np.float32), nan=0.0)
    t = np.clip(values / scale, -1, 1)[..., None]
    white = np.array([255, 255, 255], np.float32)
    red, blue = np.array([178, 24, 43], np.float32), np.array([33, 102, 172], np.float32)
    rgb = np.where(t >= 0, white + (red - white) * t, white + (blue - white) * -t)
    return np.round(rgb).astype(np.uint8)
