"""Real (small) training runs on the real data: export, parity, interruption and --resume."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

from desktop import test_sets
from desktop.model_format import ModelMetadata
from desktop.models import Classifier, load_metrics, read_info
from trainer import checkpoint, export, half_precision, test_predictions
from trainer.cli import main
from trainer.data import DATASETS, load_splits
from trainer.distributed import Context
from trainer.evaluation import evaluate
from trainer.train import TrainConfig, train

pytestmark = pytest.mark.slow  # real training runs
ROOT = Path(__file__).resolve().parents[1]
QUICK = ["--limit", "1500", "--epochs", "3", "--quiet"]


def run_cli(tmp_path: Path, *args: str) -> int:
    return main([*args, "--out-dir", str(tmp_path / "models"),
                 "--checkpoint-dir", str(tmp_path / "checkpoints")])


def isolated_env(home: Path) -> dict[str, str]:
    """The trainer's default folders (models, checkpoints, caches) all inside `home`."""
    env = dict(os.environ)
    for name, sub in (("HOME", "home"), ("XDG_DATA_HOME", "data"), ("XDG_CACHE_HOME", "cache"),
                      ("DIGIT_LENS_USER_MODELS", "user-models")):
        env[name] = str(home / sub)
    return env


def run_subprocess(*args: str, home: Path | None = None, **kwargs) -> subprocess.CompletedProcess:
    env = isolated_env(home) if home is not None else None
    return subprocess.run([sys.executable, "-m", "trainer", *args], cwd=ROOT, text=True,
                          capture_output=True, timeout=300, env=env, **kwargs)


@pytest.mark.parametrize("architecture", ["dense", "cnn"])
def test_smoke_run_exports_a_verified_model(tmp_path: Path, data_dir: Path,
                                            architecture: str) -> None:
    assert run_cli(tmp_path, "--dataset", "mnist", "--model", architecture, *QUICK) == 0
    folder = tmp_path / "models" / f"mnist-{architecture}"
    assert sorted(p.name for p in folder.iterdir()) == ["model.onnx"]  # report inside

    report = load_metrics(folder)  # the app's reading of the report the trainer wrote
    assert report.config["limit"] == 1500 and report.config["dropout"] is not None
    assert report.classes == DATASETS["mnist"].classes
    assert len(report.history) == 3 and report.best_epoch in (1, 2, 3)
    assert set(report.history[0]) >= {"epoch", "train_loss", "train_accuracy", "val_loss",
                                      "val_accuracy", "learning_rate", "seconds"}
    matrix = np.array(report.confusion_matrix)
    assert matrix.shape == (10, 10) and matrix.sum() == report.test_size == 300
    assert report.test_accuracy == pytest.approx(np.trace(matrix) / matrix.sum())
    assert report.test_accuracy > 0.5  # far above chance after three short epochs
    assert [row["support"] for row in report.per_class] == matrix.sum(1).tolist()
    assert report.processes == 1 and report.trained_at and report["torch_version"]

    session = ort.InferenceSession(str(folder / "model.onnx"))
    meta = session.get_modelmeta().custom_metadata_map
    assert meta["model_id"] == f"mnist-{architecture}"
    assert json.loads(meta["classes"]) == report["classes"]
    assert json.loads(meta["preprocessing"])["fit"] == 20
    written = ModelMetadata.from_strings(meta, folder)  # what the contract reads back
    assert written.recipe == DATASETS["mnist"].recipe and written.params == report.params
    assert written.test_accuracy == report.test_accuracy  # exact: no rounding on the way
    assert int(meta["params"]) == report["params"]
    normalization = json.loads(meta["normalization"])
    assert 0.1 < normalization["mean"] < 0.2 and 0.25 < normalization["std"] < 0.35
    # the batch dimension stays dynamic: 1 and 37 images both work
    for batch in (1, 37):
        out, outlier = session.run(["probabilities", "outlier"],
                                   {"image": np.zeros((batch, 1, 28, 28), np.float32)})
        assert out.shape == (batch, 10) and outlier.shape == (batch, 1)
        assert np.allclose(out.sum(1), 1.0, atol=1e-5)
        assert ((outlier >= 0) & (outlier <= 1)).all()

    # the temperature and the rejection threshold travel in the metadata, as the app reads them
    info = read_info(folder / "model.onnx")
    assert info.temperature == pytest.approx(report["calibration"]["temperature"])
    assert info.reject_threshold == pytest.approx(report["rejection"]["threshold"])
    assert 0.5 <= info.reject_threshold < 1
    assert 0 < report["calibration"]["test_ece_after"] < 1
    assert {"real_rejected", "others_rejected"} <= set(report["rejection"]["sweep"][0])

    # Large weights are stored as float16 (half the file), the last layer stays float32 for
    # personalising; the report counts the test images exactly as the stored answers do.
    graph = onnx.load(str(folder / "model.onnx")).graph
    large = {t.name: t.data_type for t in graph.initializer
             if np.prod(t.dims) >= half_precision.MIN_ELEMENTS}
    head = {info.head.weight, info.head.bias}
    assert all(kind == onnx.TensorProto.FLOAT16 for name, kind in large.items()
               if name not in head)
    assert all(large.get(name, onnx.TensorProto.FLOAT) == onnx.TensorProto.FLOAT for name in head)
    assert test_predictions.disagreements(report, test_sets.load("mnist").labels) == 0


