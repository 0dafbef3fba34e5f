"""Teach mode's logic and wording without Qt: which digit comes next, when Personalise can be
pressed and why not, and how the before / after figures read."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from desktop import teaching
from desktop.model_format import MODEL_FILE
from desktop.models import read_info
from desktop.personalise import Outcome


def test_the_digit_with_fewest_drawings_is_asked_next() -> None:
    assert teaching.next_digit(np.array([], np.uint8)) == 0
    assert teaching.next_digit(np.array([0, 1, 2, 0])) == 3
    labels = np.repeat(np.arange(10), 5)
    assert teaching.prompt(4, labels).startswith("Every digit has 5 drawings")
    assert teaching.prompt(3, np.array([3, 3])) == "Draw a 3, then keep it. (2 of 5 so far)"


def test_personalise_says_why_it_cannot_start(models_dir: Path) -> None:
    digits = read_info(models_dir / "mnist-cnn" / MODEL_FILE)
    clothing = read_info(models_dir / "fashion-cnn" / MODEL_FILE)
    binary = read_info(models_dir / "mnist-linear-is-7" / MODEL_FILE)
    enough = np.repeat(np.arange(10), 3)  # 30 drawings: 10 held back, 20 to learn from
    assert teaching.personalise_blocked(digits, enough) == ""
    assert "at least 10" in teaching.personalise_blocked(digits, enough[:12])
    assert "digit model" in teaching.personalise_blocked(clothing, enough)
    assert "yes/no" in teaching.personalise_blocked(binary, enough)
    assert teaching.personalise_blocked(None, enough)
    assert teaching.drawing_input(np.ones((50, 50)), digits) is None  # blank: nothing to keep
    stroke = np.ones((50, 50))
    stroke[10:40, 24:27] = 0.0
    kept = teaching.drawing_input(stroke, digits)
    assert kept.shape == (28, 28) and kept.max() > 0.9
    assert teaching.drawing_input(stroke, clothing) is None


def test_the_outcome_reads_as_gained_and_forgotten() -> None:
    outcome = Outcome("mnist-cnn", "mnist-cnn-personal", Path("x"), 30, 20, 0.75, 1.0, 0.9955,
                      0.9921, 1.5)
    lines = teaching.outcome_lines(outcome)
    assert "learnt from 30 drawings" in lines[0]
    assert lines[1] == "Your 20 held-back drawings: 75.0% → 100.0%"
    assert "99.55% → 99.21%" in lines[2] and "forgot 0.34%" in lines[2]
    same = Outcome("m", "m-personal", Path("x"), 12, 0, math.nan, math.nan, 0.9, 0.9, 1)
    assert "No drawings were held back" in teaching.outcome_lines(same)[1]
    assert "forgot nothing" in teaching.outcome_lines(same)[2]
