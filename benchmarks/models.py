"""For every shipped model: test accuracy recomputed from the ONNX file with ONNX Runtime,
parameter count, file size, and single-image latency of ONNX Runtime against PyTorch eager on
the same weights in the same run.

    python benchmarks/models.py [--runs 2000]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnx import numpy_helper

from desktop.model_format import DATASETS, ModelMetadata
from trainer.data import default_data_dir, load_official
from trainer.export import WithSoftmax
from trainer.models import build_model

MODELS = Path(__file__).resolve().parents[1] / "resources" / "models"


def torch_model_from_onnx(path: Path, info: ModelMetadata) -> torch.nn.Module:
    """Rebuild the PyTorch model from the ONNX weights (the exporter keeps the parameter names).

    The exporter folds each batch norm into the layer before it (`<layer>.weight_bias`), so the
    rebuilt eager model does the same: batch norms become identities, the layers get the bias.
    """
    weights = {i.name: numpy_helper.to_array(i) for i in onnx.load(str(path)).graph.initializer}
    # One more logit than classes when the model can say "none of these".
    outputs = len(info.classes) + (info.reject_threshold is not None)
    model = build_model(info.architecture, None, outputs, binary=info.task is not None)
    for name, layer in list(model.named_modules()):
        if isinstance(layer, torch.nn.Conv2d | torch.nn.Linear):
            layer.weight.data = torch.from_numpy(weights[f"model.{name}.weight"].copy())
            bias = weights.get(f"model.{name}.bias", weights.get(f"model.{name}.weight_bias"))
            if bias is not None:
                layer.bias = torch.nn.Parameter(torch.from_numpy(bias.copy()))
        elif isinstance(layer, torch.nn.BatchNorm1d | torch.nn.BatchNorm2d):
            parent, _, child = name.rpartition(".")
            setattr(model.get_submodule(parent), child, torch.nn.Identity())
    # The graph's own ending: softmax over the classes at the calibration temperature.
    return WithSoftmax(model, len(info.classes), info.temperature).eval()


def median_latency(run, runs: int) -> float:
    for _ in range(50):
        run()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--data-dir", type=Path, default=default_data_dir())
    args = parser.parse_args()
    torch.set_num_threads(1)  # the app runs one image at a time on one thread
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    print(f"{'model':<30}{'test acc':>10}{'params':>10}{'size':>9}{'ORT':>10}{'torch':>10}"
          f"{'torch/ORT':>11}")
    for folder in sorted(p for p in MODELS.iterdir() if (p / "model.onnx").exists()):
        print(measure(folder / "model.onnx", options, args.data_dir, args.runs))


def measure(path: Path, options: ort.SessionOptions, data_dir: Path, runs: int) -> str:
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    # What the app asks for: the probabilities (and "outlier"), not the layer views.
    answers = [o.name for o in session.get_outputs() if not o.name.startswith("layer_")]
    info = ModelMetadata.from_strings(session.get_modelmeta().custom_metadata_map, path)
    test = load_official(DATASETS[info.dataset], data_dir, train=False)
    images = ((test.images.numpy()[:, None] / 255.0 - info.mean) / info.std)
    images = images.astype(np.float32)
    predicted = np.concatenate([session.run(answers, {"image": images[i:i + 1000]})[0]
                                for i in range(0, len(images), 1000)]).argmax(1)
    labels = test.labels.numpy()
    if info.task is not None:  # a binary model answers yes (1) or no (0)
        labels = np.array(info.task.binary_labels(labels))
    accuracy = float((predicted == labels).mean())

    model = torch_model_from_onnx(path, info)
    with torch.inference_mode():
        eager = model(torch.from_numpy(images[:256]))
    eager = (eager[0] if isinstance(eager, tuple) else eager).numpy()
    difference = np.abs(eager - session.run(answers, {"image": images[:256]})[0]).max()
    assert difference < 1e-4, f"rebuilt PyTorch model differs from ONNX by {difference}"
    one = images[:1]
    one_torch = torch.from_numpy(one)
    ort_s = median_latency(lambda: session.run(answers, {"image": one}), runs)
    with torch.inference_mode():
        torch_s = median_latency(lambda: model(one_torch), runs)
    return (f"{path.parent.name:<30}{accuracy:>10.2%}{info.params:>10,}"
            f"{path.stat().st_size / 1e6:>7.2f}MB{ort_s * 1e6:>8.0f}us{torch_s * 1e6:>8.0f}us"
            f"{torch_s / ort_s:>10.1f}x")

if __name__ == "__main__":
    main()
