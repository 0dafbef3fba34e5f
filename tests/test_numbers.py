"""Reading numbers: pictures composed of real MNIST test digits, split and read with the shipped
digit models (real ONNX Runtime sessions)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from number_pictures import compose, mnist_test, trimmed

from desktop import models, numbers

MODELS_DIR = Path(__file__).resolve().parents[1] / "resources" / "models"


@pytest.fixture(scope="module")
def digits(data_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    return mnist_test(data_dir)


@pytest.fixture(scope="module")
def classifier() -> models.Classifier:
    entry = next(e for e in models.discover(MODELS_DIR) if e.model_id == "mnist-cnn")
    return models.Classifier(entry.info)


def random_numbers(digits, count: int, seed: int):
    """(true number, picture, spans): 3 to 5 MNIST test digits with gaps of 2 to 10 px and
    vertical offsets of up to 4 px."""
    images, labels = digits
    rng = np.random.default_rng(seed)
    for _ in range(count):
        chosen = rng.choice(len(images), rng.integers(3, 6), replace=False)
        gaps = [int(g) for g in rng.integers(2, 11, len(chosen) - 1)]
        offsets = [int(o) for o in rng.integers(-4, 5, len(chosen))]
        picture, spans = compose([trimmed(images[i]) for i in chosen], gaps, offsets)
        yield "".join(str(labels[i]) for i in chosen), picture, spans


def test_numbers_with_gaps_are_split_left_to_right_and_read(digits, classifier) -> None:
    cases = list(random_numbers(digits, 60, seed=8))
    exact = 0
    for truth, picture, spans in cases:
        boxes = numbers.segment(picture)
        reading = numbers.read_number(classifier, picture)
        exact += reading.text == truth
        if len(boxes) == len(spans):  # every box lies on its digit, left to right
            for box, (left, right) in zip(boxes, spans, strict=True):
                assert left <= (box.left + box.right) / 2 < right
    assert sum(len(numbers.segment(p)) == len(s) for _, p, s in cases) >= 0.95 * len(cases)
    assert exact >= 0.9 * len(cases), exact


def test_each_digit_goes_through_the_models_own_preprocessing(digits, classifier) -> None:
    truth, picture, _ = next(random_numbers(digits, 1, seed=3))
    reading = numbers.read_number(classifier, picture)
    assert len(reading.digits) == len(truth)
    for digit in reading.digits:
        again = classifier.classify(digit.crop)  # the crop alone, as the model sees it
        np.testing.assert_allclose(digit.prediction.probabilities, again.probabilities,
                                   atol=1e-6)
        margin = (digit.crop.shape[0] - digit.box.height) // 2
        assert margin >= 2
        assert digit.crop.shape == (digit.box.height + 2 * margin, digit.box.width + 2 * margin)
        paper = np.ones_like(digit.crop, dtype=bool)
        paper[margin:-margin, margin:-margin] = False
        assert (digit.crop[paper] == 1.0).all()  # clean paper all round
    assert reading.text == "".join(d.prediction.label for d in reading.digits)


def test_any_polarity(digits, classifier) -> None:
    truth, picture, _ = next(random_numbers(digits, 1, seed=5))
    dark_paper = 1.0 - picture  # light ink on a black slate
    assert numbers.read_number(classifier, dark_paper).text == \
        numbers.read_number(classifier, picture).text


def test_a_single_digit_reads_as_the_whole_picture(digits, classifier) -> None:
    images, _ = digits
    singles = 0
    for index in range(300):
        picture = 1.0 - images[index]
        reading = numbers.read_number(classifier, picture)
        if len(reading.digits) != 1:
            continue  # a wide digit the model reads better as two: rare, counted below
        singles += 1
        whole = classifier.classify(picture)
        assert reading.text == whole.label
        np.testing.assert_array_equal(reading.digits[0].prediction.probabilities,
                                      whole.probabilities)
    assert singles >= 0.98 * 300


def test_blank_pictures_hold_no_number(classifier) -> None:
    for blank in (np.ones((60, 200), np.float32), np.zeros((5, 5), np.float32),
                  np.full((40, 40), 0.5, np.float32)):
        assert numbers.segment(blank) == []
        reading = numbers.read_number(classifier, blank)
        assert reading.digits == () and reading.text == ""


def test_a_broken_digit_stays_one_piece(digits) -> None:
    images, labels = digits
    five = trimmed(images[np.flatnonzero(labels == 5)[0]]).copy()
    five[5:8] = 0.0  # a blank band across the digit: its top is lifted off the rest
    picture, _ = compose([five], [], [0])
    assert len(numbers.segment(picture)) == 1


def test_fragments_merge_and_dust_is_dropped(digits, classifier) -> None:
    images, labels = digits
    seven, one = (trimmed(images[np.flatnonzero(labels == d)[0]]) for d in (7, 1))
    dash = np.ones((3, 6), np.float32)  # a detached bar beside the 7, a third of its height
    picture, _ = compose([seven, dash, one], [2, 6], [0, -6, 0])
    picture[2:3, 2:3] = 0.0  # a speck of dust in the corner
    boxes = numbers.segment(picture)
    assert len(boxes) == 2
    assert boxes[0].right > boxes[0].left + seven.shape[1]  # the bar joined the 7
    assert numbers.read_number(classifier, picture).text.endswith("1")


def test_touching_digits_are_cut_by_recognition(digits, classifier) -> None:
    images, labels = digits
    pieces = [trimmed(images[np.flatnonzero(labels == d)[1]]) for d in (0, 4, 7)]
    picture, spans = compose(pieces, [-1, -1], [0, 0, 0])  # no blank column anywhere
    assert len(numbers.segment(picture)) == 1
    reading = numbers.read_number(classifier, picture)
    assert reading.text == "047"
    for digit, (left, right) in zip(reading.digits, spans, strict=True):
        assert abs(digit.box.left - left) <= 3 and abs(digit.box.right - right) <= 3


def test_only_digit_models_read_numbers() -> None:
    kinds = {e.model_id: numbers.reads_digits(e.info) for e in models.discover(MODELS_DIR)}
    assert kinds["mnist-cnn"] and kinds["mnist-dense"]
    assert not kinds["fashion-cnn"] and not kinds["fashion-dense"]


def test_a_rejected_digit_shows_as_a_question_mark(digits, classifier) -> None:
    truth, picture, _ = next(random_numbers(digits, 1, seed=11))
    reading = numbers.read_number(classifier, picture)
    first = reading.digits[0]
    p = first.prediction
    rejected = models.Prediction(p.probabilities, p.model_input, p.index, p.label,
                                 p.confidence, outlier=0.9, accepted=False)
    changed = numbers.NumberReading((numbers.DigitReading(first.box, first.crop, rejected),
                                     *reading.digits[1:]))
    assert changed.text == numbers.UNREADABLE + reading.text[1:]


def paste(pieces: list[tuple[np.ndarray, int, int]], shape: tuple[int, int]) -> tuple:
    """(sheet of white-on-black ink, whether any two pieces touch) for (ink, top, left)."""
    sheet = np.zeros(shape, np.float32)
    owner = np.zeros(shape, np.int8)
    touching = False
    for number, (ink, top, left) in enumerate(pieces, start=1):
        region = (slice(top, top + ink.shape[0]), slice(left, left + ink.shape[1]))
        grown = np.zeros(shape, bool)
        grown[region] = ink > 0.02
        for axis in (0, 1):  # grow by one pixel, corners included
            grown = grown | np.roll(grown, 1, axis) | np.roll(grown, -1, axis)
        touching |= bool(((owner > 0) & grown).any())
        owner[region][ink > 0.02] = number
        sheet[region] = np.maximum(sheet[region], ink)
    return sheet, touching


def test_neighbours_sharing_columns_without_touching_are_separated(digits, classifier) -> None:
    images, labels = digits
    seven, two = (trimmed(images[np.flatnonzero(labels == d)[2]]) for d in (7, 2))
    left = 5 + seven.shape[1] - 4  # the 2 starts 4 columns before the 7 ends...
    for top in range(5, 40):  # ...and as high as it can without touching the 7
        sheet, touching = paste([(seven, 5, 5), (two, top, left)], (70, 60))
        if not touching:
            break
    assert not touching
    picture = 1.0 - sheet
    boxes = numbers.segment(picture)
    assert len(boxes) == 2 and boxes[0].right > boxes[1].left  # sharing columns
    assert numbers.read_number(classifier, picture).text == "72"
