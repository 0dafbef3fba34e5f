"""benchmarks/train_speed.py: the peer's network is the one its description gives, and both
recipes train for real (one pass over a slice of MNIST, to stay quick)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from benchmarks import train_speed as speed


def test_the_peer_network_is_the_published_one() -> None:
    """conv 5x5 1 -> 24, conv 3x3 24 -> 32, dense 800 -> 256 -> 10 (weights, then biases)."""
    shapes = [tuple(p.shape) for p in speed.peer_cnn().parameters()]
    assert shapes == [(24, 1, 5, 5), (24,), (32, 24, 3, 3), (32,), (256, 800), (256,),
                      (10, 256), (10,)]


@pytest.mark.parametrize("size", [20, 24, 28])
def test_the_compact_cnn_fits_any_crop(size: int) -> None:
    model = speed.compact_cnn((16, 32, 64), size).to(memory_format=torch.channels_last)
    images = torch.zeros(2, 1, size, size).contiguous(memory_format=torch.channels_last)
    assert model(images).shape == (2, 10)


@pytest.fixture(scope="module")
def mnist_slice(data_dir: Path) -> speed.Mnist:
    data = speed.load_mnist(data_dir)
    return speed.Mnist(data.train_images[:6000], data.train_labels[:6000],
                       data.test_images[:2000], data.test_labels[:2000])


@pytest.mark.parametrize("recipe", ["ours bfloat16", "ours float32", "peer",
                                    "peer channels-last"])
def test_each_recipe_learns_from_one_pass(mnist_slice: speed.Mnist, recipe: str) -> None:
    """Ours in both precisions: the benchmark picks bfloat16 only where the CPU computes in it
    natively, so a CI machine may never run the other one by default."""
    if recipe.startswith("ours"):
        trial = speed.train_ours(0, mnist_slice, speed.Ours(bfloat16=recipe.endswith("16")))
    else:
        trial = speed.train_peer(0, mnist_slice, channels_last=recipe.endswith("last"))
    assert trial.seconds > 0
    assert trial.accuracy > 0.7, trial  # chance is 0.1; a full epoch reaches 0.99
