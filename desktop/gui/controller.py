"""The thin layer between the widgets and the models: which models exist, which one is
chosen, and one lazily created Classifier per model.

Models are known by their entry key (models.ModelEntry.key): the shipped models by their id,
the user's own retrained models by "user:<id>", so that both can be listed side by side.

Creating an ONNX Runtime session takes a while, so sessions are created on a pool thread
(the current model first, the others afterwards so switching is instant later). Classifying
one picture takes about a millisecond and happens on the UI thread.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from desktop import models, numbers
from desktop.bounded_io import describe_os_error
from desktop.gui.workers import TaskRunner
from desktop.lazy_imports import np


@dataclass(frozen=True)
class ClassifyResult:
    """What one classification produced, for the views and the status bar."""

    prediction: models.Prediction | None  # None: nothing drawn / blank picture
    seconds: float
    # Digit models: the digits read left to right when the picture holds two or more
    # (prediction is then the first digit's); None for one digit or other models.
    number: numbers.NumberReading | None = None


@dataclass(frozen=True)
class _SessionOutcome:
    key: str
    classifier: models.Classifier | None
    error: str | None


def _create_classifier(key: str, info: models.ModelInfo) -> _SessionOutcome:
    """Runs on a pool thread. Classifies one small made-up picture (a bar) so that one-time
    costs of the first run (~10 ms) are not paid by the user's first stroke."""
    try:
        classifier = models.Classifier(info)
        warm_up = np.ones((40, 40), dtype=np.float32)
        warm_up[8:32, 18:22] = 0.0
        classifier.classify(warm_up)
        return _SessionOutcome(key, classifier, None)
    except models.ModelError as error:
        return _SessionOutcome(key, None, str(error))
    except Exception as error:  # onnxruntime raises its own types for broken graphs
        return _SessionOutcome(key, None, f"The model could not be loaded: {error}")


