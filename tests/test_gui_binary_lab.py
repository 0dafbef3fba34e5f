"""The Training tab's Binary lab and the rest of the window with a binary model ("Is it a 7?"):
real windows, real ONNX sessions of a real logistic regression (tests/binary_models.py) beside
a shipped ten-class model."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from binary_models import write_binary_model
from gui_support import MODELS_DIR, open_window, samples, true_class, use_model
from PySide6.QtCore import QPointF, Qt

from desktop import models, test_sets
from desktop.binary_lab_summary import cell_names, cell_of, cell_title
from desktop.binary_task import BINARY_TASKS
from desktop.gui.binary_lab_view import STEPS

SEVEN = BINARY_TASKS["is-7"]
BINARY = "mnist-linear-is-7"


@pytest.fixture(scope="module")
def lab_models(tmp_path_factory) -> Path:
    """A shipped ten-class model and the binary "is it a 7?" beside it."""
    folder = tmp_path_factory.mktemp("lab") / "models"
    shutil.copytree(MODELS_DIR / "mnist-dense", folder / "mnist-dense")
    write_binary_model(folder, SEVEN)
    return folder


def stored_answers(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    """p(7) of every test image as stored in the model's report, and the truth (is it a 7)."""
    decoded = models.load_metrics(folder).test_predictions.decode()
    labels = test_sets.load("mnist").labels[:decoded.count]
    return decoded.probabilities[:, 1], labels == 7


def direct_answers(folder: Path) -> np.ndarray:
    """The app's own Classifier on every test image: the class it answers (0 no, 1 yes)."""
    classifier = models.Classifier(models.read_info(folder / "model.onnx"))
    images = test_sets.load("mnist").images.astype(np.float32) / 255
    return np.array([p.index for p in classifier.predict_batch(images)])


def open_lab(qtbot, window):
    panel = window.training_panel
    window.results_tabs.setCurrentWidget(panel)
    panel.tabs.setCurrentWidget(panel.binary_lab)
    qtbot.waitUntil(lambda: panel.binary_lab.lab is not None, timeout=15000)
    return panel, panel.binary_lab


def test_the_page_is_there_for_binary_models_only(qtbot, tmp_path, lab_models):
    window = open_window(qtbot, tmp_path, lab_models)
    panel = window.training_panel
    tabs = panel.tabs
    titles = [tabs.tabText(i) for i in range(tabs.count())]
    lab_tab = tabs.indexOf(panel.binary_lab)
    assert titles[lab_tab] == "Binary lab" and lab_tab == tabs.count() - 1  # last: no jumps
    use_model(qtbot, window, "mnist-dense")
    assert not tabs.isTabVisible(lab_tab)
    use_model(qtbot, window, BINARY)
    assert tabs.isTabVisible(lab_tab)
    panel, page = open_lab(qtbot, window)
    assert page.headline.text().startswith("Is it a 7? 10,000 test images, ")
    assert page.roc.isVisible() and page.pr.isVisible() and page.matrix.isVisible()
    use_model(qtbot, window, "mnist-dense")  # leaving: the nearest page, the others in place
    assert not tabs.isTabVisible(lab_tab)
    assert tabs.currentWidget() is panel.confusion.parentWidget()
    assert [tabs.tabText(i) for i in range(tabs.count())] == titles


def test_the_slider_moves_every_count(qtbot, tmp_path, lab_models):
    window = open_window(qtbot, tmp_path, lab_models)
    use_model(qtbot, window, BINARY)
    panel, page = open_lab(qtbot, window)
    p_yes, truth = stored_answers(lab_models / BINARY)
    assert page.threshold == 0.5 and page.slider.value() == STEPS // 2

    def shown() -> dict[str, int]:
        return dict(page.matrix.counts)

    qtbot.keyClick(page.slider, Qt.Key.Key_Home)  # threshold 0: everything is "yes"
    assert page.threshold == 0
    assert shown() == {"tp": int(truth.sum()), "fp": int((~truth).sum()), "fn": 0, "tn": 0}
    qtbot.keyClick(page.slider, Qt.Key.Key_End)  # threshold 1: everything is "no"
    assert page.threshold == 1
    assert shown() == {"tp": 0, "fp": 0, "fn": int(truth.sum()), "tn": int((~truth).sum())}
    assert page.measure_values["precision"].text() == "–"
    for _ in range(3):
        qtbot.keyClick(page.slider, Qt.Key.Key_PageDown)
    t = page.threshold
    assert t == pytest.approx(1 - 3 * page.slider.pageStep() / STEPS)
    yes = p_yes >= t
    counts = {"tp": int((yes & truth).sum()), "fp": int((yes & ~truth).sum()),
              "fn": int((~yes & truth).sum()), "tn": int((~yes & ~truth).sum())}
    assert shown() == counts
    precision = counts["tp"] / (counts["tp"] + counts["fp"])
    recall = counts["tp"] / (counts["tp"] + counts["fn"])
    assert page.measure_values["precision"].text() == f"{100 * precision:.1f} %"
    assert page.measure_values["always_no"].text() == f"{100 * (~truth).mean():.1f} %"
    assert page.roc.point == pytest.approx((counts["fp"] / (~truth).sum(), recall))
    assert page.pr.point == pytest.approx((recall, precision))
    assert page.comparison.text().startswith(
        f"{100 * (~truth).mean():.1f} % of the test images are other digits")
    # the marked point sits on the drawn curve: one of its operating points
    page.grab()
    spot = page.roc.point_position()
    assert page.roc.nearest(spot) is not None


