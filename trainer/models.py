"""Every architecture the app compares, simplest first (their names and order are in the
model-folder contract, desktop.model_format.ARCHITECTURES): the course's classic models
(softmax regression, two multilayer perceptrons, LeNet-5, a small ResNet) beside the app's own
dense network and VGG-style CNN. The parameter counts the course quotes are those of the plain
10-class models; tests/test_trainer_units.py checks them."""

from __future__ import annotations

import torch
from torch import nn

from trainer.settings import ARCHITECTURES, DEFAULT_DROPOUT


def dense_net(outputs: int, hidden: tuple[int, ...] = (512, 256),
              dropout: float = 0.2) -> nn.Sequential:
    """A multilayer perceptron: sees the image as 784 unrelated numbers; `outputs` logits.
    No hidden layer is softmax regression; dropout 0 adds no dropout layers (the course's
    networks have none)."""
    layers: list[nn.Module] = [nn.Flatten()]
    width = 28 * 28
    for size in hidden:
        layers += [nn.Linear(width, size), nn.ReLU(inplace=True)]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
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


def lenet(outputs: int, dropout: float = 0.0) -> nn.Sequential:
    """LeNet-5 on 28x28: the first convolution padded by 2 sees the 32x32 field LeCun's had;
    ReLU and max-pooling, as courses train it today (61,706 parameters with 10 outputs)."""
    head: list[nn.Module] = [nn.Linear(16 * 5 * 5, 120), nn.ReLU(inplace=True),
                             nn.Linear(120, 84), nn.ReLU(inplace=True)]
    if dropout > 0:
        head.append(nn.Dropout(dropout))
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(inplace=True), nn.MaxPool2d(2),  # 6 x 14x14
        nn.Conv2d(6, 16, 5), nn.ReLU(inplace=True), nn.MaxPool2d(2),  # 16 x 5x5
        nn.Flatten(), *head, nn.Linear(84, outputs))


class ResidualBlock(nn.Module):
    """Two 3x3 convolutions with batch norm whose output is added to the block's input (a 1x1
    convolution adapts the input when the block changes the width or the resolution)."""

    def __init__(self, channels_in: int, channels_out: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels_in, channels_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels_out)
        self.conv2 = nn.Conv2d(channels_out, channels_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels_out)
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or channels_in != channels_out:
            self.shortcut = nn.Sequential(
                nn.Conv2d(channels_in, channels_out, 1, stride, bias=False),
                nn.BatchNorm2d(channels_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(out)) + self.shortcut(x))


def resnet(outputs: int, widths: tuple[int, int] = (32, 64),
           dropout: float = 0.0) -> nn.Sequential:
    """A small ResNet: a stem convolution and pooling to 14x14, three residual blocks
    (14x14, then 7x7 at twice the width), global average pooling and one dense layer: about
    10 M multiply-adds per image, half the CNN's. Widths 16, 32 train four times faster but
    stopped at 99.23 % (MNIST, 6 epochs) and 90.57 % (Fashion-MNIST, 10 epochs)."""
    first, second = widths
    head: list[nn.Module] = [nn.Dropout(dropout)] if dropout > 0 else []
    return nn.Sequential(
        nn.Conv2d(1, first, 3, padding=1, bias=False), nn.BatchNorm2d(first),
        nn.ReLU(inplace=True), nn.MaxPool2d(2),
        ResidualBlock(first, first), ResidualBlock(first, second, stride=2),
        ResidualBlock(second, second),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), *head, nn.Linear(second, outputs))


class OneLogit(nn.Module):
    """A binary model (logistic regression when the network is linear) in the shape of a
    two-class one: the network gives one logit z, the model returns the logits [0, z].
    softmax([0, z]) = [1 - sigmoid(z), sigmoid(z)], so cross-entropy on them is binary
    cross-entropy with a sigmoid output, and every part of the trainer (training, temperature,
    export, confusion matrix) works unchanged on the classes (no, yes)."""

    def __init__(self, network: nn.Module) -> None:
        super().__init__()
        self.network = network

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.network(x)
        return torch.cat([torch.zeros_like(z), z], dim=1)


_BUILDERS = {
    "linear": lambda outputs, dropout: dense_net(outputs, hidden=(), dropout=dropout),
    "mlp": lambda outputs, dropout: dense_net(outputs, hidden=(128,), dropout=dropout),
    "deep": lambda outputs, dropout: dense_net(outputs, hidden=(100, 50, 50, 25, 25),
                                               dropout=dropout),
    "dense": lambda outputs, dropout: dense_net(outputs, dropout=dropout),
    "lenet": lenet,
    "cnn": lambda outputs, dropout: cnn(outputs, dropout=dropout),
    "resnet": resnet,
}


def build_model(architecture: str, dropout: float | None, outputs: int,
                binary: bool = False) -> nn.Module:
    """The named architecture with `outputs` logits (the classes, plus one for "none of these"
    when the model learns to reject); `dropout` None keeps the architecture's own default.
    `binary`: one logit wrapped by OneLogit, so the model still gives two (`outputs` is 2)."""
    if architecture not in _BUILDERS:
        raise ValueError(f"unknown architecture {architecture!r}; choose from {ARCHITECTURES}")
    rate = DEFAULT_DROPOUT[architecture] if dropout is None else dropout
    if binary:
        return OneLogit(_BUILDERS[architecture](1, dropout=rate))
    return _BUILDERS[architecture](outputs, dropout=rate)


def describe(model: nn.Module) -> str:
    """One line per layer, for the model's metadata and the app's About-this-model text."""
    if isinstance(model, OneLogit):
        return f"{describe(model.network)} -> sigmoid"
    return " -> ".join(type(layer).__name__ for layer in model.children())


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
