"""The Model menu: a submenu per dataset listing its models as the toolbar's drop-down does
(desktop.model_choices names and orders them), groups parted by separators, unusable models
disabled with their reason as tooltip. Its checkable actions share one exclusive QActionGroup,
whose `triggered` signal the window connects once."""

from __future__ import annotations

from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu

from desktop.model_choices import ModelChoice, datasets

NO_MODELS = "No models found"


class ModelMenu:
    """Fills a QMenu with the models; rebuilt only when the models change (choosing one only
    moves the check mark), so an action stays alive while it is being triggered."""

    def __init__(self, menu: QMenu, group: QActionGroup, after: list[QAction]) -> None:
        self.menu, self.group, self._after = menu, group, after
        self._shown: list[tuple] | None = None

    def show(self, choices: list[ModelChoice], current_key: str | None) -> None:
        shown = [(c.key, c.text, c.usable, c.tooltip, c.group) for c in choices]
        if shown != self._shown:
            self._rebuild(choices)
            self._shown = shown
        for action in self.group.actions():
            action.setChecked(action.data() == current_key)

    def _rebuild(self, choices: list[ModelChoice]) -> None:
        self.menu.clear()
        for action in self.group.actions():
            self.group.removeAction(action)
            action.deleteLater()  # owned by the window, which would keep every old one
        for dataset, title in datasets(choices):
            submenu = self.menu.addMenu(f"&{title}")  # Alt+M, then D for Digits
            submenu.setToolTipsVisible(True)
            previous = None
            for choice in (c for c in choices if c.dataset == dataset):
                if previous is not None and choice.group != previous:
                    submenu.addSeparator()
                previous = choice.group
                submenu.addAction(self._action(choice))
        if not choices:
            self.menu.addAction(NO_MODELS).setEnabled(False)
        self.menu.addSeparator()
        self.menu.addActions(self._after)

    def _action(self, choice: ModelChoice) -> QAction:
        action = QAction(choice.text, self.group.parent())
        action.setCheckable(True)
        action.setData(choice.key)
        action.setEnabled(choice.usable)
        action.setToolTip(choice.tooltip)
        action.setStatusTip(choice.tooltip.splitlines()[0])
        self.group.addAction(action)
        return action
