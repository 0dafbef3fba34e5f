"""A strip of sample pictures from the test set of the current dataset; click one to classify it.

Sample files are named <true class index>-<class slug>-<test number>.png; the true class is
shown in the tooltip so learners can compare it with the model's answer.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QKeyEvent, QPixmap
from PySide6.QtWidgets import QListView, QListWidget, QListWidgetItem, QWidget

ICON_SIDE = 56  # two screen pixels per model pixel
COLUMNS = 10  # two samples per class: two rows of ten
ROWS = 3
MIN_CELL, MAX_CELL = 40, 72
PATH_ROLE = Qt.ItemDataRole.UserRole


def describe_sample(path: Path, classes: tuple[str, ...]) -> str:
    """'7-sneaker-00009.png' -> 'Test image #9 - true class: Sneaker'."""
    index_text, _, rest = path.stem.partition("-")
    number = rest.rsplit("-", 1)[-1]
    number_text = f"Test image #{int(number)}" if number.isdigit() else path.name
    if index_text.isdigit() and int(index_text) < len(classes):
        return f"{number_text} - true class: {classes[int(index_text)]}"
    return number_text


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
        self.itemClicked.connect(self._on_clicked)

    @property
    def folder(self) -> Path | None:
        return self._folder

    def paths(self) -> list[Path]:
        return [Path(self.item(row).data(PATH_ROLE)) for row in range(self.count())]

    def show_folder(self, folder: Path | None, classes: tuple[str, ...]) -> None:
        """List the PNG samples of `folder` (nothing if it does not exist)."""
        if folder == self._folder and self.count():
            return
        self._folder = folder
        self.clear()
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
            description = describe_sample(path, classes)
            item.setToolTip(description)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, description)
            self.addItem(item)
        self._fit_to_width()

    def resizeEvent(self, event) -> None:  # noqa: N802
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

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            item = self.currentItem()
            if item is not None:
                self._on_clicked(item)
                return
        super().keyPressEvent(event)

    def _on_clicked(self, item: QListWidgetItem) -> None:
        self.sampleChosen.emit(Path(item.data(PATH_ROLE)))
