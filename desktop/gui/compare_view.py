"""The Compare tab (objectName "compareView"): the picture on the canvas through every usable
model of the current dataset at once, one row each (desktop.comparison says what a row holds).

The models run on a LatestTaskRunner thread, as the Look inside pages do: a stroke never waits
for them, while drawing the rows follow a few times a second, and nothing runs while the tab is
hidden (it catches up when shown). The training reports, for the training times, are read once
per model on a pool thread. Clicking a row (or Enter on it) chooses that model.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from desktop import comparison
from desktop.benchmark_figures import read_figures
from desktop.comparison import Outcome
from desktop.gui.compare_table import CompareTable
from desktop.gui.controller import ModelController
from desktop.gui.latest_task import LatestTaskRunner
from desktop.gui.style import faint_text
from desktop.gui.workers import TaskRunner
from desktop.lazy_imports import np
from desktop.model_choices import ModelChoice
from desktop.models import Classifier, ModelInfo

REST_MS = 250  # at most about four updates a second while drawing


class CompareView(QWidget):
    """Every model of the dataset on the current picture; emits the key of a clicked row."""

    modelChosen = Signal(str)

    def __init__(self, controller: ModelController, figures_file: Path | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("compareView")
        self._controller = controller
        self._figures_file = figures_file
        self._figures = read_figures(figures_file)
        self._choices: list[ModelChoice] = []
        self._current: str | None = None
        self._dataset: str | None = None
        self._gray: np.ndarray | None = None
        self._outcomes: dict[str, Outcome] = {}
        self._training: dict[str, tuple[float | None, str]] = {}
        self._reading: set[str] = set()
        self._stale = False  # the picture changed while the tab was hidden
        self.results_shown = 0  # answers put on screen (tests count them)
        self.runner = LatestTaskRunner(self._on_outcomes, self._on_failed, self,
                                       min_rest_ms=REST_MS)
        self._reports = TaskRunner(self)

        self.headline = QLabel(objectName="compareHeadline")
        font = QFont(self.headline.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.25)
        self.headline.setFont(font)
        self.hint = QLabel(comparison.HINT)
        self.hint.setWordWrap(True)
        self.table = CompareTable()
        self.table.cellClicked.connect(lambda row, _column: self._choose(row))
        self.table.cellActivated.connect(lambda row, _column: self._choose(row))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.setSpacing(6)
        layout.addWidget(self.headline)
        layout.addWidget(self.hint)
        layout.addWidget(self.table, 1)
        controller.classifierReady.connect(self._on_classifier_ready)
        controller.modelsChanged.connect(self._forget_figures)
        self._recolour()

    # --- what the window tells it -------------------------------------------------------------

    def set_choices(self, choices: list[ModelChoice], current_key: str | None) -> None:
        """The models (from desktop.model_choices) and the chosen one."""
        current = next((c for c in choices if c.key == current_key), None)
        dataset = current.dataset if current else None
        changed = dataset != self._dataset or [c.key for c in choices] != [
            c.key for c in self._choices]
        self._choices, self._current, self._dataset = list(choices), current_key, dataset
        if changed:
            self._outcomes = {}
            self.table.set_widest_answer(comparison.widest_answer(
                [self._info(c.key) for c in self._rows_choices()]))
            self._refresh()
        else:
            self._render()

    def show_input(self, gray: np.ndarray | None) -> None:
        """The picture to compare on (None: an empty canvas)."""
        same = (gray is not None and self._gray is not None and gray.shape == self._gray.shape
                and np.array_equal(gray, self._gray))
        if same and self._outcomes:  # classified again for another model: nothing new here
            return
        self._gray = gray
        if gray is None:
            self._outcomes = {}
        self._refresh()

    def set_figures_file(self, path: Path | None) -> None:
        """Read the benchmark figures from `path` instead (None: resources/benchmarks.json)."""
        self._figures_file = path
        self._forget_figures()

    @property
    def outcomes(self) -> dict[str, Outcome]:
        """The answers on display, by model key."""
        return dict(self._outcomes)

    # --- work ---------------------------------------------------------------------------------

    def _rows_choices(self) -> list[ModelChoice]:
        return [c for c in self._choices if c.dataset == self._dataset and c.usable
                and self._info(c.key) is not None]

    def _info(self, key: str) -> ModelInfo | None:
        entry = self._controller.entry(key)
        return entry.info if entry is not None else None

    def _refresh(self) -> None:
        """Ask for the answers of every ready model (if the tab is on screen)."""
        if not self.isVisible():
            self._stale = True
            return
        self._stale = False
        self._read_training_times()
        if self._gray is None:
            self.runner.cancel()
        else:
            ready = {c.key: self._controller.classifier(c.key) for c in self._rows_choices()}
            classifiers = {key: found for key, found in ready.items() if found is not None}
            self.runner.request(_run, self._dataset, classifiers, self._gray)
        if self._gray is None or not self._outcomes:
            self._render()  # else the rows keep the last answers until the new ones come

    def _on_outcomes(self, result: tuple[str | None, dict[str, Outcome]]) -> None:
        dataset, outcomes = result
        if dataset != self._dataset or self._gray is None:
            return  # another dataset was chosen meanwhile; its own request is on its way
        self._outcomes = outcomes
        self.results_shown += 1
        self._render()

    def _on_failed(self, error: Exception) -> None:  # run_models catches the models' errors
        self.hint.setText(f"Could not compare: {error}")

    def _on_classifier_ready(self, key: str) -> None:
        if any(c.key == key for c in self._rows_choices()) and key not in self._outcomes:
            self._refresh()

    def _read_training_times(self) -> None:
        entries = [self._controller.entry(c.key) for c in self._rows_choices()
                   if c.key not in self._training and c.key not in self._reading]
        entries = [entry for entry in entries if entry is not None]
        if entries:
            self._reading.update(entry.key for entry in entries)
            self._reports.start(comparison.training_times, entries,
                                on_success=self._on_training_times,
                                on_failure=self._on_failed)

    def _on_training_times(self, times: dict[str, tuple[float | None, str]]) -> None:
        self._reading.difference_update(times)
        self._training.update(times)
        self._render()

    def _forget_figures(self) -> None:
        """The models were read again (reloaded, retrained): so are their figures, and the
        answers are asked for again."""
        self._training = {}
        self._figures = read_figures(self._figures_file)
        self._outcomes = {}
        self._refresh()

    def _render(self) -> None:
        if not self.isVisible():  # a hidden tab is filled in when it shows (30 ms at start)
            self._stale = True
            return
        choices = self._rows_choices()
        infos = {c.key: self._info(c.key) for c in choices}
        rows = comparison.compare_rows(choices, infos, self._current, self._gray is not None,
                                       self._outcomes, self._figures, self._training)
        title = choices[0].dataset_title if choices else ""
        self.headline.setText(comparison.headline(title, len(rows), self._gray is not None)
                              if choices else "No model to compare")
        self.table.show_rows(rows)

    def _choose(self, row: int) -> None:
        key = self.table.key_at(row)
        if key and key != self._current:
            self.modelChosen.emit(key)

    # --- Qt events ----------------------------------------------------------------------------

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self._refresh()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange:
            self._recolour()

    def _recolour(self) -> None:
        palette = self.hint.palette()
        palette.setColor(self.hint.foregroundRole(), faint_text(self.palette()))
        self.hint.setPalette(palette)


def _run(dataset: str | None, classifiers: dict[str, Classifier],
         gray: np.ndarray) -> tuple[str | None, dict[str, Outcome]]:
    """Runs on the runner's thread."""
    return dataset, comparison.run_models(classifiers, gray)
