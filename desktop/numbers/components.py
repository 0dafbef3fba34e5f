"""Connected components of a mask (8-neighbours): strokes that touch are one component. Used
to tell apart neighbouring digits that share columns without touching."""

from __future__ import annotations

from desktop.lazy_imports import np


def label(mask: np.ndarray) -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
    """Connected components (8-neighbours) of a mask: a label image (0 = background, 1..n)
    and each component's (left, right, top, bottom). Works on runs of pixels in rows, so it
    is fast in numpy: runs in neighbouring rows that touch are joined (union-find)."""
    height, width = mask.shape
    padded = np.zeros((height, width + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    steps = np.diff(padded, axis=1)
    rows, starts = np.nonzero(steps == 1)
    _, ends = np.nonzero(steps == -1)  # row-major order: the n-th end closes the n-th start
    stride = width + 3
    start_keys, end_keys = rows * stride + starts, rows * stride + ends
    # Runs of the row above that touch run j: end >= start_j and start <= end_j.
    first = np.searchsorted(end_keys, (rows - 1) * stride + starts, side="left")
    last = np.searchsorted(start_keys, (rows - 1) * stride + ends, side="right")
    parent = list(range(len(rows)))

    def root(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for run, (low, high) in enumerate(zip(first.tolist(), last.tolist(), strict=True)):
        for above in range(low, high):
            a, b = root(above), root(run)
            if a != b:
                parent[max(a, b)] = min(a, b)
    roots = np.array([root(run) for run in range(len(rows))], dtype=int)
    _, run_labels = np.unique(roots, return_inverse=True)
    run_labels = run_labels + 1
    lengths = ends - starts
    labels = np.zeros(height * width, dtype=np.int32)
    offsets = np.repeat(rows * width + starts - np.cumsum(lengths) + lengths, lengths)
    labels[offsets + np.arange(int(lengths.sum()))] = np.repeat(run_labels, lengths)
    count = int(run_labels.max()) if len(rows) else 0
    lefts = np.full(count + 1, width)
    rights = np.zeros(count + 1, dtype=int)
    tops = np.full(count + 1, height)
    bottoms = np.zeros(count + 1, dtype=int)
    np.minimum.at(lefts, run_labels, starts)
    np.maximum.at(rights, run_labels, ends)
    np.minimum.at(tops, run_labels, rows)
    np.maximum.at(bottoms, run_labels, rows + 1)
    boxes = [(int(lefts[i]), int(rights[i]), int(tops[i]), int(bottoms[i]))
             for i in range(1, count + 1)]
    return labels.reshape(height, width), boxes

