"""A status bar whose messages never run into the permanent widgets on its right.

QStatusBar cuts a long message wherever the room ends, mid-word and under the model label.
This one shortens it with an ellipsis at a word boundary and keeps the whole text in the
tooltip; it shortens it again whenever the window is resized.
"""

from __future__ import annotations

import time

from PySide6.QtGui import QFontMetrics, QResizeEvent
from PySide6.QtWidgets import QStatusBar, QWidget

ELLIPSIS = "…"


def elide_words(text: str, fits) -> str:
    """The longest start of `text`, cut after a whole word, plus an ellipsis, for which
    `fits(candidate)` holds; `text` itself when it fits. Falls back to a cut mid-word only
    when not even the first word fits."""
    if fits(text):
        return text
    words = text.split(" ")
    low, high = 0, len(words) - 1  # how many words to keep: binary search
    while low < high:
        middle = (low + high + 1) // 2
        if fits(" ".join(words[:middle]).rstrip(",;:-") + ELLIPSIS):
            low = middle
        else:
            high = middle - 1
    if low > 0:
        return " ".join(words[:low]).rstrip(",;:-") + ELLIPSIS
    cut = len(text)
    while cut > 0 and not fits(text[:cut] + ELLIPSIS):
        cut -= 1
    return text[:cut] + ELLIPSIS


class StatusBar(QStatusBar):
    """QStatusBar with messages shortened at a word boundary to the room they have."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self._deadline: float | None = None  # time.monotonic() when the message expires
        self._permanent: list[QWidget] = []
        self.messageChanged.connect(self._on_message_changed)

    @property
    def full_message(self) -> str:
        """The message as it was given, before shortening ("" when none is shown)."""
        return self._full if self.currentMessage() else ""

    def addPermanentWidget(self, widget: QWidget, stretch: int = 0) -> None:
        super().addPermanentWidget(widget, stretch)
        self._permanent.append(widget)

    def showMessage(self, text: str, timeout: int = 0) -> None:
        self._full = text
        self._deadline = time.monotonic() + timeout / 1000 if timeout > 0 else None
        super().showMessage(self._shortened(text), timeout)
        self.setToolTip(text if self.currentMessage() != text else "")

    def message_room(self) -> int:
        """Pixels a message can use: the bar minus the permanent widgets on its right."""
        used = sum(w.sizeHint().width() + 12 for w in self._permanent if w.isVisible())
        return max(40, self.width() - used - 24)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.currentMessage() and self._full:
            shortened = self._shortened(self._full)
            left = (None if self._deadline is None
                    else round((self._deadline - time.monotonic()) * 1000))
            if shortened != self.currentMessage() and (left is None or left > 0):
                # Only the text changes: the message keeps the time it had left.
                self.blockSignals(True)
                super().showMessage(shortened, left or 0)
                self.blockSignals(False)

    def _shortened(self, text: str) -> str:
        metrics = QFontMetrics(self.font())
        room = self.message_room()
        return elide_words(" ".join(text.split()), lambda t: metrics.horizontalAdvance(t) <= room)

    def _on_message_changed(self, text: str) -> None:
        if not text:
            self.setToolTip("")
        elif text != self._shortened(self._full):  # shown by Qt itself (an action's tip)
            self._full, self._deadline = text, None
