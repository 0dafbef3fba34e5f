"""Architectures, metrics, augmentation and file writing of the trainer, checked against hand
computations."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from trainer import files, metrics
from trainer.augment import augment
from trainer.epoch import class_weights
from trainer.models import build_model, cnn, dense_net, parameter_count


def test_dense_shape_and_parameter_count() -> None:
    model = dense_net(10, hidden=(512, 256))
    assert model(torch.zeros(5, 1, 28, 28)).shape == (5, 10)
    # weights + biases of 784->512, 512->256, 256->10
    assert parameter_count(model) == (784 * 512 + 512) + (512 * 256 + 256) + (256 * 10 + 10)


def test_cnn_shape_and_parameter_count() -> None:
    model = cnn(10, widths=(32, 64), hidden=128).eval()
    assert model(torch.zeros(3, 1, 28, 28)).shape == (3, 10)
    convs = (9 * 1 * 32 + 9 * 32 * 32) + (9 * 32 * 64 + 9 * 64 * 64)  # bias-free 3x3 convs
    batch_norms = 2 * (32 + 32 + 64 + 64) + 2 * 128  # scale and shift per channel
    head = 64 * 7 * 7 * 128 + (128 * 10 + 10)
    assert parameter_count(model) == convs + batch_norms + head


@pytest.mark.parametrize("architecture", ["dense", "cnn"])
def test_dropout_can_be_chosen_per_model(architecture: str) -> None:
    rates = {m.p for m in build_model(architecture, 0.1, 10).modules()
             if isinstance(m, torch.nn.Dropout)}
    assert rates == {0.1}
    default = {m.p for m in build_model(architecture, None, 10).modules()
               if isinstance(m, torch.nn.Dropout)}
    assert default == {0.2 if architecture == "dense" else 0.3}


def test_unknown_architecture_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown architecture"):
        build_model("transformer", None, 10)


def test_confusion_matrix_and_report_match_hand_computation() -> None:
    labels = torch.tensor([0, 0, 0, 1, 1, 2])
    predicted = torch.tensor([0, 0, 1, 1, 2, 2])
    matrix = metrics.confusion_matrix(labels, predicted, 3)
    assert matrix.tolist() == [[2, 1, 0], [0, 1, 1], [0, 0, 1]]
    report = metrics.per_class_report(matrix, ["a", "b", "c"])
    # class a: 2 of 2 predictions right, 2 of 3 found; class b: 1/2 and 1/2; class c: 1/2, 1/1
    assert report[0]["precision"] == pytest.approx(1.0)
    assert report[0]["recall"] == pytest.approx(2 / 3)
    assert report[0]["f1"] == pytest.approx(0.8)
    assert report[1]["f1"] == pytest.approx(0.5)
    assert report[2]["precision"] == pytest.approx(0.5)
    assert report[2]["f1"] == pytest.approx(2 / 3)
    assert [r["support"] for r in report] == [3, 2, 1]
    macro = metrics.macro_average(report)
    assert macro["f1"] == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)


def test_class_that_is_never_predicted_has_zero_precision_not_nan() -> None:
    matrix = metrics.confusion_matrix(torch.tensor([0, 1]), torch.tensor([0, 0]), 2)
    report = metrics.per_class_report(matrix, ["a", "b"])
    assert report[1] == {"class": "b", "precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}


def test_class_weights_favour_rare_classes() -> None:
    labels = torch.tensor([0] * 90 + [1] * 10 + list(range(2, 10)) * 10)
    weights = class_weights(labels, 10)
    assert weights[1] == pytest.approx(9 * weights[0])
    balanced = class_weights(torch.arange(10).repeat(5), 10)
    assert torch.allclose(balanced, torch.ones(10))


@pytest.mark.parametrize("dataset", ["mnist", "fashion"])
def test_augmentation_is_seeded_and_keeps_images_in_range(dataset: str) -> None:
    images = torch.zeros(16, 1, 28, 28)
    images[:, :, 8:20, 12:16] = 1.0  # a bar, like a '1'
    first = augment(images, dataset, torch.Generator().manual_seed(3))
    again = augment(images, dataset, torch.Generator().manual_seed(3))
    other = augment(images, dataset, torch.Generator().manual_seed(4))
    assert first.shape == images.shape
    assert torch.equal(first, again)
    assert not torch.equal(first, other)
    assert float(first.min()) >= 0.0 and float(first.max()) <= 1.0 + 1e-6
    # the ink is moved and reshaped, not lost
    assert (first.sum(dim=(1, 2, 3)) > 0.3 * images[0].sum()).all()


def test_atomic_write_replaces_whole_or_leaves_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "file.bin"
    with files.atomic_write(target) as file:
        file.write(b"first")
    assert target.read_bytes() == b"first"
    with pytest.raises(RuntimeError), files.atomic_write(target) as file:
        file.write(b"half of the seco")
        raise RuntimeError("killed mid-write")
    assert target.read_bytes() == b"first"
    assert [p.name for p in target.parent.iterdir()] == ["file.bin"]  # no temporary left


@pytest.mark.parametrize("xdg, expected", [
    ("/x/cache", "/x/cache/digit-lens"), ("relative/ignored", "{home}/.cache/digit-lens"),
    ("", "{home}/.cache/digit-lens"),
])
def test_cache_dir_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, xdg: str,
                               expected: str) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", xdg)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert files.cache_dir() == Path(expected.format(home=tmp_path))