def test_without_extra_data_the_model_has_no_outlier_output(tmp_path: Path,
                                                            data_dir: Path) -> None:
    assert run_cli(tmp_path, "--dataset", "fashion", "--model", "dense", "--no-extra-data",
                   "--limit", "500", "--epochs", "1", "--quiet") == 0
    info = read_info(tmp_path / "models" / "fashion-dense" / "model.onnx")
    assert info.reject_threshold is None
    prediction = Classifier(info).predict_model_input(np.zeros((28, 28), np.float32))
    assert prediction.accepted and prediction.outlier == 0.0


def test_parity_check_rejects_a_model_that_differs(data_dir: Path) -> None:
    splits = load_splits(DATASETS["mnist"], data_dir, val_size=500, seed=0, limit=200)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10)).eval()
    other = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10)).eval()
    onnx_bytes = export.to_onnx_bytes(export.WithSoftmax(other, 10), {"model_id": "x"})
    images = splits.test.images[:16].unsqueeze(1).float() / 255
    with pytest.raises(export.ExportError):
        export.check_parity(export.WithSoftmax(model, 10), onnx_bytes, images)
    assert export.check_parity(export.WithSoftmax(other, 10), onnx_bytes,
                               images) < export.PARITY_TOLERANCE


def test_failed_export_leaves_the_previous_model_intact(tmp_path: Path, data_dir: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_cli(tmp_path, "--dataset", "mnist", "--model", "dense", *QUICK) == 0
    folder = tmp_path / "models" / "mnist-dense"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    monkeypatch.setattr(export, "PARITY_TOLERANCE", 0.0)  # no export can pass now
    assert run_cli(tmp_path, "--dataset", "mnist", "--model", "dense", *QUICK, "--seed", "1") == 1
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def tiny_onnx(weight: float = 1.0) -> bytes:
    """A one-node ONNX model (image * weight): enough for the writer, no training needed."""
    scale = onnx.numpy_helper.from_array(np.array([weight], np.float32), "scale")
    graph = onnx.helper.make_graph(
        [onnx.helper.make_node("Mul", ["image", "scale"], ["probabilities"])], "tiny",
        [onnx.helper.make_tensor_value_info("image", onnx.TensorProto.FLOAT, [None, 10])],
        [onnx.helper.make_tensor_value_info("probabilities", onnx.TensorProto.FLOAT,
                                            [None, 10])], [scale])
    return onnx.helper.make_model(graph).SerializeToString()


def test_crash_while_writing_leaves_the_previous_files_and_no_debris(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    export.write_artifacts(tmp_path, tiny_onnx(), {"test_accuracy": 0.5})
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def disk_full(_fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError):
        export.write_artifacts(tmp_path, tiny_onnx(2.0), {"test_accuracy": 0.9})
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_ctrl_c_during_training_keeps_the_shipped_model_and_resume_finishes(
        tmp_path: Path, data_dir: Path) -> None:
    models, checkpoints = tmp_path / "models", tmp_path / "checkpoints"
    folder = models / "mnist-cnn"
    folder.mkdir(parents=True)
    (folder / "model.onnx").write_bytes(b"previous model")
    (folder / "metrics.json").write_text("{}")
    args = ["--dataset", "mnist", "--model", "cnn", "--limit", "3000", "--epochs", "30",
            "--quiet", "--out-dir", str(models), "--checkpoint-dir", str(checkpoints)]
    process = subprocess.Popen([sys.executable, "-m", "trainer", *args], cwd=ROOT, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    checkpoint = checkpoints / "mnist-cnn" / "checkpoint.pt"
    deadline = time.monotonic() + 120
    while not checkpoint.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "--resume" in stderr
    assert (folder / "model.onnx").read_bytes() == b"previous model"
    assert checkpoint.exists()
    assert not list(folder.glob(".*tmp"))


def test_resume_continues_exactly_where_an_interrupted_run_stopped(
        tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = TrainConfig(dataset="mnist", architecture="dense", epochs=4, batch_size=128,
                         lr=2e-3, limit=1000)
    splits = load_splits(DATASETS["mnist"], data_dir, config.val_size, config.seed, config.limit)
    alone = Context()
    uninterrupted = train(config, splits, alone, tmp_path / "a.pt")

    real_save = checkpoint.save

    def save_then_die(state: dict, path: Path) -> None:
        real_save(state, path)
        if state["epoch"] == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(checkpoint, "save", save_then_die)
    with pytest.raises(KeyboardInterrupt):
        train(config, splits, alone, tmp_path / "b.pt")
    monkeypatch.setattr(checkpoint, "save", real_save)
    resumed = train(config, splits, alone, tmp_path / "b.pt", resume=True)

    assert [r["epoch"] for r in resumed.history] == [1, 2, 3, 4]
    for a, b in zip(uninterrupted.history, resumed.history, strict=True):
        assert a["val_loss"] == pytest.approx(b["val_loss"], rel=1e-5)
    a = evaluate(uninterrupted.model, splits.test, uninterrupted.mean, uninterrupted.std, alone,
                 config.classes)
    b = evaluate(resumed.model, splits.test, resumed.mean, resumed.std, alone, config.classes)
    assert a.loss == pytest.approx(b.loss, rel=1e-5)
    assert torch.equal(a.confusion, b.confusion)


def test_resume_with_other_settings_is_refused(tmp_path: Path, data_dir: Path) -> None:
    assert run_cli(tmp_path, "--dataset", "mnist", "--model", "dense", *QUICK) == 0
    assert run_cli(tmp_path, "--dataset", "mnist", "--model", "dense", *QUICK,
                   "--lr", "0.1", "--resume") == 1


def test_best_weights_are_restored_after_early_stopping(tmp_path: Path, data_dir: Path) -> None:
    config = TrainConfig(dataset="fashion", architecture="dense", epochs=8, batch_size=64,
                         lr=0.05, patience=1, limit=1000)
    splits = load_splits(DATASETS["fashion"], data_dir, config.val_size, config.seed, 1000)
    result = train(config, splits, Context(), tmp_path / "c.pt")
    best = min(result.history, key=lambda r: r["val_loss"])
    assert result.best_epoch == best["epoch"]
    val = evaluate(result.model, splits.val, result.mean, result.std, Context(), config.classes)
    assert val.loss == pytest.approx(best["val_loss"], rel=1e-5)


@pytest.mark.parametrize("args", [
    ["--epochs", "-3"], ["--epochs", "many"], ["--dataset", "cifar"], ["--model", "rnn"],
    ["--lr", "0"], ["train", "extra"], ["--limit", "0"], ["--dropout", "1.5"],
])
def test_nonsense_arguments_get_a_one_line_error_and_status_2(args: list[str]) -> None:
    result = run_subprocess(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines()[-1].startswith("python -m trainer: error:")
    assert "Traceback" not in result.stderr


def test_help_explains_the_command() -> None:
    result = run_subprocess("--help")
    assert result.returncode == 0
    assert "--resume" in result.stdout and "all" in result.stdout


def test_corrupt_dataset_files_get_a_clear_message(tmp_path: Path, data_dir: Path) -> None:
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                 "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        shutil.copyfile(data_dir / "MNIST" / "raw" / name, raw / name)
    with open(raw / "train-images-idx3-ubyte", "r+b") as file:
        file.truncate(1000)
    result = run_subprocess("--data-dir", str(tmp_path), "--limit", "100", "--quiet",
                            "--out-dir", str(tmp_path / "out"), home=tmp_path / "home")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert str(raw / "train-images-idx3-ubyte") in result.stderr
    assert not (tmp_path / "out").exists()


def test_unwritable_output_folder_gets_a_clear_message(tmp_path: Path, data_dir: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the output folder should be")
    result = run_subprocess("--dataset", "mnist", "--model", "dense", *QUICK,
                            "--out-dir", str(blocker), "--checkpoint-dir", str(tmp_path / "c"),
                            home=tmp_path / "home")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert str(blocker) in result.stderr
    assert blocker.read_text() == "a file where the output folder should be"


def test_a_tiny_cnn_run_of_a_few_steps_trains_and_exports(tmp_path: Path, data_dir: Path) -> None:
    # 500 images at batch 128 are 4 steps: the learning-rate schedule must still work.
    assert run_cli(tmp_path, "--dataset", "mnist", "--model", "cnn", "--limit", "500",
                   "--epochs", "1", "--no-extra-data", "--quiet") == 0
    assert (tmp_path / "models" / "mnist-cnn" / "model.onnx").is_file()
