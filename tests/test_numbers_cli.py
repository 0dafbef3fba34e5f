"""`python -m desktop.classify --number`, run as a real subprocess on composed pictures."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from number_pictures import compose, mnist_test, trimmed
from PySide6.QtGui import QImage

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "desktop.classify", *map(str, args)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def save_png(gray: np.ndarray, path: Path) -> Path:
    pixels = np.ascontiguousarray((np.clip(gray, 0, 1) * 255).round().astype(np.uint8))
    height, width = pixels.shape
    image = QImage(pixels.data, width, height, width, QImage.Format.Format_Grayscale8)
    assert image.save(str(path))
    return path


@pytest.fixture(scope="module")
def pictures(data_dir: Path, tmp_path_factory) -> dict[str, Path]:
    """2026 and 719 written with MNIST test digits (the first of each class), and a blank
    page."""
    images, labels = mnist_test(data_dir)
    folder = tmp_path_factory.mktemp("numbers")

    def number(text: str, gaps: list[int]) -> Path:
        pieces = [trimmed(images[np.flatnonzero(labels == int(d))[0]]) for d in text]
        picture, _ = compose(pieces, gaps, [0, 2, -2, 1][:len(text)])
        return save_png(picture, folder / f"{text}.png")

    return {"2026": number("2026", [4, 6, 3]), "719": number("719", [5, 8]),
            "blank": save_png(np.ones((40, 90)), folder / "blank.png")}


def test_text_output(pictures: dict[str, Path]) -> None:
    result = run_cli("--number", pictures["2026"], pictures["719"])
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    for (text, path), line in zip([("2026", pictures["2026"]), ("719", pictures["719"])], lines,
                                  strict=True):
        digit = r"\d \d+%"
        assert re.fullmatch(rf"{re.escape(str(path))}: {text} \({digit}(, {digit})*\)", line), line
        assert line.count("%") == len(text)


def test_json_output_with_a_blank_page(pictures: dict[str, Path]) -> None:
    result = run_cli("--number", "--json", "--model", "mnist-dense", pictures["2026"],
                     pictures["blank"])
    assert result.returncode == 1  # the blank page could not be read
    first, blank = json.loads(result.stdout)
    assert first["file"] == str(pictures["2026"]) and first["number"] == "2026"
    assert [d["prediction"] for d in first["digits"]] == list("2026")
    lefts = [d["box"]["x"] for d in first["digits"]]
    assert lefts == sorted(lefts)
    for digit in first["digits"]:
        assert set(digit) == {"box", "prediction", "index", "probabilities", "accepted"}
        assert set(digit["box"]) == {"x", "y", "width", "height"}
        assert digit["accepted"] is True  # the shipped models cannot reject a picture
        assert len(digit["probabilities"]) == 10
        assert sum(digit["probabilities"]) == pytest.approx(1.0, abs=1e-3)
        assert digit["probabilities"][digit["index"]] == max(digit["probabilities"])
    assert set(blank) == {"file", "error"} and "blank" in blank["error"]
    assert str(pictures["blank"]) in result.stderr


def test_a_clothing_model_cannot_read_numbers(pictures: dict[str, Path]) -> None:
    result = run_cli("--number", "--model", "fashion-cnn", pictures["2026"])
    assert result.returncode == 2
    assert result.stdout == ""
    message = result.stderr.strip()
    assert "\n" not in message and "digit model" in message and "fashion-cnn" in message
