"""The main window: input (canvas + samples) on the left, results and training on the right.

The window wires widgets together and renders what desktop.presenter says; the ModelController
does everything model-related. Classification runs live while drawing (throttled by a timer) and
right away after every finished stroke, undo, clear, picture load or model switch. Its actions
and menus are in window_actions, opening and saving pictures in window_files, the remembered
settings in settings.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QSettings, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QPaintEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QMainWindow,
    QMessageBox,
)

from desktop import image_io, models, paths, presenter
from desktop.binary_task import BinaryTask
from desktop.gui import icons
from desktop.gui import settings as settings_keys  # `settings` is the constructor's argument
from desktop.gui.controller import ModelController
from desktop.gui.loading import PictureLoader
from desktop.gui.window_actions import WindowActionsMixin
from desktop.gui.window_files import WindowFilesMixin
from desktop.gui.window_teach import WindowTeachMixin

if TYPE_CHECKING:
    from desktop.gui.training_view import TrainingPanel

LIVE_INTERVAL_MS = 16  # classify at most ~60 times a second while drawing
FIRST_RUN_MODEL = "mnist-cnn"  # the best digit model makes the best first impression


class MainWindow(WindowActionsMixin, WindowFilesMixin, WindowTeachMixin, QMainWindow):
    """Digit Lens' only window."""

    resultsUpdated = Signal()  # the prediction panel shows a new result or message

    def __init__(
        self,
        models_dir: Path | None = None,
        settings: QSettings | None = None,
        samples_dir: Path | None = None,
        user_models_dir: Path | None = None,
    ) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle(presenter.window_title(""))
        self.setWindowIcon(icons.app_icon())
        self.setAcceptDrops(True)
        self.setMinimumSize(780, 540)
        self.resize(1240, 780)
        self.settings = settings_keys.Settings(settings)
        self._samples_dir = Path(samples_dir) if samples_dir else paths.samples_dir()
        # The user's own retrained models are listed beside the shipped (or --models-dir) ones.
        # Their sessions (and ONNX Runtime's 17.6 MB of libraries) wait for the first paint.
        self.controller = ModelController(paths.app_models_dir(models_dir), self,
                                          user_models_dir or paths.user_models_dir(),
                                          hold_sessions=True)
        self.loader = PictureLoader(self)
        self._shown_once = False
        # The slow things of the first show wait for the first paint (so the window is on screen
        # sooner); the timer is the fallback for a window that is shown but never painted.
        self._after_show_timer = QTimer(self, singleShot=True, interval=500)
        self._after_show_timer.timeout.connect(self._after_first_show)
        self.last_error: str | None = None  # the text of the last error shown
        self.last_latency: float | None = None
        self.last_gray = None  # the picture last classified (None: an empty canvas)
        self._error_box: QMessageBox | None = None
        self._pending_gallery: tuple[Path | None, tuple[str, ...], BinaryTask | None] = \
            (None, (), None)
        self._live_timer = QTimer(self, singleShot=True, interval=LIVE_INTERVAL_MS)
        self._live_timer.timeout.connect(self.classify_now)

        self._build_central()
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()
        self._connect()
        self._restore_settings()
        # Its currentModelChanged signal shows the chosen model, or says why there is none.
        self.controller.discover(self.settings.get(settings_keys.MODEL_ID) or FIRST_RUN_MODEL)
        self._report_unusable_models()

    # --- construction -------------------------------------------------------------------------

    def _connect(self) -> None:
        self.canvas.contentChanged.connect(self._on_canvas_changed)
        self.canvas.documentChanged.connect(
            lambda: self.setWindowTitle(presenter.window_title(self.canvas.document.picture_name)))
        self.canvas.eraserChanged.connect(self._sync_tool_actions)
        self.canvas.brushSizeChanged.connect(self._on_brush_size_changed)
        self.brush_slider.valueChanged.connect(self.canvas.set_brush_size)
        self.gallery.sampleChosen.connect(self.open_path)
        self.loader.started.connect(
            lambda name: self.statusBar().showMessage(presenter.opening(name)))
        self.loader.loaded.connect(self._on_picture_loaded)
        self.loader.failed.connect(self.show_error)
        self.model_picker.modelChosen.connect(self.select_model)
        self.model_actions.triggered.connect(
            lambda action: self.select_model(str(action.data())))
        self.controller.currentModelChanged.connect(self._on_current_model_changed)
        self.controller.modelsChanged.connect(self._refresh_model_choices)
        self.controller.classifierReady.connect(self._on_classifier_ready)
        self.controller.classifierFailed.connect(self._on_classifier_failed)
        self.prediction_panel.bars.classClicked.connect(self._keep_drawing)

    def _restore_settings(self) -> None:
        """The window as the user left it (closeEvent saves it)."""
        for key, restore in ((settings_keys.WINDOW_GEOMETRY, self.restoreGeometry),
                             (settings_keys.SPLITTER, self.splitter.restoreState),
                             (settings_keys.WINDOW_STATE, self.restoreState)):
            saved = self.settings.get(key)
            if not saved.isEmpty():
                restore(saved)
        self.canvas.set_brush_size(self.settings.get(settings_keys.BRUSH_SIZE))
        self.brush_slider.setValue(self.canvas.brush_size)
        self._sync_tool_actions()

    # --- models -------------------------------------------------------------------------------

    def select_model(self, key: str) -> bool:
        """Switch to a model (by its entry key: the id of a shipped model, "user:<id>" for the
        user's own); the current input is classified again."""
        if not self.controller.select(key):
            self.statusBar().showMessage(
                presenter.cannot_use(key, self.controller.unusable_reason(key)), 10000)
            self._refresh_model_choices()
            return False
        return True

    def _show_training_record(self, panel: TrainingPanel) -> None:
        """The Training tab shows how the current model was trained, or why there is none."""
        entry = self.controller.current
        if entry is None or entry.info is None:
            panel.show_message(presenter.no_model_view(
                self.controller.no_models_reason()).training_message)
        else:
            panel.show_model(entry.info, entry.directory)

    def reload_models(self) -> None:
        current = self.controller.current
        self.controller.discover(current.key if current else None)
        self.controller.prepare_all()
        self.statusBar().showMessage(presenter.models_found(
            len(self.controller.usable_entries()), self.controller.models_dir), 6000)

    def _on_model_trained(self, key: str) -> None:
        """A run of the Train tab wrote a model: list it in the picker (the current model
        stays chosen; retrained in place, it is read afresh)."""
        self.reload_models()
        entry = self.controller.entry(key)
        self.statusBar().showMessage(
            presenter.model_trained(entry.display_name if entry else key), 8000)

    def _use_trained_model(self, key: str) -> None:
        """The Train tab's "Use this model": choose it and show its training record."""
        if self.select_model(key):
            self.results_tabs.setCurrentWidget(self.training_page)

    def _on_current_model_changed(self) -> None:
        self._refresh_model_choices()
        entry = self.controller.current
        self._teach_model(entry.info if entry is not None else None)
        if entry is None or entry.info is None:
            view = presenter.no_model_view(self.controller.no_models_reason())
            self.prediction_panel.set_classes(())
            self.prediction_panel.show(view.prediction)
            self.gallery.show_folder(None, ())
            self._pending_gallery = (None, (), None)
            self.statusBar().showMessage(view.status)
        else:
            view = presenter.model_view(entry)
            self.settings.set(settings_keys.MODEL_ID, entry.key)
            self.prediction_panel.set_classes(entry.info.classes)
            folder = self._samples_dir / entry.info.dataset
            if self._shown_once:
                self.gallery.show_folder(folder, entry.info.classes, entry.info.task)
            self._pending_gallery = (folder, entry.info.classes, entry.info.task)
        if self.training_page.built:
            self._show_training_record(self.training_panel)
        self.model_label.setText(view.status_label)
        self.model_label.setToolTip(view.status_tooltip)
        self.prediction_panel.set_note(view.note)
        self.canvas.set_placeholder(*view.placeholder)
        self.gallery_title.setText(view.gallery_title)
        self.gallery.setVisible(bool(view.gallery_title))
        self.gallery_title.setVisible(bool(view.gallery_title))
        if entry is None or entry.info is None:
            self.resultsUpdated.emit()
            return
        self.classify_now()
        self._mark_gallery_mistakes()

    def _mark_gallery_mistakes(self) -> None:
        """Let the current model answer every sample (one batch, a few milliseconds) so the
        gallery can mark those it gets wrong. Waits for the model's session if needed."""
        pictures = self.gallery.pictures()  # none before the window shows: no early session
        classifier = self.controller.classifier() if pictures else None
        if classifier is None:
            self.gallery.set_predictions({})
            return
        try:
            predictions = classifier.classify_batch([gray for _, gray in pictures])
        except (models.ModelError, ValueError) as error:
            self.statusBar().showMessage(presenter.samples_not_checked(error), 8000)
            return
        self.gallery.set_predictions({
            path: None if prediction is None else prediction.index
            for (path, _), prediction in zip(pictures, predictions, strict=True)})

    def _on_classifier_ready(self, key: str) -> None:
        current = self.controller.current
        if current is not None and current.key == key:
            self.classify_now()
            self._mark_gallery_mistakes()

    def _on_classifier_failed(self, key: str, reason: str) -> None:
        """A model whose file looked right but that ONNX Runtime cannot run: the current one
        is said in a message box and replaced; one warmed up in the background is now listed
        as unavailable, said in the status bar as for models found broken at start."""
        entry = self.controller.entry(key)
        name = entry.display_name if entry else key
        current = self.controller.current
        if current is not None and current.key == key:
            self.show_error(presenter.model_failed(name), reason)
            self.controller.select_first_usable()  # its currentModelChanged shows the next one
        else:
            self.statusBar().showMessage(presenter.unavailable([name], reason), 15000)

    def _report_unusable_models(self) -> None:
        broken = [e for e in self.controller.entries if not self.controller.is_usable(e.key)]
        if broken and self.controller.current is not None:
            self.statusBar().showMessage(presenter.unavailable(
                [e.display_name for e in broken],
                self.controller.unusable_reason(broken[0].key)), 15000)

    # --- classification -----------------------------------------------------------------------

    def _on_canvas_changed(self) -> None:
        if self.canvas.is_drawing:
            if not self._live_timer.isActive():
                self._live_timer.start()
        else:
            self.classify_now()

    def current_gray(self):
        """The picture to classify: the loaded picture itself while nothing is drawn over it,
        otherwise the canvas as an image. None for an empty canvas."""
        if self.canvas.is_blank:
            return None
        document = self.canvas.document
        if document.picture is not None and not document.strokes and not self.canvas.is_drawing:
            return document.picture
        return image_io.from_qimage(self.canvas.render_image())

    def classify_now(self) -> None:
        """Classify the current input with the current model and show the result."""
        self._live_timer.stop()
        info = self.controller.current_info
        if info is None:
            return
        result, gray = None, None
        try:
            gray = self.current_gray()
            result = self.controller.classify(gray) if gray is not None else None
        except (models.ModelError, image_io.ImageError, ValueError) as error:
            view = presenter.classify_failed(error)
            self.statusBar().showMessage(view.status, 10000)
        else:
            if gray is None:
                view = presenter.nothing_to_classify(info)
                self.latency_label.clear()
            elif result is None:
                view = presenter.thinking(info)
            else:
                view = presenter.answer(info, result.prediction, result.number)
                self.last_latency = result.seconds
                self.latency_label.setText(presenter.latency(result.seconds))
        self.prediction_panel.show(view)
        self._teach_input(gray)
        self.last_gray = gray
        if self.inside_page.built:
            self.inside_view.show_input(self.controller.classifier(), gray)
        if self.compare_page.built:
            self.compare_view.show_input(gray)
        self.resultsUpdated.emit()

    # --- window events ------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_toolbar()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            self._after_show_timer.start()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self._after_show_timer.isActive():  # the first paint: go on once it is on screen
            self._after_show_timer.start(0)

    @property
    def first_show_pending(self) -> bool:
        """Shown, but the gallery and the sessions of the first show are not started yet."""
        return self._after_show_timer.isActive()

    def _after_first_show(self) -> None:
        """Slow things wait until the window is on screen."""
        self.controller.release_sessions()
        current = self.controller.current
        if current is not None:
            self.controller.prepare(current.key)
        self.gallery.show_folder(*self._pending_gallery)
        self._mark_gallery_mistakes()
        self.controller.prepare_all()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.model_picker.apply_palette(self.palette())
            for action in self.findChildren(QAction):
                name = action.data()
                if isinstance(name, str) and name in icons.PAINTERS:
                    action.setIcon(icons.icon(name, self.palette()))

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.set(settings_keys.WINDOW_GEOMETRY, self.saveGeometry())
        self.settings.set(settings_keys.WINDOW_STATE, self.saveState())
        self.settings.set(settings_keys.SPLITTER, self.splitter.saveState())
        self.settings.sync()
        if self.train_page.built:
            self.train_panel.shutdown()
        if self._error_box is not None:
            self._error_box.close()
        super().closeEvent(event)

