"""The two architectures the app compares: a dense network and a small VGG-style CNN (their
names and order are in the model-folder contract, desktop.model_format.ARCHITECTURES)."""

from __future__ import annotations

from torch import nn

from trainer.settings import ARCHITECTURES  # noqa: F401  (re-exported)


def dense_net(outputs: int, hidden: tuple[int, ...] = (512, 256),
              dropout: float = 0.2) -> nn.Sequential:
    """A multilayer perceptron: sees the image as 784 unrelated numbers; `outputs` logits."""
    layers: list[nn.Module] = [nn.Flatten()]
    width = 28 * 28
    for size in hidden:
        layers += [nn.Linear(width, size), nn.ReLU(inplace=True), nn.Dropout(dropout)]
        width = size
    layers.append(nn.Linear(width, outputs))
    return nn.Sequential(*layers)


def _conv_block(channels_in: int, channels_out: int) -> list[nn.Module]:
    """Two 3x3 convolutions with batch norm, then 2x2 max-pooling (the VGG pattern)."""
    return [
        nn.Conv2d(channels_in, channels_out, 3, padding=1, bias=False),
        nn.BatchNorm2d(channels_out),
        nn.ReLU(inplace=True),
        nn.Conv2d(channels_out, channels_out, 3, padding=1, bias=False),
        nn.BatchNorm2d(channels_out),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(2),
    ]


def cnn(outputs: int, widths: tuple[int, int] = (32, 64), hidden: int = 128,
        dropout: float = 0.3) -> nn.Sequential:
    """Small VGG-style CNN: 28x28 -> 14x14 -> 7x7 feature maps, then a dense head."""
    first, second = widths
    return nn.Sequential(
        *_conv_block(1, first),
        *_conv_block(first, second),
        nn.Flatten(),
        nn.Dropout(dropout),
        nn.Linear(second * 7 * 7, hidden, bias=False),
        nn.BatchNorm1d(hidden),
        nn.ReLU(inplace=True),
        nn.Dropout(dropout),
        nn.Linear(hidden, outputs),
    )


def build_model(architecture: str, dropout: float | None, outputs: int) -> nn.Sequential:
    """The named architecture with `outputs` logits (the classes, plus one for "none of these"
    when the model learns to reject); `dropout` None keeps the architecture's own default."""
    options: dict = {} if dropout is None else {"dropout": dropout}
    if architecture == "dense":
        return dense_net(outputs, **options)
    if architecture == "cnn":
        return cnn(outputs, **options)
    raise ValueError(f"unknown architecture {architecture!r}; choose from {ARCHITECTURES}")


def describe(model: nn.Module) -> str:
    """One line per layer, for the model's metadata and the app's About-this-model text."""
    return " -> ".join(type(layer).__name__ for layer in model.children())


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
