"""What the window tells the user, driven without a widget: real model folders, real ONNX Runtime
sessions and their real predictions go in, the words the window shows come out."""

from __future__ import annotations

import itertools
import math
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from desktop import APP_NAME, image_io, model_choices, models, numbers, presenter
from desktop.presenter import Shown
from desktop.verdict import percent

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def entries(models_dir: Path) -> dict[str, models.ModelEntry]:
    return {entry.model_id: entry for entry in models.discover(models_dir)}


@pytest.fixture(scope="module")
def digits(entries) -> models.Classifier:
    return models.Classifier(entries["mnist-cnn"].info)


def picture(samples_dir: Path, dataset: str, index: int) -> np.ndarray:
    return image_io.load_image(sorted((samples_dir / dataset).glob("*.png"))[index])


def test_the_presenter_loads_neither_qt_nor_torch() -> None:
    code = ("import sys, desktop.presenter; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'PySide6', 'torch'}))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("model_id", ["mnist-cnn", "mnist-dense", "fashion-cnn",
                                      "fashion-dense"])
def test_a_shipped_model_is_named_with_its_accuracy(entries, model_id) -> None:
    entry = entries[model_id]
    info = entry.info
    view = presenter.model_view(entry)
    architecture = {"cnn": "CNN", "dense": "Dense"}[info.architecture]
    assert view.status_label == f"{info.dataset_title} - {architecture}"
    score = percent(info.test_accuracy)  # "99.2 %": the same figure everywhere
    assert view.status_tooltip.startswith(f"{model_id} ({score} on the test set)\n")
    assert view.note == (f"Model: {info.dataset_title} - {architecture} ({score} on the test "
                         f"set), {info.params:,} weights. The Training tab shows how it learned.")
    subject = "a digit" if info.dataset == "mnist" else "a piece of clothing"
    assert view.placeholder == (f"Draw {subject} here", presenter.DRAW_HINT)
    assert view.gallery_title == f"{info.dataset_title}: samples from the test set"
    assert view.prediction is None and view.status == ""


