"""Keep a slow view up to date with fast input: the latest request wins.

While drawing, the window asks for a new result every few milliseconds, faster than a slow
computation (a saliency map, feature maps) finishes. A LatestTaskRunner runs one request at a
time on its own single pool thread (never more than one core, never in the way of the shared
pool that loads models); a new request replaces the one waiting. A finished result is shown
even when a newer request waits (else a view slower than the strokes would show nothing until
the pen stops), but never one older than a result shown or a `cancel`: the view never goes
back to an older picture.

After each computation the runner rests `rest` times as long as it worked, and at least
`min_rest_ms`, before starting the next one (1.0: at most half a core), so on a small machine
the drawing thread keeps its CPU and the view repaints a few dozen times a second at most.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, QTimer

from desktop.gui.workers import TaskRunner


def _tagged(generation: int, function: Callable[..., Any], *args: Any) -> tuple:
    """Runs on the pool thread: (generation, ok, result or exception); never raises."""
    try:
        return generation, True, function(*args)
    except Exception as error:  # handed to the UI, which shows it in words
        return generation, False, error


class LatestTaskRunner(QObject):
    """Runs `function(*args)` off the UI thread, one at a time; never delivers a result older
    than one delivered before or than the last `cancel`."""

    def __init__(self, on_success: Callable[[Any], None],
                 on_failure: Callable[[Exception], None], parent: QObject | None = None,
                 rest: float = 1.0, min_rest_ms: int = 100) -> None:
        """The callbacks run on the UI thread with a result or exception."""
        super().__init__(parent)
        self._on_success, self._on_failure = on_success, on_failure
        self._rest, self._min_rest_ms = rest, min_rest_ms
        self._rest_timer = QTimer(self, singleShot=True)
        self._rest_timer.timeout.connect(self._start_waiting)
        self._started_at = 0.0
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._runner = TaskRunner(self, self._pool)
        self._generation = 0  # of the newest request
        self._floor = 0  # results of this generation or older are stale
        self._running = False
        self._waiting: tuple[int, Callable[..., Any], tuple] | None = None

    @property
    def busy(self) -> bool:
        """A request is running or waiting."""
        return self._running or self._waiting is not None or self._rest_timer.isActive()

    def request(self, function: Callable[..., Any], *args: Any) -> None:
        """Compute `function(*args)`; supersedes every earlier request."""
        self._generation += 1
        self._waiting = (self._generation, function, args)
        if not self._running and not self._rest_timer.isActive():
            self._start_waiting()

    def cancel(self) -> None:
        """Forget the waiting request and drop the running one's result."""
        self._generation += 1
        self._floor = self._generation
        self._waiting = None
        self._rest_timer.stop()

    def wait(self, milliseconds: int = -1) -> bool:
        """Block until the pool thread is idle (closing, tests)."""
        return self._pool.waitForDone(milliseconds)

    def _start_waiting(self) -> None:
        if self._waiting is None:
            return
        generation, function, args = self._waiting
        self._waiting = None
        self._running = True
        self._started_at = time.perf_counter()
        self._runner.start(_tagged, generation, function, *args,
                           on_success=self._finished, on_failure=self._crashed)

    def _finished(self, outcome: tuple) -> None:
        generation, ok, value = outcome
        self._after_run()
        if generation > self._floor:  # else stale: cancelled, or older than one shown
            self._floor = generation
            (self._on_success if ok else self._on_failure)(value)

    def _crashed(self, error: Exception) -> None:  # _tagged never raises; kept for safety
        self._after_run()
        self._on_failure(error)

    def _after_run(self) -> None:
        self._running = False
        worked_ms = (time.perf_counter() - self._started_at) * 1000
        # Then the waiting request, if any.
        self._rest_timer.start(max(self._min_rest_ms, round(self._rest * worked_ms)))
