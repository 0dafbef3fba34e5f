"""How the picker, the Model menu and the Compare tab name and order many models: real model
folders (tests/many_models.py), no widget."""

from __future__ import annotations

from pathlib import Path

import pytest
from many_models import write_many_models

from desktop import model_choices, models
from desktop.binary_task import BINARY_TASKS
from desktop.model_choices import Group
from desktop.model_format import ARCHITECTURE_TITLES, ARCHITECTURES
from desktop.verdict import percent


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_many_models(tmp_path_factory.mktemp("many") / "models",
                             broken=("fashion-deep",))


@pytest.fixture(scope="module")
def choices(many: Path) -> list[model_choices.ModelChoice]:
    entries = models.discover(many)
    reasons = {entry.key: entry.error for entry in entries}
    return model_choices.model_choices(entries, reasons.get)


def test_every_architecture_in_order_then_variants_then_binary_models(choices, many) -> None:
    digits = [c for c in choices if c.dataset == "mnist"]
    usual = [c for c in digits if c.group is Group.USUAL]
    assert [c.architecture for c in usual] == list(ARCHITECTURES)
    groups = [c.group for c in digits]
    assert groups == sorted(groups)  # usual models, then variants, then binary models
    assert {c.key for c in choices} == {folder.name for folder in many.iterdir()}
    assert [c.dataset for c in choices].index("fashion") == len(digits)  # digits first


def test_each_model_is_named_by_its_kind_and_accuracy(choices, many) -> None:
    for choice in choices:
        entry_info = models.read_info(many / choice.key / "model.onnx") if choice.usable else None
        if entry_info is None:
            continue
        score = percent(entry_info.test_accuracy)
        if entry_info.task is not None:
            assert choice.group is Group.BINARY
            expected = f"{entry_info.task.question} (logistic regression)"
        elif entry_info.variant:
            assert choice.group is Group.VARIANT
            expected = f"{ARCHITECTURE_TITLES[entry_info.architecture]}, {entry_info.variant}"
        else:
            expected = ARCHITECTURE_TITLES[entry_info.architecture]
        assert choice.text == f"{expected} · {score}"
        assert choice.title == f"{entry_info.dataset_title} - {expected}"
        assert choice.tooltip.startswith(f"{choice.title} ({choice.key}): {score} test accuracy")


def test_an_unreadable_model_keeps_its_place_and_says_why(choices) -> None:
    broken = next(c for c in choices if c.key == "fashion-deep")
    assert not broken.usable and broken.text == "Deep MLP"
    assert broken.tooltip.startswith("fashion-deep is unavailable: ")
    clothing = [c.key for c in choices if c.dataset == "fashion" and c.group is Group.USUAL]
    assert clothing.index("fashion-deep") == ARCHITECTURES.index("deep")


def test_an_unreadable_binary_model_is_placed_by_its_folder_name(many, tmp_path) -> None:
    entries = [models.ModelEntry("mnist-linear-is-7", tmp_path, None, "damaged"),
               models.ModelEntry("mnist-mlp-5-at-5pct", tmp_path, None, "damaged")]
    named = {c.key: c for c in model_choices.model_choices(entries, lambda key: "damaged")}
    assert named["mnist-linear-is-7"].group is Group.BINARY
    assert named["mnist-linear-is-7"].kind == (f"{BINARY_TASKS['is-7'].question} "
                                               "(logistic regression)")
    assert named["mnist-mlp-5-at-5pct"].group is Group.VARIANT


def test_switching_dataset_keeps_the_kind_of_model(choices) -> None:
    by_key = {c.key: c for c in choices}
    switch = model_choices.first_of_dataset
    assert switch(choices, "fashion", by_key["mnist-lenet"]).key == "fashion-lenet"
    assert switch(choices, "fashion", by_key["mnist-linear-is-7"]).key == "fashion-linear-is-shoe"
    # No usable Deep MLP of clothing: the first usable clothing model instead.
    assert switch(choices, "fashion", by_key["mnist-deep"]).key == "fashion-linear"
    assert switch(choices, "mnist", by_key["fashion-cnn"]).key == "mnist-cnn"
    assert switch(choices, "nothing", None) is None


def test_dataset_buttons_say_how_many_models_they_hold(choices) -> None:
    assert model_choices.datasets(choices) == [("mnist", "Digits"), ("fashion", "Clothing")]
    digits = [c for c in choices if c.dataset == "mnist"]
    assert model_choices.dataset_tooltip("Digits", digits) == (
        f"Recognise digits: {len(digits)} models")
