"""`python -m trainer.upgrade`: older models gain layer outputs and test predictions in place,
with the same answers, and float16 weights; a model it cannot upgrade is left exactly as it was."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
from older_models import in_full_precision

from desktop import onnx_file
from desktop.models import Classifier, load_metrics, read_info
from trainer import folders
from trainer.half_precision import HALF_TOLERANCE, store_half

ROOT = Path(__file__).resolve().parents[1]


def upgrade(*folders: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "trainer.upgrade", *map(str, folders)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_an_older_model_is_upgraded_in_place_with_the_same_answers(older_models_dir: Path,
                                                                   tmp_path: Path) -> None:
    folder = tmp_path / "mnist-dense"
    shutil.copytree(older_models_dir / "mnist-dense", folder)
    before = Classifier(read_info(folder / "model.onnx"))
    assert before.info.layers == ()

    result = upgrade(folder)
    assert result.returncode == 0, result.stderr
    assert "2 layer outputs, test predictions stored" in result.stderr
    after = Classifier(read_info(folder / "model.onnx"))
    assert after.info.layers and load_metrics(folder).test_predictions.count == 10_000
    images = np.random.default_rng(3).random((16, 28, 28), dtype=np.float32)
    for old, new in zip(before.predict_batch(images), after.predict_batch(images), strict=True):
        assert np.array_equal(old.probabilities, new.probabilities)

    once = (folder / "model.onnx").read_bytes()
    assert upgrade(folder).returncode == 0
    assert (folder / "model.onnx").read_bytes() == once  # upgrading twice changes nothing
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mnist-dense"]  # no lock, no temp


def test_a_full_precision_model_gets_float16_weights_in_half_the_room(tmp_path: Path) -> None:
    shipped = (ROOT / "resources" / "models" / "mnist-cnn" / "model.onnx").read_bytes()
    full = in_full_precision(shipped)
    assert store_half(shipped) == shipped  # stored once: nothing left to halve
    folder = tmp_path / "mnist-cnn"
    folder.mkdir()
    (folder / "model.onnx").write_bytes(full)
    before = Classifier(read_info(folder / "model.onnx"))

    result = upgrade(folder)
    assert result.returncode == 0, result.stderr
    halved = (folder / "model.onnx").read_bytes()
    assert len(halved) < 0.6 * len(full)
    after = Classifier(read_info(folder / "model.onnx"))
    images = np.random.default_rng(4).random((32, 28, 28), dtype=np.float32)
    for old, new in zip(before.predict_batch(images), after.predict_batch(images), strict=True):
        assert np.abs(old.probabilities - new.probabilities).max() <= HALF_TOLERANCE
    kinds = {t.name: t.data_type for t in onnx.load_from_string(halved).graph.initializer}
    assert list(kinds.values()).count(onnx.TensorProto.FLOAT16) == 4  # 3 convolutions, 1 dense
    head = after.info.head  # the last layer stays float32: personalising rewrites it
    assert kinds[head.weight] == kinds[head.bias] == onnx.TensorProto.FLOAT
    assert onnx_file.read_weights(halved, [head.weight])[head.weight].dtype == np.float32


def test_damaged_or_busy_models_are_named_and_left_untouched(older_models_dir: Path,
                                                             tmp_path: Path) -> None:
    damaged, busy = tmp_path / "damaged", tmp_path / "mnist-cnn"
    damaged.mkdir()
    (damaged / "model.onnx").write_bytes(b"not a model at all")
    shutil.copytree(older_models_dir / "mnist-cnn", busy)
    original = (busy / "model.onnx").read_bytes()
    with folders.FolderLock(tmp_path / ".mnist-cnn.lock", "mnist-cnn"):
        result = upgrade(damaged, busy)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{damaged}: not upgraded" in result.stderr
    assert f"{busy}: not upgraded: another trainer is writing mnist-cnn" in result.stderr
    assert (damaged / "model.onnx").read_bytes() == b"not a model at all"
    assert (busy / "model.onnx").read_bytes() == original