def test_the_users_own_model_says_it_is_theirs(models_dir: Path, tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    shutil.copytree(models_dir / "mnist-cnn", mine / "mnist-cnn")
    everything = models.discover_all(models_dir, mine)
    entry = next(e for e in everything if e.user)
    view = presenter.model_view(entry)
    assert view.status_label == "Digits - CNN (yours)"
    assert f"Model: Digits - {entry.display_name} (" in view.note
    assert "yours" in entry.display_name
    choices = {c.key: c for c in model_choices.model_choices(everything, lambda key: None)}
    own, shipped = choices["user:mnist-cnn"], choices["mnist-cnn"]
    assert (own.architecture, own.group) == ("cnn", model_choices.Group.YOURS)
    assert own.text == f"Your CNN ({entry.run})"  # no accuracy: how it was trained instead
    assert shipped.text == f"CNN · {percent(shipped.test_accuracy)}"
    assert list(choices).index("user:mnist-cnn") > list(choices).index("mnist-cnn")
    digit_models = [e for e in models.discover(models_dir) if e.info.dataset == "mnist"]
    assert [c.dataset_title for c in choices.values()].count("Digits") == len(digit_models) + 1


def test_without_a_model_the_window_says_why_and_what_to_do() -> None:
    reason = "There are no models in /nowhere."
    view = presenter.no_model_view(reason)
    assert view.status_label == "No model" and view.status == reason
    assert view.placeholder == ("No model available", reason)
    assert view.gallery_title == ""  # hides the gallery
    assert view.prediction.shown is Shown.NO_MODEL
    assert view.prediction.headline == "No model can be used"
    assert reason in view.prediction.detail and "$DIGIT_LENS_MODELS=DIR" in view.prediction.detail
    assert view.training_message == reason


def test_every_state_of_the_prediction_tab(entries, digits, samples_dir: Path) -> None:
    info = digits.info
    empty = presenter.nothing_to_classify(info)
    assert (empty.shown, empty.headline) == (Shown.EMPTY, "Nothing to classify yet")
    assert empty.detail.startswith("Draw a digit on the canvas")
    assert presenter.thinking(info).headline == "Loading mnist-cnn…"

    blank = digits.classify(np.ones((40, 40), dtype=np.float32))  # white: nothing in it
    assert blank is None
    assert presenter.answer(info, blank).shown is Shown.BLANK

    seven = digits.classify(picture(samples_dir, "mnist", 14))
    sure = presenter.answer(info, seven)
    assert (sure.shown, sure.headline, sure.prediction) == (Shown.RESULT, "7", seven)
    assert sure.detail == f"{percent(seven.confidence)} sure" and sure.status == ""

    boot = digits.classify(picture(samples_dir, "fashion", 18))  # an ankle boot
    rejected = presenter.answer(info, boot)
    assert not boot.accepted and rejected.shown is Shown.REJECTED
    assert rejected.headline == "This doesn't look like a digit"

    with pytest.raises(ValueError) as error:  # what a broken picture really raises
        digits.classify(np.zeros((3, 3, 3)))
    failed = presenter.classify_failed(error.value)
    assert failed.shown is Shown.ERROR and failed.headline == "Could not classify this"
    assert failed.status == failed.detail == str(error.value)


def test_an_unsure_answer_names_the_two_best_classes(digits, samples_dir: Path) -> None:
    """Two digits written over each other: the model hesitates on some pairs."""
    pictures = [picture(samples_dir, "mnist", i) for i in range(20)]
    for first, second in itertools.combinations(pictures, 2):
        prediction = digits.classify(np.minimum(first, second))
        if prediction is not None and prediction.accepted and prediction.unsure:
            break
    else:
        pytest.fail("no pair of overlaid samples leaves the model unsure")
    view = presenter.answer(digits.info, prediction)
    order = prediction.probabilities.argsort()[::-1]
    assert view.shown is Shown.RESULT
    assert view.headline == f"Not sure - maybe {order[0]} or {order[1]}"


def test_several_digits_are_a_number(digits, samples_dir: Path) -> None:
    two = np.concatenate([picture(samples_dir, "mnist", 4), picture(samples_dir, "mnist", 14)],
                         axis=1)  # a 2 beside a 7
    reading = numbers.read_number(digits, two)
    view = presenter.answer(digits.info, reading.digits[0].prediction, reading)
    assert (view.shown, view.headline, view.number) == (Shown.NUMBER, "27", reading)


def test_an_unusable_model_says_why_in_the_menu_and_the_picker(models_dir, tmp_path) -> None:
    copy = tmp_path / "models"
    for name in ("mnist-dense", "mnist-cnn", "fashion-dense", "fashion-cnn"):  # the app's own
        shutil.copytree(models_dir / name, copy / name)
    (copy / "fashion-cnn" / "model.onnx").write_bytes(b"not a model")
    (copy / "fashion-dense" / "model.onnx").write_bytes(b"not a model")
    found = models.discover(copy)
    reasons = {e.key: e.error for e in found}
    choices = {c.key: c for c in model_choices.model_choices(found, reasons.get)}
    broken = choices["fashion-cnn"]
    # Unreadable: placed by its folder's name, "fashion" (no model of it says "Clothing").
    assert not broken.usable and broken.dataset_title == "Fashion"
    assert (broken.text, broken.title) == ("CNN", "Fashion - CNN")  # no accuracy to show
    assert broken.tooltip == f"fashion-cnn is unavailable: {reasons['fashion-cnn']}"
    clothing = [c for c in choices.values() if c.dataset == "fashion"]
    assert model_choices.dataset_tooltip("Fashion", clothing).startswith(
        "No usable model: fashion-dense: ")
    digits = [c for c in choices.values() if c.dataset == "mnist"]
    assert model_choices.dataset_tooltip("Digits", digits) == "Recognise digits: 2 models"
    cnn = choices["mnist-cnn"]
    assert cnn.tooltip.startswith(
        f"Digits - CNN (mnist-cnn): {percent(cnn.test_accuracy)} test accuracy\n")


def test_small_words() -> None:
    assert presenter.window_title("") == APP_NAME
    assert presenter.window_title("seven.png") == f"seven.png - {APP_NAME}"
    assert presenter.latency(0.00234) == "Classified in 2.3 ms"
    assert model_choices.accuracy(math.nan) == "" and model_choices.accuracy(0.9921) == "99.2 %"
    assert model_choices.architecture_title("resnet") == "ResNet"
    assert model_choices.architecture_title("transformer") == "Transformer"
    assert presenter.drop_to_open(None) == "Drop to open the picture"
    about = presenter.about_html(Path("/models"), {"Qt": "6.9", "ONNX Runtime": "1.2"})
    assert "<p>Models: /models</p>" in about and "Qt 6.9 · ONNX Runtime 1.2" in about
