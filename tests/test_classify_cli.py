"""The command-line classifier, run as a real subprocess like a user would."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import desktop
from desktop import models
from desktop.image_io import load_image
from desktop.model_format import parse_sample_name

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str | Path) -> subprocess.CompletedProcess:
    # sys.executable is the venv's python; the environment carries QT_QPA_PLATFORM=offscreen.
    return subprocess.run([sys.executable, "-m", "desktop.classify", *map(str, args)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_classifying_leaves_the_users_home_untouched(samples_dir: Path, tmp_path: Path) -> None:
    """ONNX Runtime 1.29 and later keep a telemetry device id and event store under
    ~/.cache/Microsoft (and upload them) unless told not to. The app tells it (desktop/__init__.py)
    itself: this run does not inherit the test process's setting, and its home stays empty."""
    home = tmp_path / "home"
    home.mkdir()
    env = {name: value for name, value in os.environ.items() if name != desktop.TELEMETRY_ENV}
    env.update(HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"),
               XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / ".local/share"))
    sample = sorted((samples_dir / "mnist").glob("*.png"))[0]
    result = subprocess.run([sys.executable, "-m", "desktop.classify", "--json", "--model",
                             "mnist-cnn", str(sample)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[0]["index"] == parse_sample_name(sample)[0]
    assert [str(p.relative_to(home)) for p in home.rglob("*")] == []


def available_ids(models_dir: Path) -> list[str]:
    return [entry.model_id for entry in models.discover(models_dir) if entry.available]


@pytest.mark.parametrize(("model_id", "dataset"), [("mnist-cnn", "mnist"),
                                                    ("fashion-cnn", "fashion")])
def test_json_output_with_one_bad_file(models_dir: Path, samples_dir: Path, tmp_path: Path,
                                       model_id: str, dataset: str) -> None:
    assert model_id in available_ids(models_dir)
    samples = sorted((samples_dir / dataset).glob("*.png"))
    bad = tmp_path / "broken.png"
    bad.write_text("not an image")
    result = run_cli("--json", "--model", model_id, samples[0], bad, *samples[1:])
    assert result.returncode == 1, result.stderr
    answers = json.loads(result.stdout)
    assert [answer["file"] for answer in answers] == [str(p) for p in
                                                      (samples[0], bad, *samples[1:])]
    assert set(answers[1]) == {"file", "error"} and "not a picture" in answers[1]["error"]
    entry = next(e for e in models.discover(models_dir) if e.model_id == model_id)
    classes, classifier = entry.info.classes, models.Classifier(entry.info)
    right = 0
    for path, answer in zip(samples, answers[:1] + answers[2:], strict=True):
        assert set(answer) == {"file", "accepted", "prediction", "index", "probabilities",
                               "outlier"}
        in_process = classifier.classify(load_image(path))  # exactly what the app would say
        assert answer["index"] == in_process.index, answer
        right += answer["index"] == parse_sample_name(path)[0]
        assert answer["prediction"] == classes[answer["index"]]
        assert len(answer["probabilities"]) == len(classes)
        assert sum(answer["probabilities"]) == pytest.approx(1.0, abs=1e-3)
    assert str(bad) in result.stderr
    assert right >= 0.85 * len(samples)


def test_plain_output_with_the_default_model(samples_dir: Path) -> None:
    samples = sorted((samples_dir / "mnist").glob("*.png"))[:3]
    result = run_cli(*samples)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(samples)
    for path, line in zip(samples, lines, strict=True):
        assert re.fullmatch(rf"{re.escape(str(path))}: \d \(\d+\.\d %\)", line), line


@pytest.mark.parametrize(("model_id", "others"), [("mnist-cnn", "not digits"),
                                                  ("mnist-dense", "not digits"),
                                                  ("fashion-cnn", "digits"),
                                                  ("fashion-dense", "digits")])
def test_pictures_of_something_else_are_not_accepted(models_dir: Path, samples_dir: Path,
                                                     tmp_path: Path, model_id: str,
                                                     others: str) -> None:
    """Letters, shapes and scribbles are no digits; digits are no clothing. The answer says so
    ("accepted": false) and still names the best guess; the model's own samples pass."""
    if others == "digits":
        pictures = sorted((samples_dir / "mnist").glob("*.png"))
        own = sorted((samples_dir / "fashion").glob("*.png"))
    else:
        pictures = write_not_digits(tmp_path, count=20)
        own = sorted((samples_dir / "mnist").glob("*.png"))
    result = run_cli("--json", "--model", model_id, *pictures, *own)
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout)
    strangers, known = answers[:len(pictures)], answers[len(pictures):]
    rejected = [a for a in strangers if a["accepted"] is False]
    assert len(rejected) >= 0.8 * len(pictures), [a["outlier"] for a in strangers]
    assert all(a["prediction"] and 0 <= a["outlier"] <= 1 for a in rejected)
    assert sum(a["accepted"] for a in known) >= len(known) - 1
    plain = run_cli("--model", model_id, *pictures[:5]).stdout
    subject = "a digit" if others == "not digits" else "clothing"
    assert f"not {subject} (best guess " in plain


def write_not_digits(folder: Path, count: int) -> list[Path]:
    """Letters, shapes and scribbles from the held-out families, saved as PNG pictures."""
    from PySide6.QtGui import QImage

    from trainer.handwriting import negatives

    paths = []
    for i, (family, gray) in enumerate(negatives(count, seed=99, held_out=True)):
        pixels = np.ascontiguousarray((gray * 255).astype(np.uint8))
        image = QImage(pixels.data, pixels.shape[1], pixels.shape[0], pixels.shape[1],
                       QImage.Format.Format_Grayscale8)
        path = folder / f"{i:02d}-{family}.png"
        assert image.save(str(path))
        paths.append(path)
    return paths


def test_unknown_model_is_a_one_line_error(models_dir: Path, samples_dir: Path) -> None:
    sample = next((samples_dir / "mnist").glob("*.png"))
    result = run_cli("--model", "no-such-model", sample)
    assert result.returncode == 2
    assert result.stdout == ""
    message = result.stderr.strip()
    assert "\n" not in message and "no-such-model" in message
    assert all(model_id in message for model_id in available_ids(models_dir))


def test_help_and_missing_arguments() -> None:
    help_text = run_cli("--help")
    assert help_text.returncode == 0
    assert "--model" in help_text.stdout and "--json" in help_text.stdout
    assert run_cli().returncode == 2
