"""resources/benchmarks.json as the Compare tab reads it: figures, and no crash on a missing or
damaged file (desktop.benchmark_figures)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from desktop import benchmark_figures
from desktop.benchmark_figures import HANDWRITING, read_figures

GOOD = {HANDWRITING: {"title": "real pen-tablet digits never trained on", "count": 3494,
                      "measured": "2026-12-05",
                      "accuracy": {"mnist-cnn": 0.969, "mnist-dense": 0.924}}}


def _write(folder: Path, content: object) -> Path:
    path = folder / "benchmarks.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def test_each_model_gets_its_figure(tmp_path: Path) -> None:
    figures = read_figures(_write(tmp_path, GOOD))
    assert figures.problem == ""
    assert figures.accuracy(HANDWRITING, "mnist-cnn") == (0.969, "")
    assert figures.accuracy(HANDWRITING, "mnist-dense") == (0.924, "")
    value, why = figures.accuracy(HANDWRITING, "fashion-cnn")
    assert value is None
    assert why == (f"Not measured on 3,494 real pen-tablet digits never trained on, measured "
                   f"2026-12-05 ({tmp_path / 'benchmarks.json'}).")


def test_the_users_own_model_never_takes_the_shipped_figure(tmp_path: Path) -> None:
    figures = read_figures(_write(tmp_path, GOOD))
    assert figures.accuracy(HANDWRITING, "user:mnist-cnn")[0] is None


@pytest.mark.parametrize(("content", "said"), [
    ("{ not json", "is damaged"),
    ("[" * 100_000 + "]" * 100_000, "is damaged"),
    ("[1, 2]", "is not a JSON object"),
    ({HANDWRITING: "nothing"}, "'handwriting' set is damaged (not a JSON object)"),
    ({HANDWRITING: {"title": 5, "accuracy": {}}}, "title or date is not a short text"),
    ({HANDWRITING: {"title": "x", "count": -3, "accuracy": {}}}, "count is not a whole number"),
    ({HANDWRITING: {"title": "x"}}, "it has no accuracy per model"),
])
def test_a_damaged_file_means_no_figures_and_says_why(tmp_path, content, said) -> None:
    figures = read_figures(_write(tmp_path, content))
    value, why = figures.accuracy(HANDWRITING, "mnist-cnn")
    assert value is None and said in why and str(tmp_path) in why


def test_a_figure_out_of_range_is_not_shown(tmp_path: Path) -> None:
    broken = json.loads(json.dumps(GOOD))
    broken[HANDWRITING]["accuracy"].update({"mnist-cnn": 96.9, "mnist-dense": "high"})
    figures = read_figures(_write(tmp_path, broken))
    for key in ("mnist-cnn", "mnist-dense"):
        value, why = figures.accuracy(HANDWRITING, key)
        assert value is None and "not an accuracy between 0 and 1" in why


def test_missing_or_unreadable_files_mean_no_figures(tmp_path: Path) -> None:
    missing = read_figures(tmp_path / "nowhere.json")
    assert missing.accuracy(HANDWRITING, "mnist-cnn") == (
        None, f"No benchmark figures: {tmp_path / 'nowhere.json'} does not exist.")
    fifo = tmp_path / "benchmarks.json"
    os.mkfifo(fifo)  # would block an ordinary read forever
    assert "cannot be read (a named pipe" in read_figures(fifo).problem
    folder = tmp_path / "a-folder"
    folder.mkdir()
    assert "cannot be read" in read_figures(folder).problem


def test_the_default_file_is_in_the_resources() -> None:
    assert benchmark_figures.default_file().parent.name == "resources"
    read_figures()  # whatever is there (or not), it never raises
