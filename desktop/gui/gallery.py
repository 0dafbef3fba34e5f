"""A strip of sample pictures from the test set of the current dataset; click one to classify it.

Sample files are named <true class index>-<class slug>-<test number>.png (see
desktop.model_format.sample_name); the true class is shown in the tooltip so learners can
compare it with the model's answer. Samples the current model gets wrong are marked with a red
frame and a cross, and their tooltip says what the model answered instead. For a binary lab
model ("Is it a 7?") a sample's truth is its class mapped through the task: a 2 is "not 7".
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QKeyEvent, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QListView, QListWidget, QListWidgetItem, QWidget

from desktop import image_io
from desktop.binary_task import BinaryTask
from desktop.lazy_imports import np
from desktop.model_format import DATASETS, parse_sample_name

ICON_SIDE = 56  # two screen pixels per model pixel
COLUMNS = 10  # two samples per class: two rows of ten
ROWS = 3
MIN_CELL, MAX_CELL = 40, 72
PATH_ROLE = Qt.ItemDataRole.UserRole
MISTAKE_COLOUR = QColor(214, 40, 40)


def true_class_index(path: Path) -> int | None:
    """'7-sneaker-00009.png' -> 7; None when the name does not say."""
    parsed = parse_sample_name(path)
    return parsed[0] if parsed else None


def describe_sample(path: Path, classes: tuple[str, ...], task: BinaryTask | None = None) -> str:
    """'7-sneaker-00009.png' -> 'Test image #9 - true class: Sneaker'; for a binary model
    ("Is it a 7?") '2-2-00001.png' -> 'Test image #1 - true class: 2 (not 7)'."""
    parsed = parse_sample_name(path)
    if parsed is None:
        return path.name
    index, number = parsed
    if task is not None:
        names = DATASETS[task.dataset].classes if task.dataset in DATASETS else ()
        answer = task.classes[task.binary_labels([index])[0]]
        if index < len(names):
            return f"Test image #{number} - true class: {names[index]} ({answer})"
        return f"Test image #{number} - {answer}"
    if index < len(classes):
        return f"Test image #{number} - true class: {classes[index]}"
    return f"Test image #{number}"


def true_answer(path: Path, task: BinaryTask | None) -> int | None:
    """The class a model should answer for a sample: its class, or for a binary model 0/1."""
    index = true_class_index(path)
    if index is None or task is None:
        return index
    return task.binary_labels([index])[0]


class SampleGallery(QListWidget):
    """Thumbnails of the sample pictures in one folder."""

    sampleChosen = Signal(Path)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sampleGallery")
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setIconSize(QSize(ICON_SIDE, ICON_SIDE))
        self.setGridSize(QSize(ICON_SIDE + 8, ICON_SIDE + 8))
        self.setSpacing(0)
        self.setSelectionMode(QListView.SelectionMode.SingleSelection)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # The strip is sized to show every row it can; more rows scroll with the wheel.
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._folder: Path | None = None
        self._classes: tuple[str, ...] = ()  # the current model's
        self._task: BinaryTask | None = None  # its question, for a binary model
        # Per sample: the picture as classified (0..1, 1 = white) and its thumbnail.
        self._grays: dict[str, np.ndarray] = {}
        self._thumbnails: dict[str, QPixmap] = {}
        self._mistakes: dict[str, str] = {}  # path -> what the model answered
        self.itemClicked.connect(self._on_clicked)

    @property
    def folder(self) -> Path | None:
        return self._folder

    def paths(self) -> list[Path]:
        return [Path(self.item(row).data(PATH_ROLE)) for row in range(self.count())]

    def show_folder(self, folder: Path | None, classes: tuple[str, ...],
                    task: BinaryTask | None = None) -> None:
        """List the PNG samples of `folder` (nothing if it does not exist), for a model of
        `classes` (and `task`, a binary model's question)."""
        if folder == self._folder and self.count():
            if (tuple(classes), task) != (self._classes, self._task):
                self._classes, self._task, self._mistakes = tuple(classes), task, {}
                for row in range(self.count()):
                    self._describe(self.item(row))
            return
        self._folder = folder
        self._classes = tuple(classes)
        self._task = task
        self.clear()
        self._grays, self._thumbnails, self._mistakes = {}, {}, {}
        files = sorted(folder.glob("*.png")) if folder is not None and folder.is_dir() else []
        for path in files:
            image = QImage(str(path))
            if image.isNull():
                continue  # a damaged sample is simply not offered
            pixmap = QPixmap.fromImage(
                image.scaled(ICON_SIDE, ICON_SIDE, Qt.AspectRatioMode.KeepAspectRatio,
                             Qt.TransformationMode.FastTransformation)
            )
            item = QListWidgetItem(QIcon(pixmap), "")
            item.setData(PATH_ROLE, str(path))
            self._thumbnails[str(path)] = pixmap
            with contextlib.suppress(image_io.ImageError):  # then shown, just not checked
                self._grays[str(path)] = image_io.from_qimage(image)
            self.addItem(item)
            self._describe(item)
        self._fit_to_width()

    def pictures(self) -> list[tuple[Path, np.ndarray]]:
        """Every sample with the grayscale picture a click would classify."""
        return [(Path(key), gray) for key, gray in self._grays.items()]

    def set_predictions(self, predicted: dict[Path, int | None]) -> None:
        """Mark the samples whose predicted class index differs from their true class (and
        unmark the others). Samples missing from `predicted` are left unmarked."""
        self._mistakes = {}
        for path, index in predicted.items():
            truth = true_answer(path, self._task)
            if index is not None and truth is not None and index != truth \
                    and 0 <= index < len(self._classes):
                self._mistakes[str(path)] = self._classes[index]
        for row in range(self.count()):
            self._describe(self.item(row))

    def mistakes(self) -> dict[Path, str]:
        """The marked samples and what the model answered for each."""
        return {Path(key): label for key, label in self._mistakes.items()}

    def select_path(self, path: Path) -> bool:
        """Highlight the tile of `path` (and scroll to it); False when it is not shown."""
        for row in range(self.count()):
            item = self.item(row)
            if Path(item.data(PATH_ROLE)) == Path(path):
                self.setCurrentItem(item)
                item.setSelected(True)
                self.scrollToItem(item)
                return True
        return False

    def _describe(self, item: QListWidgetItem) -> None:
        """Tooltip, accessible text and thumbnail, with the mistake mark if there is one."""
        key = item.data(PATH_ROLE)
        description = describe_sample(Path(key), self._classes, self._task)
        wrong = self._mistakes.get(key)
        pixmap = self._thumbnails.get(key)
        if wrong is not None:
            description += f" - the model says: {wrong} (wrong)"
            pixmap = _marked(pixmap) if pixmap is not None else None
        item.setToolTip(description)
        item.setData(Qt.ItemDataRole.AccessibleTextRole, description)
        if pixmap is not None:
            item.setIcon(QIcon(pixmap))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_to_width()

    def _fit_to_width(self) -> None:
        """One row per class when there is room: cells shrink or grow with the width, and
        the strip is as tall as the rows it needs (at most ROWS)."""
        width = self.viewport().width() - 2
        cell = max(MIN_CELL, min(MAX_CELL, width // COLUMNS))
        if self.gridSize().width() != cell:
            self.setGridSize(QSize(cell, cell))
            self.setIconSize(QSize(cell - 8, cell - 8))
        per_row = max(1, width // cell)
        rows = max(1, min(ROWS, -(-self.count() // per_row)))
        height = rows * cell + 2 * self.frameWidth() + 2
        if self.height() != height:
            self.setFixedHeight(height)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            item = self.currentItem()
            if item is not None:
                self._on_clicked(item)
                return
        super().keyPressEvent(event)

    def _on_clicked(self, item: QListWidgetItem) -> None:
        self.sampleChosen.emit(Path(item.data(PATH_ROLE)))


def _marked(pixmap: QPixmap) -> QPixmap:
    """The thumbnail with a red frame and a small red cross in its top-right corner."""
    marked = QPixmap(pixmap)
    painter = QPainter(marked)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    side = min(marked.width(), marked.height())
    painter.setPen(QPen(MISTAKE_COLOUR, max(2.0, side / 20)))
    painter.drawRect(QRectF(marked.rect()).adjusted(1, 1, -1, -1))
    badge = max(10.0, side / 3.2)
    corner = QRectF(marked.width() - badge - 1, 1, badge, badge)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(MISTAKE_COLOUR)
    painter.drawEllipse(corner)
    painter.setPen(QPen(QColor("white"), max(1.5, badge / 7), Qt.PenStyle.SolidLine,
                        Qt.PenCapStyle.RoundCap))
    inset = badge * 0.3
    painter.drawLine(corner.topLeft() + QPointF(inset, inset),
                     corner.bottomRight() - QPointF(inset, inset))
    painter.drawLine(corner.topRight() + QPointF(-inset, inset),
                     corner.bottomLeft() + QPointF(inset, -inset))
    painter.end()
    return marked
