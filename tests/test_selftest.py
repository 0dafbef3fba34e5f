"""The headless self-check that installers run on the frozen app."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import onnx

from desktop import selftest
from trainer.settings import SHIPPED

ROOT = Path(__file__).resolve().parents[1]


def test_recorded_expectations_match_the_models_as_shipped(models_dir: Path,
                                                            samples_dir: Path) -> None:
    """Retraining without `python -m desktop.selftest --record` would fail every installer."""
    answers, problems = selftest.classify_samples(models_dir, samples_dir)
    assert problems == []
    assert answers == json.loads((samples_dir / selftest.EXPECTED_FILE).read_text())
    assert sorted(answers) == sorted(target.model_id for target in SHIPPED)
    assert all(len(pictures) == 20 for pictures in answers.values())


def drop_training_report(folder: Path) -> None:
    """The model without its report: neither the metadata entry nor an older metrics.json."""
    proto = onnx.load(str(folder / "model.onnx"))
    kept = [entry for entry in proto.metadata_props if entry.key != "metrics"]
    del proto.metadata_props[:]
    proto.metadata_props.extend(kept)
    onnx.save(proto, str(folder / "model.onnx"))
    (folder / "metrics.json").unlink(missing_ok=True)


def test_a_broken_or_missing_model_fails_the_check(models_dir: Path, samples_dir: Path,
                                                   tmp_path: Path) -> None:
    copy = tmp_path / "models"
    shutil.copytree(models_dir, copy)
    (copy / "mnist-cnn" / "model.onnx").write_bytes(b"garbage")
    shutil.rmtree(copy / "fashion-dense")
    drop_training_report(copy / "fashion-cnn")
    problems = selftest.check(copy, samples_dir)
    assert any(p.startswith("fashion-cnn: training report:") for p in problems)
    assert any(p.startswith("mnist-cnn: unusable") for p in problems)
    assert "fashion-dense: expected but not bundled" in problems
    assert not any(p.startswith("mnist-dense") for p in problems)


def test_a_sample_given_another_class_fails_the_check(models_dir: Path, samples_dir: Path,
                                                      tmp_path: Path) -> None:
    samples = tmp_path / "samples"
    shutil.copytree(samples_dir, samples)
    zero = sorted((samples / "mnist").glob("0-*.png"))[0]
    shutil.copyfile(sorted((samples / "mnist").glob("1-*.png"))[0], zero)  # a 1 named as a 0
    problems = selftest.check(models_dir, samples)
    assert any(f"mnist/{zero.name}: expected class 0, got 1" in p for p in problems)


def test_the_app_runs_the_self_test_without_a_display() -> None:
    result = subprocess.run([sys.executable, "-m", "desktop", "--self-test"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120,
                            env={"PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "self-test: passed" in result.stdout


def run_self_test(*args: str, **env: str) -> subprocess.CompletedProcess:
    """`python -m desktop ... --self-test` as a real process without a display."""
    return subprocess.run([sys.executable, "-m", "desktop", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "offscreen", **env})


def test_the_self_test_checks_the_models_the_window_would_list(models_dir: Path,
                                                               tmp_path: Path) -> None:
    """--models-dir (in any position) wins over $DIGIT_LENS_MODELS, which wins over the
    shipped models: one entry, one rule, the same as the window's."""
    copy = tmp_path / "models"
    shutil.copytree(models_dir, copy)
    shutil.rmtree(copy / "fashion-dense")
    for args in (["--self-test", "--models-dir", str(copy)],
                 ["--models-dir", str(copy), "--self-test"]):
        result = run_self_test(*args)
        assert result.returncode == 1, result.stdout + result.stderr
        assert "FAIL fashion-dense: expected but not bundled" in result.stdout
        assert result.stdout.rstrip().endswith(f"self-test: 1 problem(s) ({copy})")
    result = run_self_test("--self-test", DIGIT_LENS_MODELS=str(copy))
    assert result.returncode == 1 and f"({copy})" in result.stdout
    result = run_self_test("--self-test", "--models-dir", str(models_dir),
                           DIGIT_LENS_MODELS=str(copy))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"self-test: passed ({models_dir})" in result.stdout
