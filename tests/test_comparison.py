"""What each row of the Compare tab says (desktop.comparison), without a widget: real model
folders (tests/many_models.py), real ONNX sessions, real pictures."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from many_models import write_many_models

from desktop import comparison, image_io, model_choices, models, numbers
from desktop.benchmark_figures import HANDWRITING, read_figures
from desktop.comparison import COLUMNS, NONE
from desktop.verdict import percent

SAMPLES = Path(__file__).resolve().parents[1] / "resources" / "samples"
COLUMN = {title or "bars": index for index, (title, _) in enumerate(COLUMNS)}


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_many_models(tmp_path_factory.mktemp("many") / "models", broken=("mnist-deep",))


@pytest.fixture(scope="module")
def entries(many: Path) -> list[models.ModelEntry]:
    return models.discover(many)


@pytest.fixture(scope="module")
def digits(entries) -> dict[str, models.Classifier]:
    return {e.key: models.Classifier(e.info) for e in entries
            if e.info is not None and e.info.dataset == "mnist"}


@pytest.fixture(scope="module")
def choices(entries) -> list[model_choices.ModelChoice]:
    reasons = {e.key: e.error for e in entries}
    return [c for c in model_choices.model_choices(entries, reasons.get) if c.dataset == "mnist"]


def _sample(dataset: str, prefix: str) -> np.ndarray:
    return image_io.load_image(sorted((SAMPLES / dataset).glob(f"{prefix}-*.png"))[0])


def _infos(entries) -> dict[str, models.ModelInfo]:
    return {e.key: e.info for e in entries if e.info is not None}


def test_every_model_answers_as_it_does_alone(digits) -> None:
    seven = _sample("mnist", "7")
    outcomes = comparison.run_models(digits, seven)
    assert set(outcomes) == set(digits)
    for key, classifier in digits.items():
        alone = classifier.classify(seven)
        outcome = outcomes[key]
        assert outcome.error == "" and outcome.seconds > 0
        assert outcome.prediction.index == alone.index
        np.testing.assert_allclose(outcome.prediction.probabilities, alone.probabilities,
                                   rtol=1e-5, atol=1e-7)


def test_the_rows_say_each_models_answer(entries, digits, choices, tmp_path) -> None:
    seven = _sample("mnist", "7")
    outcomes = comparison.run_models(digits, seven)
    figures = read_figures(tmp_path / "nowhere.json")
    rows = comparison.compare_rows(choices, _infos(entries), "mnist-cnn", True, outcomes,
                                   figures, {})
    usable = [c for c in choices if c.usable]
    assert [row.key for row in rows] == [c.key for c in usable]  # the picker's order
    assert [row.key for row in rows if row.chosen] == ["mnist-cnn"]
    infos = _infos(entries)
    for row, choice in zip(rows, usable, strict=True):
        info, prediction = infos[row.key], outcomes[row.key].prediction
        answer = row.cells[COLUMN["Answer"]].text
        sure = comparison.whole_percent(prediction.confidence)
        if info.task is not None:
            assert answer == f"7: {'yes' if prediction.index == 1 else 'no'}, {sure}"
        else:
            assert answer.endswith(f"{prediction.label}, {sure}")
        assert row.cells[COLUMN["Model"]].text == choice.label
        assert row.probabilities == tuple(float(p) for p in prediction.probabilities)
        assert row.top == prediction.index and not row.muted
        assert row.cells[COLUMN["Test"]].text == percent(info.test_accuracy)
        assert row.cells[COLUMN["Weights"]].tooltip == f"{info.params:,} weights"
        assert row.cells[COLUMN["Time"]].text == comparison.milliseconds(
            outcomes[row.key].seconds)
        assert row.cells[COLUMN["Pen"]].text == NONE  # no benchmarks file here
        assert "does not exist" in row.cells[COLUMN["Pen"]].tooltip
        assert row.cells[COLUMN["Trained"]].text == "…"  # the reports are still being read


def test_a_picture_of_clothing_is_not_a_digit(entries, digits, choices, tmp_path) -> None:
    boot = _sample("fashion", "9")
    outcomes = comparison.run_models(digits, boot)
    rows = comparison.compare_rows(choices, _infos(entries), None, True, outcomes,
                                   read_figures(tmp_path / "none.json"), {})
    rejecting = [row for row in rows if not outcomes[row.key].prediction.accepted]
    assert rejecting, "no digit model rejects an ankle boot"
    for row in rejecting:
        assert row.cells[COLUMN["Answer"]].text == "not a digit" and row.muted


def test_without_a_picture_the_rows_keep_their_figures(entries, choices, tmp_path) -> None:
    figures_file = tmp_path / "benchmarks.json"
    figures_file.write_text(json.dumps({HANDWRITING: {
        "title": "real pen-tablet digits never trained on", "count": 3494,
        "measured": "2026-12-05", "accuracy": {"mnist-cnn": 0.969}}}))
    times = comparison.training_times([e for e in entries if e.key in ("mnist-cnn",
                                                                       "mnist-linear-is-7")])
    rows = {row.key: row for row in comparison.compare_rows(
        choices, _infos(entries), "mnist-cnn", False, {}, read_figures(figures_file), times)}
    cnn = rows["mnist-cnn"]
    assert cnn.cells[COLUMN["Answer"]].text == "draw something" and cnn.probabilities == ()
    assert cnn.cells[COLUMN["Pen"]].text == "96.9 %"
    assert "3,494 real pen-tablet digits" in cnn.cells[COLUMN["Pen"]].tooltip
    assert rows["mnist-lenet"].cells[COLUMN["Pen"]].text == NONE
    assert rows["mnist-lenet"].cells[COLUMN["Pen"]].tooltip.startswith("Not measured on 3,494")
    seconds = models.load_metrics(_entry(entries, "mnist-cnn").directory).train_seconds
    assert times["mnist-cnn"] == (seconds, "")
    assert cnn.cells[COLUMN["Trained"]].text == comparison.duration(seconds)
    binary = rows["mnist-linear-is-7"].cells[COLUMN["Trained"]]  # made without a report
    assert binary.text == NONE and binary.tooltip.startswith("No training report: ")
    assert cnn.cells[COLUMN["Time"]].text == NONE


def _entry(entries, key: str) -> models.ModelEntry:
    return next(e for e in entries if e.key == key)


def test_a_blank_picture_has_nothing_to_see(entries, digits, choices, tmp_path) -> None:
    white = np.ones((60, 60), dtype=np.float32)
    outcomes = comparison.run_models(digits, white)
    assert all(o.prediction is None and o.error == "" for o in outcomes.values())
    rows = comparison.compare_rows(choices, _infos(entries), None, True, outcomes,
                                   read_figures(tmp_path / "none.json"), {})
    assert {row.cells[COLUMN["Answer"]].text for row in rows} == {"nothing to see"}


def test_figures_in_few_characters() -> None:
    assert comparison.weights(536075) == "536k"
    assert comparison.weights(7950) == "8.0k" and comparison.weights(650) == "650"
    assert comparison.weights(1_234_567) == "1.2M"
    assert comparison.milliseconds(0.000183) == "0.18 ms"
    assert comparison.milliseconds(0.0123) == "12 ms"
    assert comparison.duration(7.25) == "7.2 s" and comparison.duration(76) == "76 s"
    assert comparison.duration(634) == "11 min" and comparison.duration(5400) == "1.5 h"
    assert comparison.whole_percent(0.934) == "93 %" and comparison.whole_percent(1.0) == "100 %"


def test_several_digits_are_read_as_a_number(entries, digits, choices, tmp_path) -> None:
    two = np.concatenate([_sample("mnist", "2"), _sample("mnist", "7")], axis=1)  # "27"
    outcomes = comparison.run_models(digits, two)
    rows = {row.key: row for row in comparison.compare_rows(
        choices, _infos(entries), None, True, outcomes, read_figures(tmp_path / "no.json"), {})}
    for key, classifier in digits.items():
        answer = rows[key].cells[COLUMN["Answer"]]
        if numbers.reads_digits(classifier.info):  # as the Prediction tab reads it
            reading = numbers.read_number(classifier, two)
            assert answer.text == reading.text and len(reading.digits) == 2
            assert answer.tooltip.startswith("Read as a number, left to right: ")
            assert "split the picture" in rows[key].cells[COLUMN["Time"]].tooltip
        else:  # the binary model answers its question about the whole picture
            alone = classifier.classify(two)
            assert answer.text.startswith(f"7: {'yes' if alone.index else 'no'}, ")
