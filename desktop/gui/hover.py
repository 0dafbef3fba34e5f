"""Tooltips that depend on where the mouse is over a custom-painted widget."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QToolTip, QWidget


class HoverTooltips(QWidget):
    """Base for painted widgets: subclasses say what to show at a point via `_tooltip_at`."""

    def _tooltip_at(self, position: QPointF) -> str:
        return ""

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            text = self._tooltip_at(QPointF(event.pos()))
            if text:
                QToolTip.showText(event.globalPos(), text, self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)
