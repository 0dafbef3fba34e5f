"""The "What it looked at" page of the Look inside tab: occlusion heat maps of the current
picture (desktop.saliency), worded by desktop.saliency_display; this module only renders.

Maps are computed on a LatestTaskRunner thread: a stroke never waits for them, and while drawing
the page shows the newest map that is ready.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop import saliency, saliency_display
from desktop.gui.heat_map import ColourScale, HeatMap, PaintedText
from desktop.gui.latest_task import LatestTaskRunner
from desktop.lazy_imports import np
from desktop.models import Classifier
from desktop.saliency import SaliencyMaps
from desktop.saliency_display import MapView, PageView

SALIENCY_TIP = saliency_display.TAB_TIP


class MapColumn(QWidget):
    """One map with its title, colour legend and caption. Always laid out, empty while the page
    shows a message, so that maps coming and going while drawing never relay out the page."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = PaintedText()
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.heat = HeatMap()
        self.scale = ColourScale()
        self.caption = PaintedText(wrap=True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        for widget in (self.title, self.heat, self.scale, self.caption):
            layout.addWidget(widget)
        layout.addStretch(1)

    def show_map(self, view: MapView | None, image: np.ndarray | None,
                 values: np.ndarray | None) -> None:
        if view is None or image is None or values is None:
            for text in (self.title, self.caption):
                text.setText("")
            self.scale.set_ends("", "", "")
            self.heat.set_pixels(None)
            return
        self.title.setText(view.title)
        self.scale.set_ends(view.blue, view.red, view.scale_text)
        self.caption.setText(view.caption)
        scale = 0.0 if view.flat else view.scale
        self.heat.set_pixels(saliency_display.colours(image, values, scale))


class SaliencyView(QWidget):
    """Look inside page: which ink made the model decide, and why one class and not another."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("saliencyView")
        self._classifier: Classifier | None = None
        self._maps: SaliencyMaps | None = None
        self._follow_top = True  # the pickers show the top two until the user picks
        self._setting_pickers = False
        self.results_shown = 0  # maps put on screen (tests and the benchmark count them)
        self.runner = LatestTaskRunner(self._on_maps, self._on_failed, self)

        self.headline = PaintedText(objectName="saliencyHeadline")
        font = self.headline.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.4)
        self.headline.setFont(font)
        self.x_picker, self.y_picker = QComboBox(), QComboBox()
        self.x_picker.setToolTip("The class to explain")
        self.y_picker.setToolTip("The class to compare it with")
        self.top_two = QPushButton("Top two")
        self.top_two.setToolTip("Compare the model's two most likely classes again")
        self.top_two.clicked.connect(self._follow_top_two)
        for picker in (self.x_picker, self.y_picker):
            picker.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            picker.currentIndexChanged.connect(self._on_picked)
        pickers = QHBoxLayout()
        pickers.setSpacing(6)
        for widget in (QLabel("Compare: why"), self.x_picker, QLabel("and not"), self.y_picker,
                       self.top_two):
            pickers.addWidget(widget)
        pickers.addStretch(1)
        self.evidence, self.contrast = MapColumn(), MapColumn()
        maps = QGridLayout()
        maps.setHorizontalSpacing(16)
        maps.addWidget(self.evidence, 0, 0)
        maps.addWidget(self.contrast, 0, 1)
        maps.setColumnStretch(0, 1)  # both maps the same size, whatever their titles
        maps.setColumnStretch(1, 1)
        self.detail = PaintedText(wrap=True, quiet=True, objectName="saliencyDetail")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(8)
        layout.addWidget(self.headline)
        layout.addLayout(pickers)
        layout.addLayout(maps, 1)
        layout.addWidget(self.detail)
        self._show(saliency_display.nothing_drawn(None))

    @property
    def maps(self) -> SaliencyMaps | None:
        """The maps on display (None while the page shows a message)."""
        return self._maps

    @property
    def view(self) -> PageView:
        return self._view

    def show_input(self, classifier: Classifier | None, gray: np.ndarray | None) -> None:
        if classifier is not self._classifier:
            self._set_classes(classifier)
        if classifier is None:
            self.runner.cancel()
            self._show(saliency_display.no_model())
        elif gray is None:
            self.runner.cancel()
            self._show(saliency_display.nothing_drawn(classifier.info))
        else:
            self.runner.request(_compute, classifier, gray)

    # --- results ------------------------------------------------------------------------------

    def _on_maps(self, outcome: tuple[Classifier, SaliencyMaps | None]) -> None:
        classifier, maps = outcome
        if classifier is not self._classifier:
            return  # the model changed meanwhile; its own request is on its way
        if maps is None:
            self._show(saliency_display.blank())
            return
        self._maps = maps
        self._render()
        self.results_shown += 1

    def _on_failed(self, error: Exception) -> None:
        self._show(saliency_display.failed(error))

    def _render(self) -> None:
        maps, classifier = self._maps, self._classifier
        if maps is None or classifier is None:
            return
        if self._follow_top:
            self._set_pickers(*maps.top(2))
        x, y = self.x_picker.currentIndex(), self.y_picker.currentIndex()
        view = saliency_display.page_view(classifier.info, maps, x, y)
        self._view = view
        self.headline.setText(view.headline)
        self.detail.setText(view.detail)
        self.detail.setToolTip(f"This map: {view.cost}.")
        self._set_pickers_visible(True)
        self.evidence.show_map(view.evidence, maps.image, maps.for_class(maps.index))
        self.contrast.show_map(view.contrast, maps.image, maps.contrast(x, y))

    def _show(self, view: PageView) -> None:
        """A message instead of maps."""
        self._maps = None
        self._view = view
        self.headline.setText(view.headline)
        self.detail.setText(view.detail)
        self._set_pickers_visible(False)
        self.evidence.show_map(None, None, None)
        self.contrast.show_map(None, None, None)

    # --- the class pickers --------------------------------------------------------------------

    def _set_classes(self, classifier: Classifier | None) -> None:
        old = self._classifier.info.classes if self._classifier is not None else None
        new = classifier.info.classes if classifier is not None else None
        self._classifier = classifier
        if old == new:
            return
        self._setting_pickers = True
        for picker in (self.x_picker, self.y_picker):
            picker.clear()
            picker.addItems(list(new or ()))
            # As wide as the longest class name, once: no resizing while the top two change.
            picker.setMinimumContentsLength(max((len(name) for name in new or ()), default=4))
        self._setting_pickers = False
        self._follow_top = True
        for text in (self.headline, self.detail, self.evidence.title, self.evidence.caption,
                     self.contrast.title, self.contrast.caption):
            text.forget_reserve()

    def _set_pickers(self, x: int, y: int) -> None:
        self._setting_pickers = True
        self.x_picker.setCurrentIndex(x)
        self.y_picker.setCurrentIndex(y)
        self._setting_pickers = False

    def _set_pickers_visible(self, visible: bool) -> None:
        for widget in (self.x_picker, self.y_picker, self.top_two):
            widget.setEnabled(visible)

    def _on_picked(self, _index: int) -> None:
        if self._setting_pickers:
            return
        self._follow_top = False  # the user chose: keep the choice while drawing on
        self._render()

    def _follow_top_two(self) -> None:
        self._follow_top = True
        self._render()


def _compute(classifier: Classifier, gray: np.ndarray) -> tuple[Classifier,
                                                                 SaliencyMaps | None]:
    """Runs on the runner's thread."""
    return classifier, saliency.for_picture(classifier, gray)
