"""The preprocessing recipes on synthetic pictures and on the shipped samples."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from desktop import models
from desktop.image_io import load_image
from desktop.model_format import DATASETS, Recipe, parse_sample_name
from desktop.preprocess import STEP_KEYS, naive_input, normalize, steps, to_model_input
from trainer.drawing import render
from trainer.glyphs import DIGITS as GLYPHS


def _recipe(models_dir: Path, dataset: str) -> Recipe:
    for entry in models.discover(models_dir):
        if entry.available and entry.info.dataset == dataset:
            return entry.info.recipe
    pytest.fail(f"no usable {dataset} model in {models_dir} to read the recipe from")


@pytest.fixture(scope="module")
def mnist_recipe(models_dir: Path) -> Recipe:
    return _recipe(models_dir, "mnist")


@pytest.fixture(scope="module")
def fashion_recipe(models_dir: Path) -> Recipe:
    return _recipe(models_dir, "fashion")


def canvas_with(ink: np.ndarray, top: int, left: int, size: tuple[int, int] = (280, 280),
                paper: float = 1.0, pen: float = 0.0) -> np.ndarray:
    """A paper-coloured canvas with `ink` (0..1 strength) drawn in pen colour at top/left."""
    gray = np.full(size, paper, dtype=np.float32)
    h, w = ink.shape
    gray[top:top + h, left:left + w] = paper + (pen - paper) * ink
    return gray


def seven() -> np.ndarray:
    """An asymmetric shape (a thick '7') as ink strength."""
    ink = np.zeros((150, 100), dtype=np.float32)
    ink[:16, :] = 1
    for y in range(16, 150):
        x = int(95 - 0.5 * (y - 16))
        ink[y, max(x - 8, 0):x + 8] = 1
    return ink


def ink_box(image: np.ndarray, level: float = 0.5) -> tuple[int, int]:
    rows = np.flatnonzero((image > level).any(axis=1))
    cols = np.flatnonzero((image > level).any(axis=0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    ys, xs = np.indices(image.shape)
    return float((image * ys).sum() / image.sum()), float((image * xs).sum() / image.sum())


def test_polarity_is_detected(mnist_recipe: Recipe) -> None:
    dark_on_white = canvas_with(seven(), 40, 60)
    light_on_black = canvas_with(seven(), 40, 60, paper=0.0, pen=1.0)
    on_grey_paper = canvas_with(seven(), 40, 60, paper=0.8, pen=0.1)
    expected = to_model_input(dark_on_white, mnist_recipe)
    assert expected is not None and expected.max() == pytest.approx(1.0)
    assert expected[0].max() == 0 and expected[:, 0].max() == 0  # the background is black
    np.testing.assert_allclose(to_model_input(light_on_black, mnist_recipe), expected, atol=1e-5)
    np.testing.assert_allclose(to_model_input(on_grey_paper, mnist_recipe), expected, atol=1e-4)


def test_trim_makes_position_irrelevant(mnist_recipe: Recipe) -> None:
    corner = to_model_input(canvas_with(seven(), 0, 0), mnist_recipe)
    middle = to_model_input(canvas_with(seven(), 70, 90), mnist_recipe)
    far = to_model_input(canvas_with(seven(), 130, 180), mnist_recipe)
    np.testing.assert_allclose(corner, middle, atol=1e-6)
    np.testing.assert_allclose(far, middle, atol=1e-6)


def test_small_and_large_drawings_fill_the_20px_box(mnist_recipe: Recipe) -> None:
    for scale in (1, 3):
        ink = np.kron(seven()[::2, ::2], np.ones((scale, scale), dtype=np.float32))
        image = to_model_input(canvas_with(ink, 5, 5, size=(400, 400)), mnist_recipe)
        assert max(ink_box(image, level=0.01)) == mnist_recipe.fit


@pytest.mark.parametrize(("height", "width", "expected"), [
    (200, 40, (20, 4)),  # tall: a '1'
    (40, 240, (3, 20)),  # wide: a dash, 40 * 20 / 240 = 3.3 rows
    (200, 6, (20, 1)),  # a hairline '1' keeps at least one column
    (100, 100, (20, 20)),
])
def test_fit_keeps_the_aspect_ratio(mnist_recipe: Recipe, height: int, width: int,
                                    expected: tuple[int, int]) -> None:
    ink = np.ones((height, width), dtype=np.float32)
    image = to_model_input(canvas_with(ink, 20, 30), mnist_recipe)
    assert ink_box(image, level=0.01) == expected


@pytest.mark.parametrize("seed", range(6))
def test_centre_of_mass_lands_in_the_middle(mnist_recipe: Recipe, seed: int) -> None:
    rng = np.random.default_rng(seed)
    ink = np.zeros((120, 120), dtype=np.float32)
    for _ in range(4):  # a lopsided scribble of blobs
        y, x = rng.integers(0, 100, 2)
        size = rng.integers(8, 30)
        ink[y:y + size, x:x + size // 2] = 1
    image = to_model_input(canvas_with(ink, *rng.integers(0, 150, 2)), mnist_recipe)
    centre = mnist_recipe.canvas / 2
    assert np.abs(np.subtract(centre_of_mass(image), centre)).max() <= 1.0


@pytest.mark.parametrize("picture", [
    np.ones((280, 280)), np.zeros((280, 280)), np.full((50, 70), 0.37),
    np.full((1, 1), 0.0), np.ones((0, 0)), np.full((9, 9), np.nan),
    0.5 + 0.01 * np.random.default_rng(0).standard_normal((100, 100)),  # uniform + sensor noise
], ids=["white", "black", "grey", "one-pixel", "empty", "nan", "noise"])
def test_blank_pictures_give_none(mnist_recipe: Recipe, fashion_recipe: Recipe,
                                  picture: np.ndarray) -> None:
    assert to_model_input(picture, mnist_recipe) is None
    assert to_model_input(picture, fashion_recipe) is None


def test_odd_inputs_give_clean_output(mnist_recipe: Recipe, fashion_recipe: Recipe) -> None:
    rng = np.random.default_rng(1)
    dot = np.ones((5, 5))
    dot[2, 2] = 0
    damaged = canvas_with(seven(), 40, 60)
    damaged[:100:7, ::3] = np.nan
    out_of_range = rng.uniform(-3, 4, (60, 45))
    uint8_picture = (canvas_with(seven(), 40, 60) * 255).astype(np.uint8)
    for picture in (dot, damaged, out_of_range, uint8_picture, rng.random((1, 300))):
        for recipe in (mnist_recipe, fashion_recipe):
            image = to_model_input(picture, recipe)
            assert image.shape == (28, 28) and image.dtype == np.float32
            assert np.isfinite(image).all() and image.min() >= 0 and image.max() <= 1
    np.testing.assert_allclose(to_model_input(uint8_picture, mnist_recipe),
                               to_model_input(canvas_with(seven(), 40, 60), mnist_recipe),
                               atol=1e-5)


def test_fashion_recipe_fills_28_and_centres_the_box(fashion_recipe: Recipe) -> None:
    """A dark product on white: negated to light on black, longer side 28, box-centred with an
    odd margin's extra pixel at the left (as in Fashion-MNIST's test images)."""
    photo = canvas_with(np.ones((100, 45), dtype=np.float32), 60, 150, paper=1.0, pen=0.2)
    image = to_model_input(photo, fashion_recipe)
    assert ink_box(image) == (28, 13)  # 45 * 28 / 100 = 12.6
    cols = np.flatnonzero(image.max(axis=0) > 0.5)
    assert (cols[0], cols[-1]) == (8, 20)
    np.testing.assert_allclose(image[:, 8:21], 0.8, atol=1e-5)  # 1 - 0.2: the object is light


def test_normalize_shapes_for_the_model() -> None:
    image = np.full((28, 28), 0.5, dtype=np.float32)
    batch = normalize(image, mean=0.25, std=0.5)
    assert batch.shape == (1, 1, 28, 28) and batch.dtype == np.float32
    np.testing.assert_allclose(batch, 0.5)
    assert normalize(np.stack([image] * 3), 0.25, 0.5).shape == (3, 1, 28, 28)


def test_bad_recipes_are_refused(mnist_recipe: Recipe) -> None:
    assert mnist_recipe == DATASETS["mnist"].recipe  # the shipped model follows the contract
    for change, reason in (({"center": "middle"}, "'center' is 'middle'"),
                           ({"fit": 40}, "fit=40, canvas=28"), ({"trim": None}, "'trim' is None"),
                           ({"ink": "dark-on-light"}, "expected one of light-on-dark"),
                           ({"canvas": True}, "not whole numbers")):
        with pytest.raises(ValueError, match=reason):
            Recipe.from_dict({**mnist_recipe.to_dict(), **change})
    with pytest.raises(ValueError, match="not a JSON object"):
        Recipe.from_dict(["not", "a", "dict"])
    # A plain dict is still followed (checked on the call), exactly like the record.
    picture = np.ones((60, 60))
    picture[10:50, 28:32] = 0
    np.testing.assert_array_equal(to_model_input(picture, mnist_recipe.to_dict()),
                                  to_model_input(picture, mnist_recipe))
    with pytest.raises(ValueError, match="'center'"):
        to_model_input(picture, {**mnist_recipe.to_dict(), "center": "middle"})


def _test_images(data_dir: Path, folder: str) -> np.ndarray:
    raw = (data_dir / folder / "raw" / "t10k-images-idx3-ubyte").read_bytes()
    return np.frombuffer(raw, np.uint8, offset=16).reshape(-1, 28, 28).astype(np.float32) / 255


@pytest.mark.parametrize(("dataset", "folder"), [("fashion", "FashionMNIST"), ("mnist", "MNIST")])
def test_samples_give_back_the_original_test_images(
        data_dir: Path, samples_dir: Path, models_dir: Path, dataset: str, folder: str) -> None:
    """The samples are inverted test images: the recipe must undo that (nearly) exactly."""
    originals = _test_images(data_dir, folder)
    recipe = _recipe(models_dir, dataset)
    errors = []
    for path in sorted((samples_dir / dataset).glob("*.png")):
        _, number = parse_sample_name(path)
        errors.append(np.abs(to_model_input(load_image(path), recipe) - originals[number]).mean())
    assert len(errors) >= 10
    # Most come back exactly; an object that touches no edge is rescaled, so it moves a little.
    assert np.mean(np.array(errors) < 0.005) >= 0.8
    assert max(errors) < 0.1


def test_mnist_recipe_on_a_sample_is_classified_correctly(models_dir: Path,
                                                          samples_dir: Path) -> None:
    entries = [e for e in models.discover(models_dir) if e.available and e.info.dataset == "mnist"]
    assert entries
    paths = sorted((samples_dir / "mnist").glob("*.png"))[::4]
    for entry in entries:
        classifier = models.Classifier(entry.info)
        right = 0
        for path in paths:
            image = to_model_input(load_image(path), entry.info.recipe)
            label = parse_sample_name(path)[0]
            if entry.info.task is not None:  # a binary lab model answers no (0) or yes (1)
                label = entry.info.task.binary_labels([label])[0]
            right += classifier.predict_model_input(image).index == label
        # The app's own models read every one; the course's simplest may miss one.
        assert right >= len(paths) - (entry.info.reject_threshold is None), entry.model_id


# --- the steps the Look-inside X-ray shows (preprocess.steps) ----------------------------------


def _drawings() -> list[np.ndarray]:
    """Digits drawn with a round pen (trainer.drawing) at random places and sizes on a white
    448 x 448 page, the size of the app's canvas."""
    rng = np.random.default_rng(11)
    pictures = []
    for families in GLYPHS.values():
        for glyph in list(families.values())[:2]:
            size = int(rng.integers(40, 300))
            drawn = render([np.asarray(stroke, float) for stroke in glyph], 0.1, size=size)
            page = np.ones((448, 448), dtype=np.float32)
            top, left = rng.integers(0, 448 - size, 2)
            page[top:top + size, left:left + size] = drawn
            pictures.append(page)
    return pictures


