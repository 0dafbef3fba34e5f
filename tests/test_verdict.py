"""What the user is told about a prediction, without Qt: sure, not sure, not one of the classes."""

from __future__ import annotations

import numpy as np

from desktop.binary_task import BINARY_TASKS
from desktop.models import Prediction
from desktop.verdict import State, one_line, percent, verdict

DIGITS = tuple(str(d) for d in range(10))


def _prediction(probabilities: list[float], outlier: float = 0.0,
                accepted: bool = True) -> Prediction:
    values = np.array(probabilities, dtype=np.float32)
    index = int(values.argmax())
    return Prediction(values, np.zeros((28, 28)), index, DIGITS[index], float(values[index]),
                      outlier, accepted)


def test_a_confident_answer_names_the_class() -> None:
    said = verdict(_prediction([0.01] * 7 + [0.91] + [0.01] * 2), DIGITS, "mnist")
    assert (said.state, said.headline, said.detail) == (State.SURE, "7", "91.0 % sure")


def test_below_half_the_app_is_not_sure_and_names_two_candidates() -> None:
    said = verdict(_prediction([0, 0, 0, 0, 0.45, 0, 0.15, 0, 0, 0.40]), DIGITS, "mnist")
    assert said.state is State.UNSURE
    assert said.headline == "Not sure - maybe 4 or 9"


def test_a_rejected_picture_is_not_a_digit_whatever_the_bars_say() -> None:
    prediction = _prediction([0.0] * 3 + [0.97] + [0.0] * 6, outlier=0.93, accepted=False)
    said = verdict(prediction, DIGITS, "mnist")
    assert said.state is State.REJECTED
    assert said.headline == "This doesn't look like a digit"
    assert "93.0 %" in said.detail and "3 (97.0 %)" in said.detail
    clothing = verdict(prediction, DIGITS, "fashion")
    assert clothing.headline == "This doesn't look like clothing"
    assert one_line(prediction, "mnist") == "not a digit (best guess 3, 97.0 %)"
    assert one_line(_prediction([0.0] * 9 + [1.0]), "mnist") == "9 (100.0 %)"


def test_percentages_stay_readable_at_the_ends() -> None:
    assert percent(0.00001) == "<0.1 %" and percent(0.0) == "0.0 %" and percent(1.0) == "100.0 %"


def test_a_binary_model_answers_its_question() -> None:
    task = BINARY_TASKS["is-7"]
    for p_yes, said in ((0.93, "Yes"), (0.2, "No")):
        values = np.array([1 - p_yes, p_yes], dtype=np.float32)
        index = int(values.argmax())
        prediction = Prediction(values, np.zeros((28, 28)), index, task.classes[index],
                                float(values[index]))
        answer = verdict(prediction, task.classes, "mnist", task)
        assert (answer.state, answer.headline) == (State.SURE, f"Is it a 7? {said}")
        assert answer.detail == (f"{percent(float(values[index]))} sure: the model gives "
                                 f"p(7) = {percent(p_yes)} and answers yes from 50 %.")
        assert verdict(prediction, task.classes, "mnist").headline == task.classes[index]
