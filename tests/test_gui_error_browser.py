"""The error browser in the real window: click a real confusion-matrix cell, see its test
images, click one and the canvas and the prediction show it (real widgets, real ONNX sessions,
on a copy of the shipped models upgraded with their test predictions)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from gui_support import MODELS_DIR, open_window, use_model
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QImage

from desktop import models, test_sets
from desktop.gui.example_tiles import THUMB
from desktop.gui.main_window import MainWindow
from desktop.model_format import sample_name
from trainer import export, upgrade


@pytest.fixture(scope="module")
def upgraded(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("models") / "models"
    shutil.copytree(MODELS_DIR, folder)
    for model in folder.iterdir():
        upgrade.upgrade_folder(model)
    return folder


def direct(model: Path, images: np.ndarray) -> np.ndarray:
    """Class probabilities from the app's own Classifier on the test images as they are."""
    classifier = models.Classifier(models.read_info(model / "model.onnx"))
    return np.stack([p.probabilities for p in
                     classifier.predict_batch(images.astype(np.float32) / 255)])


def open_mistakes_page(qtbot, window: MainWindow):
    panel = window.training_panel
    window.results_tabs.setCurrentWidget(panel)
    panel.tabs.setCurrentWidget(panel.confusion.parentWidget())
    qtbot.waitUntil(lambda: not panel.error_browser.loading, timeout=15000)
    qtbot.waitExposed(panel.confusion)
    panel.confusion.repaint()  # the cells get their places
    return panel, panel.error_browser


def click_cell(qtbot, panel, true: int, predicted: int) -> None:
    qtbot.mouseClick(panel.confusion, Qt.MouseButton.LeftButton,
                     pos=panel.confusion.cell_rect(true, predicted).center().toPoint())


def test_a_clicked_cell_shows_its_test_images_and_one_loads_onto_the_canvas(qtbot, tmp_path,
                                                                            upgraded):
    window = open_window(qtbot, tmp_path, upgraded)
    use_model(qtbot, window, "mnist-cnn")
    panel, browser = open_mistakes_page(qtbot, window)
    test_set = test_sets.load("mnist")
    probabilities = direct(upgraded / "mnist-cnn", test_set.images)
    predicted = probabilities.argmax(1)
    true, guess = 9, 4  # the pair this model confuses most
    expected = np.flatnonzero((test_set.labels == true) & (predicted == guess))
    assert len(expected) > 1

    click_cell(qtbot, panel, true, guess)
    assert panel.tabs.currentWidget() is browser
    assert browser.title.text() == f"true 9, predicted 4: {len(expected)} test images"
    shown = browser.shown_indexes()
    assert sorted(shown) == expected.tolist()
    assert (np.diff(probabilities[shown, guess]) <= 2e-3).all()  # most confident first

    # The tiles show those very images, dark on white, two screen pixels a pixel.
    grid = browser.grid
    qtbot.waitExposed(grid)
    screen = grid.viewport().grab().toImage().convertToFormat(QImage.Format.Format_Grayscale8)
    for row, number in enumerate(shown[:3]):
        tile = grid.visualRect(browser.model.index(row))
        left, top = tile.left() + (tile.width() - THUMB) // 2, tile.top() + 4
        drawn = np.array([[screen.pixelColor(left + 2 * x, top + 2 * y).value()
                           for x in range(1, 27)] for y in range(1, 27)])
        assert np.abs(drawn - (255 - test_set.images[number][1:27, 1:27].astype(int))).max() <= 1
    assert "taken for 4" in browser.model.index(0).data(Qt.ItemDataRole.ToolTipRole)

    # Click the first: the canvas shows it and the prediction panel answers for it.
    first = shown[0]
    with qtbot.waitSignal(window.resultsUpdated, timeout=10000):
        qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton,
                         pos=grid.visualRect(browser.model.index(0)).center())
    assert window.canvas.document.picture_name == f"Test image #{first} (9)"
    assert np.array_equal(window.canvas.document.picture, test_set.picture(first))
    answer = window.controller.classifier().classify(test_set.picture(first))
    assert window.prediction_panel.prediction.index == answer.index


