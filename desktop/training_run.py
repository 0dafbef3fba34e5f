"""One training run as the Train panel sees it: the trainer's progress events accumulated into
curves (per epoch and within the epoch), the time left, and its state with the reason when it
failed.

Qt-free: the panel feeds it the process's standard output as it arrives (`feed`), tells it
when the process ends (`finish`), and paints and words what it holds. Every line is read with
desktop.training_progress.parse_line, the stream's one definition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from desktop.training_progress import MAX_LINE, ProgressEvent, parse_line
from desktop.training_summary import format_duration

STDERR_LINES = 6  # the last lines of standard error shown when a run fails without saying why


class RunState(Enum):
    RUNNING = "running"
    STOPPING = "stopping"  # the user asked it to stop; it exports the best epoch so far
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class EpochPoint:
    epoch: int
    train_loss: float
    train_accuracy: float
    val_loss: float
    val_accuracy: float


@dataclass(frozen=True)
class BatchPoint:
    position: float  # in epochs: 2.5 is half-way through the third epoch
    loss: float  # running means of the epoch so far
    accuracy: float


@dataclass
class TrainingRun:
    """A run's arguments, title and everything its stream told so far."""

    title: str
    arguments: list[str]
    state: RunState = RunState.RUNNING
    epochs_planned: int = 0
    epochs: list[EpochPoint] = field(default_factory=list)
    batches: list[BatchPoint] = field(default_factory=list)
    best_epoch: int | None = None
    phase: str = ""
    seconds: float = 0.0  # training time the stream reported last
    seconds_left: float | None = None
    _left_at: float = 0.0  # `seconds` when seconds_left was reported
    model_id: str = ""
    model_path: str = ""
    test_accuracy: float | None = None
    stopped: str = ""  # the done event's: "early", "asked" or ""
    error: str = ""
    _pending: str = ""  # an incomplete last line of standard output

    # --- reading the stream ---------------------------------------------------------------------

    def feed(self, text: str) -> list[ProgressEvent]:
        """Standard output as it arrives, in chunks that may end mid-line; returns the events
        of the complete lines (stray lines are skipped)."""
        lines = (self._pending + text).split("\n")
        self._pending = lines.pop()
        if len(self._pending) > MAX_LINE:  # no line of the stream is that long: not ours
            self._pending = ""
        events = [event for event in map(parse_line, lines) if event is not None]
        for event in events:
            self.apply(event)
        return events

    def apply(self, event: ProgressEvent) -> None:
        handler = getattr(self, f"_on_{event.event}", None)
        if handler is not None:
            handler(event)

    def _on_start(self, event: ProgressEvent) -> None:
        self.epochs_planned = int(event.number("epochs", 0))
        self.model_id = event.text("model_id", self.model_id)
        self.phase = "training"

    def _on_batch(self, event: ProgressEvent) -> None:
        epoch, batch = event.number("epoch"), event.number("batch")
        batches = event.number("batches")
        if not (epoch >= 1 and batch >= 0 and batches >= 1):
            return
        self.phase = "training"
        position = epoch - 1 + min(1.0, batch / batches)
        # A resumed run starts again at its checkpoint: what lay beyond it is dropped.
        self.batches = [point for point in self.batches if point.position < position]
        self.batches.append(BatchPoint(position, event.number("loss"), event.number("accuracy")))
        self._seconds(event)

    def _on_epoch(self, event: ProgressEvent) -> None:
        epoch = int(event.number("epoch", 0))
        if epoch < 1:
            return
        point = EpochPoint(epoch, event.number("train_loss"), event.number("train_accuracy"),
                           event.number("val_loss"), event.number("val_accuracy"))
        self.epochs = [p for p in self.epochs if p.epoch < epoch] + [point]
        best = event.number("best_epoch")
        self.best_epoch = int(best) if best >= 1 else self.best_epoch
        self._seconds(event)
        left = event.number("seconds_left")
        self.seconds_left, self._left_at = (left if left >= 0 else None), self.seconds

    def _on_phase(self, event: ProgressEvent) -> None:
        self.phase = event.text("phase", self.phase)

    def _on_done(self, event: ProgressEvent) -> None:
        self.state = RunState.DONE
        self.model_id = event.text("model_id", self.model_id)
        self.model_path = event.text("path")
        accuracy = event.number("test_accuracy")
        self.test_accuracy = accuracy if 0 <= accuracy <= 1 else None
        self.stopped = event.text("stopped")
        self.seconds_left = None

    def _on_error(self, event: ProgressEvent) -> None:
        self.state = RunState.FAILED
        self.error = event.text("message") or "The trainer reported an error."

    def _seconds(self, event: ProgressEvent) -> None:
        seconds = event.number("seconds")
        if seconds >= 0:
            self.seconds = seconds

    # --- the process's life -----------------------------------------------------------------

    def ask_stop(self) -> None:
        if self.state is RunState.RUNNING:
            self.state = RunState.STOPPING

    def restart(self, arguments: list[str]) -> None:
        """The same run resumed from its checkpoint: its curves so far stay."""
        self.arguments = arguments
        self.state, self.error, self.stopped, self.phase = RunState.RUNNING, "", "", ""
        self.model_path, self.test_accuracy, self.seconds_left = "", None, None

    def finish(self, exit_code: int | None, stderr: str) -> None:
        """The process ended: exit_code None when it crashed or was killed. A run that ended
        without a done event failed; the error event's message says why, else the end of
        standard error and the exit code."""
        if self._pending:
            self.feed("\n")
        if self.state is RunState.DONE and exit_code == 0:
            return
        if not self.error:
            tail = [line for line in stderr.strip().splitlines() if line.strip()][-STDERR_LINES:]
            ending = ("The trainer stopped unexpectedly (it crashed or was killed)."
                      if exit_code is None else f"The trainer exited with code {exit_code}.")
            self.error = "\n".join([ending, *tail])
        self.state = RunState.FAILED
        self.seconds_left = None

    # --- what the panel shows ---------------------------------------------------------------

    @property
    def active(self) -> bool:
        return self.state in (RunState.RUNNING, RunState.STOPPING)

    @property
    def resumable(self) -> bool:
        """Stopped by the user, or ended without finishing: its checkpoint lets it go on."""
        return (self.state is RunState.FAILED and bool(self.epochs)) or (
            self.state is RunState.DONE and self.stopped == "asked")

    @property
    def succeeded(self) -> bool:
        return self.state is RunState.DONE and bool(self.model_id)

    def position(self) -> float:
        """How far training got, in epochs (2.5: half-way through the third)."""
        last_batch = self.batches[-1].position if self.batches else 0.0
        last_epoch = float(self.epochs[-1].epoch) if self.epochs else 0.0
        return max(last_batch, last_epoch)

    def time_left(self) -> float | None:
        """Seconds still to train: the trainer's estimate at the last epoch, less the time
        since; before the first epoch, extrapolated from the batches done."""
        if self.state is not RunState.RUNNING:
            return None
        if self.seconds_left is not None:
            return max(0.0, self.seconds_left - (self.seconds - self._left_at))
        # A resumed run's seconds count its earlier epochs too (trainer/train.py).
        done = self.position()
        if done > 0 and self.epochs_planned > 0 and self.seconds > 0:
            return self.seconds / done * max(0.0, self.epochs_planned - done)
        return None

    def status(self) -> str:
        """One line: 'Epoch 3 of 12 · about 1 min 5 s left', 'Stopping after this batch...',
        'Done: 98.9 % on the test set', 'Failed: ...'."""
        if self.state is RunState.FAILED:
            return "Failed: " + self.error.splitlines()[0] if self.error else "Failed."
        if self.state is RunState.DONE:
            accuracy = ("" if self.test_accuracy is None
                        else f": {self.test_accuracy * 100:.1f} % on the test set")
            how = {"asked": "Stopped, best epoch kept", "early": "Done (stopped early)"}
            return how.get(self.stopped, "Done") + accuracy
        if self.state is RunState.STOPPING:
            return "Stopping: keeping the best epoch so far, then testing and exporting it..."
        if self.phase and self.phase != "training":
            return {"data": "Loading the data...", "test": "Testing the best epoch...",
                    "calibrate": "Calibrating...", "export": "Exporting the model..."
                    }.get(self.phase, f"{self.phase.capitalize()}...")
        if not self.epochs_planned:
            return "Starting the trainer..."
        epoch = min(self.epochs_planned, int(self.position()) + 1)
        left = self.time_left()
        shown = f" · about {format_duration(left)} left" if left is not None else ""
        return f"Epoch {epoch} of {self.epochs_planned}{shown}"
