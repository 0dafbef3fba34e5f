"""Figures measured outside training, per model, for the Compare tab: `resources/benchmarks.json`.

The benchmarks write it in this shape (today one set, the held-out handwriting):

    {"handwriting": {"title": "real pen-tablet digits never trained on", "count": 3494,
                     "measured": "2026-12-05", "accuracy": {"mnist-cnn": 0.969, ...}}}

Read with bounds (desktop.bounded_io). A missing or damaged file, or a damaged set, means "no
figures", with the reason kept for the tooltip: the app never fails on it. Plain Python, no Qt.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from desktop import paths
from desktop.bounded_io import describe_os_error, read_file_bounded, read_json_bounded

FILE_NAME = "benchmarks.json"
MAX_BYTES = 1 << 20  # a figure per model and set: a few kB
HANDWRITING = "handwriting"


def default_file() -> Path:
    return paths.resources_dir() / FILE_NAME


@dataclass(frozen=True)
class BenchmarkSet:
    """One measured set: what it is and each model's accuracy on it (0..1)."""

    title: str
    count: int | None
    measured: str  # the date, as written
    accuracy: dict[str, float] = field(default_factory=dict)
    unusable: frozenset[str] = frozenset()  # models whose figure is not an accuracy in 0..1

    def describe(self) -> str:
        """'3,494 real pen-tablet digits never trained on, measured 2026-12-05'."""
        count = f"{self.count:,} " if self.count else ""
        when = f", measured {self.measured}" if self.measured else ""
        return f"{count}{self.title}{when}"


@dataclass(frozen=True)
class Figures:
    """The sets read from the file; `problem` says why there are none (missing, damaged)."""

    sets: dict[str, BenchmarkSet] = field(default_factory=dict)
    problem: str = ""
    source: Path | None = None

    def accuracy(self, set_name: str, key: str) -> tuple[float | None, str]:
        """(accuracy, '') or (None, why there is no figure), for a model key."""
        found = self.sets.get(set_name)
        if found is None:
            return None, self.problem or f"{self._name()} has no {set_name} figures."
        if key in found.unusable:
            return None, f"Its figure in {self._name()} is not an accuracy between 0 and 1."
        if key not in found.accuracy:
            return None, f"Not measured on {found.describe()} ({self._name()})."
        return found.accuracy[key], ""

    def _name(self) -> str:
        return str(self.source) if self.source else FILE_NAME


def read_figures(path: Path | None = None) -> Figures:
    """The figures in `path` (default: resources/benchmarks.json); never raises."""
    path = Path(path) if path is not None else default_file()
    try:
        document = read_json_bounded(read_file_bounded(path, MAX_BYTES), MAX_BYTES)
    except FileNotFoundError:
        return Figures(problem=f"No benchmark figures: {path} does not exist.", source=path)
    except OSError as error:
        return Figures(problem=f"No benchmark figures: {path} cannot be read "
                               f"({describe_os_error(error)}).", source=path)
    except ValueError as error:  # invalid JSON, beyond the limits, not UTF-8
        return Figures(problem=f"No benchmark figures: {path} is damaged ({error}).",
                       source=path)
    if not isinstance(document, dict):
        return Figures(problem=f"No benchmark figures: {path} is not a JSON object.",
                       source=path)
    sets, problems = {}, []
    for name, entry in document.items():
        try:
            sets[str(name)] = _benchmark_set(entry)
        except ValueError as error:
            problems.append(f"its {name!r} set is damaged ({error})")
    problem = f"{path}: {'; '.join(problems)}." if problems else ""
    return Figures(sets, problem, path)


def _benchmark_set(entry: object) -> BenchmarkSet:
    """One set, checked: ValueError saying what is wrong."""
    if not isinstance(entry, dict):
        raise ValueError("not a JSON object")
    title, measured, count = entry.get("title", ""), entry.get("measured", ""), entry.get("count")
    if not (isinstance(title, str) and isinstance(measured, str)
            and len(title) <= 200 and len(measured) <= 40):
        raise ValueError("its title or date is not a short text")
    if count is not None and not (isinstance(count, int) and not isinstance(count, bool)
                                  and count >= 0):
        raise ValueError("its count is not a whole number")
    accuracy = entry.get("accuracy")
    if not isinstance(accuracy, dict):
        raise ValueError("it has no accuracy per model")
    checked, unusable = {}, set()
    for key, value in accuracy.items():
        if (isinstance(value, (int, float)) and not isinstance(value, bool)
                and math.isfinite(value) and 0 <= value <= 1):
            checked[str(key)] = float(value)
        else:
            unusable.add(str(key))
    return BenchmarkSet(title.strip(), count, measured.strip(), checked, frozenset(unusable))
