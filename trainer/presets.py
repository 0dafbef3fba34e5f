"""Named presets (`--preset NAME`): a whole recipe under one word, for the app's Train panel.
A preset chooses the dataset, the architecture and the settings; options given beside it still
win. Its models get their own id (model_id(dataset, architecture, NAME): `mnist-lenet-quick`),
so a preset never overwrites the usual model of that architecture. Torch-free.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Preset:
    name: str  # the model id's variant part
    dataset: str
    architecture: str
    # What it sets over the architecture's defaults (trainer.settings.DEFAULTS).
    settings: dict = field(default_factory=dict)
    variant: str = ""  # how the training differs, in words (ModelMetadata.variant)


PRESETS: dict[str, Preset] = {
    # About 10 s of training on a 2-core CPU for 99 % MNIST test accuracy (README, "Measured
    # figures"): LeNet-5 on the dataset alone (10 outputs), no augmentation, 3 epochs of a
    # one-cycle schedule peaking at a high rate; a few hundred batch events an epoch, so the
    # progress is visible live.
    "quick": Preset("quick", "mnist", "lenet",
                    dict(epochs=3, batch_size=128, lr=1e-2, augment=False, extra_data=False),
                    "quick preset"),
}
