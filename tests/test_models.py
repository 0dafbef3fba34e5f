"""Model discovery, validation and inference on the shipped models and on broken copies."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import onnx
import pytest
from bad_models import make_legacy, with_unknown_operator

from desktop import model_format, models
from desktop.image_io import load_image
from desktop.model_format import ARCHITECTURES, parse_sample_name

CNN_MODELS = ("mnist-cnn", "fashion-cnn")


def true_class(path: Path) -> int:
    return parse_sample_name(path)[0]


def entry_named(entries: list[models.ModelEntry], model_id: str) -> models.ModelEntry:
    return next(entry for entry in entries if entry.model_id == model_id)


def usable(models_dir: Path, model_id: str) -> models.ModelInfo:
    """The model's info; every shipped model must be there."""
    entries = [e for e in models.discover(models_dir) if e.model_id == model_id]
    assert entries, f"{model_id} is not in {models_dir}"
    assert entries[0].available, entries[0].error
    return entries[0].info


def without_metadata(onnx_bytes: bytes) -> bytes:
    """The same ONNX model with its metadata removed."""
    proto = onnx.load_model_from_string(onnx_bytes)
    del proto.metadata_props[:]
    return proto.SerializeToString()


def test_discovers_the_shipped_models_in_order(models_dir: Path) -> None:
    entries = models.discover(models_dir)
    folders = {p.name for p in models_dir.iterdir() if p.is_dir()}
    assert {entry.model_id for entry in entries} == folders
    assert all(entry.available for entry in entries), [entry.error for entry in entries]
    for entry in entries:
        info = entry.info
        assert info.model_id == entry.model_id and info.path == entry.directory / "model.onnx"
        assert info.dataset in ("mnist", "fashion") and info.architecture in ARCHITECTURES
        assert len(info.classes) == (2 if info.task else 10) and info.std > 0 and info.params > 0
        assert 0.5 < info.test_accuracy <= 1 and info.summary
        assert info.classes == models.load_metrics(entry.directory).classes
    titles = [entry.info.dataset_title for entry in entries]
    assert titles == sorted(titles, key=("Digits", "Clothing").index)
    for dataset in ("mnist", "fashion"):
        kinds = [e.info.architecture for e in entries if e.info.dataset == dataset]
        assert kinds == sorted(kinds, key=ARCHITECTURES.index)


