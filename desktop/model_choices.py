"""How the model picker, the Model menu and the Compare tab name and order the models.

Plain Python (no Qt): tests drive it with real model folders, the widgets only render it. Each
dataset's models come in four groups: the usual one per architecture (in ARCHITECTURES order),
then the training variants ("MLP, digit 5 cut to 5 % of training"), then the binary lab's
yes/no models ("Is it a 7? (logistic regression)"), then the user's own ("Your CNN (trained
2026-11-21, 3 epochs, lr 0.003)"). A model that cannot be used keeps its place, with the reason.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import IntEnum

from desktop.binary_task import BINARY_TASKS
from desktop.model_format import ARCHITECTURE_TITLES, ARCHITECTURES, DATASETS
from desktop.models import ModelEntry
from desktop.verdict import percent

SEPARATOR = " · "  # between a model's name and its test accuracy


class Group(IntEnum):
    """The picker's groups, in the order it lists them."""

    USUAL = 0
    VARIANT = 1
    BINARY = 2
    YOURS = 3


def architecture_title(architecture: str) -> str:
    """'cnn' -> 'CNN', 'lenet' -> 'LeNet-5'; unknown names are title-cased."""
    return ARCHITECTURE_TITLES.get(architecture, architecture.title())


def accuracy(test_accuracy: float) -> str:
    """'99.2 %', or '' when the model does not say (NaN)."""
    return percent(test_accuracy) if math.isfinite(test_accuracy) else ""


def kind_title(architecture: str, variant: str = "", question: str = "") -> str:
    """What kind of model it is, without its dataset: 'LeNet-5', 'MLP, digit 5 cut to 5 % of
    training', 'Is it a 7? (logistic regression)'."""
    title = architecture_title(architecture)
    if question:
        # One linear unit with a sigmoid is what statistics calls logistic regression.
        return f"{question} ({'logistic regression' if architecture == 'linear' else title})"
    return f"{title}, {variant}" if variant else title


@dataclass(frozen=True)
class ModelChoice:
    """One model as the picker, the Model menu and the Compare tab present it."""

    key: str  # the controller's key: "mnist-cnn", or "user:mnist-cnn" for the user's own
    dataset: str  # "mnist"
    dataset_title: str  # "Digits"
    architecture: str  # "cnn"
    kind: str  # kind_title(): "CNN", "MLP, digit 5 cut to 5 % of training", "Is it a 7? (...)"
    group: Group
    reason: str | None  # why it cannot be used; None when usable
    summary: str = ""
    test_accuracy: float = math.nan
    name: str = ""  # the entry's display name: "mnist-cnn (yours, trained 2026-11-21, ...)"
    run: str = ""  # the user's own: "trained 2026-11-21, 3 epochs, lr 0.003"

    @property
    def usable(self) -> bool:
        return self.reason is None

    @property
    def label(self) -> str:
        """Its name among its dataset's models: 'LeNet-5', 'Your CNN (trained 2026-11-21)'."""
        if self.group is Group.YOURS:
            return f"Your {self.kind}" + (f" ({self.run})" if self.run else "")
        return self.kind

    @property
    def text(self) -> str:
        """The picker's and the menu's entry: 'LeNet-5 · 99.1 %', 'Your CNN (trained ...)'."""
        score = accuracy(self.test_accuracy)
        if self.group is Group.YOURS or not (score and self.usable):
            return self.label
        return f"{self.label}{SEPARATOR}{score}"

    @property
    def title(self) -> str:
        """With its dataset, for the status bar and messages: 'Digits - LeNet-5'."""
        return f"{self.dataset_title} - {self.kind if self.group is not Group.YOURS else self.name}"

    @property
    def tooltip(self) -> str:
        if not self.usable:
            return f"{self.name} is unavailable: {self.reason}"
        score = accuracy(self.test_accuracy)
        tested = f"{score} test accuracy" if score else "test accuracy unknown"
        return f"{self.title} ({self.name}): {tested}\n{self.summary}".strip()


def model_choices(entries: Iterable[ModelEntry],
                  unusable_reason: Callable[[str], str | None]) -> list[ModelChoice]:
    """Every model folder as a choice, usable or not, in the picker's order: by dataset, then
    group, then architecture; `unusable_reason(key)` says why a model cannot be used."""
    entries = list(entries)
    titles = {e.info.dataset: e.info.dataset_title for e in entries if e.info}
    choices = [_choice(entry, titles, unusable_reason(entry.key)) for entry in entries]
    return sorted(choices, key=_order)


def _choice(entry: ModelEntry, titles: dict[str, str], reason: str | None) -> ModelChoice:
    info = entry.info
    if info is not None:
        dataset, architecture = info.dataset, info.architecture
        question = info.task.question if info.task else ""
        variant = info.variant
        title = info.dataset_title
    else:  # unreadable: place it by its folder's name, e.g. "mnist-linear-is-7"
        dataset, _, rest = entry.model_id.partition("-")
        architecture, _, extra = rest.partition("-")
        task = BINARY_TASKS.get(extra)
        question = task.question if task else ""
        variant = "" if task else extra
        title = titles.get(dataset, dataset.title())
    group = (Group.YOURS if entry.user else Group.BINARY if question
             else Group.VARIANT if variant else Group.USUAL)
    return ModelChoice(
        key=entry.key, dataset=dataset, dataset_title=title,
        architecture=architecture or entry.model_id,
        kind=kind_title(architecture or entry.model_id, variant, question), group=group,
        reason=reason, summary=info.summary if info else "",
        test_accuracy=info.test_accuracy if info else math.nan, name=entry.display_name,
        run=entry.run)


def _order(choice: ModelChoice) -> tuple:
    def rank(value: str, order: tuple[str, ...]) -> int:
        return order.index(value) if value in order else len(order)

    return (rank(choice.dataset, tuple(DATASETS)), choice.group,
            rank(choice.architecture, ARCHITECTURES), choice.key)


def datasets(choices: list[ModelChoice]) -> list[tuple[str, str]]:
    """(dataset, title) of the datasets that have models, in order."""
    seen: dict[str, str] = {}
    for choice in choices:
        seen.setdefault(choice.dataset, choice.dataset_title)
    return list(seen.items())


def dataset_tooltip(title: str, choices: list[ModelChoice]) -> str:
    """A dataset button's tooltip; `choices` are that dataset's models."""
    usable = [c for c in choices if c.usable]
    if usable:
        return f"Recognise {title.lower()}: {len(usable)} model{'s' if len(usable) > 1 else ''}"
    return "No usable model: " + " ".join(f"{c.name}: {c.reason}" for c in choices)


def first_of_dataset(choices: list[ModelChoice], dataset: str,
                     current: ModelChoice | None) -> ModelChoice | None:
    """The model to switch to when the user picks another dataset: the same kind of model as
    the current one if that dataset has it usable, else its first usable model."""
    usable = [c for c in choices if c.dataset == dataset and c.usable]
    if current is not None:
        same = [c for c in usable
                if (c.group, c.architecture) == (current.group, current.architecture)]
        usable = same + usable
    return usable[0] if usable else None
