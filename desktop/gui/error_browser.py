"""The "Mistakes" page of the Training tab: the test images behind the confusion matrix.

Three views of the model's stored answers on the test set (desktop.errors): the images of one
confusion-matrix cell (opened by clicking the cell), most confident first; the most confused
pairs of classes; and the top losses. Each image shows its top-3 classes; clicking one loads it
onto the canvas (exampleChosen). Thumbnails are painted only when they scroll into view, so a
cell of a thousand images opens as fast as one of three.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop import binary_lab_summary, errors
from desktop.binary_task import BinaryTask
from desktop.gui.example_tiles import INDEX_ROLE, ExampleDelegate, ExampleModel
from desktop.gui.workers import TaskRunner
from desktop.lazy_imports import np
from desktop.training_report import TrainingReport

TOP_LOSSES = 100


class ErrorBrowser(QWidget):
    """The Mistakes page; show_report() with each model, show_cell() on a matrix click."""

    exampleChosen = Signal(object, str)  # the picture (0..1, 1 = white) and its name
    cellShown = Signal(int, int)  # true, predicted: the cell on show (to frame it)
    # The model's test answers once read (desktop.errors.Mistakes), or None and why not:
    # the Binary lab page uses the same ones.
    mistakesRead = Signal(object, str)

    VIEWS = ("Cell", "Most confused pairs", "Top losses")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("errorBrowser")
        self._buttons = QButtonGroup(self)
        buttons = QHBoxLayout()
        for number, text in enumerate(self.VIEWS):
            button = QPushButton(text, objectName=f"mistakesView{number}", checkable=True)
            self._buttons.addButton(button, number)
            buttons.addWidget(button)
        buttons.addStretch(1)
        self._buttons.idClicked.connect(self.show_view)
        self.title = QLabel(objectName="mistakesTitle")
        self.title.setWordWrap(True)
        self.hint = QLabel(objectName="mistakesHint")
        self.hint.setWordWrap(True)
        bold = self.title.font()
        bold.setBold(True)
        self.title.setFont(bold)
        self.model = ExampleModel(self)
        self.delegate = ExampleDelegate(self)
        self.grid = QListView(objectName="mistakesGrid")
        self.grid.setViewMode(QListView.ViewMode.IconMode)
        self.grid.setResizeMode(QListView.ResizeMode.Adjust)
        self.grid.setMovement(QListView.Movement.Static)
        self.grid.setUniformItemSizes(True)
        self.grid.setModel(self.model)
        self.grid.setItemDelegate(self.delegate)
        self.grid.clicked.connect(self._on_example_clicked)
        self.grid.activated.connect(self._on_example_clicked)
        self.pairs = QListWidget(objectName="confusedPairs")
        self.pairs.itemClicked.connect(self._on_pair_clicked)
        self.pairs.itemActivated.connect(self._on_pair_clicked)
        self._message = QLabel(objectName="mistakesMessage", wordWrap=True)
        self._message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._pages = QStackedWidget()
        for page in (self.grid, self.pairs, self._message):
            self._pages.addWidget(page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(buttons)
        layout.addWidget(self.title)
        layout.addWidget(self.hint)
        layout.addWidget(self._pages, 1)
        self.mistakes: errors.Mistakes | None = None
        self._cell: tuple[int, int] | None = None
        # Images chosen elsewhere (a Binary lab cell): title and test-image numbers.
        self._chosen: tuple[str, np.ndarray] | None = None
        self._view = 1
        self._request = 0
        self._loading = False
        self._tasks = TaskRunner(self)
        self.show_message("No model selected.")

    @property
    def loading(self) -> bool:
        """True while the test answers and images are being read."""
        return self._loading

    @property
    def message(self) -> str | None:
        """The explanation on display instead of images, if any."""
        return self._message.text() if self._pages.currentWidget() is self._message else None

    def shown_indexes(self) -> list[int]:
        """The test-image numbers in the grid, in their order."""
        return [int(i) for i in self.model.indexes]

    def show_message(self, text: str) -> None:
        self._request += 1  # a model still being read must not replace this
        self._loading = False
        self._put_message(text)

    def _put_message(self, text: str) -> None:
        self.mistakes = None
        self.model.set_examples(None, np.zeros(0))
        self.title.clear()
        self.hint.clear()
        self._message.setText(text)
        self._pages.setCurrentWidget(self._message)
        self._set_buttons_enabled(False)

    def show_report(self, model_name: str, dataset: str, report: TrainingReport,
                    task: BinaryTask | None = None) -> None:
        """Read a model's stored test answers and the test images on a pool thread (`task`:
        a binary model's question, whose truth is the test labels mapped to no/yes)."""
        self._request += 1
        self._cell, self._chosen, self._view, self._loading = None, None, 1, True
        self._put_message(f"Reading the test images of {model_name}…")
        self._tasks.start(_open, self._request, report, dataset, model_name, task,
                          on_success=self._on_opened, on_failure=self._on_failed)

    def _on_opened(self, result: tuple[int, errors.Mistakes | None, str]) -> None:
        request, mistakes, reason = result
        if request != self._request:
            return  # another model was chosen meanwhile
        self._loading = False
        self.mistakesRead.emit(mistakes, reason)
        if mistakes is None:
            self._put_message(reason)
            return
        self.mistakes = mistakes
        self.delegate.fit_to(mistakes.classes, self.font())
        self._set_buttons_enabled(True)
        self._fill_pairs()
        self.show_view(self._view)

    def _on_failed(self, error: Exception) -> None:  # pragma: no cover - defensive
        self._loading = False
        self._put_message(f"The test images cannot be shown ({error}).")

    def show_cell(self, true: int, predicted: int) -> None:
        """The test images of a confusion-matrix cell, the most confident answer first."""
        self._cell, self._chosen = (true, predicted), None
        self.show_view(0)

    def show_images(self, title: str, indexes: np.ndarray) -> None:
        """Test images chosen elsewhere, in their order (a Binary lab cell at its threshold)."""
        self._cell, self._chosen = None, (title, np.asarray(indexes))
        self.show_view(0)

    def show_view(self, view: int) -> None:
        self._view = view
        if self.mistakes is None:
            return  # shown when the test answers are read
        self._buttons.button(view).setChecked(True)
        mistakes = self.mistakes
        if view == 0 and self._chosen is not None:
            title, indexes = self._chosen
            self.title.setText(title)
            self.hint.setText("The surest answer first. Click one to load it onto the canvas.")
        elif view == 0 and self._cell is not None:
            indexes = mistakes.cell_indexes(*self._cell)
            self.title.setText(_cell_title(mistakes, *self._cell, len(indexes)))
            self.hint.setText("The most confident answer first, each with the model's three "
                              "likeliest classes (the true one in bold). Click one to load it "
                              "onto the canvas.")
            self.cellShown.emit(*self._cell)
        elif view == 0:
            indexes = np.zeros(0)
            self.title.setText("No cell chosen")
            self.hint.setText("Click a cell of the confusion matrix to see its test images.")
        elif view == 2:
            indexes = mistakes.top_loss_indexes(TOP_LOSSES)
            self.title.setText(f"Top losses: the {len(indexes)} worst test images")
            self.hint.setText("Those whose true class got the lowest probability (the highest "
                              "cross-entropy), worst first. Click one to load it onto the "
                              "canvas.")
        else:
            self.title.setText("Most confused pairs")
            self.hint.setText(f"The classes the model mixes up most often on the "
                              f"{len(mistakes):,} test images. Click a pair to see its images.")
            self._pages.setCurrentWidget(self.pairs)
            return
        self.model.set_examples(mistakes, indexes)
        self.grid.scrollToTop()
        self._pages.setCurrentWidget(self.grid)

    def _fill_pairs(self) -> None:
        self.pairs.clear()
        totals = self.mistakes.counts.sum(axis=1)
        for pair in self.mistakes.most_confused():
            item = QListWidgetItem(_pair_text(self.mistakes, pair, int(totals[pair.true])))
            item.setData(INDEX_ROLE, (pair.true, pair.predicted))
            self.pairs.addItem(item)
        if not self.pairs.count():
            self.pairs.addItem("The model gets every test image right.")

    def _on_pair_clicked(self, item: QListWidgetItem) -> None:
        cell = item.data(INDEX_ROLE)
        if cell:
            self.show_cell(int(cell[0]), int(cell[1]))

    def _set_buttons_enabled(self, enabled: bool) -> None:
        for button in self._buttons.buttons():
            button.setEnabled(enabled)

    def _on_example_clicked(self, index: QModelIndex) -> None:
        if self.mistakes is None or not index.isValid():
            return
        number = int(index.data(INDEX_ROLE))
        example = self.mistakes.example(number)
        name = f"Test image #{number} ({self.mistakes.true_name(example.index)})"
        self.exampleChosen.emit(self.mistakes.test_set.picture(number), name)


def _cell_title(mistakes: errors.Mistakes, true: int, predicted: int, count: int) -> str:
    """'true 4, predicted 9: 12 test images'; a binary model's cell by its name."""
    if mistakes.task is not None:
        key = binary_lab_summary.key_of(true, predicted)
        return binary_lab_summary.cell_title(mistakes.task, key, count)
    return errors.cell_title(mistakes.classes, true, predicted, count)


def _pair_text(mistakes: errors.Mistakes, pair: errors.Pair, total: int) -> str:
    if mistakes.task is not None:
        return binary_lab_summary.pair_text(mistakes.task, pair.true, pair.predicted,
                                            pair.count, total)
    return errors.pair_text(pair, mistakes.classes, total)


def _open(request: int, report: TrainingReport, dataset: str, model_name: str,
          task: BinaryTask | None) -> tuple[int, errors.Mistakes | None, str]:
    """Runs on a pool thread: the model's Mistakes, or the reason there are none."""
    try:
        return request, errors.open_mistakes(report, dataset, model_name, task=task), ""
    except errors.MistakesUnavailable as exc:
        return request, None, str(exc)
