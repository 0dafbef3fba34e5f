"""The trainer's machine-readable progress stream: what `python -m trainer --progress json`
prints, one JSON object a line on standard output, and what the app's Train panel reads.
Defined once here (no Qt, no torch) and used by both sides: the trainer writes events with
`event_line`, the app reads them with `parse_line`.

Every line is an object with "event" and the fields below; readers ignore fields they do not
know, so a newer trainer may add some. Human-readable messages still go to standard error.

  start  model_id, epochs, batches (per epoch), config (the run's settings, an object); a
         resumed run (--resume) then sends the epoch events of the epochs it already has
  batch  epoch, batch, batches, loss, accuracy (running means of this epoch), seconds (since
         the start of training); at most BATCH_EVENTS_PER_SECOND a second, plus
         always each epoch's last batch
  epoch  epoch, train_loss, train_accuracy, val_loss, val_accuracy, best_epoch, seconds,
         seconds_left (an estimate for the epochs still to run, at most `epochs`); also
         learning_rate and epoch_seconds (this epoch alone), as the stored history has them
         (seconds: of training so far, like batch's)
  phase  phase: "data", "test", "calibrate", "export", ... (what the run is doing now)
  done   model_id, path (the model folder written), test_accuracy, stopped ("early": early
         stopping; "asked": the user asked it to stop and the best epoch so far was kept;
         "": all epochs ran)
  error  message (one line for the user: why the run failed; nothing was written)

While a run prints this stream, the line STOP_COMMAND on its standard input asks it to stop
after the current batch, keep the best epoch so far, test it and export it as usual.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

EVENTS = ("start", "batch", "epoch", "phase", "done", "error")
STOP_COMMAND = "stop"
BATCH_EVENTS_PER_SECOND = 10
MAX_LINE = 64 << 10  # a longer line is not one of ours


@dataclass(frozen=True)
class ProgressEvent:
    """One line of the stream: its kind and its fields as they were sent."""

    event: str
    fields: dict = field(default_factory=dict)

    def number(self, name: str, default: float = math.nan) -> float:
        """A numeric field, or `default` when it is missing or not a finite number."""
        value = self.fields.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool) \
                and math.isfinite(value):
            return float(value)
        return default

    def text(self, name: str, default: str = "") -> str:
        value = self.fields.get(name)
        return value if isinstance(value, str) else default


def event_line(event: str, **fields: object) -> str:
    """The line the trainer prints for one event (no newline)."""
    if event not in EVENTS:
        raise ValueError(f"unknown progress event {event!r}")
    clean = {name: (None if isinstance(value, float) and not math.isfinite(value) else value)
             for name, value in fields.items()}
    return json.dumps({"event": event, **clean}, separators=(",", ":"))


def parse_line(line: str | bytes) -> ProgressEvent | None:
    """One line of the stream, or None for anything that is not one of its events (a stray
    message, a damaged or overlong line): the reader skips it and never fails on it."""
    if isinstance(line, bytes):
        line = line.decode("utf-8", "replace")
    line = line.strip()
    if not line.startswith("{") or len(line) > MAX_LINE:
        return None
    try:
        value = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, dict) or value.get("event") not in EVENTS:
        return None
    event = value.pop("event")
    return ProgressEvent(event, value)
