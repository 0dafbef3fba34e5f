"""The Teach tab (objectName "teachView"): collect the user's own drawings of each digit, show
and manage them, and personalise the current model on them.

The window hands it the current model and the picture the model saw (`set_model`,
`set_current_input`); Keep stores that picture with a label (desktop.handwriting_set) and asks
the window to clear the canvas for the next one. Personalise runs desktop.personalise on a pool
thread and reports the new model through `modelPersonalised`. What to ask and what to say come
from desktop.teaching.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop import handwriting_set, personalise, teaching
from desktop.gui.workers import TaskRunner
from desktop.handwriting_set import HandwritingError
from desktop.lazy_imports import np
from desktop.models import ModelInfo

THUMBNAIL = 42  # pixels: the 28x28 drawing at 1.5x


class TeachView(QWidget):
    """Teach mode and Personalise."""

    keptDrawing = Signal(str)  # a drawing was kept: the status-bar message; clear the canvas
    modelPersonalised = Signal(str)  # the personalised model's folder name (its id)
    useModel = Signal(str)  # the user wants the personalised model in the picker

    def __init__(self, out_dir: Path, data_folder: Path | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="teachView")
        self.out_dir = Path(out_dir)
        self.data_folder = data_folder  # None: the user's data folder
        self.info: ModelInfo | None = None
        self.current_input: np.ndarray | None = None  # 28x28 in 0..1, what the model saw
        self.drawings = handwriting_set.empty(teaching.DATASET)
        self.last_outcome: personalise.Outcome | None = None
        self._runner = TaskRunner(self)
        self._busy = False
        self._build()
        self.reload()

    # --- construction -------------------------------------------------------------------------

    def _build(self) -> None:
        title = QLabel(teaching.TITLE, objectName="teachTitle")
        font = title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        title.setFont(font)
        intro = QLabel(teaching.INTRO, wordWrap=True)
        self.notice = QLabel(objectName="teachNotice", wordWrap=True)
        self.prompt = QLabel(objectName="teachPrompt", wordWrap=True)
        prompt_font = self.prompt.font()
        prompt_font.setBold(True)
        prompt_font.setPointSizeF(prompt_font.pointSizeF() * 1.25)
        self.prompt.setFont(prompt_font)
        self.keep_button = QPushButton(objectName="teachKeep")
        self.keep_button.setDefault(True)
        self.keep_button.clicked.connect(lambda: self.keep(self._asked))
        self.skip_button = QPushButton(teaching.SKIP, objectName="teachSkip")
        self.skip_button.clicked.connect(self._skip)
        ask_row = QHBoxLayout()
        ask_row.addWidget(self.keep_button)
        ask_row.addWidget(self.skip_button)
        ask_row.addStretch(1)
        hint = QLabel(teaching.CORRECT_HINT, wordWrap=True)
        self.digit_buttons: list[QPushButton] = []
        digits = QGridLayout()
        digits.setSpacing(4)
        for digit in range(10):
            button = QPushButton(str(digit), objectName=f"teachDigit{digit}")
            button.setFixedWidth(40)
            button.setToolTip(teaching.keep_label(digit))
            button.clicked.connect(lambda _=False, d=digit: self.keep(d))
            digits.addWidget(button, 0, digit)
            self.digit_buttons.append(button)
        digits.setColumnStretch(10, 1)

        self.summary = QLabel(objectName="teachSummary", wordWrap=True)
        self.gallery = QListWidget(objectName="teachDrawings")
        self.gallery.setViewMode(QListWidget.ViewMode.IconMode)
        self.gallery.setIconSize(QSize(THUMBNAIL, THUMBNAIL))
        self.gallery.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.gallery.setMovement(QListWidget.Movement.Static)
        self.gallery.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.gallery.setMinimumHeight(90)
        self.delete_button = QPushButton(teaching.DELETE_SELECTED, objectName="teachDelete")
        self.delete_button.clicked.connect(self._delete_selected)
        self.clear_button = QPushButton(teaching.DELETE_ALL, objectName="teachDeleteAll")
        self.clear_button.clicked.connect(self._delete_all)
        self.export_button = QPushButton(teaching.EXPORT, objectName="teachExport")
        self.export_button.clicked.connect(self._export)
        folder_button = QPushButton(teaching.OPEN_FOLDER, objectName="teachOpenFolder")
        folder_button.clicked.connect(self._open_folder)
        manage = QHBoxLayout()
        for button in (self.delete_button, self.clear_button, self.export_button, folder_button):
            manage.addWidget(button)
        manage.addStretch(1)

        self.personalise_button = QPushButton(objectName="teachPersonalise")
        self.personalise_button.clicked.connect(self.start_personalise)
        self.use_button = QPushButton(teaching.USE_MODEL, objectName="teachUse")
        self.use_button.clicked.connect(self._use)
        self.use_button.hide()
        action_row = QHBoxLayout()
        action_row.addWidget(self.personalise_button)
        action_row.addWidget(self.use_button)
        action_row.addStretch(1)
        self.result = QLabel(objectName="teachResult", wordWrap=True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        for widget in (title, intro, self.notice, self.prompt):
            layout.addWidget(widget)
        layout.addLayout(ask_row)
        layout.addWidget(hint)
        layout.addLayout(digits)
        layout.addSpacing(6)
        layout.addWidget(self.summary)
        layout.addWidget(self.gallery, 1)
        layout.addLayout(manage)
        layout.addSpacing(6)
        layout.addLayout(action_row)
        layout.addWidget(self.result)

    # --- what the window tells it -------------------------------------------------------------

    def set_model(self, info: ModelInfo | None) -> None:
        changed = (info and info.path) != (self.info and self.info.path)
        self.info = info
        if changed and not self._busy:  # what was said was about the previous model
            self.notice.hide()
            self.last_outcome = None
            self.use_button.hide()
            self.result.clear()
        self._refresh()

    def set_current_input(self, image28: np.ndarray | None) -> None:
        """The picture the current model saw (None: nothing drawn)."""
        self.current_input = None if image28 is None else np.array(image28, np.float32)

    def reload(self) -> None:
        """Read the drawings from disk again (a damaged file is reported, nothing is lost)."""
        try:
            self.drawings = handwriting_set.load(teaching.DATASET, self.data_folder)
            self.notice.hide()
        except HandwritingError as error:
            self.drawings = handwriting_set.empty(teaching.DATASET)
            self._say(str(error))
        self._fill_gallery()
        self._refresh()

    # --- keeping drawings ---------------------------------------------------------------------

    def can_keep(self) -> bool:
        return not teaching.cannot_teach(self.info)

    def keep(self, digit: int) -> bool:
        """Keep the current picture as `digit`; False (with the reason shown) if it cannot."""
        if not self.can_keep():
            self._say(teaching.cannot_teach(self.info))
            return False
        if self.current_input is None:
            self._say(teaching.nothing_to_keep())
            return False
        try:
            self.drawings = handwriting_set.add(teaching.DATASET, self.current_input, digit,
                                                self.data_folder)
        except HandwritingError as error:
            self._say(str(error))
            return False
        self.notice.hide()
        self._add_thumbnail(len(self.drawings) - 1)
        self.current_input = None
        self._skipped = None
        self._refresh()
        self.keptDrawing.emit(teaching.kept(digit, len(self.drawings)))
        return True

    def _skip(self) -> None:
        self._skipped = (self._asked + 1) % 10
        self._refresh()

    def _delete_selected(self) -> None:
        rows = sorted(self.gallery.row(item) for item in self.gallery.selectedItems())
        self._replace(lambda: handwriting_set.remove(teaching.DATASET, rows, self.data_folder))

    def _delete_all(self) -> None:
        answer = QMessageBox.question(
            self, teaching.DELETE_ALL.rstrip("."),
            teaching.CONFIRM_DELETE_ALL.format(count=len(self.drawings)))
        if answer == QMessageBox.StandardButton.Yes:
            everything = list(range(len(self.drawings)))
            self._replace(lambda: handwriting_set.remove(teaching.DATASET, everything,
                                                         self.data_folder))

    def _replace(self, change) -> None:
        try:
            self.drawings = change()
        except HandwritingError as error:
            self._say(str(error))
        self._fill_gallery()
        self._refresh()

    def _export(self) -> None:
        target, _ = QFileDialog.getSaveFileName(self, teaching.EXPORT.rstrip("."),
                                                "my-digits.npz", teaching.EXPORT_FILTER)
        if target:
            try:
                count = handwriting_set.export(teaching.DATASET, Path(target), self.data_folder)
            except HandwritingError as error:
                self._say(str(error))
            else:
                self.keptDrawing.emit(f"Exported {count} drawings to {target}.")

    def _open_folder(self) -> None:
        folder = self.data_folder or handwriting_set.folder()
        folder.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    # --- personalising ------------------------------------------------------------------------

    def start_personalise(self) -> bool:
        """Personalise the current model on a pool thread; False if it cannot start."""
        if self._busy or teaching.personalise_blocked(self.info, self.drawings.labels):
            return False
        assert self.info is not None
        self._busy = True
        self.use_button.hide()
        self.result.setText(teaching.working("reading your drawings"))
        self._refresh()
        self._runner.start(personalise.personalise, self.info, self.drawings, self.out_dir,
                           on_success=self._personalised, on_failure=self._failed)
        return True

    @property
    def busy(self) -> bool:
        return self._busy

    def _personalised(self, outcome: personalise.Outcome) -> None:
        self._busy = False
        self.last_outcome = outcome
        self.result.setText("\n".join(teaching.outcome_lines(outcome)))
        self.use_button.show()
        self._refresh()
        self.modelPersonalised.emit(outcome.model_id)

    def _failed(self, error: Exception) -> None:
        self._busy = False
        self.result.setText(teaching.personalise_failed(error))
        self._refresh()

    def _use(self) -> None:
        if self.last_outcome is not None:
            self.useModel.emit(self.last_outcome.model_id)

    # --- showing ------------------------------------------------------------------------------

    _skipped: int | None = None

    @property
    def _asked(self) -> int:
        return self._skipped if self._skipped is not None else \
            teaching.next_digit(self.drawings.labels)

    def _refresh(self) -> None:
        reason = teaching.cannot_teach(self.info)
        if reason:
            self._say(reason)
        digit = self._asked
        self.prompt.setText(teaching.prompt(digit, self.drawings.labels))
        self.keep_button.setText(teaching.keep_label(digit))
        for button in (self.keep_button, self.skip_button, *self.digit_buttons):
            button.setEnabled(not reason)
        self.summary.setText(teaching.set_summary(self.drawings.labels))
        has_drawings = len(self.drawings) > 0
        for button in (self.delete_button, self.clear_button, self.export_button):
            button.setEnabled(has_drawings)
        blocked = teaching.personalise_blocked(self.info, self.drawings.labels)
        self.personalise_button.setText(teaching.personalise_button(self.info))
        self.personalise_button.setEnabled(not blocked and not self._busy)
        self.personalise_button.setToolTip(blocked)
        if not self._busy and self.last_outcome is None:
            self.result.setText(blocked)

    def _say(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.show()

    def _fill_gallery(self) -> None:
        self.gallery.clear()
        for index in range(len(self.drawings)):
            self._add_thumbnail(index)

    def _add_thumbnail(self, index: int) -> None:
        # Dark ink on white, like the canvas the drawing came from.
        pixels = np.ascontiguousarray(255 - self.drawings.images[index])
        image = QImage(pixels.data, 28, 28, 28, QImage.Format.Format_Grayscale8).copy()
        pixmap = QPixmap.fromImage(image.scaled(THUMBNAIL, THUMBNAIL,
                                                mode=Qt.TransformationMode.SmoothTransformation))
        label = int(self.drawings.labels[index])
        item = QListWidgetItem(QIcon(pixmap), str(label))
        item.setToolTip(f"Kept as {label}")
        self.gallery.addItem(item)