def test_the_last_step_is_exactly_the_model_input(
        samples_dir: Path, mnist_recipe: Recipe, fashion_recipe: Recipe) -> None:
    pictures = [load_image(path) for path in sorted(samples_dir.glob("*/*.png"))]
    assert len(pictures) >= 40
    pictures += _drawings() + [canvas_with(seven(), 0, 0), canvas_with(seven(), 130, 180)]
    for picture in pictures:
        for recipe in (mnist_recipe, fashion_recipe):
            taken = steps(picture, recipe)
            expected = to_model_input(picture, recipe)
            assert taken[-1].key == recipe.center
            assert taken[-1].image.dtype == expected.dtype
            assert taken[-1].image.tobytes() == expected.tobytes()


def test_steps_in_order_with_their_pictures(mnist_recipe: Recipe,
                                            fashion_recipe: Recipe) -> None:
    picture = canvas_with(seven(), 40, 60)  # the 7 is 150 x 100 px
    taken = {step.key: step.image for step in steps(picture, mnist_recipe)}
    assert list(taken) == list(STEP_KEYS)
    np.testing.assert_array_equal(taken["given"], picture)  # as given: dark ink on white
    assert taken["found"].shape == picture.shape and taken["found"].max() == 1.0
    assert taken["found"][0, 0] == 0  # the paper is black now
    assert taken["cropped"].shape == (150, 100)
    assert taken["fitted"].shape == (20, 13)  # 100 * 20 / 150 = 13.3
    box = taken["box"]
    assert box.shape == (28, 28) and ink_box(box, level=0.01) == (20, 13)
    rows = np.flatnonzero(box.max(axis=1) > 0.01)
    assert (rows[0], rows[-1]) == (4, 23)  # the box in the middle
    mass = taken["mass"]
    assert np.abs(np.subtract(centre_of_mass(mass), 14)).max() <= 1.0
    assert not np.array_equal(box, mass)  # the 7's mass lies high and right: it moved
    assert [step.key for step in steps(picture, fashion_recipe)] == list(STEP_KEYS[:-1])


