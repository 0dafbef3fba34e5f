"""Tab pages whose content is built the first time it shows (or is asked for): the window opens
without the cost of the tabs nobody has looked at yet (every tab but Prediction: their modules
and widgets, about a tenth of a second of the start)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget


class LazyPage(QWidget):
    """Holds the widget `build` returns, built once, when first needed."""

    def __init__(self, build: Callable[[], QWidget], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._build = build
        self._content: QWidget | None = None
        QVBoxLayout(self).setContentsMargins(0, 0, 0, 0)

    @property
    def built(self) -> bool:
        return self._content is not None

    def content(self) -> QWidget:
        if self._content is None:
            self._content = self._build()
            self.layout().addWidget(self._content)
            if self.isVisible():  # else the layout would show it one event later
                self._content.show()
        return self._content

    def showEvent(self, event: QShowEvent) -> None:
        self.content()
        super().showEvent(event)


class LazyTabs(QTabWidget):
    """Tabs whose pages may be LazyPages. A built page's content stands for its page:
    `setCurrentWidget(view)`, `indexOf(view)` and `currentWidget()` work with the view itself, so
    the code that shows a tab need not know that it was built late."""

    def _page_of(self, widget: QWidget | None) -> QWidget | None:
        holder = widget.parentWidget() if widget is not None else None
        if isinstance(holder, LazyPage) and holder.built and holder.content() is widget:
            return holder
        return widget

    def setCurrentWidget(self, widget: QWidget) -> None:
        super().setCurrentWidget(self._page_of(widget))

    def indexOf(self, widget: QWidget) -> int:
        return super().indexOf(self._page_of(widget))

    def currentWidget(self) -> QWidget | None:
        page = super().currentWidget()
        return page.content() if isinstance(page, LazyPage) else page