def test_broken_models_are_reported_and_the_others_still_work(models_dir: Path,
                                                              tmp_path: Path) -> None:
    source = next(entry for entry in models.discover(models_dir) if entry.available)
    copies = {name: tmp_path / name for name in
              ("healthy", "corrupt", "missing", "text", "no-metadata", "empty-file")}
    for folder in copies.values():
        shutil.copytree(source.directory, folder)
    onnx_bytes = (source.directory / "model.onnx").read_bytes()
    (copies["corrupt"] / "model.onnx").write_bytes(onnx_bytes[: len(onnx_bytes) // 2])
    (copies["missing"] / "model.onnx").unlink()
    (copies["text"] / "model.onnx").write_text("this is not a neural network\n")
    (copies["no-metadata"] / "model.onnx").write_bytes(without_metadata(onnx_bytes))
    (copies["empty-file"] / "model.onnx").write_bytes(b"")
    (tmp_path / "README.txt").write_text("a stray file is not a model folder")

    entries = models.discover(tmp_path)
    assert sorted(entry.model_id for entry in entries) == sorted(copies)
    assert entry_named(entries, "healthy").available
    expected_reasons = {"corrupt": "not a valid ONNX model", "missing": "missing",
                        "text": "not a valid ONNX model", "no-metadata": "metadata",
                        "empty-file": "not a valid ONNX model"}
    for name, reason in expected_reasons.items():
        entry = entry_named(entries, name)
        assert not entry.available and entry.info is None
        assert reason in entry.error, entry.error
    # the healthy copy still classifies
    classifier = models.Classifier(entry_named(entries, "healthy").info)
    assert classifier.classify(np.eye(50)) is not None


def test_a_graph_only_onnx_runtime_can_refuse_is_found_when_its_session_is_made(
        models_dir: Path, tmp_path: Path) -> None:
    """Listing reads metadata and signature without ONNX Runtime (a fast start); an unknown
    operator is found when the Classifier is made, as a ModelError."""
    shutil.copytree(models_dir / "mnist-linear", tmp_path / "mnist-linear")
    model_file = tmp_path / "mnist-linear" / model_format.MODEL_FILE
    model_file.write_bytes(with_unknown_operator(models_dir / "mnist-linear" / "model.onnx"))
    [entry] = models.discover(tmp_path)
    assert entry.available
    with pytest.raises(models.ModelError, match="not a valid ONNX model.*NoSuchOperator"):
        models.Classifier(entry.info)


def test_missing_models_folder_gives_no_entries(tmp_path: Path) -> None:
    assert models.discover(tmp_path / "nowhere") == []


def test_classifier_on_a_vanished_file_raises_model_error(models_dir: Path,
                                                          tmp_path: Path) -> None:
    source = next(entry for entry in models.discover(models_dir) if entry.available)
    shutil.copytree(source.directory, tmp_path / source.model_id)
    info = models.discover(tmp_path)[0].info
    info.path.write_bytes(b"\x00" * 100)  # replaced by garbage after discovery
    with pytest.raises(models.ModelError, match="not a valid ONNX model"):
        models.Classifier(info)


@pytest.mark.parametrize("model_id", CNN_MODELS)
def test_samples_get_the_same_answer_as_the_original_test_images(
        models_dir: Path, samples_dir: Path, data_dir: Path, model_id: str) -> None:
    """The gallery holds inverted test images: loading one and following the model's recipe
    must give the model exactly the test image it was scored on, hence the same answer."""
    from trainer.data import DATASETS, load_official

    info = usable(models_dir, model_id)
    classifier = models.Classifier(info)
    test = load_official(DATASETS[info.dataset], data_dir, train=False)
    paths = sorted((samples_dir / info.dataset).glob("*.png"))
    assert len(paths) == 20
    originals = np.stack([test.images[parse_sample_name(p)[1]].numpy() / 255.0
                          for p in paths]).astype(np.float32)
    expected = classifier.predict_batch(originals)
    for path, reference in zip(paths, expected, strict=True):
        prediction = classifier.classify(load_image(path))
        assert prediction.index == reference.index, path.name
        assert np.abs(prediction.probabilities - reference.probabilities).max() < 0.02
        assert prediction.label == info.classes[prediction.index]
        assert prediction.probabilities.shape == (10,)
        assert prediction.probabilities.min() >= 0
        assert prediction.probabilities.sum() == pytest.approx(1.0, abs=1e-4)
        assert prediction.confidence == pytest.approx(float(prediction.probabilities.max()))
        assert prediction.model_input.shape == (28, 28)
    # the CNNs score above 93 % on the test set; on 20 samples, 85 % leaves room for a couple
    # of Fashion's hard T-shirt / Shirt / Pullover cases (which the gallery keeps, honestly)
    right = sum(r.index == true_class(p) for r, p in zip(expected, paths, strict=True))
    assert right >= 0.85 * len(paths)


@pytest.mark.parametrize("model_id", ("mnist-dense", "fashion-dense"))
def test_dense_models_classify_nearly_every_sample(models_dir: Path, samples_dir: Path,
                                                   model_id: str) -> None:
    info = usable(models_dir, model_id)
    classifier = models.Classifier(info)
    paths = sorted((samples_dir / info.dataset).glob("*.png"))
    right = [classifier.classify(load_image(p)).index == true_class(p) for p in paths]
    assert np.mean(right) >= 0.85


def test_batch_matches_single_pictures_and_skips_blanks(models_dir: Path,
                                                        samples_dir: Path) -> None:
    entry = next(entry for entry in models.discover(models_dir) if entry.available)
    classifier = models.Classifier(entry.info)
    paths = sorted((samples_dir / entry.info.dataset).glob("*.png"))[:5]
    pictures = [load_image(p) for p in paths]
    batch = classifier.classify_batch([pictures[0], np.ones((30, 30)), *pictures[1:]])
    assert batch[1] is None
    singles = [classifier.classify(picture) for picture in pictures]
    for one, many in zip(singles, [batch[0], *batch[2:]], strict=True):
        assert one.index == many.index
        np.testing.assert_allclose(one.probabilities, many.probabilities, atol=1e-5)
    assert classifier.classify(np.ones((280, 280))) is None


def test_unsure_below_half() -> None:
    flat = np.full(10, 0.1, dtype=np.float32)
    assert models.Prediction(flat, np.zeros((28, 28)), 0, "0", 0.1).unsure
    peaked = np.array([0.9] + [0.1 / 9] * 9, dtype=np.float32)
    assert not models.Prediction(peaked, np.zeros((28, 28)), 0, "0", 0.9).unsure


def with_report(model: Path, folder: Path, report: object) -> Path:
    """A copy of `model` in `folder` with `report` embedded as the trainer embeds it."""
    proto = onnx.load(str(model))
    entry = proto.metadata_props.add()
    entry.key = model_format.REPORT_KEY
    entry.value = report if isinstance(report, str) else json.dumps(report, indent=1) + "\n"
    folder.mkdir(parents=True, exist_ok=True)
    onnx.save(proto, str(folder / model_format.MODEL_FILE))
    return folder


def test_load_metrics_reports_clear_errors(models_dir: Path, tmp_path: Path) -> None:
    entry = next(entry for entry in models.discover(models_dir) if entry.available)
    metrics = models.load_metrics(entry.directory)  # shipped: embedded in model.onnx
    assert not (entry.directory / "metrics.json").exists()
    assert np.array(metrics["confusion_matrix"]).shape == (10, 10)
    with pytest.raises(models.ModelError, match="missing"):
        models.load_metrics(tmp_path)
    legacy = make_legacy(shutil.copytree(entry.directory, tmp_path / "legacy"))
    assert models.load_metrics(legacy) == metrics  # the same report, from metrics.json
    (legacy / "metrics.json").unlink()
    with pytest.raises(models.ModelError, match="missing"):
        models.load_metrics(legacy)
    (legacy / "metrics.json").write_text("{ not json")
    with pytest.raises(models.ModelError, match="not valid JSON"):
        models.load_metrics(legacy)
    (legacy / "metrics.json").write_text(json.dumps({**metrics.raw, "confusion_matrix": [[1]]}))
    with pytest.raises(models.ModelError, match="confusion matrix"):
        models.load_metrics(legacy)
    (legacy / "metrics.json").write_text(json.dumps({"classes": ["a"]}))
    with pytest.raises(models.ModelError, match="lacks"):
        models.load_metrics(legacy)


def test_embedded_report_is_read_from_the_model_file(models_dir: Path, tmp_path: Path) -> None:
    entry = next(entry for entry in models.discover(models_dir) if entry.available)
    metrics = models.load_metrics(entry.directory)
    legacy = make_legacy(shutil.copytree(entry.directory, tmp_path / "legacy"))
    folder = with_report(legacy / model_format.MODEL_FILE, tmp_path / "model",
                         {**metrics.raw, "best_epoch": -7})
    # the embedded report wins over a metrics.json beside the model
    (folder / "metrics.json").write_text(json.dumps(metrics.raw))
    assert models.load_metrics(folder).best_epoch == -7
    assert models.read_info(folder / model_format.MODEL_FILE).model_id == entry.model_id

    with_report(legacy / model_format.MODEL_FILE, folder, "{ not json")
    with pytest.raises(models.ModelError, match="not valid JSON"):
        models.load_metrics(folder)
    with_report(legacy / model_format.MODEL_FILE, folder,
                {**metrics.raw, "confusion_matrix": [[1]]})
    with pytest.raises(models.ModelError, match="confusion matrix"):
        models.load_metrics(folder)
    with_report(legacy / model_format.MODEL_FILE, folder, " " * (model_format.MAX_REPORT_BYTES + 1))
    with pytest.raises(models.ModelError, match="too large"):
        models.load_metrics(folder)


def test_a_metrics_json_of_another_run_is_not_shown_as_the_models(models_dir: Path,
                                                                   tmp_path: Path) -> None:
    """A kill between two renames used to leave one run's metrics beside another's model."""
    entry = next(entry for entry in models.discover(models_dir) if entry.available)
    metrics = models.load_metrics(entry.directory)
    make_legacy(shutil.copytree(entry.directory, tmp_path, dirs_exist_ok=True))
    assert models.load_metrics(tmp_path) == metrics  # its own metrics.json is shown
    (tmp_path / "metrics.json").write_text(json.dumps({**metrics.raw, "test_accuracy": 0.5}))
    with pytest.raises(models.ModelError, match="another training run"):
        models.load_metrics(tmp_path)
    (tmp_path / "metrics.json").write_text(json.dumps({**metrics.raw, "model_id": "other-cnn"}))
    with pytest.raises(models.ModelError, match="other-cnn"):
        models.load_metrics(tmp_path)


