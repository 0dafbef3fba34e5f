"""Run slow work (decoding big pictures, creating ONNX sessions) off the UI thread.

A `BackgroundTask` wraps a plain function. Its result (or exception) comes back as a Qt signal;
connect those signals to methods of QObjects that live on the UI thread and Qt delivers them
there (queued connection), so slots never touch widgets from a worker thread.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class TaskSignals(QObject):
    """Signals of one task; created on the UI thread so queued delivery lands there."""

    succeeded = Signal(object)
    failed = Signal(object)  # the exception instance
    done = Signal(int)  # the task's key in its runner


class BackgroundTask(QRunnable):
    """Calls `function(*args)` on a pool thread and reports through `signals`."""

    def __init__(self, key: int, function: Callable[..., Any], *args: Any) -> None:
        super().__init__()
        self._key = key
        self._function = function
        self._args = args
        self.signals = TaskSignals()
        # The runner keeps the Python object alive; the pool must not delete it under us.
        self.setAutoDelete(False)

    def run(self) -> None:  # runs on a pool thread
        try:
            result = self._function(*self._args)
        except Exception as error:  # handed to the UI, which shows a clear message
            self._report(self.signals.failed, error)
        else:
            self._report(self.signals.succeeded, result)
        self._report(self.signals.done, self._key)

    @staticmethod
    def _report(signal, value: object) -> None:
        # RuntimeError: the window closed meanwhile and there is nobody left to tell.
        with contextlib.suppress(RuntimeError):
            signal.emit(value)


class TaskRunner(QObject):
    """Starts background tasks and keeps them referenced until they have finished."""

    def __init__(self, parent: QObject | None = None, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self._pool = pool or QThreadPool.globalInstance()
        self._running: dict[int, BackgroundTask] = {}
        self._next_key = 0

    def start(
        self,
        function: Callable[..., Any],
        *args: Any,
        on_success: Callable[[Any], None],
        on_failure: Callable[[Exception], None],
    ) -> None:
        """Run `function(*args)` in the pool; the callbacks (methods of UI-thread QObjects)
        receive the result or the exception on the UI thread."""
        self._next_key += 1
        task = BackgroundTask(self._next_key, function, *args)
        # Connect before starting: a fast task could otherwise finish unheard.
        task.signals.succeeded.connect(on_success)
        task.signals.failed.connect(on_failure)
        task.signals.done.connect(self._forget)
        self._running[self._next_key] = task
        self._pool.start(task)

    def _forget(self, key: int) -> None:
        self._running.pop(key, None)
