"""Write a small gallery of test-set images as PNGs for the app (clothing is hard to draw).

File names carry the true class, `<index>-<class>-<test image number>.png` (made by
desktop.model_format.sample_name), so the app's self-check and the tests know what each sample
should be classified as.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torchvision.io import write_png

from desktop.model_format import sample_name
from trainer.data import DATASETS, DatasetSpec, load_official

SAMPLES_DIR = Path(__file__).resolve().parents[1] / "resources" / "samples"


def write_samples(spec: DatasetSpec, data_dir: Path, per_class: int = 2,
                  out_dir: Path = SAMPLES_DIR) -> list[Path]:
    """The first `per_class` test images of every class, inverted to look like what a user
    brings: dark ink on paper, a product photographed on a white background."""
    test = load_official(spec, data_dir, train=False)
    folder = out_dir / spec.key
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for index, name in enumerate(spec.classes):
        numbers = (test.labels == index).nonzero().flatten()[:per_class].tolist()
        for number in numbers:
            image = 255 - test.images[number]
            path = folder / sample_name(index, name, number)
            write_png(image.unsqueeze(0).to(torch.uint8), str(path), compression_level=9)
            written.append(path)
    return written


if __name__ == "__main__":
    import sys

    from trainer.data import default_data_dir

    root = Path(sys.argv[1]) if len(sys.argv) > 1 else default_data_dir()
    for spec in DATASETS.values():
        print(f"{spec.key}: {len(write_samples(spec, root))} samples")
