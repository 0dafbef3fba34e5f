"""How pictures get into the main window and drawings out of it: File > Open, a random sample,
paste, drag and drop, Save; and the non-blocking message when that fails (a mixin of
MainWindow, which owns the canvas, the gallery, the loader and the settings).

Pictures are decoded off the UI thread by the window's PictureLoader; it reports `loaded` or
`failed`, connected in MainWindow.
"""

from __future__ import annotations

import random
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMessageBox

from desktop import APP_NAME, presenter
from desktop.gui import settings
from desktop.gui.document import gray_to_qimage
from desktop.gui.loading import Picture, image_file_filter, source_from_mime


class WindowFilesMixin:
    """Opening, pasting, dropping and saving pictures; error messages.

    Expects the window's canvas, gallery, loader, settings, last_error and _error_box."""

    def _start_folder(self) -> Path:
        return Path(self.settings.get(settings.LAST_DIR) or Path.home())

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open Picture", str(self._start_folder()),
                                              image_file_filter())
        if path:
            self.settings.set(settings.LAST_DIR, str(Path(path).parent))
            self.open_path(Path(path))

    def open_path(self, path: Path) -> None:
        """Decode a picture file on a pool thread, then show and classify it."""
        self.loader.open_path(Path(path))

    def open_picture(self, gray, name: str) -> None:
        """Show and classify a picture already in memory (0..1, 1 = white), e.g. a test image
        from the error browser, as if it had been opened from a file."""
        self._on_picture_loaded(Picture(gray, gray_to_qimage(gray), name))

    def open_random_sample(self) -> None:
        files = self.gallery.paths()
        if files:
            path = random.choice(files)
            self.gallery.select_path(path)  # show which tile it is
            self.open_path(path)

    def paste(self) -> None:
        """Paste an image, image data, or a picture file's path or URL."""
        source = source_from_mime(QGuiApplication.clipboard().mimeData())
        if source is None:  # nothing went wrong: a word in the status bar, no dialog
            self.statusBar().showMessage(presenter.NOTHING_TO_PASTE, 5000)
            return
        self.loader.open_source(source, "Pasted picture")

    def _on_picture_loaded(self, picture: Picture) -> None:
        self.canvas.show_picture(picture.gray, picture.image, picture.name)
        self.statusBar().showMessage(presenter.opened(picture.name), 4000)
        if self._error_box is not None:  # an older failure no longer applies
            self._error_box.hide()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        source = source_from_mime(event.mimeData())
        if source is not None:  # a web address is accepted too, to explain on drop
            event.acceptProposedAction()
            name = source.path.name if source.path is not None else None
            self.statusBar().showMessage(presenter.drop_to_open(name), 3000)
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        source = source_from_mime(event.mimeData())
        if source is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self.loader.open_source(source, "Dropped picture")

    def choose_save_file(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save Drawing",
                                              str(self._start_folder() / "drawing.png"),
                                              "PNG picture (*.png)")
        if path:
            self.save_drawing(Path(path) if path.lower().endswith(".png")
                              else Path(path + ".png"))

    def save_drawing(self, path: Path) -> bool:
        """Write the canvas as a PNG; errors are reported, never raised."""
        if self.canvas.render_image().save(str(path), "PNG"):
            self.statusBar().showMessage(presenter.saved(path), 5000)
            return True
        self.show_error(presenter.NOT_SAVED, presenter.cannot_write(path))
        return False

    def show_error(self, title: str, text: str) -> None:
        """Tell the user without blocking: status bar plus a non-modal message box."""
        self.last_error = text
        self.statusBar().showMessage(f"{title}: {text}", 15000)
        if self._error_box is None:
            self._error_box = QMessageBox(self)
            self._error_box.setObjectName("errorBox")
            self._error_box.setIcon(QMessageBox.Icon.Warning)
            self._error_box.setWindowModality(Qt.WindowModality.NonModal)
            self._error_box.setStandardButtons(QMessageBox.StandardButton.Ok)
            self._error_box.setStyleSheet("QLabel#qt_msgbox_informativelabel {min-width: 26em;}")
        self._error_box.setWindowTitle(APP_NAME)
        self._error_box.setText(title)
        self._error_box.setInformativeText(text)
        self._error_box.show()
