"""Training time to reach 99 % MNIST test accuracy.

Reference points on this 2-core machine: the fastest public recipe we know (a small CNN, one
epoch, Adam + one-cycle, the dataset held as one tensor) needs about 7.5 s; PyTorch's MNIST
example about 4 minutes. This recipe uses the trainer's pieces (whole-dataset tensors, AdamW,
one-cycle) with a compact CNN that pools early, so each image costs few multiply-adds.
Only optimisation steps are timed; the test set is scored after every epoch, off the clock.

    python benchmarks/train_speed.py [--seeds 3]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from trainer.data import DATASETS, default_data_dir, load_official
from trainer.models import parameter_count


def compact_cnn(widths: tuple[int, int, int] = (16, 32, 64)) -> nn.Sequential:
    """Three conv blocks, each pooling right after the convolution (28 -> 14 -> 7 -> 3), so
    batch norm and ReLU run on a quarter of the pixels."""

    def block(channels_in: int, channels_out: int, kernel: int) -> list[nn.Module]:
        return [nn.Conv2d(channels_in, channels_out, kernel, padding=kernel // 2, bias=False),
                nn.MaxPool2d(2), nn.BatchNorm2d(channels_out), nn.ReLU(inplace=True)]

    first, second, third = widths
    return nn.Sequential(*block(1, first, 5), *block(first, second, 3),
                         *block(second, third, 3), nn.Flatten(), nn.Linear(third * 3 * 3, 10))


def run(seed: int, epochs: int, batch_size: int, lr: float, data_dir: Path,
        widths: tuple[int, int, int]) -> list[tuple]:
    torch.manual_seed(seed)
    spec = DATASETS["mnist"]
    train, test = load_official(spec, data_dir, True), load_official(spec, data_dir, False)
    mean, std = 0.1307, 0.3081
    x_train = ((train.images.unsqueeze(1).float() / 255 - mean) / std).contiguous(
        memory_format=torch.channels_last)
    x_test = ((test.images.unsqueeze(1).float() / 255 - mean) / std).contiguous(
        memory_format=torch.channels_last)
    model = compact_cnn(widths).to(memory_format=torch.channels_last)
    steps = epochs * (len(x_train) // batch_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, lr, total_steps=steps,
                                                   pct_start=0.2)
    clock, results = 0.0, []
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(x_train))
        start = time.perf_counter()
        for step in range(len(x_train) // batch_size):
            batch = order[step * batch_size:(step + 1) * batch_size]
            loss = F.cross_entropy(model(x_train[batch]), train.labels[batch])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
        clock += time.perf_counter() - start
        model.eval()
        with torch.inference_mode():
            predicted = torch.cat([model(x_test[i:i + 2000]).argmax(1)
                                   for i in range(0, len(x_test), 2000)])
        results.append((epoch + 1, clock, float((predicted == test.labels).float().mean())))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description="Training time to 99 % MNIST test accuracy.")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--widths", type=int, nargs=3, default=[16, 32, 64])
    parser.add_argument("--data-dir", type=Path, default=default_data_dir())
    args = parser.parse_args()
    widths = tuple(args.widths)
    print(f"compact CNN {widths}, {parameter_count(compact_cnn(widths)):,} parameters, "
          f"{torch.get_num_threads()} threads, batch {args.batch_size}, "
          f"{args.epochs} epoch(s), peak lr {args.lr}")
    for seed in range(args.seeds):
        for epoch, seconds, accuracy in run(seed, args.epochs, args.batch_size, args.lr,
                                            args.data_dir, widths):
            mark = "reached 99 %" if accuracy >= 0.99 else "below 99 %"
            print(f"seed {seed}  epoch {epoch}: {seconds:5.2f} s of training, "
                  f"test accuracy {accuracy:.2%}  ({mark})")


if __name__ == "__main__":
    main()
