"""The "Prediction" tab: a headline answer, probability bars and the model's-eye view."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from desktop import presenter
from desktop.gui.number_strip import NumberStrip
from desktop.gui.probability_view import ModelInputView, ProbabilityBars
from desktop.gui.style import faint_text
from desktop.models import Prediction
from desktop.numbers import NumberReading
from desktop.presenter import PredictionView, Shown
from desktop.verdict import State, Verdict, digit_of_number


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
        self.number_strip = NumberStrip()
        self.number_strip.hide()  # shown only when the picture holds several digits
        self.number_strip.digitChosen.connect(self._show_digit)
        self.bars = ProbabilityBars()
        self.model_input = ModelInputView()
        input_caption = QLabel("What the model sees\n(28 × 28 pixels)")
        input_caption.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.note = QLabel(objectName="modelNote")
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._quiet_labels = [self.detail, input_caption, self.note]
        self._input_caption = input_caption
        self._reserve_text_room()

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
        layout.addSpacing(6)
        layout.addWidget(self.number_strip)
        layout.addSpacing(6)
        layout.addLayout(grid, 1)
        layout.addSpacing(8)
        layout.addWidget(self.note)
        self.bars.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._apply_quiet_colour()
        self._prediction: Prediction | None = None
        self.show(presenter.nothing_to_classify(None))

    @property
    def prediction(self) -> Prediction | None:
        """The prediction on display, None when the panel shows a message instead."""
        return self._prediction

    def set_classes(self, classes: tuple[str, ...]) -> None:
        self.bars.set_classes(classes)
        for widget in (self.bars, self.model_input, self._input_caption):
            widget.setVisible(bool(classes))  # no model, no bars

    def show(self, view: PredictionView) -> None:
        """Render what the presenter says: an answer, a number, or a message."""
        if view.shown is Shown.NUMBER and view.number is not None:
            self._show_number(view.number)
        elif view.prediction is not None and view.verdict is not None:
            self._show_verdict(view.prediction, view.verdict)
        else:
            self.show_message(view.headline, view.detail)

    def _show_number(self, reading: NumberReading) -> None:
        """Several digits: the number as the headline, the digits in a strip; the bars show the
        chosen digit (the same one as before while the number keeps its length)."""
        self.number_strip.set_reading(reading, self.number_strip.selected)
        self.number_strip.show()
        self.headline.setText(reading.text)
        self.headline.setFont(self._symbol_font if len(reading.text) <= 6 else self._label_font)
        self._show_digit(self.number_strip.selected)

    def _show_digit(self, index: int) -> None:
        reading = self.number_strip.reading
        digit = reading.digits[index]
        prediction = self._prediction = digit.prediction
        self.detail.setText(digit_of_number(prediction, index, len(reading.digits)))
        self.bars.set_muted(not prediction.accepted)
        self.bars.set_probabilities(prediction.probabilities)
        self.model_input.set_image(prediction.model_input)

    def _show_verdict(self, prediction: Prediction, said: Verdict) -> None:
        self._hide_number()
        self._prediction = prediction
        self.headline.setText(said.headline)
        self.detail.setText(said.detail)
        short = said.state is State.SURE and len(said.headline) <= 2  # a big "7"
        self.headline.setFont(self._symbol_font if short else
                              self._label_font if said.state is State.SURE
                              else self._message_font)
        # A rejected picture keeps its bars for the curious, greyed out: they answer a
        # question the model says does not apply.
        self.bars.set_muted(said.state is State.REJECTED)
        self.bars.set_probabilities(prediction.probabilities)
        self.model_input.set_image(prediction.model_input)

    def show_message(self, headline: str, detail: str) -> None:
        """No prediction: say why (nothing drawn yet, model loading, no usable model...)."""
        self._hide_number()
        self._prediction = None
        self.headline.setFont(self._message_font)
        self.headline.setText(headline)
        self.detail.setText(detail)
        self.bars.set_probabilities(None)
        self.model_input.set_image(None)

    def _hide_number(self) -> None:
        self.number_strip.hide()
        self.number_strip.set_reading(None)

    def set_note(self, text: str) -> None:
        """A line about the model in use, under the bars."""
        self.note.setText(text)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange:
            self._apply_quiet_colour()
        elif event.type() == event.Type.FontChange:
            self._reserve_text_room()

    def _reserve_text_room(self) -> None:
        """Room for the tallest headline (a big "7", or two lines of "Not sure - maybe ...")
        and two lines of detail, so the bars below stay put while a live prediction goes
        from sure to unsure and back."""
        message = QFontMetrics(self._message_font)
        headline = max(QFontMetrics(self._symbol_font).height(),
                       QFontMetrics(self._label_font).height(),
                       message.lineSpacing() + message.height())
        self.headline.setMinimumHeight(headline)
        detail = QFontMetrics(self.detail.font())
        self.detail.setMinimumHeight(detail.lineSpacing() + detail.height())

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