def test_a_point_clicked_on_a_curve_becomes_the_threshold(qtbot, tmp_path, lab_models):
    window = open_window(qtbot, tmp_path, lab_models)
    use_model(qtbot, window, BINARY)
    panel, page = open_lab(qtbot, window)
    page.grab()
    roc = page.roc
    index = len(roc.xs) // 3
    target = roc._at(roc.xs[index], roc.ys[index]).toPoint()
    qtbot.mouseClick(roc, Qt.MouseButton.LeftButton, pos=target)
    nearest = roc.nearest(QPointF(target))
    assert page.threshold == roc.thresholds[nearest]  # exactly, not rounded to the slider
    assert roc.point == pytest.approx((roc.xs[nearest], roc.ys[nearest]))


def test_mistakes_cells_of_a_binary_model_hold_their_images(qtbot, tmp_path, lab_models):
    window = open_window(qtbot, tmp_path, lab_models)
    use_model(qtbot, window, BINARY)
    panel = window.training_panel
    browser = panel.error_browser
    window.results_tabs.setCurrentWidget(panel)
    panel.tabs.setCurrentWidget(panel.confusion.parentWidget())
    qtbot.waitUntil(lambda: browser.mistakes is not None, timeout=15000)
    qtbot.waitExposed(panel.confusion)
    panel.confusion.repaint()
    answers = direct_answers(lab_models / BINARY)
    truth = (test_sets.load("mnist").labels == 7).astype(int)
    for true in (0, 1):
        for answer in (0, 1):
            qtbot.mouseClick(panel.confusion, Qt.MouseButton.LeftButton,
                             pos=panel.confusion.cell_rect(true, answer).center().toPoint())
            assert panel.tabs.currentWidget() is browser
            expected = np.flatnonzero((truth == true) & (answers == answer))
            assert sorted(browser.shown_indexes()) == expected.tolist()
            key = next(k for k in ("tp", "fp", "fn", "tn") if cell_of(k) == (true, answer))
            assert browser.title.text() == cell_title(SEVEN, key, len(expected))
            panel.tabs.setCurrentWidget(panel.confusion.parentWidget())
    # A mistake's tooltip names the digit it is, not "a not 7".
    qtbot.mouseClick(panel.confusion, Qt.MouseButton.LeftButton,
                     pos=panel.confusion.cell_rect(0, 1).center().toPoint())
    first = browser.shown_indexes()[0]
    tip = browser.model.index(0).data(Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith(f"Test image #{first}: a {test_sets.load('mnist').labels[first]}, "
                          f"taken for 7")


def test_a_lab_cell_opens_its_images_at_the_threshold(qtbot, tmp_path, lab_models):
    window = open_window(qtbot, tmp_path, lab_models)
    use_model(qtbot, window, BINARY)
    panel, page = open_lab(qtbot, window)
    p_yes, truth = stored_answers(lab_models / BINARY)
    page.set_threshold(0.3)
    page.grab()
    browser = panel.error_browser
    for key in ("fp", "fn"):
        panel.tabs.setCurrentWidget(page)
        qtbot.mouseClick(page.matrix, Qt.MouseButton.LeftButton,
                         pos=page.matrix.cell_rect(key).center().toPoint())
        assert panel.tabs.currentWidget() is browser
        true, answer = cell_of(key)
        expected = np.flatnonzero((truth == true) & ((p_yes >= 0.3) == answer))
        assert sorted(browser.shown_indexes()) == expected.tolist()
        assert browser.title.text() == cell_title(SEVEN, key, len(expected), 0.3)
        assert browser.title.text().startswith(cell_names(SEVEN)[key].replace(": ", " – "))
        scores = p_yes[browser.shown_indexes()]
        assert (np.diff(scores) <= 0).all() if answer else (np.diff(scores) >= 0).all()


def test_the_prediction_and_the_gallery_answer_the_question(qtbot, tmp_path, lab_models):
    window = open_window(qtbot, tmp_path, lab_models)
    use_model(qtbot, window, BINARY)
    classifier = window.controller.classifier()
    pictures = dict(window.gallery.pictures())
    assert pictures, "the gallery shows the shipped digit samples"
    answers = {path: classifier.classify(gray).index for path, gray in pictures.items()}
    wrong = {path for path, index in answers.items() if index != (true_class(path) == 7)}
    assert set(window.gallery.mistakes()) == wrong
    naive = {path for path, index in answers.items() if index != true_class(path)}
    assert naive != wrong  # comparing digits with no/yes would mark most samples
    seven = next(path for path in samples("mnist") if true_class(path) == 7)
    tooltip = next(window.gallery.item(row).toolTip() for row in range(window.gallery.count())
                   if Path(window.gallery.item(row).data(Qt.ItemDataRole.UserRole)) == seven)
    assert tooltip.startswith(f"Test image #{int(seven.stem.rsplit('-', 1)[1])} - true class: "
                              f"7 (7)")
    window.gallery.sampleChosen.emit(seven)
    qtbot.waitUntil(lambda: window.canvas.document.picture_name == seven.name, timeout=10000)
    window.classify_now()
    answer = classifier.classify(window.canvas.document.picture)
    assert window.prediction_panel.headline.text() == \
        f"Is it a 7? {'Yes' if answer.index == 1 else 'No'}"
    use_model(qtbot, window, "mnist-dense")  # a ten-class model compares digits again
    dense = window.controller.classifier()
    assert set(window.gallery.mistakes()) == {
        path for path, gray in pictures.items() if dense.classify(gray).index != true_class(path)}
    assert not window.prediction_panel.headline.text().startswith("Is it")
