"""The model-folder contract on its own: records, validation messages, bounded reading of the
report, sample names, and the Training tab's wording. No Qt, no torch, no ONNX Runtime."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop import binary_task, graph_outputs, model_format
from desktop.model_format import (
    DATASETS,
    ModelError,
    ModelMetadata,
    Recipe,
    parse_sample_name,
    sample_name,
)
from desktop.training_report import TrainingReport, read_report, report_entries
from desktop.training_summary import curves, per_class_rows, summary_lines

ROOT = Path(__file__).resolve().parents[1]


def metadata() -> ModelMetadata:
    digits = DATASETS["mnist"]
    return ModelMetadata(
        model_id="mnist-cnn", dataset="mnist", dataset_title=digits.title,
        architecture="cnn", classes=digits.classes, mean=0.1307, std=0.3081,
        recipe=digits.recipe, params=1234, test_accuracy=0.987654321,
        summary="Conv2d -> ReLU", description="a test", temperature=1.25,
        reject_threshold=0.5)


def report_dict(**changes: object) -> dict:
    report = {
        "model_id": "mnist-cnn", "classes": ["a", "b"], "test_accuracy": 0.75,
        "confusion_matrix": [[2, 1], [0, 1]], "test_size": 4, "params": 99,
        "per_class": [{"class": "a", "precision": 1.0, "recall": 2 / 3, "f1": 0.8,
                       "support": 3},
                      {"class": "b", "precision": 0.5, "recall": 1.0, "f1": 2 / 3,
                       "support": 1}],
        "macro_avg": {"precision": 0.75, "recall": 5 / 6, "f1": 0.733},
        "history": [{"epoch": 1, "train_loss": 0.9, "val_loss": 0.5, "train_accuracy": 0.6,
                     "val_accuracy": 0.7}, "not a row",
                    {"epoch": 2, "train_loss": "?", "val_loss": 0.4}],
        "best_epoch": 2, "train_seconds": 754, "device": "cpu",
        "config": {"epochs": 2, "augment": False}, "a_field_of_tomorrow": [1, 2],
    }
    report.update(changes)
    return report


def test_the_contract_imports_neither_qt_nor_torch_nor_onnxruntime() -> None:
    code = ("import sys, desktop.model_format, desktop.training_report, "
            "desktop.training_summary, desktop.preprocess, trainer.settings; "
            "print(sorted(m for m in ('PySide6', 'torch', 'onnxruntime', 'onnx') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"


def test_metadata_round_trips_through_strings() -> None:
    original = metadata()
    strings = original.to_strings()
    assert all(isinstance(value, str) for value in strings.values())
    assert strings["format"] == model_format.FORMAT == "1"
    assert json.loads(strings["input_size"]) == [28, 28]
    assert json.loads(strings["rejection"])["output"] == graph_outputs.OUTLIER_OUTPUT
    assert ModelMetadata.from_strings(strings, "model.onnx") == original
    plain = dataclasses.replace(original, reject_threshold=None, test_accuracy=0.5)
    assert "rejection" not in plain.to_strings()
    assert ModelMetadata.from_strings(plain.to_strings(), "model.onnx") == plain


def test_binary_tasks_and_variants_round_trip() -> None:
    """A binary lab model: two classes (no, yes) and its question; a variant's words."""
    task = binary_task.BINARY_TASKS["is-shoe"]
    binary = dataclasses.replace(
        metadata(), model_id=model_format.model_id("fashion", "linear", task.key),
        dataset="fashion", classes=task.classes, task=task, reject_threshold=None)
    assert binary.model_id == "fashion-linear-is-shoe"
    assert ModelMetadata.from_strings(binary.to_strings(), "model.onnx") == binary
    assert task.binary_labels([5, 0, 7, 9, 8]) == [1, 0, 1, 1, 0]
    variant = model_format.imbalance_variant(5, 0.05, class_weights=True)
    assert model_format.model_id("mnist", "dense", variant) == "mnist-dense-5-at-5pct-weighted"
    cut = dataclasses.replace(metadata(), variant="digit 5 cut to 5 % of training")
    assert ModelMetadata.from_strings(cut.to_strings(), "model.onnx") == cut
    assert "task" not in metadata().to_strings() and "variant" not in metadata().to_strings()


