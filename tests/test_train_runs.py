"""The Train panel's form turned into the trainer's command line (desktop.train_runs), without
widgets: blank fields leave the trainer's defaults, bad values are named, all at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop import train_runs
from desktop.model_format import DATASETS
from desktop.train_runs import FormError, TrainForm, build_arguments

OUT = Path("/tmp/models")


def _options(arguments: list[str]) -> dict[str, str]:
    """{'--epochs': '3', '--no-augment': ''}: each flag with the value after it, if any."""
    found, index = {}, 2
    while index < len(arguments):
        flag = arguments[index]
        value = arguments[index + 1] if index + 1 < len(arguments) \
            and not arguments[index + 1].startswith("--") else ""
        found[flag] = value
        index += 2 if value else 1
    return found


def test_blank_form_runs_the_trainers_defaults_with_the_stream() -> None:
    arguments = build_arguments(TrainForm(), OUT)
    assert arguments[:2] == ["-m", "trainer"]
    options = _options(arguments)
    assert options == {"--dataset": "mnist", "--model": "cnn", "--progress": "json",
                       "--out-dir": str(OUT)}


def test_every_field_becomes_its_option() -> None:
    form = TrainForm(dataset="fashion", architecture="mlp", epochs="3", batch_size="64",
                     learning_rate="0,002", dropout="0.5", augment=False, label_smoothing="0.1",
                     class_weights=True, imbalance_class=5, imbalance_fraction="0.05",
                     val_size="500", seed="7", limit="2000", extra_data=False)
    options = _options(build_arguments(form, OUT))
    assert options == {
        "--dataset": "fashion", "--model": "mlp", "--epochs": "3", "--batch-size": "64",
        "--lr": "0.002", "--dropout": "0.5", "--no-augment": "", "--label-smoothing": "0.1",
        "--imbalance": "5:0.05", "--class-weights": "", "--val-size": "500", "--seed": "7",
        "--limit": "2000", "--no-extra-data": "", "--progress": "json",
        "--out-dir": str(OUT)}


def test_quick_preset_leaves_the_dataset_architecture_and_numbers_to_it() -> None:
    form = TrainForm(quick=True, dataset="fashion", architecture="resnet", epochs="40",
                     dropout="0.9", seed="3", extra_data=False, augment=False)
    options = _options(build_arguments(form, OUT))
    assert options["--preset"] == train_runs.QUICK_PRESET
    assert options["--seed"] == "3"
    assert not {"--dataset", "--model", "--epochs", "--dropout", "--no-extra-data",
                "--no-augment"} & set(options)


def test_quick_preset_refuses_an_imbalance() -> None:
    with pytest.raises(FormError) as caught:
        build_arguments(TrainForm(quick=True, imbalance_class=5, imbalance_fraction="0.1"), OUT)
    assert [name for name, _ in caught.value.problems] == ["imbalance_class"]


@pytest.mark.parametrize(("form", "field", "words"), [
    (TrainForm(epochs="three"), "epochs", "whole number"),
    (TrainForm(epochs="0"), "epochs", "between 1"),
    (TrainForm(batch_size="-4"), "batch_size", "between 1"),
    (TrainForm(learning_rate="0"), "learning_rate", "above 0"),
    (TrainForm(learning_rate="nan"), "learning_rate", "above 0"),
    (TrainForm(dropout="1"), "dropout", "below 1"),
    (TrainForm(label_smoothing="-0.1"), "label_smoothing", "at least 0"),
    (TrainForm(label_smoothing="0.6"), "label_smoothing", "at most 0.5"),
    (TrainForm(val_size="60000"), "val_size", "between 1"),
    (TrainForm(seed="1.5"), "seed", "whole number"),
    (TrainForm(limit="lots"), "limit", "whole number"),
    (TrainForm(imbalance_class=3), "imbalance_fraction", "how much of class 3"),
    (TrainForm(imbalance_class=3, imbalance_fraction="2"), "imbalance_fraction", "at most 1"),
    (TrainForm(imbalance_class=12, imbalance_fraction="0.1"), "imbalance_class", "Choose"),
    (TrainForm(architecture="transformer"), "architecture", "transformer"),
    (TrainForm(dataset="cifar"), "dataset", "cifar"),
])
def test_a_bad_value_is_named(form: TrainForm, field: str, words: str) -> None:
    with pytest.raises(FormError) as caught:
        build_arguments(form, OUT)
    assert [name for name, _ in caught.value.problems] == [field]
    assert words in caught.value.problems[0][1]


def test_every_bad_field_is_named_at_once() -> None:
    with pytest.raises(FormError) as caught:
        build_arguments(TrainForm(epochs="x", dropout="2", seed="-1"), OUT)
    assert [name for name, _ in caught.value.problems] == ["epochs", "dropout", "seed"]


def test_imbalance_names_the_class_of_the_chosen_dataset() -> None:
    classes = DATASETS["fashion"].classes
    with pytest.raises(FormError) as caught:
        build_arguments(TrainForm(dataset="fashion", imbalance_class=7), OUT)
    assert classes[7] in str(caught.value)


def test_resume_adds_the_flag_once() -> None:
    arguments = build_arguments(TrainForm(epochs="2"), OUT)
    resumed = train_runs.resume_arguments(arguments)
    assert resumed == [*arguments, "--resume"]
    assert train_runs.resume_arguments(resumed) == resumed


def test_run_titles_say_what_differs() -> None:
    title = train_runs.run_title(TrainForm(architecture="mlp", dropout="0.5", augment=False), 2)
    assert title == "Run 2: MLP, dropout 0.5, no augmentation"
    assert "quick" in train_runs.run_title(TrainForm(quick=True), 1)


def test_install_hint_says_how_to_add_the_trainer() -> None:
    for frozen in (False, True):
        hint = train_runs.install_hint(frozen)
        assert "./tests/run" in hint and "pip install -e '.[train]'" in hint
    assert "installed copy" in train_runs.install_hint(True)


def test_frozen_app_has_no_python_for_the_trainer(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    assert train_runs.python_for_trainer() == sys.executable
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert train_runs.python_for_trainer() is None
