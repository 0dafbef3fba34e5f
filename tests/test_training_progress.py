"""The progress stream's contract (desktop.training_progress): what the trainer writes, the
app reads back, and anything else on the stream is skipped, never a failure."""

from __future__ import annotations

import math

import pytest

from desktop.training_progress import EVENTS, event_line, parse_line


def test_every_event_round_trips() -> None:
    for event in EVENTS:
        parsed = parse_line(event_line(event, epoch=3, loss=0.25, model_id="mnist-cnn"))
        assert parsed is not None and parsed.event == event
        assert parsed.number("epoch") == 3 and parsed.number("loss") == 0.25
        assert parsed.text("model_id") == "mnist-cnn"


def test_non_finite_numbers_travel_as_null_and_read_as_missing() -> None:
    line = event_line("epoch", val_loss=math.nan, train_loss=math.inf)
    assert "NaN" not in line and "Infinity" not in line
    parsed = parse_line(line.encode())
    assert parsed is not None
    assert math.isnan(parsed.number("val_loss")) and parsed.number("train_loss", -1.0) == -1.0


@pytest.mark.parametrize("line", [
    "", "epoch 3/12: loss 0.2", "{", "[1, 2]", '{"event": "party"}', '{"no": "event"}',
    "{" + "[" * 10_000 + "]" * 10_000 + "}", '{"event": "batch", "x": "' + "a" * 70_000 + '"}',
    b"\xff\xfe{}",
])
def test_anything_else_on_the_stream_is_skipped(line: str | bytes) -> None:
    assert parse_line(line) is None


def test_fields_of_the_wrong_type_read_as_missing() -> None:
    parsed = parse_line('{"event": "epoch", "epoch": "three", "ok": true, "path": 7}')
    assert parsed is not None
    assert math.isnan(parsed.number("epoch")) and math.isnan(parsed.number("ok"))
    assert parsed.text("path", "?") == "?"
    with pytest.raises(ValueError, match="unknown progress event"):
        event_line("party")
