"""Training time to 99 % MNIST test accuracy: our recipe against the fastest public one we know,
in the same run, alternating per seed (ours, peer, ours, peer, ...) so both see the same load.

The peer is "Training a NN to 99 % accuracy on MNIST in 0.76 seconds" (tuomaso/train_mnist_fast
on GitHub, 0.76 s on a laptop GTX 1660 Ti), written here from the README's step-by-step
description, not from its code. What that description gives, and so what `peer_cnn` and
`train_peer` do:

- the data as one tensor in memory, scaled to 0..1 and normalised with MNIST's mean 0.1307 and
  standard deviation 0.3081 (PyTorch's MNIST example, which it starts from), prepared once;
- conv 5x5, 1 -> 24 channels; 2x2 max pool before the ReLU; conv 3x3, 24 -> 32; 2x2 max pool;
  ReLU; dense 800 -> 256; ReLU; dense 256 -> 10; no dropout and no batch norm;
- one epoch in shuffled batches of 256 (the last one partial), cross-entropy loss;
- Adam with learning rate 0.01, beta1 0.7 and beta2 0.9, under a one-cycle schedule peaking at
  0.01 (PyTorch's OneCycleLR with its defaults, except that it does not cycle the momentum,
  which would overwrite the beta1 of 0.7 the description insists on).

It runs in float32 and the default (NCHW) memory layout, as a straight PyTorch reading of that
description does; `--peer-channels-last` gives it the NHWC layout that suits oneDNN's CPU
convolutions, for a peer tuned for this CPU in the layout alone.

Ours (`compact_cnn`, about 30k weights): the central 20x20 of each image (MNIST's digits were
fitted into a 20x20 box, then centred by mass in the 28x28 frame); conv 5x5 with stride 2,
1 -> 16 channels (20 -> 10 pixels); conv 3x3, 16 -> 32, then 2x2 max pool (10 -> 5); conv 3x3
unpadded, 32 -> 64 (5 -> 3); dense 576 -> 10; batch norm and ReLU after each convolution. AdamW
(weight decay 1e-4) with one-cycle to a peak of 0.03 a fifth of the way in, batches of 256,
label smoothing 0.1; channels-last tensors, and bfloat16 autocast for the forward pass (the
weights, the optimiser and the loss stay float32) on a CPU that computes in bfloat16 itself
(AVX-512 BF16 or AMX). Elsewhere oneDNN emulates bfloat16, which makes each step slower than
float32 (on an AVX-512 Xeon without BF16, a median 7.5 s an epoch against 4.7 s), so ours runs
in float32 there.

For both, the data are prepared before the clock starts and only the optimisation steps of the
one epoch are timed; the test set is scored afterwards, off the clock. A few warm-up steps of
each run first, so that neither pays for oneDNN building its kernels.

    .venv/bin/python -m benchmarks.train_speed [--seeds 5] [--threads N] [--peer-channels-last]
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from trainer.data import DATASETS, default_data_dir, load_official
from trainer.models import parameter_count

GOAL_RATIO, GOAL_MEAN, GOAL_MIN = 0.5, 0.990, 0.989  # issue 14


@dataclass(frozen=True)
class Mnist:
    """Normalised N x 1 x 28 x 28 float images and their labels, held whole in memory."""

    train_images: torch.Tensor
    train_labels: torch.Tensor
    test_images: torch.Tensor
    test_labels: torch.Tensor


@dataclass(frozen=True)
class Trial:
    seconds: float  # the optimisation steps of the epoch only
    accuracy: float  # on the 10,000 test images


def native_bfloat16() -> bool:
    """Whether this CPU multiplies bfloat16 numbers itself (AVX-512 BF16 or AMX tiles), as
    PyTorch's CPU capability checks tell (private helpers, hence the fallback)."""
    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(getattr(torch.cpu, name, lambda: False)() for name in checks)


@dataclass(frozen=True)
class Ours:
    """Our recipe's knobs (the defaults are what the docstring describes)."""

    widths: tuple[int, int, int] = (16, 32, 64)
    crop: int = 20
    batch_size: int = 256
    lr: float = 3e-2
    label_smoothing: float = 0.1
    bfloat16: bool = field(default_factory=native_bfloat16)


def load_mnist(data_dir: Path) -> Mnist:
    spec = DATASETS["mnist"]
    train, test = load_official(spec, data_dir, True), load_official(spec, data_dir, False)

    def normalised(images: torch.Tensor) -> torch.Tensor:
        return (images.unsqueeze(1).float() / 255 - 0.1307) / 0.3081

    return Mnist(normalised(train.images), train.labels, normalised(test.images), test.labels)


