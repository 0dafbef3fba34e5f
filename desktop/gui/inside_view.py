"""The "Look inside" tab: views of what the current model does with the current picture.

Each page is a widget with `show_input(classifier, gray)`: the current model's classifier (None
while there is none or its session is still loading) and the picture being classified (None for
an empty canvas). The window calls `show_input` after every classification; only the page on
screen is told, and pages do slow work off the UI thread, so drawing stays smooth.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtWidgets import QTabWidget, QWidget

from desktop.lazy_imports import np
from desktop.models import Classifier


class InsidePage(Protocol):
    def show_input(self, classifier: Classifier | None, gray: np.ndarray | None) -> None: ...


class InsideView(QTabWidget):
    """Tabs of InsidePage widgets; the visible one follows the current picture."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="insideTabs")
        self.setDocumentMode(True)
        self._classifier: Classifier | None = None
        self._gray: np.ndarray | None = None
        self.currentChanged.connect(lambda _index: self._update_current())

    def add_page(self, page: QWidget, title: str, tooltip: str = "") -> None:
        index = self.addTab(page, title)
        self.setTabToolTip(index, tooltip)

    def show_input(self, classifier: Classifier | None, gray: np.ndarray | None) -> None:
        self._classifier, self._gray = classifier, gray
        if self.isVisible():
            self._update_current()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._update_current()  # pages skipped while hidden catch up

    def _update_current(self) -> None:
        page = self.currentWidget()
        if page is not None:
            page.show_input(self._classifier, self._gray)
