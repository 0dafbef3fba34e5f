"""Teach mode in the main window: the Teach tab (desktop.gui.teach_view) follows the current
model and the picture it saw, a click on a probability bar keeps the drawing with that answer,
and a personalised model joins the picker (a mixin of MainWindow, which owns the canvas, the
tabs, the prediction panel and the controller)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop import presenter, teaching
from desktop.models import USER_KEY_PREFIX, ModelInfo

if TYPE_CHECKING:
    from desktop.gui.teach_view import TeachView


class WindowTeachMixin:
    """Expects the window's teach_page and teach_view (built when first shown or asked for),
    prediction_panel, canvas, results_tabs, statusBar, select_model and reload_models."""

    def _connect_teach(self, view: TeachView) -> None:
        """The Teach tab, once built, follows the current model and picture."""
        view.keptDrawing.connect(self._on_drawing_kept)
        view.modelPersonalised.connect(self._on_model_personalised)
        view.useModel.connect(self._use_personalised)
        info = self.controller.current_info
        view.set_model(info)
        view.set_current_input(teaching.drawing_input(self.last_gray, info))

    def _teach_model(self, info: ModelInfo | None) -> None:
        """The current model changed: Teach mode follows it; bars are clickable for digits."""
        if self.teach_page.built:
            self.teach_view.set_model(info)
        self.prediction_panel.bars.set_click_hint(
            "" if teaching.cannot_teach(info) else teaching.BARS_HINT)

    def _teach_input(self, gray) -> None:
        """What Keep stores: the whole drawing as one digit, as the current model sees it
        (also when the window reads several digits in it)."""
        if self.teach_page.built:
            info = self.controller.current_info
            self.teach_view.set_current_input(teaching.drawing_input(gray, info))

    def _keep_drawing(self, digit: int) -> None:
        """A click on a bar keeps the drawing as that digit (the Teach tab says why not)."""
        self.teach_view.keep(digit)

    def _on_drawing_kept(self, message: str) -> None:
        self.statusBar().showMessage(message, 6000)
        self.canvas.clear()

    def _on_model_personalised(self, model_id: str) -> None:
        self.reload_models()
        self.statusBar().showMessage(presenter.model_personalised(model_id), 8000)

    def _use_personalised(self, model_id: str) -> None:
        if self.select_model(USER_KEY_PREFIX + model_id):
            self.results_tabs.setCurrentWidget(self.prediction_panel)
