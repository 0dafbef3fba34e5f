"""The stopwatch of the GUI benchmarks: when a widget next paints."""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject


class PaintClock(QObject):
    """Install with widget.installEventFilter(clock); set painted_at to None to restart it, and
    it holds the time.perf_counter() of the widget's next paint."""

    painted_at: float | None = None

    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and self.painted_at is None:
            self.painted_at = time.perf_counter()
        return False