@pytest.mark.parametrize("picture", [np.ones((280, 280)), np.full((9, 9), np.nan)],
                         ids=["white", "nan"])
def test_a_blank_picture_stops_after_the_first_step(mnist_recipe: Recipe,
                                                    picture: np.ndarray) -> None:
    taken = steps(picture, mnist_recipe)
    assert [step.key for step in taken] == ["given"]
    assert np.isfinite(taken[0].image).all()


def test_naive_inputs_skip_the_remaining_steps(mnist_recipe: Recipe) -> None:
    """What a model would get if preprocessing stopped at each step."""
    picture = canvas_with(seven(), 40, 60)
    taken = {step.key: step for step in steps(picture, mnist_recipe)}
    views = {key: naive_input(step, 28) for key, step in taken.items()}
    for view in views.values():
        assert view.shape == (28, 28) and view.min() >= 0 and view.max() <= 1
    assert views["given"][0, 0] == pytest.approx(1.0)  # the paper stays white
    assert views["found"][0, 0] == 0 and ink_box(views["found"], 0.5)[0] < 20  # small, far up
    assert ink_box(views["cropped"], 0.01) == (28, 28)  # stretched to fill the field
    fitted = taken["fitted"].image
    np.testing.assert_array_equal(views["fitted"][:20, :13], fitted)  # in the corner
    assert views["fitted"][20:].max() == 0 and views["fitted"][:, 13:].max() == 0
    assert views["box"] is taken["box"].image and views["mass"] is taken["mass"].image
