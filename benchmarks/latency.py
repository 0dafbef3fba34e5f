"""How long the app takes to answer a drawing: canvas conversion, preprocessing + inference on a
drawn 280x280 canvas for every model (median and 95th percentile of many runs), model
discovery, and session creation per model.

    .venv/bin/python -m benchmarks.latency [--runs 2000]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from benchmarks.strokes import Style, render_digit
from desktop import models, paths
from desktop.image_io import from_qimage


def timings_ms(action: Callable[[], object], runs: int) -> np.ndarray:
    action()  # warm-up: first-run allocations are not what the user feels on every stroke
    times = np.empty(runs)
    for i in range(runs):
        start = time.perf_counter()
        action()
        times[i] = time.perf_counter() - start
    return times * 1000


def line(label: str, times: np.ndarray) -> str:
    return (f"{label:34s} median {np.median(times):7.3f} ms   "
            f"p95 {np.percentile(times, 95):7.3f} ms   (n={len(times)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    args = parser.parse_args()
    canvas = render_digit(3, "round", Style(width=20, size=0.7, slant=8))
    gray = from_qimage(canvas)
    print(line("canvas QImage -> gray (image_io)", timings_ms(lambda: from_qimage(canvas),
                                                              args.runs)))
    print(line("discover(models)", timings_ms(lambda: models.discover(paths.models_dir()), 20)))
    for entry in models.discover(paths.models_dir()):
        if not entry.available:
            print(f"{entry.model_id}: unavailable ({entry.error})")
            continue
        starts = []
        for _ in range(5):
            start = time.perf_counter()
            classifier = models.Classifier(entry.info)
            starts.append(time.perf_counter() - start)
        print(f"{entry.model_id:12s} session creation median {1000 * np.median(starts):.1f} ms")
        image = classifier.classify(gray).model_input
        print(line(f"{entry.model_id:12s} preprocess + inference",
                   timings_ms(lambda c=classifier: c.classify(gray), args.runs)))
        print(line(f"{entry.model_id:12s}   inference only",
                   timings_ms(lambda c=classifier, i=image: c.predict_model_input(i), args.runs)))


if __name__ == "__main__":
    main()
