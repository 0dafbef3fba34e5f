"""What layer outputs cost: the bytes each shipped model gains when upgraded with
trainer.layer_outputs, whether its answers stay bit-identical, the time of a normal
classification run before and after, and the time of each layer view.

    python benchmarks/layer_outputs.py [--models-dir DIR] [--runs 2000]

The upgraded copies live in a temporary folder; the shipped models are only read.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from desktop import layers  # noqa: E402
from desktop.models import Classifier, read_info  # noqa: E402
from trainer.layer_outputs import add_layer_outputs  # noqa: E402


def timed(function, runs: int) -> tuple[float, float]:
    """Median and 95th percentile in milliseconds."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models-dir", type=Path, default=ROOT / "resources" / "models")
    parser.add_argument("--runs", type=int, default=2000)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    images = (rng.random((64, 28, 28)) > 0.8).astype(np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        for folder in sorted(p for p in args.models_dir.iterdir() if p.is_dir()):
            source = folder / "model.onnx"
            target = Path(tmp) / folder.name / "model.onnx"
            target.parent.mkdir()
            target.write_bytes(add_layer_outputs(source.read_bytes()))
            before, after = Classifier(read_info(source)), Classifier(read_info(target))
            same = all(np.array_equal(a.probabilities, b.probabilities) and a.outlier == b.outlier
                       for a, b in zip(before.predict_batch(images), after.predict_batch(images),
                                       strict=True))
            print(f"{folder.name}: {source.stat().st_size:,} -> {target.stat().st_size:,} bytes "
                  f"(+{target.stat().st_size - source.stat().st_size:,}), answers "
                  f"{'bit-identical' if same else 'DIFFERENT'}")
            # Interleave the two sessions so that machine load hits both alike.
            for label, classifier in (("before", before), ("after", after),
                                      ("before", before), ("after", after)):
                median, p95 = timed(lambda c=classifier: c.predict_model_input(images[3]),
                                    args.runs)
                print(f"  classify ({label} upgrade): median {median:.3f} ms, p95 {p95:.3f} ms")
            gray = 1.0 - np.kron(images[3], np.ones((4, 4), np.float32))
            for choice in layers.choices(after.info):
                median, p95 = timed(lambda k=choice.key, c=after, g=gray: layers.compute(c, k, g),
                                    max(20, args.runs // 20))
                print(f"  view {choice.title!r}: median {median:.2f} ms, p95 {p95:.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
