"""The Train tab (objectName "trainPanel"): fill in the form, Start a run of the trainer as a
separate process, watch its curves grow, Stop it (the best epoch so far is kept) or Resume it,
and use the model it made. This session's runs stay listed; one of them can be drawn dashed
beside the current run.

The form's rules and the run's bookkeeping are Qt-free (desktop.train_runs,
desktop.training_run); this module wires them to widgets and to a TrainerProcess.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop import models, train_runs
from desktop.gui.run_curves import RunCurves
from desktop.gui.train_form import TrainFormWidget
from desktop.gui.trainer_process import TrainerCheck, TrainerProcess
from desktop.training_run import RunState, TrainingRun


class TrainPanel(QWidget):
    """Trains models with the trainer in a separate process and shows how it goes."""

    modelTrained = Signal(str)  # the entry key of the new model ("user:mnist-cnn")
    useModel = Signal(str)  # the user wants the new model in the picker

    def __init__(self, out_dir: Path, python: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="trainPanel")
        self.out_dir = Path(out_dir)
        self.python = python
        self.runs: list[TrainingRun] = []
        self.process: TrainerProcess | None = None
        self.installed: bool | None = None  # None while the check runs
        self._check: TrainerCheck | None = None
        self._build()
        self.set_python(python if python is not None else train_runs.python_for_trainer())

    # --- construction -------------------------------------------------------------------------

    def _build(self) -> None:
        self.form = TrainFormWidget()
        self.notice = QLabel(objectName="trainNotice", wordWrap=True)
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice.hide()
        self.start_button = QPushButton("Start", objectName="trainStart")
        self.start_button.setToolTip("Train a model with these settings in a separate process.")
        self.stop_button = QPushButton("Stop", objectName="trainStop")
        self.stop_button.setToolTip("Stop after this batch; the best epoch so far is kept, "
                                    "tested and exported.")
        self.resume_button = QPushButton("Resume", objectName="trainResume")
        self.resume_button.setToolTip("Go on from the run's last checkpoint.")
        self.use_button = QPushButton("Use this model", objectName="trainUse")
        self.status = QLabel(objectName="trainStatus", wordWrap=True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.curves = RunCurves()
        self.compare = QComboBox(objectName="trainCompare")
        self.compare.setToolTip("Draw another run of this session dashed beside the current one.")
        self.compare.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.compare.setMinimumContentsLength(14)

        buttons = QHBoxLayout()
        for button in (self.start_button, self.stop_button, self.resume_button,
                       self.use_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        # The form scrolls in a small window; the buttons, messages and curves stay in view.
        form_box = QWidget()
        form_layout = QVBoxLayout(form_box)
        form_layout.setContentsMargins(8, 8, 8, 4)
        form_layout.addWidget(self.form)
        form_layout.addStretch(1)
        scroll = QScrollArea(objectName="trainFormScroll", widgetResizable=True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(form_box)
        scroll.viewport().setAutoFillBackground(False)  # the tab's own background, as below
        form_box.setAutoFillBackground(False)

        run_box = QWidget()
        run_layout = QVBoxLayout(run_box)
        run_layout.setContentsMargins(8, 4, 8, 8)
        compare_row = QHBoxLayout()
        compare_row.addWidget(QLabel("Compare with"))
        compare_row.addWidget(self.compare, 1)
        run_layout.addLayout(buttons)
        run_layout.addWidget(self.notice)
        run_layout.addWidget(self.status)
        run_layout.addWidget(self.curves, 1)
        run_layout.addLayout(compare_row)

        self.splitter = QSplitter(Qt.Orientation.Vertical, objectName="trainSplitter")
        self.splitter.addWidget(scroll)
        self.splitter.addWidget(run_box)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

        self.start_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.stop)
        self.resume_button.clicked.connect(self.resume)
        self.use_button.clicked.connect(self._use)
        self.compare.currentIndexChanged.connect(self._show_curves)
        self.form.changed.connect(lambda: self.form.mark_problems(set()))
        self._fill_compare()
        self._sync()

    # --- is the trainer there? ----------------------------------------------------------------

    def set_python(self, python: str | None) -> None:
        """The interpreter that runs the trainer (None: none can, as in a frozen installer).
        Whether it has torch, torchvision and the trainer is checked off the UI thread when the
        tab is first shown (importing torch takes a second or two: no cost at start-up)."""
        self.python = python
        self.installed = None
        self._check = None
        if python is None:
            self._on_checked(False, "")
        elif self.isVisible():
            self._start_check()
        self._sync()

    def _start_check(self) -> None:
        if self._check is None and self.python is not None:
            self._check = TrainerCheck(self.python, self)
            self._check.done.connect(self._on_checked)
            self._check.start()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.installed is None:
            self._start_check()

    def _on_checked(self, installed: bool, detail: str) -> None:
        if self.sender() is not None and self.sender() is not self._check:
            return  # the answer about an interpreter replaced since
        self.installed = installed
        if installed:
            self._say("")
        else:
            frozen = self.python is None or getattr(sys, "frozen", False)
            detail = f" ({detail})" if detail else ""
            self._say(f"{train_runs.NOT_INSTALLED_TITLE}{detail}\n"
                      f"{train_runs.install_hint(frozen)}")
        self._sync()

    # --- runs ---------------------------------------------------------------------------------

    @property
    def current(self) -> TrainingRun | None:
        return self.runs[-1] if self.runs else None

    def start(self) -> bool:
        """Start a run with the form's settings; False (and the reasons shown) if it cannot."""
        if not self.installed or self.python is None or self._busy():
            return False
        form = self.form.form()
        try:
            arguments = train_runs.build_arguments(form, self.out_dir)
        except train_runs.FormError as error:
            self.form.mark_problems({name for name, _ in error.problems})
            self._say("\n".join(message for _, message in error.problems))
            return False
        self._say("")
        self.runs.append(TrainingRun(train_runs.run_title(form, len(self.runs) + 1), arguments))
        self._fill_compare()
        self._launch(arguments)
        return True

    def resume(self) -> bool:
        run = self.current
        if run is None or not run.resumable or self._busy() or self.python is None:
            return False
        arguments = train_runs.resume_arguments(run.arguments)
        run.restart(arguments)
        self._launch(arguments)
        return True

    def stop(self) -> None:
        run = self.current
        if self.process is not None and run is not None and run.state is RunState.RUNNING:
            run.ask_stop()
            self.process.stop()
            self._sync()

    def shutdown(self) -> None:
        """The window closes: a run still going is ended (its checkpoint allows Resume)."""
        if self.process is not None:
            self.process.kill()

    def _busy(self) -> bool:
        return self.process is not None and self.process.running

    def _launch(self, arguments: list[str]) -> None:
        assert self.python is not None
        self.process = TrainerProcess(self.python, arguments, self)
        self.process.output.connect(self._on_output)
        self.process.ended.connect(self._on_ended)
        self.process.start()
        self._show_curves()
        self._sync()

    def _on_output(self, text: str) -> None:
        run = self.current
        if run is not None and run.feed(text):
            self.curves.update()
            self._sync()

    def _on_ended(self, code: int | None, stderr: str) -> None:
        run = self.current
        self.process = None
        if run is None:
            return
        run.finish(code, stderr)
        self._fill_compare()
        self._sync()
        self.curves.update()
        if run.succeeded:
            self.modelTrained.emit(models.USER_KEY_PREFIX + run.model_id)

    def _use(self) -> None:
        run = self.current
        if run is not None and run.succeeded:
            self.useModel.emit(models.USER_KEY_PREFIX + run.model_id)

    # --- what the panel shows -----------------------------------------------------------------

    def _say(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setVisible(bool(text))

    def _fill_compare(self) -> None:
        chosen = self.compare.currentData()
        self.compare.blockSignals(True)
        self.compare.clear()
        self.compare.addItem("nothing", None)
        for index, run in enumerate(self.runs[:-1]):
            self.compare.addItem(run.title, index)
        found = self.compare.findData(chosen) if chosen is not None else 0
        self.compare.setCurrentIndex(max(0, found))
        self.compare.setEnabled(self.compare.count() > 1)
        self.compare.blockSignals(False)
        self._show_curves()

    def compare_with(self, index: int | None) -> None:
        """Draw run `index` of this session dashed (None: nothing), as the combo does."""
        self.compare.setCurrentIndex(max(0, self.compare.findData(index)) if index is not None
                                     else 0)

    def _show_curves(self) -> None:
        index = self.compare.currentData()
        comparison = self.runs[index] if index is not None and index < len(self.runs) else None
        self.curves.show_runs(self.current, comparison)

    def _sync(self) -> None:
        """Buttons and status line as the state of the check and of the current run allow."""
        run, busy = self.current, self._busy()
        ready = bool(self.installed) and not busy
        self.start_button.setEnabled(ready)
        self.form.setEnabled(not busy)
        self.stop_button.setEnabled(busy and run is not None and run.state is RunState.RUNNING)
        self.resume_button.setEnabled(ready and run is not None and run.resumable)
        self.use_button.setVisible(run is not None and run.succeeded)
        if self.installed is None:
            self.status.setText(train_runs.CHECKING)
        elif run is None:
            self.status.setText(train_runs.NO_RUN_YET if self.installed else "")
        else:
            details = [f"{run.title}: {run.status()}"]
            if run.state is RunState.FAILED and "\n" in run.error:
                details.append(run.error.split("\n", 1)[1])
            self.status.setText("\n".join(details))
        font = self.status.font()
        font.setBold(run is not None and run.state is RunState.FAILED)  # the why stands out
        self.status.setFont(font)
