"""Shared test set-up: headless Qt, the shared dataset copy, and the shipped models."""

from __future__ import annotations

import os
import signal
import tempfile
from pathlib import Path

import pytest

import desktop  # noqa: F401  (first: ONNX Runtime's telemetry off before test modules load it)

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Tests and CI read the datasets from the shared copy beside the repository; nothing downloads.
os.environ.setdefault("DIGIT_LENS_DATA", str(ROOT.parent / "shared" / "datasets"))
# The app lists the user's own retrained models too: tests see an empty folder of their own,
# never the real ~/.local/share/digit-lens/models (tests that need user models make one).
os.environ["DIGIT_LENS_USER_MODELS"] = tempfile.mkdtemp(prefix="digit-lens-test-user-models-")
# Likewise the user's data folder (Teach mode's drawings): never the real one.
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="digit-lens-test-data-")

# A suite started in the background (`./tests/run &` in a script, nohup) inherits SIGINT ignored,
# and so would every trainer it starts: the tests that press Ctrl+C on a trainer would wait in
# vain. With a handler here, the children start with the default disposition again.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

MODELS_DIR = ROOT / "resources" / "models"
SAMPLES_DIR = ROOT / "resources" / "samples"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    path = Path(os.environ["DIGIT_LENS_DATA"])
    if not (path / "MNIST" / "raw" / "train-images-idx3-ubyte").exists():
        pytest.fail(f"The MNIST files are not in {path}; set DIGIT_LENS_DATA.")
    return path


@pytest.fixture(scope="session")
def models_dir() -> Path:
    return MODELS_DIR


@pytest.fixture(scope="session")
def older_models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped models as exported before layer views (tests/older_models.py)."""
    from older_models import write_older_copies

    return write_older_copies(MODELS_DIR, tmp_path_factory.mktemp("older-models"))


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return SAMPLES_DIR
