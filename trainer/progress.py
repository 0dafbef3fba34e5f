"""`--progress json`: the trainer's side of the machine-readable progress stream defined in
desktop.training_progress (the app's Train panel reads it), and the stop command on stdin.

Standard output then carries only the stream's JSON lines: the stream keeps its own copy of
file descriptor 1, and descriptor 1 itself is pointed at standard error, so a stray print, a
library's warning or a C++ message can never land among the events. Under torchrun only the main
process (rank 0) prints and listens; trainer.epoch shares its stop decision with the others.

Torch-free: the command line sets it up before torch is imported.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from typing import TextIO

from desktop.training_progress import BATCH_EVENTS_PER_SECOND, STOP_COMMAND, event_line

log = logging.getLogger(__name__)


class Progress:
    """Sends progress events and hears the stop command; a silent no-op when switched off."""

    def __init__(self, stream: TextIO | None = None, on: bool = False) -> None:
        # `on`: this run streams (on every process); `stream`: where this process prints
        # (the main process only).
        self.on = on or stream is not None
        self._stream = stream
        self._stop = threading.Event()
        self._last_batch = -float("inf")

    @property
    def stop_asked(self) -> bool:
        """True once the stop command came, or standard input closed (the app is gone)."""
        return self._stop.is_set()

    def send(self, event: str, **fields: object) -> None:
        """One line of the stream, flushed at once. If nobody reads it any more (the app died),
        the run stops as if asked, keeping its best epoch."""
        if self._stream is None:
            return
        try:
            self._stream.write(event_line(event, **fields) + "\n")
            self._stream.flush()
        except (OSError, ValueError):  # a broken pipe, or a closed stream
            self._stream = None
            self._stop.set()

    def batch(self, epoch: int, batch: int, batches: int, loss: float, accuracy: float,
              seconds: float) -> None:
        """A batch event, unless one went out less than 1/BATCH_EVENTS_PER_SECOND ago; an
        epoch's last batch always goes out, so every epoch has its within-epoch point however
        fast it ran."""
        if self._stream is None:
            return
        now = time.monotonic()
        if batch < batches and now - self._last_batch < 1.0 / BATCH_EVENTS_PER_SECOND:
            return
        self._last_batch = now
        self.send("batch", epoch=epoch, batch=batch, batches=batches, loss=loss,
                  accuracy=accuracy, seconds=seconds)

    def phase(self, name: str) -> None:
        self.send("phase", phase=name)

    def error(self, message: str) -> None:
        self.send("error", message=message)

    def listen(self, stdin: TextIO) -> None:
        """Read `stdin` on a daemon thread: the line STOP_COMMAND, or its end, asks to stop."""
        def read() -> None:
            try:
                for line in stdin:
                    if line.strip() == STOP_COMMAND:
                        log.info("Stop asked: finishing the current batch, then keeping the "
                                 "best epoch so far.")
                        break
                else:
                    log.info("Standard input closed: stopping and keeping the best epoch so far.")
            except (OSError, ValueError):
                pass
            self._stop.set()

        threading.Thread(target=read, name="stop-listener", daemon=True).start()


def start_json_stream(main_process: bool) -> Progress:
    """Switch `--progress json` on for this process: on the main process, events go to the
    real standard output (everything else written there now goes to standard error) and a
    thread listens for the stop command on standard input; other processes stay silent."""
    if not main_process:
        return Progress(on=True)
    sys.stdout.flush()
    stream = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    progress = Progress(stream)
    progress.listen(sys.stdin)
    return progress
