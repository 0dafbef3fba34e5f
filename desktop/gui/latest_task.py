"""Keep a slow view up to date with fast input: the latest request wins.

While drawing, the window asks for a new result every few milliseconds, faster than a slow
computation (a saliency map, feature maps) finishes. A LatestTaskRunner runs one request at a
time on its own single pool thread (never more than one core, never in the way of the shared
pool that loads models); a new request replaces the one waiting, and results of requests that
were superseded meanwhile are dropped, so the view never goes back to an older picture.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThreadPool

from desktop.gui.workers import TaskRunner


def _tagged(generation: int, function: Callable[..., Any], *args: Any) -> tuple:
    """Runs on the pool thread: (generation, ok, result or exception); never raises."""
    try:
        return generation, True, function(*args)
    except Exception as error:  # handed to the UI, which shows it in words
        return generation, False, error


class LatestTaskRunner(QObject):
    """Runs `function(*args)` off the UI thread, one at a time, delivering only the newest."""

    def __init__(self, on_success: Callable[[Any], None],
                 on_failure: Callable[[Exception], None], parent: QObject | None = None) -> None:
        """The callbacks run on the UI thread with the newest request's result or exception."""
        super().__init__(parent)
        self._on_success, self._on_failure = on_success, on_failure
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._runner = TaskRunner(self, self._pool)
        self._generation = 0  # of the newest request
        self._running = False
        self._waiting: tuple[int, Callable[..., Any], tuple] | None = None

    @property
    def busy(self) -> bool:
        """A request is running or waiting."""
        return self._running or self._waiting is not None

    def request(self, function: Callable[..., Any], *args: Any) -> None:
        """Compute `function(*args)`; supersedes every earlier request."""
        self._generation += 1
        self._waiting = (self._generation, function, args)
        if not self._running:
            self._start_waiting()

    def cancel(self) -> None:
        """Forget the waiting request and drop the running one's result."""
        self._generation += 1
        self._waiting = None

    def wait(self, milliseconds: int = -1) -> bool:
        """Block until the pool thread is idle (closing, tests)."""
        return self._pool.waitForDone(milliseconds)

    def _start_waiting(self) -> None:
        generation, function, args = self._waiting
        self._waiting = None
        self._running = True
        self._runner.start(_tagged, generation, function, *args,
                           on_success=self._finished, on_failure=self._crashed)

    def _finished(self, outcome: tuple) -> None:
        generation, ok, value = outcome
        self._running = False
        if self._waiting is not None:
            self._start_waiting()  # the newer request first: no need to paint a stale result
        if generation != self._generation:
            return
        (self._on_success if ok else self._on_failure)(value)

    def _crashed(self, error: Exception) -> None:  # _tagged never raises; kept for safety
        self._running = False
        if self._waiting is not None:
            self._start_waiting()
        self._on_failure(error)