class FlattenChannelsLast(nn.Module):
    """Flatten in the channels-last order the activations are stored in: a free view, and the
    gradient flows back channels-last (nn.Flatten would copy, and hand the layers below a
    gradient in the other layout, which they first convert)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.permute(0, 2, 3, 1).flatten(1)


def compact_cnn(widths: tuple[int, int, int] = (16, 32, 64), size: int = 20) -> nn.Sequential:
    """Few multiply-adds per image: the first convolution strides (20 -> 10 pixels), the second
    pools right after (10 -> 5, so batch norm and ReLU run on a quarter of the pixels), the
    third is unpadded (5 -> 3) and feeds the classifier directly."""
    first, second, third = widths
    side = ((size + 1) // 2) // 2 - 2
    return nn.Sequential(
        nn.Conv2d(1, first, 5, stride=2, padding=2, bias=False),
        nn.BatchNorm2d(first), nn.ReLU(inplace=True),
        nn.Conv2d(first, second, 3, padding=1, bias=False), nn.MaxPool2d(2),
        nn.BatchNorm2d(second), nn.ReLU(inplace=True),
        nn.Conv2d(second, third, 3, bias=False), nn.BatchNorm2d(third), nn.ReLU(inplace=True),
        FlattenChannelsLast(), nn.Linear(third * side * side, 10))


def peer_cnn() -> nn.Sequential:
    """The peer's final network as its README describes it (pooling before each ReLU)."""
    return nn.Sequential(nn.Conv2d(1, 24, 5), nn.MaxPool2d(2), nn.ReLU(),
                         nn.Conv2d(24, 32, 3), nn.MaxPool2d(2), nn.ReLU(), nn.Flatten(),
                         nn.Linear(32 * 5 * 5, 256), nn.ReLU(), nn.Linear(256, 10))


def centre(images: torch.Tensor, size: int) -> torch.Tensor:
    start = (images.shape[-1] - size) // 2
    return images[..., start:start + size, start:start + size]


def one_epoch(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, batch_size: int,
              optimizer: torch.optim.Optimizer, *, pct_start: float = 0.3,
              cycle_momentum: bool = True, bfloat16: bool = False, label_smoothing: float = 0.0,
              steps: int | None = None) -> float:
    """Seconds of one shuffled epoch (or its first `steps` batches, to warm up); the last batch
    may be partial, as a DataLoader's is. The one-cycle schedule spans exactly the epoch."""
    batches = math.ceil(len(images) / batch_size)
    peak = optimizer.param_groups[0]["lr"]
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, peak, total_steps=batches, pct_start=pct_start, cycle_momentum=cycle_momentum)
    order = torch.randperm(len(images))
    model.train()
    start = time.perf_counter()
    for step in range(batches if steps is None else steps):
        batch = order[step * batch_size:(step + 1) * batch_size]
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bfloat16):
            logits = model(images[batch])
        loss = F.cross_entropy(logits.float(), labels[batch], label_smoothing=label_smoothing)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
    return time.perf_counter() - start


def accuracy_on(model: nn.Module, images: torch.Tensor, labels: torch.Tensor,
                  bfloat16: bool = False) -> float:
    model.eval()
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bfloat16):
        predicted = torch.cat([model(images[i:i + 2000]).float().argmax(1)
                               for i in range(0, len(images), 2000)])
    return float((predicted == labels).float().mean())


def train_ours(seed: int, data: Mnist, recipe: Ours, warm_up: bool = False) -> Trial:
    layout = torch.channels_last
    train_images = centre(data.train_images, recipe.crop).contiguous(memory_format=layout)
    test_images = centre(data.test_images, recipe.crop).contiguous(memory_format=layout)
    torch.manual_seed(seed)
    model = compact_cnn(recipe.widths, recipe.crop).to(memory_format=layout)
    optimizer = torch.optim.AdamW(model.parameters(), lr=recipe.lr, weight_decay=1e-4)
    # the one-cycle schedule cycles AdamW's beta1 between 0.95 and 0.85 (its default)
    seconds = one_epoch(model, train_images, data.train_labels, recipe.batch_size, optimizer,
                        pct_start=0.2, bfloat16=recipe.bfloat16,
                        label_smoothing=recipe.label_smoothing, steps=5 if warm_up else None)
    return Trial(seconds, accuracy_on(model, test_images, data.test_labels, recipe.bfloat16))


