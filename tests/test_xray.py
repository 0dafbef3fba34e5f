"""The preprocessing X-ray (desktop.xray) with the shipped models' real ONNX sessions: every step
with the model's answer to it, and what those answers teach about dense networks and CNNs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from desktop import models, xray
from desktop.image_io import load_image
from desktop.model_format import parse_sample_name
from desktop.preprocess import STEP_KEYS
from trainer.drawing import render
from trainer.glyphs import DIGITS as GLYPHS

CORNERS = ((6, 6), (6, 346), (346, 6))


@pytest.fixture(scope="module")
def classifiers(models_dir: Path) -> dict[str, models.Classifier]:
    return {entry.model_id: models.Classifier(entry.info)
            for entry in models.discover(models_dir) if entry.available}


def small_digits_in_corners() -> list[tuple[int, np.ndarray]]:
    """(digit, picture): the first two style families of every digit drawn 96 px tall with a
    round pen in a corner of a white 448 x 448 page (the canvas's size)."""
    drawings = []
    for digit, families in GLYPHS.items():
        for index, glyph in enumerate(list(families.values())[:2]):
            drawn = render([np.asarray(stroke, float) for stroke in glyph], 0.1, size=96)
            page = np.ones((448, 448), dtype=np.float32)
            top, left = CORNERS[(digit + index) % len(CORNERS)]
            page[top:top + 96, left:left + 96] = drawn
            drawings.append((digit, page))
    return drawings


def right(step: xray.XrayStep, digit: int) -> bool:
    return step.prediction.index == digit and step.prediction.accepted


def test_steps_of_a_drawing_end_at_the_models_own_answer(
        classifiers: dict[str, models.Classifier]) -> None:
    _, picture = small_digits_in_corners()[7]
    for model_id, classifier in classifiers.items():
        result = xray.xray(classifier, picture)
        keys = [step.key for step in result.steps]
        recipe = classifier.info.recipe
        assert keys == list(STEP_KEYS if recipe.center == "mass" else STEP_KEYS[:-1]), model_id
        assert [step.final for step in result.steps] == [False] * (len(keys) - 1) + [True]
        final = result.steps[-1]
        own = classifier.classify(picture)
        assert final.model_view.tobytes() == own.model_input.tobytes()
        np.testing.assert_allclose(final.prediction.probabilities, own.probabilities, atol=1e-6)
        assert final.agrees and "model's input" in final.text.explanation
        assert result.note == xray.lesson(classifier.info.architecture)
        for step in result.steps:
            assert step.model_view.shape == classifier.info.input_size
            assert step.agrees == (step.prediction.index == own.index
                                   and step.prediction.accepted == own.accepted)
            assert step.text.title and step.text.explanation and step.text.naive
            assert step.answer.startswith(("not ", step.prediction.label))
            if not step.final:
                assert step.text.naive in step.tooltip and step.answer in step.tooltip
                assert ("the same as its real input" in step.tooltip) == step.agrees


def test_a_small_digit_in_a_corner_needs_the_steps(
        classifiers: dict[str, models.Classifier]) -> None:
    """The prepared input is right with both MNIST models, while the raw picture (only made
    light on black, then squeezed to 28 x 28) is worse for the dense model every time."""
    drawings = small_digits_in_corners()
    raw_right = 0
    for digit, picture in drawings:
        for model_id in ("mnist-dense", "mnist-cnn"):
            steps = {step.key: step for step in xray.xray(classifiers[model_id], picture).steps}
            assert right(steps["mass"], digit), (model_id, digit, steps["mass"].answer)
        steps = {step.key: step for step in xray.xray(classifiers["mnist-dense"], picture).steps}
        raw, prepared = steps["found"].prediction, steps["mass"].prediction
        assert raw.probabilities[digit] < prepared.probabilities[digit]
        raw_right += right(steps["found"], digit)
    assert raw_right <= len(drawings) // 3


def test_a_cnn_depends_less_on_position_and_size(
        classifiers: dict[str, models.Classifier]) -> None:
    """Stretched to 28 x 28 or left in the corner, the CNN is right more often than the dense
    network; squeezed to a few pixels, neither is."""
    counts = {model_id: dict.fromkeys(STEP_KEYS, 0) for model_id in ("mnist-dense", "mnist-cnn")}
    drawings = small_digits_in_corners()
    for digit, picture in drawings:
        for model_id, count in counts.items():
            for step in xray.xray(classifiers[model_id], picture).steps:
                count[step.key] += right(step, digit)
    dense, cnn = counts["mnist-dense"], counts["mnist-cnn"]
    assert cnn["cropped"] > dense["cropped"] and cnn["fitted"] > dense["fitted"], counts
    assert max(dense["found"], cnn["found"]) <= len(drawings) // 3, counts
    assert dense["mass"] == cnn["mass"] == len(drawings)


def test_shipped_samples_through_the_xray(classifiers: dict[str, models.Classifier],
                                          samples_dir: Path) -> None:
    for path in sorted(samples_dir.glob("*/*.png"))[::3]:
        picture = load_image(path)
        dataset = path.parent.name
        for classifier in classifiers.values():
            if classifier.info.dataset != dataset:
                continue
            final = xray.xray(classifier, picture).steps[-1]
            assert final.final
            assert final.model_view.tobytes() == classifier.classify(picture).model_input.tobytes()
            if classifier.info.architecture == "cnn":
                assert final.prediction.index == parse_sample_name(path)[0], path.name


def test_nothing_to_show_says_why(classifiers: dict[str, models.Classifier]) -> None:
    classifier = classifiers["mnist-dense"]
    assert xray.xray(None, np.ones((10, 10))) == xray.Xray((), xray.NO_MODEL_NOTE)
    assert xray.xray(classifier, None) == xray.Xray((), xray.EMPTY_NOTE)
    blank = xray.xray(classifier, np.ones((448, 448), dtype=np.float32))
    assert blank.steps == () and "no ink" in blank.note
    fashion_blank = xray.xray(classifiers["fashion-cnn"], np.zeros((50, 50)))
    assert fashion_blank.steps == () and "no object" in fashion_blank.note
    odd = xray.xray(classifier, np.ones((4, 4, 3)))  # colour, not grayscale
    assert odd.steps == () and odd.note.startswith("The steps cannot be shown: expected a 2-D")


def test_step_wording_follows_the_recipe(classifiers: dict[str, models.Classifier]) -> None:
    mnist = classifiers["mnist-cnn"].info.recipe
    fashion = classifiers["fashion-cnn"].info.recipe
    assert xray.step_text("fitted", mnist, (20, 13)).title == "Fitted to 20 px"
    assert "This 20 × 13 picture in the top-left corner of 28 × 28" in \
        xray.step_text("fitted", mnist, (20, 13)).naive
    assert xray.step_text("fitted", fashion).title == "Fitted to 28 px"
    assert xray.step_text("found", fashion).title == "Object found"
    assert "448 × 448 pixels" in xray.step_text("given", mnist, (448, 448)).explanation
    assert "model's input" in xray.step_text("mass", mnist).explanation
    assert "model's input" not in xray.step_text("box", mnist).explanation
    assert "model's input" in xray.step_text("box", fashion).explanation
    assert xray.lesson("dense") != xray.lesson("cnn") != xray.lesson("transformer")


def test_a_number_is_shown_as_one_picture_and_says_so(
        classifiers: dict[str, models.Classifier]) -> None:
    page = np.ones((448, 448), dtype=np.float32)
    for index, digit in enumerate((2, 0, 7)):  # "207", written with gaps
        glyph = next(iter(GLYPHS[digit].values()))
        drawn = render([np.asarray(stroke, float) for stroke in glyph], 0.1, size=96)
        page[180:276, 20 + 140 * index:116 + 140 * index] = drawn
    result = xray.xray(classifiers["mnist-cnn"], page)
    assert result.steps and result.note.startswith(xray.SEVERAL_DIGITS_NOTE)
    _, one = small_digits_in_corners()[0]
    assert not xray.xray(classifiers["mnist-cnn"], one).note.startswith(
        xray.SEVERAL_DIGITS_NOTE)
    clothing = xray.xray(classifiers["fashion-dense"], page)  # clothing models read no numbers
    assert clothing.note == xray.lesson("dense")
