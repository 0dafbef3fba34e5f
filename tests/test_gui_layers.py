"""The "Look inside > Layers" page with real widgets, a real window and real ONNX sessions: on
the shipped models (upgraded with their layer outputs) and on copies made as an exporter
before layer views wrote them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from gui_support import MODELS_DIR, draw, open_window, use_model
from PySide6.QtGui import QImage

from desktop import layers
from desktop.gui.scripted_input import DIGITS
from trainer.layer_outputs import add_layer_outputs


@pytest.fixture(scope="module")
def upgraded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("upgraded-models")
    for source in MODELS_DIR.glob("*/model.onnx"):
        (folder / source.parent.name).mkdir()
        (folder / source.parent.name / "model.onnx").write_bytes(
            add_layer_outputs(source.read_bytes()))
    return folder


def look_inside(qtbot, window) -> None:
    window.results_tabs.setCurrentWidget(window.inside_view)
    window.inside_view.setCurrentWidget(window.layers_page)
    settle(qtbot, window)


def settle(qtbot, window) -> None:
    qtbot.waitUntil(lambda: not window.layers_page.busy(), timeout=10000)
    qtbot.wait(20)


def shown_pixels(page) -> list[np.ndarray]:
    """The tiles the grid paints, back as RGB arrays."""
    arrays = []
    for image in page.grid._images:
        image = image.convertToFormat(QImage.Format.Format_RGB888)
        data = np.frombuffer(image.constBits(), np.uint8)
        rows = data.reshape(image.height(), image.bytesPerLine())
        arrays.append(rows[:, :3 * image.width()].reshape(image.height(), image.width(), 3))
    return arrays


def test_cnn_shows_each_blocks_feature_maps_for_the_drawing(qtbot, tmp_path, upgraded):
    window = open_window(qtbot, tmp_path, upgraded)
    use_model(qtbot, window, "mnist-cnn")
    look_inside(qtbot, window)
    page = window.layers_page
    titles = [page.chooser.itemText(i) for i in range(page.chooser.count())]
    assert titles[0] == "Block 1, conv 1 (32 maps, 28x28)" and titles[-1].startswith("First")
    assert page.note.text() == layers.NO_INPUT and page.grid.tile_count() == 0

    draw(window, DIGITS["2"])
    window.classify_now()
    settle(qtbot, window)
    classifier, gray = window.controller.classifier(), window.current_gray()
    for index in range(page.chooser.count()):
        page.chooser.setCurrentIndex(index)
        settle(qtbot, window)
        expected = layers.compute(classifier, page.chooser.currentData(), gray)
        assert page.heading.text() == expected.heading
        shown = shown_pixels(page)
        assert len(shown) == len(expected.tiles) > 0
        assert all(np.array_equal(got, tile.rgb) for got, tile in zip(shown, expected.tiles,
                                                                      strict=True))
    page.grid.grab()  # paints without error


def test_drawing_on_ends_with_the_latest_pictures_maps(qtbot, tmp_path, upgraded):
    window = open_window(qtbot, tmp_path, upgraded)
    use_model(qtbot, window, "mnist-cnn")
    look_inside(qtbot, window)
    page = window.layers_page
    for digit in ("1", "7", "4"):  # strokes arrive while runs are still under way
        draw(window, DIGITS[digit])
    window.classify_now()
    settle(qtbot, window)
    expected = layers.compute(window.controller.classifier(), page.chooser.currentData(),
                              window.current_gray())
    assert all(np.array_equal(got, tile.rgb)
               for got, tile in zip(shown_pixels(page), expected.tiles, strict=True))


def test_dense_model_shows_the_templates_its_input_activates_most(qtbot, tmp_path, upgraded):
    window = open_window(qtbot, tmp_path, upgraded)
    use_model(qtbot, window, "mnist-dense")
    look_inside(qtbot, window)
    page = window.layers_page
    assert [page.chooser.itemData(i) for i in range(page.chooser.count())] == [
        layers.TOP_UNITS, layers.ALL_UNITS]
    draw(window, DIGITS["3"])
    window.classify_now()
    settle(qtbot, window)
    assert page.heading.text() == f"The {layers.MOST_ACTIVE} units this picture activates most"
    assert page.grid.tile_count() == layers.MOST_ACTIVE
    page.chooser.setCurrentIndex(1)
    settle(qtbot, window)
    assert page.grid.tile_count() == 512 and page.grid.minimumHeight() > page.height()


def test_switching_models_refills_the_chooser(qtbot, tmp_path, upgraded):
    window = open_window(qtbot, tmp_path, upgraded)
    use_model(qtbot, window, "mnist-dense")
    look_inside(qtbot, window)
    draw(window, DIGITS["5"])
    use_model(qtbot, window, "fashion-cnn")
    settle(qtbot, window)
    page = window.layers_page
    assert page.chooser.count() == 5 and page.grid.tile_count() == 32


def test_models_exported_before_layer_views_say_so_and_the_rest_works(qtbot, tmp_path,
                                                                       older_models_dir):
    window = open_window(qtbot, tmp_path, older_models_dir)
    use_model(qtbot, window, "mnist-cnn")
    look_inside(qtbot, window)
    draw(window, DIGITS["2"])
    window.classify_now()
    settle(qtbot, window)
    page = window.layers_page
    assert page.explanation.text() == layers.NO_LAYERS
    assert not page.chooser.isVisibleTo(page) and page.grid.tile_count() == 0
    window.results_tabs.setCurrentWidget(window.prediction_panel)
    window.classify_now()
    result = window.controller.classify(window.current_gray())
    assert result is not None and result.prediction.label == "2"
