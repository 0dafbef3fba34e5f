"""The "Training" tab: how the current model was trained, from its report inside model.onnx.

A summary (test accuracy, parameters, architecture, epochs, training time) above its pages:
loss/accuracy curves, the confusion matrix, per-class precision / recall / F1 / support, and
the test images behind the matrix (Mistakes: clicking a matrix cell opens its images there),
the calibration, and for binary models the Binary lab (thresholds, ROC and PR curves).

The report is read on a pool thread: it comes from the model folder, which may sit on a slow
or hung disk, and the window must stay responsive meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop import models
from desktop.gui.binary_lab_view import BinaryLabPage
from desktop.gui.confusion import ConfusionMatrixView
from desktop.gui.curves import TrainingCurves
from desktop.gui.error_browser import ErrorBrowser
from desktop.gui.per_class_table import PerClassTable
from desktop.gui.reliability import CalibrationPage
from desktop.gui.workers import TaskRunner
from desktop.training_report import TrainingReport
from desktop.training_summary import (  # noqa: F401  (format_duration re-exported)
    SUMMARY_ROWS,
    curves_explanation,
    format_duration,
    per_class_rows,
    summary_lines,
)

# The "Reading..." note appears only when the report takes longer than this: no flicker.
READING_NOTE_AFTER_MS = 150


@dataclass(frozen=True)
class _Report:
    """What a pool thread read for one request: the report, or the message to show."""

    request: int
    info: models.ModelInfo
    metrics: TrainingReport | None
    message: str | None


def _read_report(request: int, info: models.ModelInfo, directory: Path) -> _Report:
    """Runs on a pool thread: load_metrics, every failure turned into a message."""
    try:
        return _Report(request, info, models.load_metrics(directory), None)
    except models.ModelError as error:
        return _Report(request, info, None, f"No training report for {info.model_id}.\n\n"
                                            f"{error}")


class ElidedLabel(QLabel):
    """One line of plain text, shortened with an ellipsis to the width it gets (the whole
    text in the tooltip), so that a long value never adds lines: the summary keeps the same
    height for every model and the tabs under it stay where they are."""

    def __init__(self, object_name: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self._full = ""
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)

    def full_text(self) -> str:
        return self._full

    def set_full_text(self, text: str) -> None:
        self._full = text
        self.setToolTip(text)
        self._elide()

    def minimumSizeHint(self) -> QSize:
        return QSize(40, super().minimumSizeHint().height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        metrics = QFontMetrics(self.font())
        self.setText(metrics.elidedText(self._full, Qt.TextElideMode.ElideRight,
                                        max(40, self.width())))


class TrainingPanel(QWidget):
    """Everything the training report says about the current model, or why it cannot say it."""

    normalizedChanged = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainingPanel")
        self._stack = QStackedWidget()
        self._message = QLabel(objectName="trainingMessage")
        self._message.setWordWrap(True)
        self._message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self._summary_values: dict[str, ElidedLabel] = {}
        summary = QGridLayout()
        summary.setHorizontalSpacing(14)
        summary.setVerticalSpacing(4)
        for row, (key, title) in enumerate(SUMMARY_ROWS):
            label = QLabel(title)
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            value = ElidedLabel(f"summary_{key}")
            if key == "accuracy":
                bold = value.font()
                bold.setBold(True)
                value.setFont(bold)
            summary.addWidget(label, row, 0)
            summary.addWidget(value, row, 1)
            self._summary_values[key] = value
        summary.setColumnStretch(1, 1)

        self.curves = TrainingCurves()
        self.confusion = ConfusionMatrixView()
        self.normalize_box = QCheckBox("Show each row as percentages")
        self.normalize_box.setObjectName("normalizeConfusion")
        self.normalize_box.setToolTip("Divide each row by the number of test images of that "
                                      "class, so the diagonal shows the recall per class.")
        self.normalize_box.toggled.connect(self._on_normalize_toggled)
        confusion_page = QWidget()
        confusion_layout = QVBoxLayout(confusion_page)
        confusion_layout.setContentsMargins(8, 8, 8, 8)
        top = QHBoxLayout()
        hint = QLabel("Rows: the true class. Columns: what the model predicted.")
        hint.setWordWrap(True)
        top.addWidget(hint, 1)
        top.addWidget(self.normalize_box)
        confusion_layout.addLayout(top)
        confusion_layout.addWidget(self.confusion, 1)
        self.table = PerClassTable()

        curves_page = QWidget()
        curves_layout = QVBoxLayout(curves_page)
        curves_layout.setContentsMargins(8, 8, 8, 8)
        curves_layout.addWidget(self.curves, 1)
        self.curves_hint = QLabel(objectName="curvesHint")
        self.curves_hint.setWordWrap(True)
        curves_layout.addWidget(self.curves_hint)

        self.tabs = QTabWidget(objectName="trainingTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(curves_page, "Curves")
        self.tabs.addTab(confusion_page, "Confusion matrix")
        self.tabs.addTab(self.table, "Per class")
        self.error_browser = ErrorBrowser()
        self.tabs.addTab(self.error_browser, "Mistakes")
        self.confusion.cellClicked.connect(self._show_cell)
        self.error_browser.cellShown.connect(lambda *cell: self.confusion.select_cell(cell))
        self.calibration = CalibrationPage()
        self.tabs.addTab(self.calibration, CalibrationPage.TITLE)
        # Last, so that the other pages keep their places whether it is shown or not: only
        # binary models (one yes/no question) have it.
        self.binary_lab = BinaryLabPage()
        self.tabs.addTab(self.binary_lab, BinaryLabPage.TITLE)
        self.tabs.setTabVisible(self.tabs.indexOf(self.binary_lab), False)
        self.error_browser.mistakesRead.connect(self.binary_lab.set_mistakes)
        self.binary_lab.cellChosen.connect(self._show_lab_cell)

        content = QWidget()
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(12, 12, 12, 6)
        content_layout.addLayout(summary)
        content_layout.addSpacing(6)
        content_layout.addWidget(self.tabs, 1)

        self._stack.addWidget(content)
        self._stack.addWidget(self._message)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._stack)
        self._metrics: TrainingReport | None = None
        self._tasks = TaskRunner(self)
        self._request = 0  # the latest show_model call; older reports are dropped
        self._loading = False
        self._reading_note = QTimer(self, singleShot=True, interval=READING_NOTE_AFTER_MS)
        self._reading_note.timeout.connect(self._show_reading_note)
        self._reading_text = ""
        self.show_message("No model selected.")

    @property
    def metrics(self) -> TrainingReport | None:
        return self._metrics

    @property
    def message(self) -> str | None:
        """The explanation on display instead of metrics, if any."""
        return self._message.text() if self._stack.currentIndex() == 1 else None

    def summary_text(self, key: str) -> str:
        """A summary line in full (on screen it may be shortened to fit)."""
        return self._summary_values[key].full_text()

    @property
    def loading(self) -> bool:
        """True while a report is being read."""
        return self._loading

    def show_message(self, text: str) -> None:
        self._request += 1  # a report still being read must not replace this
        self._loading = False
        self._reading_note.stop()
        self._put_message(text)

    def _put_message(self, text: str) -> None:
        self._metrics = None
        self._message.setText(text)
        self._stack.setCurrentIndex(1)

    def show_model(self, info: models.ModelInfo | None, directory: Path | None) -> None:
        """Read the training report of a model folder on a pool thread, then show it."""
        if info is None or directory is None:
            self.show_message("No model selected.")
            return
        self._request += 1
        self._loading = True
        self._reading_text = f"Reading the training report of {info.model_id}…"
        self._reading_note.start()
        self._tasks.start(_read_report, self._request, info, Path(directory),
                          on_success=self._on_report, on_failure=self._on_report_failed)

    def _show_reading_note(self) -> None:
        if self._loading:
            self._put_message(self._reading_text)

    def _on_report_failed(self, error: Exception) -> None:  # pragma: no cover - defensive
        # _read_report turns every expected failure into a message.
        self._loading = False
        self._reading_note.stop()
        self._put_message(f"The training report could not be read ({error}).")

    def _on_report(self, report: _Report) -> None:
        if report.request != self._request:
            return  # another model was chosen meanwhile
        self._loading = False
        self._reading_note.stop()
        info = report.info
        if report.metrics is None:
            self._put_message(report.message or "No training report.")
            return
        metrics = report.metrics
        try:
            self._show_metrics(info, metrics)
        except (TypeError, ValueError, KeyError, AttributeError, OverflowError) as error:
            self._put_message(f"The training report of {info.model_id} is damaged "
                              f"({type(error).__name__}: {error}).")
            return
        self._metrics = metrics
        self._stack.setCurrentIndex(0)

    def _show_metrics(self, info: models.ModelInfo, report: TrainingReport) -> None:
        for key, text in summary_lines(info, report).items():
            self._summary_values[key].set_full_text(text)
        self.curves.set_history(list(report.history), report.best_epoch)
        self.curves_hint.setText(curves_explanation(report.config))
        self.confusion.set_matrix(report.classes, [list(row) for row in report.confusion_matrix])
        self.table.set_rows(per_class_rows(report))
        self.binary_lab.show_model(info.task, info.model_id)
        self._show_binary_lab(info.task is not None)
        self.error_browser.show_report(info.model_id, info.dataset, report, info.task)
        self.calibration.set_report(info.model_id, report)

    def _show_binary_lab(self, shown: bool) -> None:
        """Show the Binary lab page for binary models only. Leaving it for another model
        opens the Confusion matrix, its nearest page, rather than whichever Qt picks."""
        if not shown and self.tabs.currentWidget() is self.binary_lab:
            self.tabs.setCurrentWidget(self.confusion.parentWidget())
        self.tabs.setTabVisible(self.tabs.indexOf(self.binary_lab), shown)

    def _show_cell(self, true: int, predicted: int) -> None:
        """A click on a confusion-matrix cell: its test images, on the Mistakes page."""
        self.error_browser.show_cell(true, predicted)
        self.tabs.setCurrentWidget(self.error_browser)

    def _show_lab_cell(self, title: str, indexes: object) -> None:
        """A click on a Binary lab cell: its test images at the lab's threshold."""
        self.error_browser.show_images(title, indexes)
        self.confusion.select_cell(None)  # the lab's cells are not the matrix's
        self.tabs.setCurrentWidget(self.error_browser)

    def _on_normalize_toggled(self, checked: bool) -> None:
        self.confusion.set_normalized(checked)
        self.normalizedChanged.emit(checked)

