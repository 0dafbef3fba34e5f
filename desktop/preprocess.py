"""Turn any picture into the 28x28 image a model was trained on, following the recipe stored in
the model's metadata (desktop.model_format.Recipe). Plain numpy, no Qt, so it is tested and
reused without a GUI.

The steps mirror how the datasets were made:
  MNIST:         ink -> bounding box -> longer side 20 px -> 28x28 field, centre of mass centred.
  Fashion-MNIST: trim background edges -> longer side 28 px -> 28x28 field, box centred, negated.

`steps` is that pipeline, keeping every stage's picture (the Look-inside X-ray shows them);
`to_model_input` is its last stage, so what the X-ray shows is exactly what the model gets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from desktop.lazy_imports import np
from desktop.model_format import Recipe

# Pixels at least this far from the background (as a fraction of the strongest ink) are ink.
INK_TOLERANCE = 0.1
# Fashion-MNIST trimmed edges within 5% of the corner colour; we do the same.
BACKGROUND_TOLERANCE = 0.05
# A picture whose strongest ink differs from the background by less than this is blank.
MIN_CONTRAST = 0.05


STEP_KEYS = ("given", "found", "cropped", "fitted", "box", "mass")


@dataclass(frozen=True, eq=False)  # holds an array: compare by identity
class Step:
    """One stage on the way from a picture to the model input (desktop.xray shows them).

    key: "given" (the picture as given, 0..1 with its own polarity), "found" (ink or object
    strength, light on black, the whole picture), "cropped" (cut to its box), "fitted" (longer
    side `recipe.fit`), "box" (placed on the canvas by its box centre) and, for recipes that
    centre by mass, "mass" (shifted so its centre of mass is in the middle)."""

    key: str
    image: np.ndarray  # float32


def steps(gray: np.ndarray, recipe: Recipe | dict) -> list[Step]:
    """The stages of to_model_input, in order, each with its picture. A blank picture stops
    after "given", so the last step is the model input exactly when its key is the recipe's
    `center` ("box" or "mass")."""
    recipe = _checked(recipe)
    image = _as_gray(gray)
    taken = [Step("given", image)]
    ink = _ink_of(image)
    if ink is None:
        return taken
    trim_ink = recipe.trim == "ink"
    if trim_ink:
        ink /= ink.max()  # MNIST strokes always reach full intensity, whatever the pen
    taken.append(Step("found", ink))
    box = _bounding_box(ink > (INK_TOLERANCE if trim_ink else BACKGROUND_TOLERANCE))
    if box is None:
        return taken
    fitted = fit_longer_side(ink[box], recipe.fit)
    taken += [Step("cropped", ink[box]), Step("fitted", fitted),
              Step("box", place(fitted, recipe.canvas, by_mass=False))]
    if recipe.center == "mass":
        taken.append(Step("mass", place(fitted, recipe.canvas, by_mass=True)))
    return taken


def to_model_input(gray: np.ndarray, recipe: Recipe | dict) -> np.ndarray | None:
    """gray: H x W in 0..1 (1 = white), either polarity. Returns the canvas x canvas float32
    image in 0..1, light ink on black, or None when the picture holds no ink or object.

    `recipe` is a Recipe, checked when the model was read; a plain dict (a recipe of one's own)
    is checked here first, on every call."""
    recipe = _checked(recipe)
    last = steps(gray, recipe)[-1]
    return last.image if last.key == recipe.center else None


def naive_input(step: Step, canvas: int) -> np.ndarray:
    """What a model would be given if preprocessing stopped after `step`: the picture (as
    given, or its ink) squeezed to canvas x canvas, the crop stretched to it, the fitted
    picture in the top-left corner; placed steps are already model inputs."""
    if step.key in ("given", "found", "cropped"):
        return np.clip(resize(step.image, canvas, canvas), 0.0, 1.0)
    if step.key == "fitted":
        return paste(step.image, canvas, 0, 0)
    return step.image


def normalize(image28: np.ndarray, mean: float, std: float) -> np.ndarray:
    """The model's input: (1, 1, H, W) float32 (or (N, 1, H, W) for N images), standardised
    like the training data."""
    image = np.asarray(image28, dtype=np.float32)
    return ((image - np.float32(mean)) / np.float32(std)).reshape(-1, 1, *image.shape[-2:])


def light_on_dark(gray: np.ndarray) -> np.ndarray | None:
    """Ink strength in 0..1 on a 0 background, whatever the picture's polarity; None if blank.

    The background is the median of the border. The ink lies on the side of the background
    where the picture's mean lies (dark ink pulls the mean down), which also copes with grey
    paper and light-on-dark pictures. Ink is scaled by the room the background leaves, so a
    white page or black slate maps to exactly 0..1.
    """
    return _ink_of(_as_gray(gray))


def _ink_of(image: np.ndarray) -> np.ndarray | None:
    """light_on_dark of a picture already made float32 in 0..1 by _as_gray."""
    if image.size == 0:
        return None
    border = np.concatenate((image[0], image[-1], image[:, 0], image[:, -1]))
    background = float(np.median(border))
    if float(image.mean()) < background:
        ink, room = background - image, background
    else:
        ink, room = image - background, 1.0 - background
    np.clip(ink, 0.0, None, out=ink)
    if float(ink.max()) < MIN_CONTRAST:
        return None
    ink /= room
    return ink


def fit_longer_side(image: np.ndarray, fit: int) -> np.ndarray:
    """Scale so the longer side is `fit` px, keeping the aspect ratio (shorter side >= 1 px):
    area averaging when shrinking (no aliasing of thin strokes), bilinear when enlarging."""
    height, width = image.shape
    scale = fit / max(height, width)
    new_height = max(1, min(fit, round(height * scale)))
    new_width = max(1, min(fit, round(width * scale)))
    return resize(image, new_height, new_width)


def resize(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """Resample to height x width, each axis on its own (the aspect ratio is not kept)."""
    return _resample_rows(_resample_rows(image, height).T, width).T


def _checked(recipe: Recipe | dict) -> Recipe:
    return recipe if isinstance(recipe, Recipe) else Recipe.from_dict(recipe)


def _as_gray(gray: np.ndarray) -> np.ndarray:
    """A float32 copy in 0..1 without NaN (NaN counts as white paper)."""
    image = np.array(gray, dtype=np.float32)  # always a copy: callers' arrays stay untouched
    if np.asarray(gray).dtype == np.uint8:
        image /= 255.0
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim != 2:
        raise ValueError(f"expected a 2-D grayscale image, got shape {image.shape}")
    if not np.isfinite(image).all():
        np.nan_to_num(image, copy=False, nan=1.0, posinf=1.0, neginf=0.0)
    return np.clip(image, 0.0, 1.0, out=image)


def _bounding_box(mask: np.ndarray) -> tuple[slice, slice] | None:
    """Rows and columns spanning the True pixels; None if there are none."""
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return None
    return slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)


def _resample_rows(image: np.ndarray, size_out: int) -> np.ndarray:
    """Resample axis 0 to size_out rows. Plain indexing, no matrix product: numpy's BLAS would
    start threads for it, and those stall for milliseconds on a busy machine."""
    size_in = len(image)
    if size_out == size_in:
        return image
    step = size_in / size_out
    if size_out < size_in:
        # Area averaging: the mean of input span [i, i + 1) * step is the difference of the
        # running sum (linear between whole rows) at the span's ends, divided by its length.
        running = np.zeros((size_in + 1, *image.shape[1:]))
        np.cumsum(image, axis=0, out=running[1:])
        edges = np.arange(size_out + 1) * step
        whole = np.minimum(edges.astype(int), size_in - 1)
        part = (edges - whole)[:, None]
        at_edges = running[whole] * (1 - part) + running[whole + 1] * part
        return (np.diff(at_edges, axis=0) / step).astype(np.float32)
    # Bilinear with pixel centres aligned (the convention of most image libraries).
    positions = np.clip((np.arange(size_out) + 0.5) * step - 0.5, 0, size_in - 1)
    above = positions.astype(int)
    below = np.minimum(above + 1, size_in - 1)
    part = (positions - above)[:, None].astype(np.float32)
    return image[above] * (1 - part) + image[below] * part


def place(image: np.ndarray, canvas: int, by_mass: bool) -> np.ndarray:
    """Paste into a canvas x canvas black field, centred by centre of mass (MNIST: the mass
    lands on pixel canvas/2, shifted by whole pixels and clipped at the borders) or by box
    (Fashion-MNIST: an odd margin puts the extra pixel at the top/left)."""
    height, width = image.shape
    if by_mass:
        total = float(image.sum())
        centre_y = float(image.sum(axis=1) @ np.arange(height)) / total
        centre_x = float(image.sum(axis=0) @ np.arange(width)) / total
        top = math.floor(canvas / 2 - centre_y + 0.5)
        left = math.floor(canvas / 2 - centre_x + 0.5)
    else:
        top, left = (canvas - height + 1) // 2, (canvas - width + 1) // 2
    return paste(image, canvas, top, left)


def paste(image: np.ndarray, canvas: int, top: int, left: int) -> np.ndarray:
    """`image` with its top-left pixel at (top, left) of a canvas x canvas black field,
    clipped at the borders and to 0..1."""
    height, width = image.shape
    field = np.zeros((canvas, canvas), dtype=np.float32)
    y0, y1 = max(top, 0), min(top + height, canvas)
    x0, x1 = max(left, 0), min(left + width, canvas)
    if y0 < y1 and x0 < x1:
        field[y0:y1, x0:x1] = image[y0 - top:y1 - top, x0 - left:x1 - left]
    return np.clip(field, 0.0, 1.0, out=field)
