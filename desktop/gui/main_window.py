"""The main window: input (canvas + samples) on the left, results and training on the right.

The window wires widgets together; the ModelController does everything model-related.
Classification runs live while drawing (throttled by a timer) and right away after every
finished stroke, undo, clear, picture load or model switch.
"""

from __future__ import annotations

import math
import os
import random
from importlib import metadata
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QByteArray, QEvent, QSettings, Qt, QTimer, Signal, qVersion
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop import APP_NAME, __version__, image_io, models, paths
from desktop.gui import icons
from desktop.gui.canvas import DrawingCanvas
from desktop.gui.controller import ModelController, architecture_title
from desktop.gui.gallery import SampleGallery
from desktop.gui.loading import Picture, PictureLoader, image_file_filter, source_from_mime
from desktop.gui.prediction_panel import PredictionPanel
from desktop.gui.training_view import TrainingPanel
from desktop.gui.window_actions import WindowActionsMixin

MODELS_ENV = "DIGIT_LENS_MODELS"
LIVE_INTERVAL_MS = 16  # classify at most ~60 times a second while drawing
# What to draw, per dataset (anything else gets a generic prompt).
DRAW_SUBJECTS = {"mnist": "a digit", "fashion": "a piece of clothing"}
DRAW_HINT = "or drop a picture, paste one, or pick a sample"


def default_models_dir() -> Path:
    """$DIGIT_LENS_MODELS if set, else the shipped resources/models."""
    override = os.environ.get(MODELS_ENV)
    return Path(override) if override else paths.models_dir()

FIRST_RUN_MODEL = "mnist-cnn"


