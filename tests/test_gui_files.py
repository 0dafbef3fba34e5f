"""Pictures from files, the clipboard and drag and drop; bad files; saving the drawing."""

from __future__ import annotations

import math

import numpy as np
import pytest
from gui_support import (
    SAMPLES_DIR,
    draw,
    open_file,
    open_window,
    samples,
    shipped_entries,
    shipped_ids,
    true_class,
    use_model,
)
from PySide6.QtCore import QByteArray, QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QImage
from PySide6.QtWidgets import QApplication

from desktop import image_io, models
from desktop.gui.scripted_input import DIGITS


@pytest.fixture
def window(qtbot, tmp_path):
    return open_window(qtbot, tmp_path)


@pytest.mark.parametrize("model_id", shipped_ids())
def test_opened_samples_get_their_true_class(qtbot, window, model_id):
    use_model(qtbot, window, model_id)
    info = window.controller.current_info
    classifier = models.Classifier(info)  # the plain, Qt-free path for comparison
    files = samples(info.dataset)
    assert len(files) >= 10
    correct = 0
    for path in files:
        open_file(qtbot, window, path)
        shown = window.prediction_panel.prediction
        expected = classifier.classify(image_io.load_image(path))
        np.testing.assert_allclose(shown.probabilities, expected.probabilities, atol=1e-6)
        assert window.prediction_panel.bars.top_index() == shown.index
        truth = true_class(path)
        if info.task is not None:  # a binary lab model answers no (0) or yes (1)
            truth = info.task.binary_labels([truth])[0]
        correct += shown.index == truth
    # Test images: nearly all right, allowing the few mistakes the test accuracy predicts.
    assert correct >= math.floor(len(files) * (info.test_accuracy - 0.15))


def test_clicking_a_gallery_sample_classifies_it(qtbot, window):
    gallery = window.gallery
    qtbot.waitUntil(lambda: gallery.count() > 0)
    assert gallery.folder == SAMPLES_DIR / window.controller.current_info.dataset
    item = gallery.item(3)
    path = gallery.paths()[3]
    rect = gallery.visualItemRect(item)
    qtbot.mouseClick(gallery.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: window.canvas.document.picture_name == path.name, timeout=10000)
    assert window.prediction_panel.prediction is not None
    assert str(true_class(path)) in item.toolTip()


@pytest.mark.parametrize("content", [b"", b"this is not a picture", "truncated"])
def test_bad_files_give_a_message_and_the_drawing_survives(qtbot, window, tmp_path, content):
    draw(window, DIGITS["7"])
    before = window.canvas.document
    if content == "truncated":
        content = next(SAMPLES_DIR.glob("mnist/*.png")).read_bytes()[:120]
    bad = tmp_path / "picture.png"
    bad.write_bytes(content)
    window.open_path(bad)
    qtbot.waitUntil(lambda: window.last_error is not None, timeout=10000)
    assert "picture.png" in window.last_error
    assert window._error_box.isVisible()
    assert not window._error_box.isModal()
    assert "cannot be opened" in window.statusBar().currentMessage()
    # Nothing was lost and the app keeps working.
    assert window.canvas.document is before
    assert window.prediction_panel.prediction.label == "7"
    window.canvas.clear()
    draw(window, DIGITS["1"])
    assert window.prediction_panel.prediction.label == "1"


def test_a_missing_file_gives_a_message(qtbot, window, tmp_path):
    window.open_path(tmp_path / "gone.png")
    qtbot.waitUntil(lambda: window.last_error is not None, timeout=10000)
    assert "gone.png" in window.last_error
    assert window.canvas.is_blank


def test_pasting_an_image_from_the_clipboard(qtbot, window):
    path = samples("mnist")[10]
    QGuiApplication.clipboard().setImage(QImage(str(path)))
    window.paste_action.trigger()
    qtbot.waitUntil(lambda: window.canvas.document.picture is not None, timeout=10000)
    assert window.prediction_panel.prediction.index == true_class(path)


def test_pasting_a_file_url(qtbot, window):
    path = samples("mnist")[14]
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    QGuiApplication.clipboard().setMimeData(mime)
    window.paste_action.trigger()
    qtbot.waitUntil(lambda: window.canvas.document.picture_name == path.name, timeout=10000)
    assert window.prediction_panel.prediction.index == true_class(path)


@pytest.mark.parametrize("content", ["text", "empty"])
def test_pasting_no_picture_says_so_without_a_dialog(qtbot, window, content):
    if content == "text":
        QGuiApplication.clipboard().setText("hello")
    else:
        QGuiApplication.clipboard().clear()
    window.paste_action.trigger()
    assert "the clipboard holds no picture" in window.statusBar().currentMessage()
    assert window.last_error is None  # nothing went wrong: no error box pops up
    assert window._error_box is None or not window._error_box.isVisible()
    assert window.canvas.is_blank


