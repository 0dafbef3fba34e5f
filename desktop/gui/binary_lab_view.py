"""The Training tab's "Binary lab" page, for yes/no models only ("Is it a 7?"): the ROC and
precision-recall curves of the test set, a threshold slider whose point is marked on both, and
at that threshold the 2x2 confusion matrix with its cells named, precision, recall,
specificity, F1 and accuracy beside the accuracy of always answering "no".

The numbers come from desktop.binary_lab (sorted once per model, so moving the slider is a
binary search) and the words from desktop.binary_lab_summary. The test answers are those the
Mistakes page reads (TrainingPanel hands them over), so both pages show the same images.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSlider,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop import binary_lab
from desktop import binary_lab_summary as words
from desktop.binary_task import BinaryTask
from desktop.errors import Mistakes
from desktop.gui.binary_curves import RateCurve
from desktop.gui.binary_matrix import BinaryMatrix
from desktop.lazy_imports import np

STEPS = 1000  # slider positions: thresholds 0.000 ... 1.000


def _label(name: str, wrap: bool = True) -> QLabel:
    label = QLabel(objectName=name)
    label.setWordWrap(wrap)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


class BinaryLabPage(QWidget):
    """The lab of one binary model: show_model() when it is chosen, set_mistakes() when its
    test answers are read."""

    TITLE = words.PAGE_TITLE
    cellChosen = Signal(str, object)  # a title and the test-image numbers of a clicked cell

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("binaryLabPage")
        self.task: BinaryTask | None = None
        self.lab: binary_lab.BinaryLab | None = None
        self.threshold = binary_lab.DEFAULT_THRESHOLD
        self.counts: binary_lab.Counts | None = None

        self.headline = _label("binaryHeadline")
        bold = QFont(self.headline.font())
        bold.setBold(True)
        self.headline.setFont(bold)
        self.roc = RateCurve("rocCurve", words.ROC_AXES, staircase=False)
        self.pr = RateCurve("prCurve", words.PR_AXES, staircase=True)
        for curve in (self.roc, self.pr):
            curve.thresholdPicked.connect(self.set_threshold)
        curves = QHBoxLayout()
        curves.addWidget(self.roc, 1)
        curves.addWidget(self.pr, 1)

        self.slider = QSlider(Qt.Orientation.Horizontal, objectName="thresholdSlider")
        self.slider.setRange(0, STEPS)
        self.slider.setSingleStep(5)
        self.slider.setPageStep(50)
        self.slider.setValue(round(self.threshold * STEPS))
        self.slider.valueChanged.connect(lambda value: self._set(value / STEPS))
        self.threshold_label = _label("thresholdText", wrap=False)
        slider_row = QVBoxLayout()
        slider_row.setSpacing(2)
        slider_row.addWidget(self.threshold_label)
        slider_row.addWidget(self.slider)

        self.matrix = BinaryMatrix()
        self.matrix.cellClicked.connect(self._on_cell_clicked)
        measures = QGridLayout()
        measures.setHorizontalSpacing(10)
        measures.setVerticalSpacing(3)
        self.measure_values: dict[str, QLabel] = {}
        self._measure_names: dict[str, QLabel] = {}
        for row, key in enumerate(("precision", "recall", "specificity", "f1", "accuracy",
                                   "always_no")):
            name, shown = _label(f"measureName_{key}", False), _label(f"measure_{key}", False)
            shown.setFont(bold)
            shown.setAlignment(Qt.AlignmentFlag.AlignRight)
            measures.addWidget(name, row + (row == 5), 0)
            measures.addWidget(shown, row + (row == 5), 1)
            self._measure_names[key], self.measure_values[key] = name, shown
        measures.setRowMinimumHeight(5, 8)  # the "always no" row stands apart
        measures.setRowStretch(7, 1)
        # The measures beside the matrix, or under it when the page is narrow.
        self._below = below = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        below.setSpacing(12)
        below.addWidget(self.matrix, 3)
        below.addLayout(measures, 2)
        self._measures = measures
        self.comparison = _label("alwaysNoComparison")
        self.point_text = _label("curvePoint")
        self.explanation = _label("binaryExplanation")

        content = QWidget()
        inner = QVBoxLayout(content)
        inner.setContentsMargins(8, 8, 8, 8)
        inner.addWidget(self.headline)
        inner.addLayout(curves)
        inner.addLayout(slider_row)
        inner.addWidget(self.point_text)
        inner.addLayout(below)
        inner.addWidget(self.comparison)
        inner.addWidget(self.explanation)
        inner.addStretch(1)
        scroll = QScrollArea()  # a small window scrolls rather than squeezing the plots flat
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(content)
        self._message = _label("binaryMessage")
        self._message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._stack = QStackedWidget()
        self._stack.addWidget(scroll)
        self._stack.addWidget(self._message)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._stack)
        self._put_message("No model selected.")

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._arrange()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._arrange()  # a hidden page may have missed the resize that matters

    def _arrange(self) -> None:
        """Square plots as wide as half the page, and the measures beside the matrix when
        both fit (else under it): nothing is cut off and no empty band is left."""
        width = (self.width() - 30) / 2  # two curves side by side, within the margins
        for curve in (self.roc, self.pr):
            curve.setFixedHeight(curve.height_for(width))
        side_by_side = (self.matrix.minimumSizeHint().width()
                        + self._measures.minimumSize().width() + 50) <= self.width()
        self._below.setDirection(QBoxLayout.Direction.LeftToRight if side_by_side
                                 else QBoxLayout.Direction.TopToBottom)

    @property
    def message(self) -> str | None:
        """The explanation on display instead of the lab, if any."""
        return self._message.text() if self._stack.currentWidget() is self._message else None

    def _put_message(self, text: str) -> None:
        self.lab, self.counts = None, None
        self._message.setText(text)
        self._stack.setCurrentWidget(self._message)

    def show_model(self, task: BinaryTask | None, model_id: str) -> None:
        """A model was chosen: wait for its test answers (nothing to show for other models)."""
        self.task = task
        self._put_message(words.loading(model_id) if task is not None else "")

    def set_mistakes(self, mistakes: Mistakes | None, reason: str) -> None:
        """The current model's test answers (desktop.errors), or why there are none."""
        if self.task is None:
            return
        if mistakes is None:
            self._put_message(reason)
            return
        self.lab = lab = binary_lab.from_mistakes(mistakes)
        thresholds, _, _ = lab.operating_points()
        fpr, tpr = lab.roc()
        self.roc.set_curve(f"ROC curve · AUC {lab.roc_auc():.3f}", fpr, tpr, thresholds,
                           "guessing")
        recall, precision = lab.pr()
        self.pr.set_curve(f"Precision-recall · AP {lab.average_precision():.3f}", recall,
                          precision, thresholds[1:],
                          f"share of {words.plural(self.task)}", lab.positive_rate)
        self.headline.setText(words.headline(lab, self.task))
        self.explanation.setText(words.explanation(self.task))
        self._stack.setCurrentIndex(0)
        self.set_threshold(binary_lab.DEFAULT_THRESHOLD)
        self._arrange()  # the cells' names (so the matrix's width) depend on the task

    def set_threshold(self, threshold: float) -> None:
        """Use `threshold` exactly (a point picked on a curve), the slider following."""
        self.slider.blockSignals(True)
        self.slider.setValue(round(threshold * STEPS))
        self.slider.blockSignals(False)
        self._set(threshold)

    def _set(self, threshold: float) -> None:
        self.threshold = float(threshold)
        if self.lab is None or self.task is None:
            return
        task, counts = self.task, self.lab.at(self.threshold)
        self.counts = counts
        self.threshold_label.setText(words.threshold_text(self.threshold, task))
        self.matrix.set_cells(words.cell_names(task), words.cell_counts(counts), task.classes)
        for measure in words.measures(counts, task):
            self._measure_names[measure.key].setText(measure.name)
            self.measure_values[measure.key].setText(measure.value)
            for label in (self._measure_names[measure.key], self.measure_values[measure.key]):
                label.setToolTip(measure.meaning)
        self.comparison.setText(words.comparison(counts, task))
        self.point_text.setText(words.point_text(counts))
        self.roc.set_point((1 - counts.specificity, counts.recall))
        self.pr.set_point((counts.recall, counts.precision))

    def cell_indexes(self, key: str) -> np.ndarray:
        """The test images of a cell at the current threshold, the surest answer first."""
        if self.lab is None:
            return np.zeros(0, dtype=np.int64)
        return self.lab.cell_indexes(*words.cell_of(key), self.threshold)

    def _on_cell_clicked(self, key: str) -> None:
        if self.lab is None or self.task is None:
            return
        indexes = self.cell_indexes(key)
        self.cellChosen.emit(words.cell_title(self.task, key, len(indexes), self.threshold),
                             indexes)
