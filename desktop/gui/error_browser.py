"""The "Mistakes" page of the Training tab: the test images behind the confusion matrix.

Three views of the model's stored answers on the test set (desktop.errors): the images of one
confusion-matrix cell (opened by clicking the cell), most confident first; the most confused
pairs of classes; and the top losses. Each image shows its top-3 classes; clicking one loads it
onto the canvas (exampleChosen). Thumbnails are painted only when they scroll into view, so a
cell of a thousand images opens as fast as one of three.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont, QFontMetrics, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from desktop import errors
from desktop.gui.gallery import MISTAKE_COLOUR
from desktop.gui.style import Role, faint_text
from desktop.gui.workers import TaskRunner
from desktop.training_report import TrainingReport

THUMB = 56  # two screen pixels per image pixel
TOP_LOSSES = 100
INDEX_ROLE = Qt.ItemDataRole.UserRole  # the test-image number of a tile
Index = QModelIndex | QPersistentModelIndex


class ExampleModel(QAbstractListModel):
    """Test images (by number) of one view; tiles are described on demand."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mistakes: errors.Mistakes | None = None
        self.indexes = np.zeros(0, dtype=np.int64)

    def set_examples(self, mistakes: errors.Mistakes | None, indexes: np.ndarray) -> None:
        self.beginResetModel()
        self.mistakes, self.indexes = mistakes, np.asarray(indexes, dtype=np.int64)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.indexes)

    def example(self, row: int) -> errors.Example:
        return self.mistakes.example(int(self.indexes[row]))

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or self.mistakes is None:
            return None
        if role == INDEX_ROLE:
            return int(self.indexes[index.row()])
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return errors.describe(self.example(index.row()), self.mistakes.classes)
        return None


class ExampleDelegate(QStyledItemDelegate):
    """A tile: the picture (dark on white, as it loads onto the canvas; a red frame when the
    model got it wrong) above its top-3 classes, the true class in bold."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.width = 92

    def fit_to(self, classes: tuple[str, ...], font: QFont) -> None:
        metrics = QFontMetrics(self._small(font))
        widest = max((metrics.horizontalAdvance(f"{name} 100 %") for name in classes), default=0)
        self.width = max(THUMB + 20, min(150, widest + 12))

    @staticmethod
    def _small(font: QFont) -> QFont:
        small = QFont(font)
        small.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        return small

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return QSize(self.width, THUMB + 10 + 3 * QFontMetrics(self._small(option.font)).height())

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        model = index.model()
        example = model.example(index.row())
        palette, rect = option.palette, option.rect
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(rect, palette.color(Role.Highlight).lighter(170))
        picture = QRect(rect.left() + (rect.width() - THUMB) // 2, rect.top() + 4, THUMB, THUMB)
        painter.drawPixmap(picture, _thumbnail(model.mistakes.test_set.images[example.index]))
        if not example.correct:
            painter.setPen(QPen(MISTAKE_COLOUR, 2))
            painter.drawRect(picture.adjusted(0, 0, -1, -1))
        small = self._small(option.font)
        metrics = QFontMetrics(small)
        y = picture.bottom() + 4
        for (k, _), line in zip(example.top, errors.top_lines(example, model.mistakes.classes),
                                strict=True):
            font = QFont(small)
            font.setBold(k == example.true)
            painter.setFont(font)
            painter.setPen(palette.color(Role.Text) if k in (example.true, example.predicted)
                           else faint_text(palette))
            text = metrics.elidedText(line, Qt.TextElideMode.ElideMiddle, rect.width() - 4)
            painter.drawText(QRect(rect.left() + 2, y, rect.width() - 4, metrics.height()),
                             int(Qt.AlignmentFlag.AlignHCenter), text)
            y += metrics.height()


def _thumbnail(image: np.ndarray) -> QPixmap:
    """A test image (light on dark, uint8) as dark ink on white, two screen pixels a pixel."""
    pixels = np.ascontiguousarray(255 - image)
    side = pixels.shape[0]
    qimage = QImage(pixels.data, side, side, side, QImage.Format.Format_Grayscale8)
    return QPixmap.fromImage(qimage.scaled(THUMB, THUMB))  # copies: pixels may go


class ErrorBrowser(QWidget):
    """The Mistakes page; show_report() with each model, show_cell() on a matrix click."""

    exampleChosen = Signal(object, str)  # the picture (0..1, 1 = white) and its name
    cellShown = Signal(int, int)  # true, predicted: the cell on show (to frame it)

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
        layout.addWidget(self._pages, 1)
        self.mistakes: errors.Mistakes | None = None
        self._cell: tuple[int, int] | None = None
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
        self._message.setText(text)
        self._pages.setCurrentWidget(self._message)
        self._set_buttons_enabled(False)

    def show_report(self, model_name: str, dataset: str, report: TrainingReport) -> None:
        """Read a model's stored test answers and the test images on a pool thread."""
        self._request += 1
        self._cell, self._view, self._loading = None, 1, True
        self._put_message(f"Reading the test images of {model_name}…")
        self._tasks.start(_open, self._request, report, dataset, model_name,
                          on_success=self._on_opened, on_failure=self._on_failed)

    def _on_opened(self, result: tuple[int, errors.Mistakes | None, str]) -> None:
        request, mistakes, reason = result
        if request != self._request:
            return  # another model was chosen meanwhile
        self._loading = False
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
        self._cell = (true, predicted)
        self.show_view(0)

    def show_view(self, view: int) -> None:
        self._view = view
        if self.mistakes is None:
            return  # shown when the test answers are read
        self._buttons.button(view).setChecked(True)
        mistakes, classes = self.mistakes, self.mistakes.classes
        if view == 0 and self._cell is not None:
            indexes = mistakes.cell_indexes(*self._cell)
            self.title.setText(errors.cell_title(classes, *self._cell, len(indexes)) +
                               ". Most confident first; click one to load it onto the canvas.")
            self.cellShown.emit(*self._cell)
        elif view == 0:
            indexes = np.zeros(0)
            self.title.setText("Click a cell of the confusion matrix to see its test images.")
        elif view == 2:
            indexes = mistakes.top_loss_indexes(TOP_LOSSES)
            self.title.setText(f"Top losses: the {len(indexes)} test images whose true class "
                               f"got the lowest probability (highest cross-entropy).")
        else:
            self.title.setText("The pairs of classes the model mixes up most on the "
                               f"{len(mistakes):,} test images; click one to see its images.")
            self._pages.setCurrentWidget(self.pairs)
            return
        self.model.set_examples(mistakes, indexes)
        self.grid.scrollToTop()
        self._pages.setCurrentWidget(self.grid)

    def _fill_pairs(self) -> None:
        self.pairs.clear()
        totals = self.mistakes.counts.sum(axis=1)
        for pair in self.mistakes.most_confused():
            item = QListWidgetItem(errors.pair_text(pair, self.mistakes.classes,
                                                    int(totals[pair.true])))
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
        name = f"Test image #{number} ({self.mistakes.classes[example.true]})"
        self.exampleChosen.emit(self.mistakes.test_set.picture(number), name)


def _open(request: int, report: TrainingReport, dataset: str,
          model_name: str) -> tuple[int, errors.Mistakes | None, str]:
    """Runs on a pool thread: the model's Mistakes, or the reason there are none."""
    try:
        return request, errors.open_mistakes(report, dataset, model_name), ""
    except errors.MistakesUnavailable as exc:
        return request, None, str(exc)