def _drop(widget, mime: QMimeData) -> bool:
    position = QPointF(widget.width() / 2, widget.height() / 2)
    enter = QDragEnterEvent(position.toPoint(), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    if not enter.isAccepted():
        return False
    drop = QDropEvent(position, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, drop)
    return drop.isAccepted()


def test_dropping_a_file_on_the_canvas(qtbot, window):
    path = samples("mnist")[4]
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    assert _drop(window.canvas, mime)
    qtbot.waitUntil(lambda: window.canvas.document.picture_name == path.name, timeout=10000)
    assert window.prediction_panel.prediction.index == true_class(path)


def test_dropping_image_data(qtbot, window):
    path = samples("mnist")[18]
    mime = QMimeData()
    mime.setData("image/png", QByteArray(path.read_bytes()))
    assert _drop(window.canvas, mime)
    qtbot.waitUntil(lambda: window.canvas.document.picture is not None, timeout=10000)
    assert window.prediction_panel.prediction.index == true_class(path)


def test_dropping_plain_text_is_refused(window):
    mime = QMimeData()
    mime.setText("just words")
    assert not _drop(window.canvas, mime)


def test_a_loaded_picture_can_be_drawn_over_and_undone(qtbot, window):
    path = samples("mnist")[0]  # a 0
    open_file(qtbot, window, path)
    assert window.current_gray() is window.canvas.document.picture  # classified as loaded
    window.canvas.set_brush_size(40)
    draw(window, [[(0.2, 0.5), (0.8, 0.5)]])
    document = window.canvas.document
    assert document.picture is not None and len(document.strokes) == 1
    assert window.current_gray().shape == (window.canvas.render_image().height(),) * 2
    window.undo_action.trigger()
    assert window.canvas.document.picture_name == path.name
    assert window.prediction_panel.prediction.index == true_class(path)
    window.clear_action.trigger()
    assert window.canvas.is_blank and window.prediction_panel.prediction is None


def test_saving_the_drawing_as_png(window, tmp_path):
    draw(window, DIGITS["7"])
    target = tmp_path / "drawing.png"
    assert window.save_drawing(target)
    entry = next(e for e in shipped_entries() if e.model_id == window.controller.current.model_id)
    assert models.Classifier(entry.info).classify(image_io.load_image(target)).label == "7"
    assert not window.save_drawing(tmp_path / "no-such-folder" / "x.png")
    assert window.last_error


def test_dropping_a_web_address_explains_why_not(qtbot, window):
    mime = QMimeData()
    mime.setUrls([QUrl("https://example.com/seven.png")])
    assert _drop(window.canvas, mime)
    assert "not a local file" in window.last_error
    assert window.canvas.is_blank


def test_the_window_title_names_the_open_picture(qtbot, window):
    path = samples("fashion")[0]
    open_file(qtbot, window, path)
    assert window.windowTitle() == f"{path.name} - Digit Lens"
    window.clear_action.trigger()
    assert window.windowTitle() == "Digit Lens"


def test_a_big_picture_is_decoded_off_the_ui_thread(qtbot, window, tmp_path):
    from PySide6.QtGui import QColor, QPainter, QPen

    image = QImage(3000, 2200, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen = QPen(QColor("black"), 160, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
               Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.drawPolyline([QPointF(1000, 400), QPointF(2000, 400), QPointF(1350, 1800)])
    painter.end()
    path = tmp_path / "big-seven.png"
    assert image.save(str(path))

    window.open_path(path)
    assert window.canvas.document.picture is None  # not decoded on the spot
    qtbot.waitUntil(lambda: window.canvas.document.picture_name == path.name, timeout=20000)
    assert window.prediction_panel.prediction.label == "7"


def test_a_newer_picture_stops_the_decode_of_an_older_one(qtbot, window, tmp_path):
    from hostile_corpus import png

    big = tmp_path / "big.png"  # 64 megapixels: decoding takes far over the 0.25 s of grace
    big.write_bytes(png(8000, 8000, colour=2, rows=lambda y: b"\xff" * 24000))
    decoder = window.loader.decoder
    window.open_path(big)
    qtbot.waitUntil(lambda: decoder.busy, timeout=60000)
    child = decoder.process_id
    path = samples("mnist")[3]
    window.open_path(path)
    # Generous: a fresh child process starts in a quarter of a second, or far longer on a
    # machine busy with other work.
    qtbot.waitUntil(lambda: window.canvas.document.picture_name == path.name, timeout=60000)
    assert decoder.process_id != child  # the old decode was killed, a fresh child took over
    qtbot.wait(200)
    assert window.canvas.document.picture_name == path.name
    assert window.last_error is None
    assert window.prediction_panel.prediction.index == true_class(path)


def test_hostile_and_odd_pictures_in_the_window(qtbot, window, tmp_path):
    import os

    from hostile_corpus import svg_bomb

    bomb = tmp_path / "bomb.svg"
    bomb.write_text(svg_bomb(9))
    window.open_path(bomb)
    qtbot.waitUntil(lambda: window.last_error is not None, timeout=60000)
    assert "bomb.svg is too complex" in window.last_error
    text = tmp_path / os.fsdecode(b"seven-\xe9.svg")  # SVG text, a name that is not UTF-8
    text.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><text '
                    'x="16" y="54" font-size="56">7</text></svg>')
    window.open_path(text)
    qtbot.waitUntil(lambda: window.canvas.document.picture is not None, timeout=60000)
    assert window.canvas.document.picture_name == "seven-\\xe9.svg"
    assert window.windowTitle() == "seven-\\xe9.svg - Digit Lens"
