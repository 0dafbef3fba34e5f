"""Write the official MNIST and Fashion-MNIST test sets into resources/test-sets/ for the app.

    python -m trainer.test_sets [DATA_DIR] [--out-dir DIR]

The app's error browser shows the test images behind each confusion-matrix cell, and the app
has neither torch nor the internet: it reads these files with NumPy (desktop.test_sets). One
.npz per dataset: "images" uint8 (N, 28, 28) as the dataset stores them and "labels" uint8 (N,),
compressed with LZMA (Fashion-MNIST: 3.8 MB instead of 4.4 MB with np.savez_compressed's zlib;
np.load reads both). The members carry a fixed date, so the same data always give the same file.
"""

from __future__ import annotations

import argparse
import io
import zipfile
from pathlib import Path

import numpy as np

from desktop.test_sets import FOLDER, path_for
from trainer import files
from trainer.data import DATASETS, DatasetSpec, default_data_dir, load_official

TEST_SETS_DIR = Path(__file__).resolve().parents[1] / "resources" / FOLDER
FIXED_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip member can carry


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """An .npz (a zip of .npy files, as np.savez writes) compressed with LZMA."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_LZMA) as archive:
        for name, array in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=FIXED_DATE)
            info.compress_type = zipfile.ZIP_LZMA
            info.external_attr = 0o644 << 16
            archive.writestr(info, member.getvalue())
    return buffer.getvalue()


def write_test_set(spec: DatasetSpec, data_dir: Path, out_dir: Path = TEST_SETS_DIR) -> Path:
    """Write <out_dir>/<dataset>.npz from the official test files (atomically)."""
    test = load_official(spec, data_dir, train=False)
    payload = npz_bytes({"images": test.images.numpy().astype(np.uint8),
                         "labels": test.labels.numpy().astype(np.uint8)})
    path = path_for(spec.key, out_dir)
    with files.atomic_write(path, mode=0o644) as file:
        file.write(payload)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", type=Path, default=None,
                        help="folder with MNIST/raw and FashionMNIST/raw (default: "
                             "$DIGIT_LENS_DATA or the cache folder)")
    parser.add_argument("--out-dir", type=Path, default=TEST_SETS_DIR)
    args = parser.parse_args(argv)
    for spec in DATASETS.values():
        path = write_test_set(spec, args.data_dir or default_data_dir(), args.out_dir)
        print(f"{spec.key}: {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
