"""Training data beyond MNIST / Fashion-MNIST, so the shipped models read how the world writes
and can say "that is not one of my classes".

Digits get, besides MNIST: generated handwriting in the TRAIN style families (trainer.handwriting),
the first PEN_TRAIN_ROWS real pen-tablet digits of ../shared/handwriting (the rest is only ever
measured), and MNIST digits turned into old-scanner pictures. Both datasets get an extra class,
"none of these": letters, words, scribbles and shapes, plus the other dataset's images (clothing
for the digit models, digits for the clothing models).

Everything passes through the app's own preprocessing, and is cached: generating it takes a
minute, so a second run starts at once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from trainer import files
from trainer import handwriting as hw
from trainer.data import DATASETS, DatasetSpec, Split, Splits, load_official
from trainer.drawing import scan_like

log = logging.getLogger(__name__)

GENERATOR_VERSION = 2  # bump when the generated data changes, to refresh caches
PEN_TRAIN_ROWS = 4000  # the remaining 3,494 rows of the pen-tablet file are held out
PENDIGITS_ENV = "DIGIT_LENS_HANDWRITING"


@dataclass(frozen=True)
class ExtraCounts:
    """How many extra pictures of each kind join the training split (validation: a tenth)."""

    synthetic: int
    pen_renderings: int  # renderings of each pen-tablet training digit
    scans: int
    negatives: int
    other_dataset: int


FULL = {"mnist": ExtraCounts(synthetic=12_000, pen_renderings=1, scans=6_000, negatives=18_000,
                             other_dataset=4_000),
        "fashion": ExtraCounts(synthetic=3_000, pen_renderings=0, scans=0, negatives=8_000,
                               other_dataset=6_000)}


def pendigits_path() -> Path | None:
    """The real pen-tablet digits, if this machine has them (the project's shared folder)."""
    if os.environ.get(PENDIGITS_ENV):
        path = Path(os.environ[PENDIGITS_ENV])
    else:
        shared = Path(__file__).resolve().parents[2] / "shared"
        path = shared / "handwriting" / "pendigits-train.csv"
    return path if path.is_file() else None


def add_extras(splits: Splits, spec: DatasetSpec, data_dir: Path, seed: int,
               cache_dir: Path, fraction: float = 1.0) -> Splits:
    """The splits with the extra pictures added to training and validation (test untouched).
    `fraction` scales every count (for quick runs with --limit)."""
    full = FULL[spec.key]
    scaled = ExtraCounts(
        synthetic=round(full.synthetic * fraction), pen_renderings=full.pen_renderings,
        scans=round(full.scans * fraction), negatives=round(full.negatives * fraction),
        other_dataset=round(full.other_dataset * fraction))
    pen_rows = PEN_TRAIN_ROWS if fraction >= 1 else max(10, round(PEN_TRAIN_ROWS * fraction))
    key = json.dumps([GENERATOR_VERSION, spec.key, seed, scaled.__dict__, pen_rows,
                      str(pendigits_path())])
    cache = cache_dir / f"{spec.key}-{hashlib.sha256(key.encode()).hexdigest()[:16]}.pt"
    if cache.is_file():
        try:
            extra = torch.load(cache, weights_only=True)
        except Exception:  # a damaged cache is simply made again
            extra = None
        if extra is not None:
            return _merged(splits, extra)
    log.debug(f"generating extra training pictures for {spec.key} (cached in {cache_dir}) ...")
    extra = _generate(spec, data_dir, seed, scaled, pen_rows, splits)
    with files.atomic_write(cache) as file:
        torch.save(extra, file)
    return _merged(splits, extra)


def _merged(splits: Splits, extra: dict) -> Splits:
    def join(split: Split, part: str) -> Split:
        return Split(torch.cat([split.images, extra[f"{part}_images"]]),
                     torch.cat([split.labels, extra[f"{part}_labels"]]))

    return Splits(train=join(splits.train, "train"), val=join(splits.val, "val"), test=splits.test)


def _generate(spec: DatasetSpec, data_dir: Path, seed: int, counts: ExtraCounts, pen_rows: int,
              splits: Splits) -> dict:
    recipe, background = spec.recipe, len(spec.classes)
    rng = np.random.default_rng(seed + 7919)
    parts: dict[str, tuple[list, list]] = {"train": ([], []), "val": ([], [])}

    def add(part: str, images: np.ndarray, labels: np.ndarray | int) -> None:
        parts[part][0].append(torch.from_numpy(np.ascontiguousarray(images)))
        label_array = np.full(len(images), labels) if np.isscalar(labels) else labels
        parts[part][1].append(torch.as_tensor(label_array, dtype=torch.int64))

    for part, share, part_seed in (("train", 1.0, seed * 31 + 1), ("val", 0.1, seed * 31 + 2)):
        n_syn, n_neg = round(counts.synthetic * share), round(counts.negatives * share)
        n_other = round(counts.other_dataset * share)
        if n_syn:
            drawings = list(hw.synthetic_digits(n_syn, part_seed, held_out=False,
                                                scan_fraction=0.2 if spec.key == "mnist" else 0))
            images = hw.preprocess_all((g for _, _, g in drawings), recipe)
            labels = np.array([d for d, _, _ in drawings])
            add(part, images, labels if spec.key == "mnist" else background)
            log.debug(f"  {part}: {n_syn} generated digits")
        if n_neg:
            images = hw.preprocess_all((g for _, g in hw.negatives(n_neg, part_seed + 5)), recipe)
            add(part, images, background)
            log.debug(f"  {part}: {n_neg} generated letters, words, scribbles and shapes")
        if n_other:
            other = DATASETS["fashion" if spec.key == "mnist" else "mnist"]
            pictures = load_official(other, data_dir, train=True).images
            chosen = rng.choice(len(pictures), n_other, replace=False)
            # The other dataset's images as a user would show them: dark on white paper.
            grays = (1.0 - pictures[int(i)].numpy() / 255.0 for i in chosen)
            add(part, hw.preprocess_all(grays, recipe), background)
            log.debug(f"  {part}: {n_other} {other.title.lower()} pictures as 'none of these'")
        if part == "train" and counts.scans:
            # MNIST digits as an old scanner stores them (box stretched, black and white).
            chosen = rng.choice(len(splits.train), counts.scans, replace=False)
            grays = (scan_like(1.0 - splits.train.images[int(i)].numpy() / 255.0, rng)
                     for i in chosen)
            add(part, hw.preprocess_all(grays, recipe), splits.train.labels[chosen].numpy())
            log.debug(f"  train: {counts.scans} scanner-style MNIST digits")
    path = pendigits_path()
    if counts.pen_renderings and path is not None:
        points, labels = hw.read_pendigits(path)
        points, labels = points[:pen_rows], labels[:pen_rows]
        for _ in range(counts.pen_renderings):
            images = hw.preprocess_all((hw.draw_pendigit(p, rng) for p in points), recipe)
            add("train", images, labels)
        log.debug(f"  train: {pen_rows} pen-tablet digits x {counts.pen_renderings} renderings")
    elif counts.pen_renderings:
        log.warning("note: no pen-tablet handwriting found; training without it")
    return {f"{part}_{kind}": torch.cat(parts[part][k]) if parts[part][k]
            else torch.zeros((0, 28, 28) if kind == "images" else (0,),
                             dtype=torch.uint8 if kind == "images" else torch.int64)
            for part in parts for k, kind in enumerate(("images", "labels"))}
