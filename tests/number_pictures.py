"""Pictures of numbers for the tests: real MNIST test digits (read with numpy from the idx
files) pasted side by side."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def mnist_test(data_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    raw = data_dir / "MNIST" / "raw"
    images = np.fromfile(raw / "t10k-images-idx3-ubyte", dtype=np.uint8, offset=16)
    labels = np.fromfile(raw / "t10k-labels-idx1-ubyte", dtype=np.uint8, offset=8)
    return images.reshape(-1, 28, 28).astype(np.float32) / 255, labels


def trimmed(ink: np.ndarray) -> np.ndarray:
    rows = np.flatnonzero(ink.max(axis=1) > 0.1)
    cols = np.flatnonzero(ink.max(axis=0) > 0.1)
    return ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]


def compose(pieces: list[np.ndarray], gaps: list[int], offsets: list[int]) -> tuple:
    """White-on-black ink pieces pasted left to right; returns (dark-on-white picture,
    [(left, right) column span of every piece])."""
    margin = 12
    width = sum(p.shape[1] for p in pieces) + sum(gaps) + 2 * margin
    height = max(p.shape[0] for p in pieces) + 2 * max(map(abs, offsets)) + 2 * margin
    sheet = np.zeros((height, width), dtype=np.float32)
    spans, x = [], margin
    for piece, gap, offset in zip(pieces, [*gaps, 0], offsets, strict=True):
        top = (height - piece.shape[0]) // 2 + offset
        region = sheet[top:top + piece.shape[0], x:x + piece.shape[1]]
        np.maximum(region, piece, out=region)
        spans.append((x, x + piece.shape[1]))
        x += piece.shape[1] + gap
    return 1.0 - sheet, spans
