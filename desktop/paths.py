"""Where the app's read-only resources (models, sample pictures) are, installed or frozen."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def resources_dir() -> Path:
    """The repository's resources/, or the copy PyInstaller unpacks into sys._MEIPASS."""
    bundle = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[1] / "resources"


def models_dir() -> Path:
    return resources_dir() / "models"


def samples_dir() -> Path:
    return resources_dir() / "samples"


USER_MODELS_ENV = "DIGIT_LENS_USER_MODELS"


def user_models_dir() -> Path:
    """Where the user's own (retrained) models go: $DIGIT_LENS_USER_MODELS if set, else the
    platform's per-user data folder (on Linux $XDG_DATA_HOME or ~/.local/share) plus
    digit-lens/models. The folder may not exist yet."""
    override = os.environ.get(USER_MODELS_ENV)
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = os.environ.get("APPDATA")
        return (Path(base) if base else Path.home() / "AppData" / "Roaming") / \
            "Digit Lens" / "models"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "Digit Lens" / "models"
    base = os.environ.get("XDG_DATA_HOME")
    return (Path(base) if base else Path.home() / ".local" / "share") / "digit-lens" / "models"
