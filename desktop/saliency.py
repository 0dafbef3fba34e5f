"""What the model looked at: occlusion sensitivity over the 28x28 model input.

Blank a small square of the input (set it to the background, 0), run the model again and see how
much the log-probability of a class falls. Doing that for squares all over the picture, in one
batch through the model's own ONNX Runtime session, gives a heat map for every model without
changing any model (no gradients, no companion graph).

Each square's drop is handed to the pixels it covers and averaged where squares overlap, then
weighted by the pixel's own ink: blanking a pixel that holds no ink changes nothing, so only ink
can be credited. A positive value means that ink pushes the model towards the class (removing it
lowers the class); a negative value means it pushes away from it.

Maps of every class come out of the same batch, so "why X and not Y" (the drop of
log p(X) - log p(Y)) is just the difference of two maps and costs nothing extra. Squares without
any ink are not run at all: blanking them leaves the input unchanged, so their drop is 0.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache

from desktop import preprocess
from desktop.lazy_imports import np
from desktop.models import Classifier

# 6x6 squares every 3 pixels: every pixel lies in exactly four squares, fine enough to follow
# the strokes of a 28x28 digit once weighted by ink. A drawn digit needs about 40 copies (CNN
# ~7 ms on one core), a picture filling the frame 121 (~21 ms); 5x5 every 2 pixels looks much the
# same at twice the cost (benchmarks/drawing_speed.py prints the times).
PATCH = 6
STRIDE = 3
# log(0) is -inf; probabilities are floored here so drops stay finite.
PROBABILITY_FLOOR = 1e-30


@dataclass(frozen=True, eq=False)  # holds arrays: compare by identity
class SaliencyMaps:
    """Occlusion maps of every class for one model input."""

    image: np.ndarray  # (H, W) the model input in 0..1, light on dark
    probabilities: np.ndarray  # (classes,) the model's answer for the whole input
    maps: np.ndarray  # (classes, H, W) float32: + pushes towards the class, - away from it
    occluded: int  # how many blanked copies ran through the model
    patch: int  # the side of the blanked squares, in pixels
    seconds: float  # wall time of the whole computation
    accepted: bool = True  # False: the model's outlier output says it is none of its classes

    @property
    def index(self) -> int:
        """The class the model chose."""
        return int(np.argmax(self.probabilities))

    def top(self, count: int = 2) -> list[int]:
        """The `count` most probable classes, most probable first."""
        return [int(i) for i in np.argsort(-self.probabilities, kind="stable")[:count]]

    def for_class(self, index: int) -> np.ndarray:
        """What made the model say `index`: the drop of log p(index) per pixel."""
        return self.maps[index]

    def contrast(self, x: int, y: int) -> np.ndarray:
        """Why x and not y: the drop of log p(x) - log p(y) per pixel (+ towards x, - towards
        y). Zero everywhere when x == y."""
        return self.maps[x] - self.maps[y]


@lru_cache(maxsize=8)
def patch_masks(height: int, width: int, patch: int = PATCH,
                stride: int = STRIDE) -> np.ndarray:
    """(K, height, width) bool: the squares to blank. They start `patch - stride` pixels before
    the image so the border is covered as often as the middle; read-only (cached)."""
    if patch < 1 or stride < 1 or stride > patch:
        raise ValueError(f"need 1 <= stride <= patch, got patch {patch}, stride {stride}")
    rows = range(-(patch - stride), height, stride)
    cols = range(-(patch - stride), width, stride)
    masks = np.zeros((len(rows) * len(cols), height, width), dtype=bool)
    for k, (top, left) in enumerate((r, c) for r in rows for c in cols):
        masks[k, max(top, 0):top + patch, max(left, 0):left + patch] = True
    masks.setflags(write=False)
    return masks


def occlusion(classifier: Classifier, image: np.ndarray, patch: int = PATCH,
              stride: int = STRIDE) -> SaliencyMaps:
    """Occlusion maps of every class for `image`, a preprocessed model input (0..1, light on
    dark, e.g. Prediction.model_input), in one run of the model."""
    started = time.perf_counter()
    image = np.asarray(image, dtype=np.float32)
    if image.ndim != 2:
        raise ValueError(f"expected one 2-D model input, got shape {image.shape}")
    masks = patch_masks(*image.shape, patch, stride)
    inked = masks[(masks & (image > 0)).any(axis=(1, 2))]  # the others change nothing
    batch = np.concatenate([image[None], np.where(inked, np.float32(0), image)])
    predictions = classifier.predict_batch(batch)
    probabilities = np.stack([p.probabilities for p in predictions])
    log_p = np.log(np.maximum(probabilities, PROBABILITY_FLOOR), dtype=np.float64)
    drops = log_p[0] - log_p[1:]  # (K, classes): how much each blanked square costs a class
    coverage = masks.sum(axis=0)  # every pixel is covered by at least one square
    spread = (drops.T @ inked.reshape(len(inked), image.size)).reshape(-1, *image.shape) / coverage
    return SaliencyMaps(image, probabilities[0], (spread * image).astype(np.float32),
                        len(inked), patch, time.perf_counter() - started,
                        predictions[0].accepted)


def for_picture(classifier: Classifier, gray: np.ndarray, patch: int = PATCH,
                stride: int = STRIDE) -> SaliencyMaps | None:
    """Occlusion maps for a picture as the canvas gives it (H x W in 0..1, any polarity),
    preprocessed with the model's own recipe; None when it holds nothing the model can see."""
    image = preprocess.to_model_input(gray, classifier.info.recipe)
    return None if image is None else occlusion(classifier, image, patch, stride)