def test_the_shipped_metadata_is_read_as_the_trainer_writes_it() -> None:
    """Format "1" as written before the contract existed (test accuracy with 6 decimals)."""
    import onnx

    proto = onnx.load(str(ROOT / "resources" / "models" / "fashion-dense" / "model.onnx"))
    strings = {entry.key: entry.value for entry in proto.metadata_props}
    info = ModelMetadata.from_strings(strings, "fashion-dense")
    assert info.recipe == DATASETS["fashion"].recipe and info.classes == DATASETS["fashion"].classes
    assert info.test_accuracy == float(strings["test_accuracy"])
    written = info.to_strings()
    for key in ("classes", "input_size", "preprocessing", "dataset", "architecture"):
        assert written[key] == strings[key], key


@pytest.mark.parametrize(("change", "message"), [
    ({"format": "2"}, "uses metadata format '2'; this version of the app reads format 1"),
    ({"classes": None}, "lacks metadata (classes)"),
    ({"classes": '["only one"]'}, "class list is not a list of names"),
    ({"classes": "[" * 100 + "]" * 100}, "nested more than 64 levels deep"),
    ({"input_size": "[32, 32]"}, "input size [32, 32] does not match"),
    ({"normalization": '{"mean": 0.1, "std": 0}'}, "std=0.0 is not usable"),
    ({"normalization": '{"mean": 1e999, "std": 1}'}, "1e999, which is out of range"),
    ({"preprocessing": '{"ink": "light-on-dark", "trim": "ink", "fit": 40, "canvas": 28, '
                       '"center": "mass"}'}, "fit=40, canvas=28"),
    ({"rejection": '{"output": "other", "threshold": 0.5}'}, "not a threshold in 0..1"),
    ({"params": "many"}, "unreadable metadata"),
    ({"task": '{"kind": "binary", "key": "is-7", "dataset": "mnist", "question": "7?", '
              '"positive": [], "yes": "7", "no": "not 7"}'}, "not a list of class indices"),
    ({"task": json.dumps(binary_task.BINARY_TASKS["is-7"].to_dict())},
     "are not the binary task's ['not 7', '7']"),
    ({"variant": "two\nlines"}, "not one printable line"),
])
def test_bad_metadata_gets_a_clear_message(change: dict, message: str) -> None:
    strings = {key: value for key, value in {**metadata().to_strings(), **change}.items()
               if value is not None}
    with pytest.raises(ModelError, match=f"^some/model.onnx.*{_escaped(message)}"):
        ModelMetadata.from_strings(strings, "some/model.onnx")


def test_recipes_are_checked_once_when_made() -> None:
    assert Recipe.from_dict(DATASETS["mnist"].recipe.to_dict()) == DATASETS["mnist"].recipe
    with pytest.raises(ValueError, match="'center' is 'middle'"):
        Recipe("x", "light-on-dark", "ink", 20, 28, "middle")
    with pytest.raises(ValueError, match="not whole numbers"):
        Recipe.from_dict({"ink": "light-on-dark", "trim": "ink", "center": "box", "fit": 2.5,
                          "canvas": 28})


def test_a_report_keeps_every_field_and_checks_the_ones_the_app_uses() -> None:
    report = TrainingReport.from_dict(report_dict(), "r")
    assert report.classes == ("a", "b") and report.test_accuracy == 0.75
    assert len(report.history) == 2  # the row that is not an object is dropped
    assert report["a_field_of_tomorrow"] == [1, 2]  # new fields need no change to be read
    entries = report_entries(report)
    assert json.loads(entries[model_format.REPORT_KEY]) == report_dict()
    assert json.loads(entries[model_format.CONFIG_KEY]) == {"epochs": 2, "augment": False}
    odd = TrainingReport.from_dict(report_dict(params=math.nan, test_size=-1, best_epoch="2",
                                               train_seconds=None, device=7))
    assert (odd.params, odd.test_size, odd.best_epoch, odd.device) == (None, None, None, "")
    assert math.isnan(odd.train_seconds)