def train_peer(seed: int, data: Mnist, channels_last: bool = False,
               warm_up: bool = False) -> Trial:
    layout = torch.channels_last if channels_last else torch.contiguous_format
    train_images = data.train_images.contiguous(memory_format=layout)
    test_images = data.test_images.contiguous(memory_format=layout)
    torch.manual_seed(seed)
    model = peer_cnn().to(memory_format=layout)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01, betas=(0.7, 0.9))
    seconds = one_epoch(model, train_images, data.train_labels, 256, optimizer,
                        cycle_momentum=False, steps=5 if warm_up else None)
    return Trial(seconds, accuracy_on(model, test_images, data.test_labels))


def summary(name: str, trials: list[Trial]) -> str:
    accuracies = [trial.accuracy for trial in trials]
    times = [trial.seconds for trial in trials]
    return (f"{name}: median {statistics.median(times):5.2f} s, test accuracy mean "
            f"{statistics.mean(accuracies):.2%}, min {min(accuracies):.2%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads(),
                        help="torch threads for both recipes (default: one per core; on a "
                             "machine busy with other jobs, 1 keeps the figures steady)")
    parser.add_argument("--batch-size", type=int, default=Ours.batch_size)
    parser.add_argument("--lr", type=float, default=Ours.lr)
    parser.add_argument("--widths", type=int, nargs=3, default=list(Ours.widths))
    parser.add_argument("--crop", type=int, default=Ours.crop, help="central square, pixels")
    parser.add_argument("--label-smoothing", type=float, default=Ours.label_smoothing)
    parser.add_argument("--precision", choices=("auto", "bfloat16", "float32"), default="auto",
                        help="ours: bfloat16 autocast or float32 (auto: bfloat16 only on a CPU "
                             "that computes in it natively)")
    parser.add_argument("--peer-channels-last", action="store_true",
                        help="run the peer in the NHWC layout too")
    parser.add_argument("--data-dir", type=Path, default=default_data_dir())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    bfloat16 = native_bfloat16() if args.precision == "auto" else args.precision == "bfloat16"
    recipe = Ours(tuple(args.widths), args.crop, args.batch_size, args.lr,
                  args.label_smoothing, bfloat16)
    data = load_mnist(args.data_dir)
    print(f"ours: compact CNN {recipe.widths} on the central {recipe.crop}x{recipe.crop}, "
          f"{parameter_count(compact_cnn(recipe.widths, recipe.crop)):,} parameters, batch "
          f"{recipe.batch_size}, AdamW + one-cycle to {recipe.lr}, label smoothing "
          f"{recipe.label_smoothing}, {'bfloat16' if recipe.bfloat16 else 'float32'}, "
          f"channels-last")
    print(f"peer: conv 24 + conv 32 + dense 256, {parameter_count(peer_cnn()):,} parameters, "
          f"batch 256, Adam(0.7, 0.9) + one-cycle to 0.01, float32, "
          f"{'channels-last' if args.peer_channels_last else 'NCHW'}")
    print(f"one epoch each, {args.threads} torch thread(s), {torch.__version__}")
    runs: list[tuple[str, Callable[..., Trial]]] = [
        ("ours", lambda seed, **kw: train_ours(seed, data, recipe, **kw)),
        ("peer", lambda seed, **kw: train_peer(seed, data, args.peer_channels_last, **kw))]
    for _, run in runs:
        run(0, warm_up=True)
    trials: dict[str, list[Trial]] = {name: [] for name, _ in runs}
    for seed in range(args.seeds):
        for name, run in runs:
            trials[name].append(run(seed))
        ours, peer = trials["ours"][-1], trials["peer"][-1]
        print(f"seed {seed}  ours {ours.seconds:5.2f} s {ours.accuracy:.2%}   "
              f"peer {peer.seconds:5.2f} s {peer.accuracy:.2%}   "
              f"ratio {ours.seconds / peer.seconds:.2f}", flush=True)
    ratio = statistics.median(ours.seconds / peer.seconds
                              for ours, peer in zip(trials["ours"], trials["peer"], strict=True))
    print(f"ours / peer: median {ratio:.2f}x of the peer's time")
    for name, _ in runs:
        print(summary(name, trials[name]))
    accuracies = [trial.accuracy for trial in trials["ours"]]
    met = (ratio <= GOAL_RATIO and statistics.mean(accuracies) >= GOAL_MEAN
           and min(accuracies) >= GOAL_MIN)
    print(f"goal (at most {GOAL_RATIO:.2f}x, mean >= {GOAL_MEAN:.1%}, no seed under "
          f"{GOAL_MIN:.1%}): {'met' if met else 'missed'}")


if __name__ == "__main__":
    main()