class ModelController(QObject):
    """Knows the models in a folder, the chosen one, and their classifiers."""

    modelsChanged = Signal()  # discovery finished or a model turned out unusable
    currentModelChanged = Signal()
    classifierReady = Signal(str)  # model key
    classifierFailed = Signal(str, str)  # model key, reason

    def __init__(self, models_dir: Path, parent: QObject | None = None,
                 user_models_dir: Path | None = None, hold_sessions: bool = False) -> None:
        """With `hold_sessions`, no session is created (nor ONNX Runtime imported) until
        release_sessions(): the window holds them until its first paint."""
        super().__init__(parent)
        self._held = hold_sessions
        self._models_dir = Path(models_dir)
        self._user_models_dir = Path(user_models_dir) if user_models_dir else None
        self._entries: list[models.ModelEntry] = []
        self._current_id: str | None = None
        self._classifiers: dict[str, models.Classifier] = {}
        self._load_errors: dict[str, str] = {}
        self._loading: set[str] = set()
        self._tasks = TaskRunner(self)

    # --- discovery ----------------------------------------------------------------------------

    @property
    def models_dir(self) -> Path:
        return self._models_dir

    @property
    def user_models_dir(self) -> Path | None:
        return self._user_models_dir

    def discover(self, preferred: str | None = None) -> None:
        """(Re)read the models folders and choose `preferred` if it can be used, else the first
        usable model (or none). Reads metadata only, which is fast; models.discover reports a
        bad folder in its entry and never raises for it.

        Emits modelsChanged, then currentModelChanged once, even when the chosen key stays:
        its entry was read afresh (retrained, repaired). Starts creating the chosen model's
        session (unless sessions are held)."""
        self._entries = models.discover_all(self._models_dir, self._user_models_dir)
        # Files may have been replaced (retrained, repaired): sessions are created afresh.
        self._classifiers = {}
        self._load_errors = {}
        usable = [preferred] if preferred and self.is_usable(preferred) else []
        chosen = (usable or [e.key for e in self.usable_entries()] or [None])[0]
        self._current_id = chosen
        if chosen is not None:
            self.prepare(chosen)
        self.modelsChanged.emit()
        self.currentModelChanged.emit()

    @property
    def entries(self) -> list[models.ModelEntry]:
        return list(self._entries)

    def entry(self, key: str | None) -> models.ModelEntry | None:
        return next((e for e in self._entries if e.key == key), None)

    def is_usable(self, key: str) -> bool:
        entry = self.entry(key)
        return entry is not None and entry.available and key not in self._load_errors

    def unusable_reason(self, key: str) -> str | None:
        """Why a model cannot be used, or None when it can."""
        entry = self.entry(key)
        if entry is None:
            return f"There is no model called {key!r} in {self._models_dir}."
        if not entry.available:
            return entry.error or "The model could not be read."
        return self._load_errors.get(key)

    def usable_entries(self) -> list[models.ModelEntry]:
        return [e for e in self._entries if self.is_usable(e.key)]

    def no_models_reason(self) -> str:
        """A sentence for the window when not a single model can be used."""
        try:
            os.listdir(self._models_dir)
        except FileNotFoundError:
            return f"The models folder {self._models_dir} does not exist."
        except OSError as error:
            return (f"The models folder {self._models_dir} cannot be read: "
                    f"{describe_os_error(error)}.")
        if not self._entries:
            return f"There are no models in {self._models_dir}."
        reasons = "; ".join(
            f"{e.display_name}: {self.unusable_reason(e.key)}" for e in self._entries
        )
        return f"None of the models in {self._models_dir} can be used ({reasons})."

    # --- the current model --------------------------------------------------------------------

    @property
    def current(self) -> models.ModelEntry | None:
        return self.entry(self._current_id)

    @property
    def current_info(self) -> models.ModelInfo | None:
        entry = self.current
        return entry.info if entry is not None else None

    def select(self, key: str | None, prepare: bool = True) -> bool:
        """Make the model `key` current (if usable) and, unless told not to yet, start
        creating its session."""
        if key is None or not self.is_usable(key):
            return False
        if prepare:
            self.prepare(key)
        if key != self._current_id:
            self._current_id = key
            self.currentModelChanged.emit()
        return True

    def select_first_usable(self, preferred: str | None = None, prepare: bool = True) -> bool:
        """Select `preferred` if it can be used, else the first usable model."""
        if preferred and self.select(preferred, prepare):
            return True
        usable = self.usable_entries()
        if usable:
            return self.select(usable[0].key, prepare)
        if self._current_id is not None:
            self._current_id = None
            self.currentModelChanged.emit()
        return False

    # --- classifiers --------------------------------------------------------------------------

    def classifier(self, key: str | None = None) -> models.Classifier | None:
        """The ready classifier of a model (default: current), or None while it is loading."""
        key = key or self._current_id
        if key is None:
            return None
        found = self._classifiers.get(key)
        if found is None:
            self.prepare(key)
        return found

    def is_loading(self, key: str | None = None) -> bool:
        return (key or self._current_id) in self._loading

    def prepare(self, key: str) -> None:
        """Start creating the session of model `key` on a pool thread (once)."""
        if self._held or key in self._classifiers or key in self._loading:
            return
        entry = self.entry(key)
        if entry is None or entry.info is None or key in self._load_errors:
            return
        self._loading.add(key)
        self._tasks.start(
            _create_classifier,
            key,
            entry.info,
            on_success=self._on_session_created,
            on_failure=self._on_session_crashed,
        )

    def release_sessions(self) -> None:
        """Sessions may be created from now on (see hold_sessions); none is started here."""
        self._held = False

    def prepare_all(self) -> None:
        """Warm up every usable model so that switching later is instant."""
        for entry in self.usable_entries():
            self.prepare(entry.key)

    def classify(self, gray: np.ndarray | None) -> ClassifyResult | None:
        """Classify a grayscale picture with the current model.

        Returns None when the current model is not ready yet (or there is none); the
        classifierReady signal says when to try again.
        """
        classifier = self.classifier()
        if classifier is None:
            return None
        started = time.perf_counter()
        if gray is None:
            return ClassifyResult(None, time.perf_counter() - started)
        if not numbers.reads_digits(classifier.info):
            prediction = classifier.classify(gray)
            return ClassifyResult(prediction, time.perf_counter() - started)
        # One digit is classified whole, as for other models. Splitting and reading 4 digits
        # written with gaps takes 1-2 ms, touching digits more (benchmarks/number_reading.py).
        reading = numbers.read_number(classifier, gray)
        seconds = time.perf_counter() - started
        first = reading.digits[0].prediction if reading.digits else None
        return ClassifyResult(first, seconds, reading if len(reading.digits) > 1 else None)

    def _on_session_created(self, outcome: _SessionOutcome) -> None:
        self._loading.discard(outcome.key)
        if outcome.classifier is not None:
            self._classifiers[outcome.key] = outcome.classifier
            self.classifierReady.emit(outcome.key)
            return
        self._load_errors[outcome.key] = outcome.error or "The model could not be loaded."
        self.classifierFailed.emit(outcome.key, self._load_errors[outcome.key])
        self.modelsChanged.emit()

    def _on_session_crashed(self, error: Exception) -> None:  # pragma: no cover - defensive
        # _create_classifier catches everything; this only runs if something is very wrong.
        self._loading.clear()
        self.classifierFailed.emit(self._current_id or "", str(error))