@pytest.mark.parametrize(("report", "message"), [
    ([1, 2], "not a training report"),
    ({"classes": ["a"]}, "lacks test_accuracy, confusion_matrix, per_class, history"),
    (report_dict(classes=5), 'damaged: its "classes" is not a list'),
    (report_dict(confusion_matrix=[[1]]), "confusion matrix is not 2 x 2"),
    (report_dict(confusion_matrix=[[1, "x"], [0, 1]]), "holds non-numbers"),
    (report_dict(test_accuracy="high"), '"test_accuracy" is not a number'),
])
def test_a_bad_report_gets_a_clear_message(report: object, message: str) -> None:
    with pytest.raises(ModelError, match=f"^the report.*{_escaped(message)}"):
        TrainingReport.from_dict(report, "the report")


def test_the_report_is_read_bounded_from_the_metadata_or_the_legacy_file(tmp_path: Path) -> None:
    text = json.dumps(report_dict())
    own = {"model_id": "mnist-cnn", "test_accuracy": "0.75"}
    embedded = read_report(tmp_path, {**own, model_format.REPORT_KEY: text})
    assert embedded.model_id == "mnist-cnn"
    with pytest.raises(ModelError, match=r"\(metadata 'metrics'\) is damaged \(not valid JSON"):
        read_report(tmp_path, {model_format.REPORT_KEY: "{ not json"})
    with pytest.raises(ModelError, match="none inside and .*metrics.json is missing"):
        read_report(tmp_path, own)
    legacy = tmp_path / model_format.LEGACY_REPORT_FILE
    legacy.write_text(text)
    assert read_report(tmp_path, own) == embedded
    with pytest.raises(ModelError, match="belongs to another training run"):
        read_report(tmp_path, {**own, "test_accuracy": "0.5"})
    with pytest.raises(ModelError, match="describes 'mnist-cnn', not 'fashion-cnn'"):
        read_report(tmp_path, {**own, "model_id": "fashion-cnn"})
    legacy.write_text(" " * (model_format.MAX_REPORT_BYTES + 1))
    with pytest.raises(ModelError, match=r"metrics.json: too large \(8.0 MB"):
        read_report(tmp_path, own)
    legacy.unlink()
    os.mkfifo(legacy)
    with pytest.raises(ModelError, match="a named pipe, not an ordinary file"):
        read_report(tmp_path, own)


def test_sample_names_round_trip() -> None:
    assert sample_name(7, "Sneaker", 9) == "7-sneaker-00009.png"
    assert sample_name(0, "T-shirt/top", 19) == "0-t-shirt-top-00019.png"
    assert parse_sample_name("0-t-shirt-top-00019.png") == (0, 19)
    assert parse_sample_name(Path("/x/9-ankle-boot-00000.png")) == (9, 0)
    for bad in ("sneaker.png", "7-sneaker.png", "x-sneaker-00009.png", "7-sneaker-9.jpg"):
        assert parse_sample_name(bad) is None, bad
    shipped = sorted((ROOT / "resources" / "samples").glob("*/*.png"))
    assert len(shipped) >= 40
    for path in shipped:
        index, number = parse_sample_name(path)
        assert sample_name(index, DATASETS[path.parent.name].classes[index], number) == path.name


def test_the_training_tab_wording_without_widgets() -> None:
    report = TrainingReport.from_dict(report_dict())
    lines = summary_lines(metadata(), report)
    assert lines == {"accuracy": "75.00 % on 4 test images", "params": "99 trainable weights",
                     "architecture": "Conv2d -> ReLU",
                     "training": "2 epochs (best: epoch 2) in 12 min 34 s on cpu"}
    unknown = TrainingReport.from_dict(report_dict(test_accuracy=math.inf, params=math.nan,
                                                   train_seconds=-math.inf))
    lines = summary_lines(metadata(), unknown)
    assert lines["accuracy"].startswith("unknown") and lines["params"] == "unknown"
    assert "in unknown" in lines["training"]
    without = {key: value for key, value in report_dict().items() if key != "params"}
    assert summary_lines(metadata(), TrainingReport.from_dict(without))["params"] == \
        "1,234 trainable weights"  # from the model's metadata
    epochs, charts = curves(report.history)
    assert epochs == [1, 2] and [chart.title for chart in charts] == ["Loss", "Accuracy"]
    assert math.isnan(charts[0].training[1]) and charts[0].validation == [0.5, 0.4]
    rows = per_class_rows(report)
    assert rows[0] == (["a", "1.000", "0.667", "0.800", "3"], False)
    assert rows[-1] == (["Average (macro)", "0.750", "0.833", "0.733", "4"], True)


def _escaped(text: str) -> str:
    import re

    return re.escape(text)