def test_pairs_and_top_losses(qtbot, tmp_path, upgraded):
    window = open_window(qtbot, tmp_path, upgraded)
    use_model(qtbot, window, "fashion-dense")
    panel, browser = open_mistakes_page(qtbot, window)
    panel.tabs.setCurrentWidget(browser)
    assert browser.pairs.isVisible() and browser.title.text() == "Most confused pairs"
    first = browser.pairs.item(0)
    assert first.text().startswith("Shirt taken for T-shirt/top: ")
    qtbot.mouseClick(browser.pairs.viewport(), Qt.MouseButton.LeftButton,
                     pos=browser.pairs.visualItemRect(first).center())
    assert browser.title.text().startswith("true Shirt, predicted T-shirt/top: ")
    assert panel.confusion._selected == (6, 0)  # framed in the matrix
    qtbot.mouseClick(browser.findChild(type(browser._buttons.button(2)), "mistakesView2"),
                     Qt.MouseButton.LeftButton)
    assert browser.shown_indexes() == browser.mistakes.top_loss_indexes(100).tolist()
    losses = browser.mistakes.losses[browser.shown_indexes()]
    assert (np.diff(losses) <= 0).all()


def without_predictions(source: Path, target: Path) -> Path:
    """A copy of a model folder whose report lacks the test predictions, as older models."""
    target.mkdir(parents=True)
    onnx_bytes = (source / "model.onnx").read_bytes()
    raw = dict(models.load_metrics(source).raw)
    raw.pop("test_predictions", None)
    (target / "model.onnx").write_bytes(export.embed_report(onnx_bytes, raw))
    return target


def test_models_without_stored_predictions_say_so_and_the_rest_works(qtbot, tmp_path):
    older = without_predictions(MODELS_DIR / "mnist-dense", tmp_path / "older" / "mnist-dense")
    window = open_window(qtbot, tmp_path, older.parent)
    use_model(qtbot, window, "mnist-dense")
    panel, browser = open_mistakes_page(qtbot, window)
    assert "saved without its answers on the test set" in browser.message
    click_cell(qtbot, panel, 4, 9)  # no crash, the reason stays in view
    assert panel.tabs.currentWidget() is browser and "Retrain it" in browser.message
    assert panel.confusion.cell_text(0, 0)  # the matrix and the summary are as before
    assert panel.summary_text("accuracy").startswith("98.")


def test_the_gallery_marks_a_sample_the_model_gets_wrong(qtbot, tmp_path):
    """A gallery of real test images of which the app's mnist-dense gets one wrong: that one
    is marked (red frame, tooltip with the wrong answer), the others are not."""
    test_set = test_sets.load("mnist")
    info = models.read_info(MODELS_DIR / "mnist-dense" / "model.onnx")
    classifier = models.Classifier(info)
    answers = classifier.classify_batch([test_set.picture(i) for i in range(400)])
    wrong = next(i for i, a in enumerate(answers) if a.index != test_set.labels[i])
    right = [i for i, a in enumerate(answers[:10]) if a.index == test_set.labels[i]][:3]
    folder = tmp_path / "samples" / "mnist"
    folder.mkdir(parents=True)
    paths = {}
    for number in [wrong, *right]:
        pixels = np.ascontiguousarray(255 - test_set.images[number])
        path = folder / sample_name(int(test_set.labels[number]), "x", number)
        QImage(pixels.data, 28, 28, 28, QImage.Format.Format_Grayscale8).save(str(path))
        paths[number] = path
    window = MainWindow(models_dir=MODELS_DIR, samples_dir=tmp_path / "samples",
                        settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    use_model(qtbot, window, "mnist-dense")
    expected = {paths[wrong]: info.classes[answers[wrong].index]}
    qtbot.waitUntil(lambda: window.gallery.mistakes() == expected, timeout=10000)
    tips = {Path(window.gallery.item(r).data(Qt.ItemDataRole.UserRole)):
            window.gallery.item(r).toolTip() for r in range(window.gallery.count())}
    assert tips[paths[wrong]].endswith(f"the model says: {expected[paths[wrong]]} (wrong)")
    assert all("the model says" not in tips[paths[number]] for number in right)
