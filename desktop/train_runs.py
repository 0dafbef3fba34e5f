"""What the Train panel's form turns into: the trainer's command line, checked field by field.

Qt-free and torch-free, so the rules are tested without widgets and the app never imports the
trainer: the panel starts `python -m trainer ARGUMENTS` as a separate process. A field left
blank means "the trainer's default for this model" (its --help lists them). The checks mirror
the trainer's own (trainer/arguments.py), so a bad value is named in the form before a process
starts instead of in a one-line error afterwards.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from pathlib import Path

from desktop.model_format import ARCHITECTURE_TITLES, ARCHITECTURES, DATASETS

TRAIN_IMAGES = 60_000  # both datasets' official training sets
SEED_MAX = 2**32 - 1
QUICK_PRESET = "quick"  # --preset quick: LeNet-5 on MNIST alone, 3 epochs, about 99 %
# What the preset chooses (trainer/presets.py), shown in the greyed-out form while it is on.
QUICK_SHOWN = dict(dataset="mnist", architecture="lenet", epochs="3", augment=False,
                   extra_data=False)
CHECK_CODE = "import torch, torchvision, trainer"  # what "the trainer is installed" means


@dataclass(frozen=True)
class TrainForm:
    """The form as the user filled it in: numbers as typed (blank: the trainer's default)."""

    dataset: str = "mnist"
    architecture: str = "cnn"
    epochs: str = ""
    batch_size: str = ""
    learning_rate: str = ""
    dropout: str = ""
    augment: bool = True
    label_smoothing: str = ""
    class_weights: bool = False
    imbalance_class: int | None = None  # None: every class as the dataset has it
    imbalance_fraction: str = ""
    val_size: str = ""
    seed: str = ""
    limit: str = ""  # train on only this many images (a quick try); blank: all
    extra_data: bool = True
    quick: bool = False  # --preset quick: dataset, architecture and numbers come from it


class FormError(ValueError):
    """The form cannot be run; `problems` holds one (field, message) pair per bad field."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(message for _, message in problems))


def _whole(text: str, label: str, low: int, high: int) -> int | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{label} must be a whole number, not {text!r}.") from None
    if not low <= value <= high:
        raise ValueError(f"{label} must be between {low:,} and {high:,}, not {value:,}.")
    return value


def _number(text: str, label: str, low: float, high: float, high_included: bool,
            low_included: bool = True) -> float | None:
    text = text.strip().replace(",", ".")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{label} must be a number, not {text!r}.") from None
    above = value >= low if low_included else value > low
    below = value <= high if high_included else value < high
    if not (math.isfinite(value) and above and below):
        low_word = "at least" if low_included else "above"
        high_word = "at most" if high_included else "below"
        raise ValueError(f"{label} must be {low_word} {low:g} and {high_word} {high:g}, "
                         f"not {text}.")
    return value


def build_arguments(form: TrainForm, out_dir: Path) -> list[str]:
    """The arguments after `python`: ["-m", "trainer", ...]. Raises FormError naming every bad
    field, so the user fixes them all at once."""
    problems: list[tuple[str, str]] = []
    options: list[str] = []

    def add(flag: str, field: str, check) -> None:
        try:
            value = check()
        except ValueError as error:
            problems.append((field, str(error)))
            return
        if value is not None:
            options.extend([flag, f"{value:g}" if isinstance(value, float) else str(value)])

    if form.quick:  # the preset chooses the dataset, the architecture and the numbers
        options += ["--preset", QUICK_PRESET]
        if form.imbalance_class is not None:
            problems.append(("imbalance_class", "The quick preset trains on every class as it "
                                                "is: choose no imbalance, or no preset."))
    else:
        if form.dataset not in DATASETS:
            problems.append(("dataset", f"There is no dataset called {form.dataset!r}."))
        options += ["--dataset", form.dataset]
        if form.architecture not in ARCHITECTURES:
            problems.append(("architecture",
                             f"There is no architecture called {form.architecture!r}."))
        options += ["--model", form.architecture]
        add("--epochs", "epochs", lambda: _whole(form.epochs, "Epochs", 1, 1000))
        add("--batch-size", "batch_size",
            lambda: _whole(form.batch_size, "The batch size", 1, TRAIN_IMAGES))
        add("--lr", "learning_rate", lambda: _number(
            form.learning_rate, "The learning rate", 0, 10, True, low_included=False))
        add("--dropout", "dropout", lambda: _number(form.dropout, "Dropout", 0, 1, False))
        if not form.augment:
            options.append("--no-augment")
    add("--label-smoothing", "label_smoothing",
        lambda: _number(form.label_smoothing, "Label smoothing", 0, 0.5, True))
    if form.imbalance_class is not None and not form.quick:
        _imbalance(form, options, problems)
    if form.class_weights:
        options.append("--class-weights")
    add("--val-size", "val_size",
        lambda: _whole(form.val_size, "The validation size", 1, TRAIN_IMAGES - 1))
    add("--seed", "seed", lambda: _whole(form.seed, "The seed", 0, SEED_MAX))
    add("--limit", "limit", lambda: _whole(form.limit, "Training images", 1, TRAIN_IMAGES))
    if not form.extra_data and not form.quick:
        options.append("--no-extra-data")
    if problems:
        raise FormError(problems)
    return ["-m", "trainer", *options, "--progress", "json", "--out-dir", str(out_dir)]


def _imbalance(form: TrainForm, options: list[str], problems: list[tuple[str, str]]) -> None:
    classes = DATASETS[form.dataset].classes if form.dataset in DATASETS else ()
    index = form.imbalance_class
    if index is None or not 0 <= index < len(classes):
        problems.append(("imbalance_class", "Choose which class to cut down."))
        return
    try:
        fraction = _number(form.imbalance_fraction, "The share of the class kept", 0, 1, True,
                           low_included=False)
    except ValueError as error:
        problems.append(("imbalance_fraction", str(error)))
        return
    if fraction is None:
        problems.append(("imbalance_fraction", f"Say how much of class {classes[index]} to "
                                               "keep, e.g. 0.05 for 5 %."))
        return
    options += ["--imbalance", f"{index}:{fraction:g}"]


def resume_arguments(arguments: list[str]) -> list[str]:
    """The same run again, continued from its last checkpoint."""
    return arguments if "--resume" in arguments else [*arguments, "--resume"]


def run_title(form: TrainForm, number: int) -> str:
    """How the panel's list of this session's runs names a run: 'Run 2: CNN, dropout 0.5'."""
    if form.quick:
        return f"Run {number}: quick preset (LeNet-5 on digits)"
    parts = [ARCHITECTURE_TITLES.get(form.architecture, form.architecture)]
    for label, text in (("epochs", form.epochs), ("lr", form.learning_rate),
                        ("dropout", form.dropout), ("smoothing", form.label_smoothing)):
        if text.strip():
            parts.append(f"{label} {text.strip()}")
    if not form.augment:
        parts.append("no augmentation")
    return f"Run {number}: " + ", ".join(parts)


# --- is the trainer there? ---------------------------------------------------------------------

def python_for_trainer() -> str | None:
    """The interpreter that runs `python -m trainer`: the app's own when it runs from source;
    None in a frozen installer, which carries neither torch nor the trainer."""
    if getattr(sys, "frozen", False):
        return None
    return sys.executable or None


def source_root() -> Path:
    """The checkout the app runs from: `python -m trainer` finds the trainer package there."""
    return Path(__file__).resolve().parents[1]


NOT_INSTALLED_TITLE = "Training needs the trainer, which is not installed here."
CHECKING = "Checking whether the trainer is installed..."
NO_RUN_YET = "No run yet: choose the settings and press Start."


def install_hint(frozen: bool) -> str:
    """What to do when the trainer (PyTorch, torchvision and the trainer package) is missing."""
    if frozen:
        return ("This installed copy of Digit Lens can use models but not train them: training "
                "needs PyTorch. To train, run Digit Lens from a source checkout: ./tests/run "
                "installs everything, or .venv/bin/pip install -e '.[train]'. Everything else "
                "in the app works without it.")
    return ("Install it into the app's Python from the source checkout: ./tests/run installs "
            "it, or run .venv/bin/pip install -e '.[train]' (PyTorch, about 1-5 GB). Everything "
            "else in the app works without it.")
