"""Issue 11, item 2: occlusion saliency maps (desktop.saliency) and their words and colours
(desktop.saliency_display), with real ONNX Runtime sessions of every shipped model."""

from __future__ import annotations

import numpy as np
import pytest
from gui_support import samples, shipped_entries

from desktop import image_io, preprocess, saliency, saliency_display
from desktop.models import Classifier

ENTRIES = [entry for entry in shipped_entries() if entry.available]
IDS = [entry.model_id for entry in ENTRIES]


@pytest.fixture(scope="module")
def classifiers() -> dict[str, Classifier]:
    return {entry.model_id: Classifier(entry.info) for entry in ENTRIES}


def model_inputs(classifier: Classifier, count: int = 4) -> list[np.ndarray]:
    """Test-set pictures of the model's dataset, preprocessed as the app does."""
    pictures = samples(classifier.info.dataset)[::5][:count]
    return [preprocess.to_model_input(image_io.read_file(path), classifier.info.recipe)
            for path in pictures]


def log_p(classifier: Classifier, image: np.ndarray) -> np.ndarray:
    return np.log(np.maximum(classifier.predict_model_input(image).probabilities,
                             saliency.PROBABILITY_FLOOR))


def test_shipped_models_are_there() -> None:
    assert len(IDS) == len(shipped_entries()) >= 4


@pytest.mark.parametrize("model_id", IDS)
def test_a_blank_input_gives_a_flat_map(classifiers, model_id: str) -> None:
    classifier = classifiers[model_id]
    maps = saliency.occlusion(classifier, np.zeros(classifier.info.input_size, np.float32))
    assert maps.maps.shape == (len(classifier.info.classes), *classifier.info.input_size)
    assert not maps.maps.any()  # exactly zero: blanking nothing changes nothing
    assert maps.occluded == 0  # and no copy had to run
    assert not maps.contrast(*maps.top(2)).any()


@pytest.mark.parametrize("model_id", IDS)
def test_a_blank_picture_has_no_map(classifiers, model_id: str) -> None:
    assert saliency.for_picture(classifiers[model_id], np.ones((280, 280))) is None


