"""How the main window is built: its panels, actions, menus, toolbar and status bar, plus the
Help box (a mixin of MainWindow, to keep that module about behaviour rather than construction).

Standard shortcuts come from QKeySequence.StandardKey, so they match each platform; icons are
painted in the palette's colours (desktop.gui.icons).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMessageBox,
    QSizePolicy,
    QSlider,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from desktop import APP_NAME, layers, model_choices, paths, presenter
from desktop.gui import icons, settings
from desktop.gui.canvas import MAX_BRUSH, MIN_BRUSH, DrawingCanvas
from desktop.gui.gallery import SampleGallery
from desktop.gui.lazy_page import LazyPage, LazyTabs
from desktop.gui.model_menu import ModelMenu
from desktop.gui.model_picker import ModelPicker
from desktop.gui.prediction_panel import PredictionPanel
from desktop.gui.status_bar import StatusBar

if TYPE_CHECKING:  # the tabs built when first shown import their modules then
    from desktop.gui.compare_view import CompareView
    from desktop.gui.inside_view import InsideView
    from desktop.gui.layers_view import LayersPage
    from desktop.gui.teach_view import TeachView
    from desktop.gui.train_panel import TrainPanel
    from desktop.gui.training_view import TrainingPanel


class WindowActionsMixin:
    """Builds the panels, QActions, menu bar, toolbar and status bar of MainWindow.

    Expects the window's canvas and slots (choose_file, paste, select_model...) to exist.
    """

    # --- construction -------------------------------------------------------------------------

    def _build_central(self) -> None:
        self.canvas = DrawingCanvas()
        self.gallery = SampleGallery()
        self.gallery_title = QLabel(presenter.SAMPLES_TITLE)
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
        self.results_tabs = LazyTabs(objectName="resultsTabs")
        self.results_tabs.addTab(self.prediction_panel, "Prediction")
        # Built when first shown; until then the window keeps what they would show.
        self.compare_page = LazyPage(self._make_compare_view)
        compare = self.results_tabs.addTab(self.compare_page, "Compare")
        self.results_tabs.setTabToolTip(compare, "The picture through every model of the "
                                        "dataset at once: answers, accuracy, size and speed")
        self.training_page = LazyPage(self._make_training_panel)
        self.results_tabs.addTab(self.training_page, "Training")
        self.inside_page = LazyPage(self._make_inside_view)
        inside = self.results_tabs.addTab(self.inside_page, "Look inside")
        self.results_tabs.setTabToolTip(inside, "What the model looks at and what each of its "
                                        "layers sees, for the picture on the canvas.")
        self.train_page = LazyPage(self._make_train_panel)
        train = self.results_tabs.addTab(self.train_page, "Train")
        self.results_tabs.setTabToolTip(train, "Train a model of your own and watch it learn; "
                                        "it joins the model picker when done.")
        self.teach_page = LazyPage(self._make_teach_view)
        teach = self.results_tabs.addTab(self.teach_page, "Teach")
        self.results_tabs.setTabToolTip(teach, "Teach it your handwriting: keep your own "
                                        "drawings and personalise a model on them.")

        self.splitter = QSplitter(Qt.Orientation.Horizontal, objectName="mainSplitter")
        self.splitter.addWidget(input_panel)
        self.splitter.addWidget(self.results_tabs)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([560, 660])
        self.setCentralWidget(self.splitter)

    # --- the tabs built when first shown (or first asked for) ---------------------------------

    def _make_compare_view(self) -> CompareView:
        from desktop.gui.compare_view import CompareView

        view = CompareView(self.controller)
        view.modelChosen.connect(self.select_model)
        view.set_choices(*self._model_choices())
        view.show_input(self.last_gray)
        return view

    def _make_training_panel(self) -> TrainingPanel:
        from desktop.gui.training_view import TrainingPanel

        panel = TrainingPanel()
        panel.normalize_box.setChecked(self.settings.get(settings.NORMALIZED))
        panel.normalizedChanged.connect(
            lambda on: self.settings.set(settings.NORMALIZED, bool(on)))
        panel.error_browser.exampleChosen.connect(self.open_picture)
        self._show_training_record(panel)
        return panel

    def _make_inside_view(self) -> InsideView:
        from desktop.gui.inside_view import InsideView
        from desktop.gui.layers_view import LayersPage
        from desktop.gui.saliency_view import SALIENCY_TIP, SaliencyView
        from desktop.gui.xray_view import XrayView

        view = InsideView()
        view.add_page(SaliencyView(), "What it looked at", SALIENCY_TIP)
        self._layers_page = LayersPage()
        view.add_page(self._layers_page, layers.PAGE_TITLE, layers.PAGE_TOOLTIP)
        view.add_page(XrayView(), XrayView.TITLE, XrayView.TOOLTIP)
        view.show_input(self.controller.classifier(), self.last_gray)
        return view

    def _make_train_panel(self) -> TrainPanel:
        from desktop.gui.train_panel import TrainPanel

        panel = TrainPanel(self.controller.user_models_dir or paths.user_models_dir())
        panel.modelTrained.connect(self._on_model_trained)
        panel.useModel.connect(self._use_trained_model)
        return panel

    def _make_teach_view(self) -> TeachView:
        from desktop.gui.teach_view import TeachView

        view = TeachView(self.controller.user_models_dir or paths.user_models_dir())
        self._connect_teach(view)
        return view

    @property
    def compare_view(self) -> CompareView:
        """The Compare tab's view (built now if the tab has not shown yet), and so on."""
        return self.compare_page.content()

    @property
    def training_panel(self) -> TrainingPanel:
        return self.training_page.content()

    @property
    def inside_view(self) -> InsideView:
        return self.inside_page.content()

    @property
    def layers_page(self) -> LayersPage:
        self.inside_page.content()
        return self._layers_page

    @property
    def teach_view(self) -> TeachView:
        return self.teach_page.content()

    @property
    def train_panel(self) -> TrainPanel:
        return self.train_page.content()

    def _build_status_bar(self) -> None:
        self.setStatusBar(StatusBar(self))
        self.model_label = QLabel(objectName="statusModel")
        self.latency_label = QLabel(objectName="statusLatency")
        self.latency_label.setToolTip("Time to prepare the picture and run the model")
        self.latency_label.setMinimumWidth(90)
        self.latency_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        status = self.statusBar()
        status.addPermanentWidget(self.model_label)
        status.addPermanentWidget(self.latency_label)

    def _action(self, text: str, slot, shortcuts=(), icon: str | None = None,
                tip: str = "") -> QAction:
        action = QAction(text, self)
        keys = []
        for shortcut in shortcuts:
            if isinstance(shortcut, QKeySequence.StandardKey):
                keys.extend(QKeySequence.keyBindings(shortcut))
            else:
                keys.append(QKeySequence(shortcut))
        unique = []
        for key in keys:
            if not key.isEmpty() and key not in unique:
                unique.append(key)
        action.setShortcuts(unique)
        if icon:
            action.setIcon(icons.icon(icon, self.palette()))
            action.setData(icon)
        if tip:
            action.setStatusTip(tip)
            native = QKeySequence.SequenceFormat.NativeText
            action.setToolTip(f"{tip} ({unique[0].toString(native)})" if unique else tip)
        action.triggered.connect(slot)
        return action

    def _build_actions(self) -> None:
        keys = QKeySequence.StandardKey
        self.open_action = self._action("&Open Picture…", self.choose_file, [keys.Open], "open",
                                        "Open a picture to classify")
        self.random_sample_action = self._action("Try a &Random Sample", self.open_random_sample,
                                                 ["Ctrl+R"], tip="Classify a random test image")
        self.save_action = self._action("&Save Drawing As…", self.choose_save_file,
                                        [keys.Save, keys.SaveAs], "save",
                                        "Save the canvas as a PNG picture")
        self.quit_action = self._action("&Quit", self.close, [keys.Quit, "Ctrl+Q"])
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)

        stack = self.canvas.undo_stack
        self.undo_action = stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcuts(QKeySequence.keyBindings(keys.Undo))
        self.undo_action.setIcon(icons.icon("undo", self.palette()))
        self.undo_action.setData("undo")
        self.redo_action = stack.createRedoAction(self, "&Redo")
        redo_keys = []
        for key in [*QKeySequence.keyBindings(keys.Redo), QKeySequence("Ctrl+Shift+Z"),
                    QKeySequence("Ctrl+Y")]:
            if key not in redo_keys:
                redo_keys.append(key)
        self.redo_action.setShortcuts(redo_keys)
        self.redo_action.setIcon(icons.icon("redo", self.palette()))
        self.redo_action.setData("redo")
        self.clear_action = self._action("C&lear", self.canvas.clear,
                                         [keys.Delete, "Ctrl+Backspace", "Ctrl+Del"],
                                         "clear", "Clear the canvas")
        self.paste_action = self._action("&Paste Picture", self.paste, [keys.Paste], "paste",
                                         "Paste a picture or a picture file")
        self.pen_action = self._action("&Pen", self._use_pen, ["B"], "pen", "Draw with the pen")
        self.pen_action.setCheckable(True)
        self.eraser_action = self._action("&Eraser", self._toggle_eraser, ["E"], "eraser",
                                          "Erase (the right mouse button always erases)")
        self.eraser_action.setCheckable(True)
        self.bigger_action = self._action("&Bigger Brush", lambda: self._step_brush(+4),
                                          ["]", "Ctrl++", "Ctrl+="])
        self.smaller_action = self._action("&Smaller Brush", lambda: self._step_brush(-4),
                                           ["[", "Ctrl+-"])
        self.reload_action = self._action("Re&load Models", self.reload_models, [keys.Refresh],
                                          tip="Look for new or retrained models")
        self.about_action = self._action(f"&About {APP_NAME}", self.show_about)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_qt_action = self._action("About &Qt", QApplication.aboutQt)
        self.model_actions = QActionGroup(self)
        self.model_actions.setExclusive(True)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addActions([self.open_action, self.random_sample_action])
        file_menu.addSeparator()
        file_menu.addAction(self.save_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = bar.addMenu("&Edit")
        edit_menu.addActions([self.undo_action, self.redo_action])
        edit_menu.addSeparator()
        edit_menu.addActions([self.paste_action, self.clear_action])
        edit_menu.addSeparator()
        edit_menu.addActions([self.pen_action, self.eraser_action, self.bigger_action,
                              self.smaller_action])
        self.model_menu = bar.addMenu("&Model")
        self.model_menu.setToolTipsVisible(True)
        self._model_menu = ModelMenu(self.model_menu, self.model_actions, [self.reload_action])
        help_menu = bar.addMenu("&Help")
        help_menu.addActions([self.about_action, self.about_qt_action])

    def _build_toolbar(self) -> None:
        toolbar = QToolBar("Tools", objectName="mainToolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.addActions([self.open_action, self.save_action])
        toolbar.addSeparator()
        toolbar.addActions([self.undo_action, self.redo_action, self.clear_action])
        toolbar.addSeparator()
        toolbar.addActions([self.pen_action, self.eraser_action])
        self.brush_slider = QSlider(Qt.Orientation.Horizontal, objectName="brushSize")
        self.brush_slider.setRange(MIN_BRUSH, MAX_BRUSH)
        self.brush_slider.setFixedWidth(110)
        self.brush_slider.setToolTip("Brush size ([ and ] change it)")
        self.brush_slider.setAccessibleName("Brush size")
        size_label = QLabel("  Size ")
        size_label.setBuddy(self.brush_slider)
        toolbar.addWidget(size_label)
        toolbar.addWidget(self.brush_slider)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        toolbar.addWidget(spacer)
        self.model_picker = ModelPicker()
        self._picker_action = toolbar.addWidget(self.model_picker)
        self.addToolBar(toolbar)
        self.toolbar = toolbar
        self._size_label = size_label

    def _fit_toolbar(self) -> None:
        """Keep the model picker on the toolbar at every window width: in steps, buttons
        lose their text, the brush slider gets shorter and the picker drops its words.
        (A QToolBar would otherwise hide what does not fit behind its overflow arrow.)"""
        available = self.width()
        for compact in range(3):
            self.toolbar.setToolButtonStyle(
                Qt.ToolButtonStyle.ToolButtonTextBesideIcon if compact == 0
                else Qt.ToolButtonStyle.ToolButtonIconOnly)
            # Undo and redo are icons only at every width (the toolbar's style, set above,
            # is handed to every button again).
            for action in (self.undo_action, self.redo_action):
                button = self.toolbar.widgetForAction(action)
                if button is not None:
                    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
            self.brush_slider.setFixedWidth(110 if compact == 0 else 72)
            self._size_label.setText("  Size " if compact < 2 else " ")
            self.model_picker.set_compact(compact == 2)
            if self.toolbar.sizeHint().width() <= available:
                break

    # --- the Model menu and the toolbar's model picker ----------------------------------------

    def _refresh_model_choices(self) -> None:
        """Rebuild the picker, the Model menu and the Compare tab from the controller's models
        (after discovery or a failure)."""
        choices, current_key = self._model_choices()
        self.model_picker.set_choices(choices, current_key)
        self._picker_action.setVisible(bool(choices))
        if self.compare_page.built:
            self.compare_view.set_choices(choices, current_key)
        self._model_menu.show(choices, current_key)
        self._fit_toolbar()

    def _model_choices(self) -> tuple[list[model_choices.ModelChoice], str | None]:
        """The models to choose from, and the current one's key."""
        current = self.controller.current
        return (model_choices.model_choices(self.controller.entries,
                                            self.controller.unusable_reason),
                current.key if current else None)

    # --- drawing tools ------------------------------------------------------------------------

    def _use_pen(self) -> None:
        self.canvas.set_eraser(False)
        self._sync_tool_actions()

    def _toggle_eraser(self) -> None:
        self.canvas.set_eraser(not self.canvas.eraser)
        self._sync_tool_actions()

    def _sync_tool_actions(self, *_args) -> None:
        self.pen_action.setChecked(not self.canvas.eraser)
        self.eraser_action.setChecked(self.canvas.eraser)

    def _step_brush(self, step: int) -> None:
        self.canvas.set_brush_size(self.canvas.brush_size + step)

    def _on_brush_size_changed(self, size: int) -> None:
        self.brush_slider.setValue(size)
        self.settings.set(settings.BRUSH_SIZE, size)  # the one place the brush size is saved

    # --- Help ---------------------------------------------------------------------------------

    def about_text(self) -> str:
        from importlib import metadata  # only here: importing it costs 40 ms at start

        try:
            ort_version = metadata.version("onnxruntime")
        except metadata.PackageNotFoundError:
            ort_version = "unknown"
        return presenter.about_html(self.controller.models_dir, {
            "Qt": qVersion(), "PySide6": pyside_version, "ONNX Runtime": ort_version})

    def show_about(self) -> None:
        QMessageBox.about(self, f"About {APP_NAME}", self.about_text())

