"""The "Layers" page of the "Look inside" tab: what each layer of the current model sees.

It only renders: desktop.layers chooses the views, runs the model and words everything. Runs
happen on a pool thread (a CNN's feature maps take a few milliseconds); while one runs, newer
pictures only mark the page stale, and the latest picture is run next, so drawing stays smooth.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QImage, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop import layers
from desktop.gui.workers import TaskRunner
from desktop.lazy_imports import np
from desktop.models import Classifier

GAP = 6
CAPTION = 14  # height of the caption line under each tile


class TileGrid(QWidget):
    """Tiles (pixel images scaled up without smoothing) with a caption under each."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="layerTiles")
        self._images: list[QImage] = []
        self._captions: list[str] = []
        self._side = 64

    def set_tiles(self, tiles: tuple[layers.Tile, ...]) -> None:
        self._images = [_qimage(tile.rgb) for tile in tiles]
        self._captions = [tile.caption for tile in tiles]
        count = len(tiles)
        self._side = 84 if count <= 32 else 56 if count <= 64 else 40
        self._fit_height()
        self.update()

    def tile_count(self) -> int:
        return len(self._images)

    def _columns(self) -> int:
        return max(1, (self.width() + GAP) // (self._side + GAP))

    def _fit_height(self) -> None:
        rows = -(-len(self._images) // self._columns()) if self._images else 0
        self.setMinimumHeight(rows * (self._side + CAPTION + GAP))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_height()

    def sizeHint(self) -> QSize:
        return QSize(8 * (self._side + GAP), 3 * (self._side + CAPTION + GAP))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        font = painter.font()
        font.setPointSizeF(max(6.0, font.pointSizeF() * 0.75))
        painter.setFont(font)
        columns, side, visible = self._columns(), self._side, event.rect()
        for index, (image, caption) in enumerate(zip(self._images, self._captions,
                                                     strict=True)):
            row, column = divmod(index, columns)
            target = QRect(column * (side + GAP), row * (side + CAPTION + GAP), side, side)
            if not target.adjusted(0, 0, 0, CAPTION).intersects(visible):
                continue
            painter.drawImage(target, image)  # no smoothing: every pixel stays a square
            painter.setPen(self.palette().windowText().color())
            painter.drawText(QRect(target.left(), target.bottom() + 1, side, CAPTION),
                             Qt.AlignmentFlag.AlignCenter, caption)
        painter.end()


class LayersPage(QWidget):
    """A chooser of the model's layer views and the grid of the chosen one."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="layersPage")
        self.chooser = QComboBox(objectName="layerChooser")
        self.heading = QLabel(objectName="layerHeading")
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)
        self.explanation = QLabel(objectName="layerExplanation", wordWrap=True)
        self.note = QLabel(objectName="layerNote", wordWrap=True)
        self.grid = TileGrid()
        scroll = QScrollArea(objectName="layerScroll", widgetResizable=True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.grid)
        self._chooser_row = QWidget()
        row = QHBoxLayout(self._chooser_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel(layers.CHOOSER_LABEL))
        row.addWidget(self.chooser, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self._chooser_row)
        layout.addWidget(self.heading)
        layout.addWidget(self.explanation)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.note)
        self._runner = TaskRunner(self)
        self._classifier: Classifier | None = None
        self._gray: np.ndarray | None = None
        self._running = False
        self._stale = False
        self._shown: tuple[int, str] | None = None  # (classifier id, key) of weight-only views
        self.chooser.currentIndexChanged.connect(lambda _index: self._request())

    def show_input(self, classifier: Classifier | None, gray: np.ndarray | None) -> None:
        if classifier is not self._classifier:
            self._classifier = classifier
            self._fill_chooser()
        self._gray = gray
        self._request()

    def busy(self) -> bool:
        """A run is under way or waiting (tests wait on this)."""
        return self._running or self._stale

    def _fill_chooser(self) -> None:
        self.chooser.blockSignals(True)
        self.chooser.clear()
        found = layers.choices(self._classifier.info) if self._classifier else []
        for choice in found:
            self.chooser.addItem(choice.title, choice.key)
        self.chooser.blockSignals(False)
        self._chooser_row.setVisible(bool(found))
        self._shown = None
        if not found:
            self._show(layers.LayerView(
                "", layers.NO_LAYERS if self._classifier else layers.NO_MODEL))

    def _request(self) -> None:
        classifier, key = self._classifier, self.chooser.currentData()
        if classifier is None or key is None:
            return
        if not layers.depends_on_input(classifier.info, key) and \
                self._shown == (id(classifier), key):
            return  # weights only: already on screen
        if self._running:
            self._stale = True
            return
        self._running, self._stale = True, False
        self._runner.start(self._compute, classifier, key, self._gray,
                           on_success=self._finished, on_failure=self._failed)

    @staticmethod
    def _compute(classifier: Classifier, key: str, gray: np.ndarray | None) -> tuple:
        return classifier, key, layers.compute(classifier, key, gray)

    def _finished(self, result: tuple) -> None:
        self._running = False
        classifier, key, view = result
        if classifier is self._classifier and key == self.chooser.currentData():
            self._show(view)
            self._shown = None if layers.depends_on_input(classifier.info, key) else \
                (id(classifier), key)
        else:
            self._stale = True  # the model or the choice changed meanwhile
        if self._stale:
            self._request()

    def _failed(self, error: Exception) -> None:
        self._running = False
        self._show(layers.LayerView("", "", note=str(error)))
        if self._stale:
            self._request()

    def _show(self, view: layers.LayerView) -> None:
        self.heading.setText(view.heading)
        self.heading.setVisible(bool(view.heading))
        self.explanation.setText(view.explanation)
        self.note.setText(view.note)
        self.note.setVisible(bool(view.note))
        self.grid.set_tiles(view.tiles)


def _qimage(rgb: np.ndarray) -> QImage:
    """An RGB uint8 array as a QImage that owns its pixels."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    height, width = rgb.shape[:2]
    return QImage(rgb.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()