@pytest.mark.parametrize("model_id", IDS)
def test_the_map_lies_on_the_ink_and_points_at_what_matters(classifiers, model_id: str) -> None:
    classifier = classifiers[model_id]
    for image in model_inputs(classifier):
        maps = saliency.occlusion(classifier, image)
        chosen = maps.index
        evidence = maps.for_class(chosen)
        assert np.abs(evidence).sum() > 0
        assert not evidence[image == 0].any()  # all of the map's mass is on the ink
        # Occluding the ink lowers the class (for models that learned "none of these": the
        # course's simplest clothing models may call a blank picture, say, a sandal).
        if classifier.info.reject_threshold is not None:
            assert log_p(classifier, np.zeros_like(image))[chosen] < log_p(classifier,
                                                                           image)[chosen]
        # Faithful: blanking the most salient fifth of the ink costs the class more than
        # blanking the least salient fifth.
        inked = np.flatnonzero(image > 0)
        order = inked[np.argsort(evidence.ravel()[inked])]
        fifth = max(1, len(order) // 5)
        costs = []
        for pixels in (order[-fifth:], order[:fifth]):
            hidden = image.copy().ravel()
            hidden[pixels] = 0
            costs.append(log_p(classifier, image)[chosen]
                         - log_p(classifier, hidden.reshape(image.shape))[chosen])
        assert costs[0] > costs[1], (model_id, costs)


@pytest.mark.parametrize("model_id", IDS)
def test_why_x_and_not_y_is_the_difference_of_the_two_maps(classifiers, model_id: str) -> None:
    classifier = classifiers[model_id]
    image = model_inputs(classifier, 1)[0]
    maps = saliency.occlusion(classifier, image)
    x, y = maps.top(2)
    assert x == maps.index and x != y
    np.testing.assert_allclose(maps.contrast(x, y), maps.for_class(x) - maps.for_class(y))
    np.testing.assert_allclose(maps.contrast(y, x), -maps.contrast(x, y))
    assert not maps.contrast(x, x).any()


@pytest.mark.parametrize("model_id", IDS)
def test_each_pixel_gets_its_squares_drop_times_its_ink(classifiers, model_id: str) -> None:
    """With squares side by side (stride = patch) every pixel lies in exactly one square: its
    value is that square's drop of log p, measured here one picture at a time, times its ink."""
    classifier = classifiers[model_id]
    image = model_inputs(classifier, 1)[0]
    maps = saliency.occlusion(classifier, image, patch=7, stride=7)
    x, y = maps.top(2)
    whole = log_p(classifier, image)
    for top, left in ((7, 7), (14, 7), (7, 14), (14, 14)):
        hidden = image.copy()
        hidden[top:top + 7, left:left + 7] = 0
        drop = whole - log_p(classifier, hidden)
        square = (slice(top, top + 7), slice(left, left + 7))
        np.testing.assert_allclose(maps.for_class(x)[square], drop[x] * image[square],
                                   rtol=1e-3, atol=1e-5)
        np.testing.assert_allclose(maps.contrast(x, y)[square],
                                   (drop[x] - drop[y]) * image[square], rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize("model_id", IDS)
def test_every_shipped_model_returns_a_map_for_a_drawn_picture(classifiers,
                                                                model_id: str) -> None:
    classifier = classifiers[model_id]
    gray = np.ones((280, 280), np.float32)
    gray[60:220, 130:150] = 0.0  # a drawn "1"
    gray[60:80, 100:150] = 0.0
    maps = saliency.for_picture(classifier, gray)
    assert maps is not None
    assert np.isfinite(maps.maps).all()
    assert maps.occluded > 0 and maps.seconds > 0 and maps.patch == saliency.PATCH
    np.testing.assert_allclose(maps.probabilities,
                               classifier.classify(gray).probabilities, rtol=1e-5, atol=1e-7)


def test_the_squares_cover_every_pixel_equally() -> None:
    masks = saliency.patch_masks(28, 28, 6, 3)
    assert (masks.sum(axis=0) == 4).all()  # (6 / 3) squared
    assert (saliency.patch_masks(28, 28, 5, 2).sum(axis=0) >= 4).all()
    with pytest.raises(ValueError):
        saliency.patch_masks(28, 28, 3, 4)
    with pytest.raises(ValueError):
        saliency.occlusion(None, np.zeros((2, 28, 28)))  # one picture only


# --- words and colours ------------------------------------------------------------------------


def test_colours_tint_red_for_blue_against_and_leave_the_rest_grey() -> None:
    image = np.array([[0.0, 1.0, 1.0, 1.0]], np.float32)
    values = np.array([[0.0, 0.0, 2.0, -1.0]], np.float32)
    rgb = saliency_display.colours(image, values, 2.0)
    assert tuple(rgb[0, 0]) == saliency_display.PAPER
    assert tuple(rgb[0, 1]) == saliency_display.INK
    assert tuple(rgb[0, 2]) == saliency_display.RED
    half_blue = (np.array(saliency_display.INK) + np.array(saliency_display.BLUE)) / 2
    np.testing.assert_allclose(rgb[0, 3], half_blue, atol=1)
    assert (saliency_display.colours(image, values, 0.0) ==
            saliency_display.colours(image, np.zeros_like(values), 1.0)).all()


def test_the_page_says_what_red_and_blue_mean(classifiers) -> None:
    classifier = classifiers["fashion-cnn"]
    maps = saliency.occlusion(classifier, model_inputs(classifier, 1)[0])
    x, y = maps.top(2)
    classes = classifier.info.classes
    view = saliency_display.page_view(classifier.info, maps, x, y)
    assert classes[maps.index] in view.headline
    assert view.evidence.red == f"for {classes[x]}"
    assert view.evidence.blue == f"against {classes[x]}"
    assert view.contrast.title == f"Why {classes[x]} and not {classes[y]}"
    assert (view.contrast.red, view.contrast.blue) == (f"for {classes[x]}", f"for {classes[y]}")
    assert f"{maps.occluded} copies" in view.cost
    scale = view.evidence.scale
    assert view.evidence.scale_text == f"full colour: {scale:.2g} in log p({classes[x]})"
    same = saliency_display.page_view(classifier.info, maps, x, x)
    assert same.contrast.flat and "two different classes" in same.contrast.caption
    flat = saliency_display.evidence_view("7", np.zeros((28, 28)))
    assert flat.flat and "hardly changes" in flat.caption
    assert "blank" in saliency_display.blank().detail
    assert "Draw clothing" in saliency_display.nothing_drawn(classifier.info).detail
