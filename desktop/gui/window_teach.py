"""Teach mode in the main window: the Teach tab (desktop.gui.teach_view) follows the current
model and the picture it saw, a click on a probability bar keeps the drawing with that answer,
and a personalised model joins the picker (a mixin of MainWindow, which owns the canvas, the
tabs, the prediction panel and the controller)."""

from __future__ import annotations

from desktop import presenter, teaching
from desktop.models import USER_KEY_PREFIX, ModelInfo


class WindowTeachMixin:
    """Expects the window's teach_view, prediction_panel, canvas, results_tabs, statusBar,
    select_model and reload_models."""

    def _connect_teach(self) -> None:
        self.teach_view.keptDrawing.connect(self._on_drawing_kept)
        self.teach_view.modelPersonalised.connect(self._on_model_personalised)
        self.teach_view.useModel.connect(self._use_personalised)
        self.prediction_panel.bars.classClicked.connect(self.teach_view.keep)

    def _teach_model(self, info: ModelInfo | None) -> None:
        """The current model changed: Teach mode follows it; bars are clickable for digits."""
        self.teach_view.set_model(info)
        self.prediction_panel.bars.set_click_hint(
            teaching.BARS_HINT if self.teach_view.can_keep() else "")

    def _teach_input(self, gray) -> None:
        """What Keep stores: the whole drawing as one digit, as the current model sees it
        (also when the window reads several digits in it)."""
        info = self.controller.current_info
        self.teach_view.set_current_input(teaching.drawing_input(gray, info))

    def _on_drawing_kept(self, message: str) -> None:
        self.statusBar().showMessage(message, 6000)
        self.canvas.clear()

    def _on_model_personalised(self, model_id: str) -> None:
        self.reload_models()
        self.statusBar().showMessage(presenter.model_personalised(model_id), 8000)

    def _use_personalised(self, model_id: str) -> None:
        if self.select_model(USER_KEY_PREFIX + model_id):
            self.results_tabs.setCurrentWidget(self.prediction_panel)