class MainWindow(WindowActionsMixin, QMainWindow):
    """Digit Lens' only window."""

    resultsUpdated = Signal()  # the prediction panel shows a new result or message

    def __init__(
        self,
        models_dir: Path | None = None,
        settings: QSettings | None = None,
        samples_dir: Path | None = None,
    ) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle(APP_NAME)
        self.setWindowIcon(icons.app_icon())
        self.setAcceptDrops(True)
        self.setMinimumSize(780, 540)
        self.resize(1240, 780)
        self._settings = settings if settings is not None else QSettings()
        self._samples_dir = Path(samples_dir) if samples_dir else paths.samples_dir()
        self.controller = ModelController(models_dir or default_models_dir(), self)
        self.loader = PictureLoader(self)
        self._shown_once = False
        self.last_error: str | None = None
        self.last_latency: float | None = None
        self._error_box: QMessageBox | None = None
        self._pending_gallery: tuple[Path | None, tuple[str, ...]] = (None, ())
        self._live_timer = QTimer(self, singleShot=True, interval=LIVE_INTERVAL_MS)
        self._live_timer.timeout.connect(self.classify_now)

        self._build_central()
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()
        self._connect()
        self._restore_settings()

        self.controller.discover()
        # First run: the best digit model makes the best first impression.
        remembered = self._settings.value("model/id", "", str) or FIRST_RUN_MODEL
        if not self.controller.select_first_usable(remembered, prepare=False):
            self._on_current_model_changed()  # no usable model: say why
        self._report_unusable_models()

    # --- construction -------------------------------------------------------------------------

    def _build_central(self) -> None:
        self.canvas = DrawingCanvas()
        self.gallery = SampleGallery()
        self.gallery_title = QLabel("Samples from the test set")
        self.gallery_title.setToolTip("Pictures the model never saw during training. "
                                      "Click one to classify it.")
        font = self.gallery_title.font()
        font.setBold(True)
        self.gallery_title.setFont(font)
        input_panel = QWidget(objectName="inputPanel")
        input_layout = QVBoxLayout(input_panel)
        input_layout.setContentsMargins(8, 8, 4, 8)
        input_layout.setSpacing(6)
        input_layout.addWidget(self.canvas, 1)
        input_layout.addWidget(self.gallery_title)
        input_layout.addWidget(self.gallery)

        self.prediction_panel = PredictionPanel()
        self.training_panel = TrainingPanel()
        self.results_tabs = QTabWidget(objectName="resultsTabs")
        self.results_tabs.addTab(self.prediction_panel, "Prediction")
        self.results_tabs.addTab(self.training_panel, "Training")

        self.splitter = QSplitter(Qt.Orientation.Horizontal, objectName="mainSplitter")
        self.splitter.addWidget(input_panel)
        self.splitter.addWidget(self.results_tabs)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([560, 660])
        self.setCentralWidget(self.splitter)

    def _build_status_bar(self) -> None:
        self.model_label = QLabel(objectName="statusModel")
        self.latency_label = QLabel(objectName="statusLatency")
        self.latency_label.setToolTip("Time to prepare the picture and run the model")
        self.latency_label.setMinimumWidth(90)
        self.latency_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        status = self.statusBar()
        status.addPermanentWidget(self.model_label)
        status.addPermanentWidget(self.latency_label)

    def _connect(self) -> None:
        self.canvas.contentChanged.connect(self._on_canvas_changed)
        self.canvas.documentChanged.connect(self._update_title)
        self.canvas.eraserChanged.connect(self._sync_tool_actions)
        self.canvas.brushSizeChanged.connect(self._on_brush_size_changed)
        self.brush_slider.valueChanged.connect(self.canvas.set_brush_size)
        self.gallery.sampleChosen.connect(self.open_path)
        self.loader.started.connect(
            lambda name: self.statusBar().showMessage(f"Opening {name}…"))
        self.loader.loaded.connect(self._on_picture_loaded)
        self.loader.failed.connect(self.show_error)
        self.model_picker.modelChosen.connect(self.select_model)
        self.model_actions.triggered.connect(
            lambda action: self.select_model(str(action.data()))
        )
        self.controller.currentModelChanged.connect(self._on_current_model_changed)
        self.controller.modelsChanged.connect(self._refresh_model_choices)
        self.controller.classifierReady.connect(self._on_classifier_ready)
        self.controller.classifierFailed.connect(self._on_classifier_failed)
        self.training_panel.normalizedChanged.connect(
            lambda on: self._settings.setValue("training/normalized", on)
        )

    def _restore_settings(self) -> None:
        geometry = self._settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        splitter = self._settings.value("window/splitter")
        if isinstance(splitter, QByteArray) and not splitter.isEmpty():
            self.splitter.restoreState(splitter)
        state = self._settings.value("window/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)
        size = self._settings.value("canvas/brush_size", self.canvas.brush_size, int)
        self.canvas.set_brush_size(size)
        self.brush_slider.setValue(self.canvas.brush_size)
        self.training_panel.normalize_box.setChecked(
            self._settings.value("training/normalized", False, bool)
        )
        self._sync_tool_actions()

    # --- models -------------------------------------------------------------------------------

    def select_model(self, model_id: str) -> bool:
        """Switch to a model; the current input is classified again."""
        if not self.controller.select(model_id):
            reason = self.controller.unusable_reason(model_id) or "it cannot be used"
            self.statusBar().showMessage(f"Cannot use {model_id}: {reason}", 10000)
            self._refresh_model_choices()
            return False
        return True

    def reload_models(self) -> None:
        current = self.controller.current.model_id if self.controller.current else None
        self.controller.discover()
        self.controller.select_first_usable(current)
        self._on_current_model_changed()
        self.controller.prepare_all()
        self.statusBar().showMessage(
            f"Found {len(self.controller.usable_entries())} usable models in "
            f"{self.controller.models_dir}", 6000)

    def _on_current_model_changed(self) -> None:
        self._refresh_model_choices()
        entry = self.controller.current
        info = entry.info if entry else None
        if info is None:
            reason = self.controller.no_models_reason()
            self.model_label.setText("No model")
            self.prediction_panel.set_classes(())
            self.prediction_panel.set_note("")
            self.prediction_panel.show_message(
                "No model can be used",
                f"{reason}\n\nPut model folders there, or start the app with --models-dir DIR "
                f"(or ${MODELS_ENV}=DIR), then choose Model > Reload Models.")
            self.training_panel.show_message(reason)
            self.gallery.show_folder(None, ())
            self.gallery.hide()
            self.gallery_title.hide()
            self.canvas.set_placeholder("No model available", reason)
            self.statusBar().showMessage(reason)
            self.resultsUpdated.emit()
            return
        self._settings.setValue("model/id", info.model_id)
        accuracy = ("" if not math.isfinite(info.test_accuracy)
                    else f" ({info.test_accuracy * 100:.1f} % on the test set)")
        self.model_label.setText(f"{info.dataset_title} - {architecture_title(info.architecture)}")
        self.model_label.setToolTip(f"{info.model_id}{accuracy}\n{info.summary}")
        self.prediction_panel.set_classes(info.classes)
        weights = f", {info.params:,} weights" if info.params else ""
        self.prediction_panel.set_note(
            f"Model: {info.dataset_title} - {architecture_title(info.architecture)}"
            f"{accuracy}{weights}. The Training tab shows how it learned.")
        self.training_panel.show_model(info, entry.directory)
        self.canvas.set_placeholder(f"Draw {self._subject(info)} here", DRAW_HINT)
        self.gallery_title.setText(f"{info.dataset_title}: samples from the test set")
        self.gallery.show()
        self.gallery_title.show()
        if self._shown_once:
            self.gallery.show_folder(self._samples_dir / info.dataset, info.classes)
        self._pending_gallery = (self._samples_dir / info.dataset, info.classes)
        self.classify_now()

    @staticmethod
    def _subject(info: models.ModelInfo) -> str:
        return DRAW_SUBJECTS.get(info.dataset, "something")

    def _on_classifier_ready(self, model_id: str) -> None:
        current = self.controller.current
        if current is not None and current.model_id == model_id:
            self.classify_now()

    def _on_classifier_failed(self, model_id: str, reason: str) -> None:
        self.show_error(f"The model {model_id} cannot be used", reason)
        current = self.controller.current
        if current is not None and current.model_id == model_id:
            self.controller.select_first_usable()
            self._on_current_model_changed()

    def _report_unusable_models(self) -> None:
        broken = [e for e in self.controller.entries if not self.controller.is_usable(e.model_id)]
        if broken and self.controller.current is not None:
            names = ", ".join(e.model_id for e in broken)
            first_reason = self.controller.unusable_reason(broken[0].model_id)
            self.statusBar().showMessage(f"Unavailable: {names} - {first_reason}", 15000)

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
        try:
            gray = self.current_gray()
            result = self.controller.classify(gray) if gray is not None else None
        except (models.ModelError, image_io.ImageError, ValueError) as error:
            self.prediction_panel.show_message("Could not classify this", str(error))
            self.statusBar().showMessage(str(error), 10000)
            self.resultsUpdated.emit()
            return
        if gray is None:
            self.prediction_panel.show_message(
                "Nothing to classify yet",
                f"Draw {self._subject(info)} on the canvas, open or paste a picture, or pick "
                "a sample.")
            self.latency_label.clear()
        elif result is None:
            self.prediction_panel.show_message(f"Loading {info.model_id}…", "")
        elif result.prediction is None:
            self.prediction_panel.show_message(
                "Nothing to see", "The picture is blank: there is no ink or object in it.")
            self._show_latency(result.seconds)
        else:
            self.prediction_panel.show_prediction(result.prediction, info.dataset)
            self._show_latency(result.seconds)
        self.resultsUpdated.emit()

    def _show_latency(self, seconds: float) -> None:
        self.last_latency = seconds
        self.latency_label.setText(f"{seconds * 1000:.1f} ms")

    # --- opening pictures ---------------------------------------------------------------------

    def choose_file(self) -> None:
        start = self._settings.value("files/last_dir", str(Path.home()), str)
        path, _ = QFileDialog.getOpenFileName(self, "Open Picture", start, image_file_filter())
        if path:
            self._settings.setValue("files/last_dir", str(Path(path).parent))
            self.open_path(Path(path))

    def open_path(self, path: Path) -> None:
        """Decode a picture file on a pool thread, then show and classify it."""
        self.loader.open_path(Path(path))

    def open_random_sample(self) -> None:
        files = self.gallery.paths()
        if files:
            self.open_path(random.choice(files))

    def paste(self) -> None:
        """Paste an image, image data, or a picture file's path or URL."""
        source = source_from_mime(QGuiApplication.clipboard().mimeData())
        if source is None:
            self.show_error("Nothing to paste", "The clipboard holds no picture.")
            return
        self.loader.open_source(source, "Pasted picture")

    def _on_picture_loaded(self, picture: Picture) -> None:
        self.canvas.show_picture(picture.gray, picture.image, picture.name)
        self.statusBar().showMessage(f"Opened {picture.name}", 4000)

    def _update_title(self) -> None:
        name = self.canvas.document.picture_name
        self.setWindowTitle(f"{name} - {APP_NAME}" if name else APP_NAME)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        source = source_from_mime(event.mimeData())
        if source is not None:  # a web address is accepted too, to explain on drop
            event.acceptProposedAction()
            what = source.path.name if source.path is not None else "the picture"
            self.statusBar().showMessage(f"Drop to open {what}", 3000)
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        source = source_from_mime(event.mimeData())
        if source is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self.loader.open_source(source, "Dropped picture")

    # --- saving -------------------------------------------------------------------------------

    def choose_save_file(self) -> None:
        start = self._settings.value("files/last_dir", str(Path.home()), str)
        path, _ = QFileDialog.getSaveFileName(self, "Save Drawing", str(Path(start) /
                                              "drawing.png"), "PNG picture (*.png)")
        if path:
            self.save_drawing(Path(path) if path.lower().endswith(".png")
                              else Path(path + ".png"))

    def save_drawing(self, path: Path) -> bool:
        """Write the canvas as a PNG; errors are reported, never raised."""
        if self.canvas.render_image().save(str(path), "PNG"):
            self.statusBar().showMessage(f"Saved {path}", 5000)
            return True
        self.show_error("The drawing was not saved", f"Cannot write {path}.")
        return False

    # --- messages and about -------------------------------------------------------------------

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

    def about_text(self) -> str:
        try:
            ort_version = metadata.version("onnxruntime")
        except metadata.PackageNotFoundError:
            ort_version = "unknown"
        return (
            f"<h3>{APP_NAME} {__version__}</h3>"
            "<p>Draw a digit or open a picture of clothing and see what a small neural "
            "network thinks it is - and how that network was trained.</p>"
            f"<p>Models: {self.controller.models_dir}</p>"
            f"<p>Qt {qVersion()} · PySide6 {pyside_version} · ONNX Runtime {ort_version}</p>"
        )

    def show_about(self) -> None:
        QMessageBox.about(self, f"About {APP_NAME}", self.about_text())

    # --- window events ------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            QTimer.singleShot(0, self._after_first_show)

    def _after_first_show(self) -> None:
        """Slow things wait until the window is on screen."""
        current = self.controller.current
        if current is not None:
            self.controller.prepare(current.model_id)
        self.gallery.show_folder(*self._pending_gallery)
        self.controller.prepare_all()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.model_picker.apply_palette(self.palette())
            for action in self.findChildren(QAction):
                name = action.data()
                if isinstance(name, str) and name in icons.PAINTERS:
                    action.setIcon(icons.icon(name, self.palette()))

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self._settings.setValue("window/geometry", self.saveGeometry())
        self._settings.setValue("window/state", self.saveState())
        self._settings.setValue("window/splitter", self.splitter.saveState())
        self._settings.setValue("canvas/brush_size", self.canvas.brush_size)
        self._settings.sync()
        if self._error_box is not None:
            self._error_box.close()
        super().closeEvent(event)
