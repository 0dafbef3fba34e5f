"""The binary lab's one-vs-rest questions ("Is it a 7?"): what a binary model answers and how a
dataset's labels become its yes / no. Part of the model-folder contract (desktop.model_format
reads a model's task from its metadata entry TASK_KEY); plain Python, no Qt, no torch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class BinaryTask:
    """A one-vs-rest question asked of a dataset ("Is it a 7?"): the binary lab's models answer
    it with one sigmoid output. Their graph still gives "probabilities" [batch, 2], ordered
    (no, yes), so every view of the app works on them unchanged; `positive` says which of the
    dataset's classes count as "yes" (the test set's labels become 0/1 through it)."""

    key: str  # "is-7": the last part of the model id, "mnist-linear-is-7"
    dataset: str  # a DATASETS key
    question: str  # "Is it a 7?"
    positive: tuple[int, ...]  # the dataset's class indices that mean "yes"
    yes: str  # "7": the title of the positive class
    no: str  # "not 7"

    @property
    def classes(self) -> tuple[str, str]:
        """The model's two classes, in the order of its outputs."""
        return self.no, self.yes

    def binary_labels(self, labels: Sequence[int]) -> list[int]:
        """The dataset's labels as 0 (no) / 1 (yes)."""
        positive = set(self.positive)
        return [int(label in positive) for label in labels]

    def to_dict(self) -> dict:
        return {"kind": "binary", "key": self.key, "dataset": self.dataset,
                "question": self.question, "positive": list(self.positive), "yes": self.yes,
                "no": self.no}

    @classmethod
    def from_dict(cls, entry: object) -> BinaryTask:
        """The task stored as a JSON object; ValueError saying why it is not usable."""
        if not isinstance(entry, dict) or entry.get("kind") != "binary":
            raise ValueError("the task is not a JSON object of kind 'binary'")
        positive = entry.get("positive")
        if not (isinstance(positive, list) and positive
                and all(_whole(index) and 0 <= index < 1000 for index in positive)):
            raise ValueError("the task's positive classes are not a list of class indices")
        texts = [entry.get(name) for name in ("key", "dataset", "question", "yes", "no")]
        if not all(isinstance(text, str) and 0 < len(text) <= 120 and text.isprintable()
                   for text in texts):
            raise ValueError("the task's key, dataset, question, yes or no is not a short line")
        key, dataset, question, yes, no = texts
        return cls(key, dataset, question, tuple(positive), yes, no)


BINARY_TASKS: dict[str, BinaryTask] = {  # the binary lab's shipped questions
    "is-7": BinaryTask("is-7", "mnist", "Is it a 7?", (7,), "7", "not 7"),
    # Sandal, Sneaker, Ankle boot
    "is-shoe": BinaryTask("is-shoe", "fashion", "Is it a shoe?", (5, 7, 9), "shoe",
                          "not a shoe"),
}
