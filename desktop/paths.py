"""Where the app's files are: the read-only resources (shipped models, sample pictures), installed
or frozen, and the per-user folder that retrained models go to.

Qt-free and torch-free: the trainer imports it too, so the app and the trainer agree on where a
user's own models live.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_FOLDER = "digit-lens"
# The models the app lists instead of the shipped ones (the --models-dir option wins over it).
MODELS_ENV = "DIGIT_LENS_MODELS"
# Tests (and anyone who keeps models elsewhere) point this at another folder.
USER_MODELS_ENV = "DIGIT_LENS_USER_MODELS"


def resources_dir() -> Path:
    """The repository's resources/, or the copy PyInstaller unpacks into sys._MEIPASS."""
    bundle = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[1] / "resources"


def models_dir() -> Path:
    """The shipped models: read-only, the trainer writes there only when told to."""
    return resources_dir() / "models"


def app_models_dir(override: Path | None = None) -> Path:
    """The models the app lists and the self-test checks: `override` (--models-dir) if given,
    else $DIGIT_LENS_MODELS if set, else the shipped models."""
    if override is not None:
        return Path(override)
    chosen = os.environ.get(MODELS_ENV, "")
    return Path(chosen).expanduser() if chosen else models_dir()


def samples_dir() -> Path:
    return resources_dir() / "samples"


def user_data_dir() -> Path:
    """The platform's per-user data folder for this app.

    Linux and other Unixes: $XDG_DATA_HOME/digit-lens (an absolute $XDG_DATA_HOME only, as the
    XDG spec says), else ~/.local/share/digit-lens; Windows: %APPDATA%\\digit-lens; macOS:
    ~/Library/Application Support/digit-lens.
    """
    if sys.platform == "win32":
        appdata = os.environ.get("APPDATA", "")
        base = Path(appdata) if appdata else Path.home() / "AppData" / "Roaming"
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        xdg = os.environ.get("XDG_DATA_HOME", "")
        base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".local" / "share"
    return base / APP_FOLDER


def user_models_dir() -> Path:
    """Where retrained models go and where the app finds the user's own models:
    $DIGIT_LENS_USER_MODELS if set, else <user data folder>/models."""
    override = os.environ.get(USER_MODELS_ENV, "")
    return Path(override).expanduser() if override else user_data_dir() / "models"
