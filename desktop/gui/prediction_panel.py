"""The "Prediction" tab: a headline answer, probability bars and the model's-eye view."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from desktop.gui.probability_view import ModelInputView, ProbabilityBars
from desktop.gui.style import faint_text
from desktop.models import Prediction
from desktop.verdict import State, verdict


class PredictionPanel(QWidget):
    """Shows one prediction, or why there is none (nothing drawn, model loading...)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("predictionPanel")
        self.headline = QLabel(objectName="headline")
        self.headline.setWordWrap(True)
        self.headline.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._message_font = _scaled_bold(self.font(), 2.2)
        self._label_font = _scaled_bold(self.font(), 2.8)  # class names like "Ankle boot"
        self._symbol_font = _scaled_bold(self.font(), 5.0)  # one or two characters: "7"
        self.headline.setFont(self._message_font)
        self.detail = QLabel(objectName="detail")
        self.detail.setWordWrap(True)
        self.bars = ProbabilityBars()
        self.model_input = ModelInputView()
        input_caption = QLabel("What the model sees\n(28 × 28 pixels)")
        input_caption.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.note = QLabel(objectName="modelNote")
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._quiet_labels = [self.detail, input_caption, self.note]
        self._input_caption = input_caption

        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        grid.addWidget(self.bars, 0, 0, 2, 1)
        grid.addWidget(self.model_input, 0, 1, Qt.AlignmentFlag.AlignHCenter)
        grid.addWidget(input_caption, 1, 1)
        grid.setRowStretch(1, 1)
        grid.setColumnStretch(0, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(4)
        layout.addWidget(self.headline)
        layout.addWidget(self.detail)
        layout.addSpacing(12)
        layout.addLayout(grid, 1)
        layout.addSpacing(8)
        layout.addWidget(self.note)
        self.bars.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._apply_quiet_colour()
        self._prediction: Prediction | None = None
        self.show_message("Nothing to classify yet", "")

    @property
    def prediction(self) -> Prediction | None:
        """The prediction on display, None when the panel shows a message instead."""
        return self._prediction

    def set_classes(self, classes: tuple[str, ...]) -> None:
        self.bars.set_classes(classes)
        for widget in (self.bars, self.model_input, self._input_caption):
            widget.setVisible(bool(classes))  # no model, no bars

    def show_prediction(self, prediction: Prediction, dataset: str = "mnist") -> None:
        self._prediction = prediction
        said = verdict(prediction, self.bars.classes, dataset)
        self.headline.setText(said.headline)
        self.detail.setText(said.detail)
        short = said.state is State.SURE and len(prediction.label) <= 2
        self.headline.setFont(self._symbol_font if short else
                              self._label_font if said.state is State.SURE
                              else self._message_font)
        # A rejected picture keeps its bars for the curious, greyed out: they answer a
        # question the model says does not apply.
        self.bars.set_muted(said.state is State.REJECTED)
        self.bars.set_probabilities(prediction.probabilities)
        self.model_input.set_image(prediction.model_input)

    def show_message(self, headline: str, detail: str) -> None:
        """No prediction: say why (nothing drawn yet, model loading, no usable model)."""
        self._prediction = None
        self.headline.setFont(self._message_font)
        self.headline.setText(headline)
        self.detail.setText(detail)
        self.bars.set_probabilities(None)
        self.model_input.set_image(None)

    def set_note(self, text: str) -> None:
        """A line about the model in use, under the bars."""
        self.note.setText(text)

    def changeEvent(self, event) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange:
            self._apply_quiet_colour()

    def _apply_quiet_colour(self) -> None:
        colour = faint_text(self.palette(), 0.35).name()
        for label in self._quiet_labels:
            label.setStyleSheet(f"color: {colour};")


def _scaled_bold(font: QFont, factor: float) -> QFont:
    scaled = QFont(font)
    if font.pointSizeF() > 0:
        scaled.setPointSizeF(font.pointSizeF() * factor)
    else:
        scaled.setPixelSize(round(font.pixelSize() * factor))
    scaled.setBold(True)
    return scaled
