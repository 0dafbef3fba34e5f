"""The tiles of the error browser's grid: a test image above the model's three likeliest
classes. The model describes tiles on demand and the delegate paints only the tiles in view, so
a grid of a thousand images costs no more to open than one of three.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
)
from PySide6.QtGui import QFont, QFontMetrics, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from desktop import errors
from desktop.gui.gallery import MISTAKE_COLOUR
from desktop.gui.style import Role, faint_text, mix
from desktop.lazy_imports import np

THUMB = 56  # two screen pixels per image pixel
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
            example = self.example(index.row())
            return errors.describe(example, self.mistakes.classes,
                                   self.mistakes.true_name(example.index))
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
            selected = mix(palette.color(Role.Base), palette.color(Role.Highlight), 0.35)
            painter.fillRect(rect, selected)  # light or dark, the text stays readable
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
