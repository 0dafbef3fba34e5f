"""A real two-process DistributedDataParallel run (gloo on the CPU) through torchrun.

The runs share one folder for the generated extra pictures (the trainer keeps them beside the
checkpoint folder): the first run, under torchrun, generates them, the later ones read them, as
a user's second run does. That saves about half a minute per run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from desktop.models import load_metrics

pytestmark = pytest.mark.slow  # two trainer processes, a minute or more
ROOT = Path(__file__).resolve().parents[1]
SETTINGS = ["--dataset", "mnist", "--model", "cnn", "--limit", "4000", "--epochs", "3",
            "--quiet"]


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The parent of every run's checkpoint folder, so all share its extra-data cache."""
    return tmp_path_factory.mktemp("distributed")


def train(tmp_path: Path, shared: Path, name: str, launcher: list[str]) -> dict:
    out = tmp_path / name
    result = subprocess.run(
        [*launcher, "-m", "trainer", *SETTINGS, "--out-dir", str(out / "models"),
         "--checkpoint-dir", str(shared / f"{tmp_path.name}-{name}-checkpoints")],
        cwd=ROOT, text=True, capture_output=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    summaries = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(summaries) == 1, "only the main process reports"
    return load_metrics(out / "models" / "mnist-cnn")


def test_two_process_run_makes_one_valid_model_that_agrees_with_one_process(
        tmp_path: Path, shared: Path, data_dir: Path) -> None:
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--standalone",
                "--nproc_per_node=2"]
    both = train(tmp_path, shared, "ddp", torchrun)
    alone = train(tmp_path, shared, "single", [sys.executable])

    assert both["processes"] == 2 and alone["processes"] == 1
    folder = tmp_path / "ddp" / "models" / "mnist-cnn"
    assert sorted(p.name for p in folder.iterdir()) == ["model.onnx"]  # report inside
    # metrics cover the whole validation and test sets, not one process's half
    matrix = np.array(both["confusion_matrix"])
    assert matrix.sum() == both["test_size"] == 800
    assert both["test_accuracy"] == np.trace(matrix) / matrix.sum()
    assert len(both["history"]) == 3
    session = ort.InferenceSession(str(folder / "model.onnx"))
    assert session.get_modelmeta().custom_metadata_map["model_id"] == "mnist-cnn"
    # same configuration, same data: the accuracies agree within a small margin
    assert both["test_accuracy"] > 0.85
    assert abs(both["test_accuracy"] - alone["test_accuracy"]) < 0.03
    assert abs(both["history"][-1]["val_accuracy"] - alone["history"][-1]["val_accuracy"]) < 0.03


def test_interrupted_run_is_finished_by_a_two_process_resume(tmp_path: Path, shared: Path,
                                                              data_dir: Path) -> None:
    import signal
    import time

    models, checkpoints = tmp_path / "models", shared / f"{tmp_path.name}-checkpoints"
    places = ["--out-dir", str(models), "--checkpoint-dir", str(checkpoints)]
    first = subprocess.Popen([sys.executable, "-m", "trainer", *SETTINGS, *places], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    checkpoint = checkpoints / "mnist-cnn" / "checkpoint.pt"
    deadline = time.monotonic() + 120
    while not checkpoint.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    first.send_signal(signal.SIGINT)
    first.communicate(timeout=60)
    assert first.returncode == 130
    assert not (models / "mnist-cnn").exists()

    resumed = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
         "-m", "trainer", *SETTINGS, *places, "--resume"],
        cwd=ROOT, text=True, capture_output=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "Resuming mnist-cnn after epoch" in resumed.stderr
    report = load_metrics(models / "mnist-cnn")
    assert [r["epoch"] for r in report["history"]] == [1, 2, 3]
    assert report["processes"] == 2 and report["test_accuracy"] > 0.85
