"""The layers at run time: importing any core module of the app (everything in desktop/ but the
GUI and the Qt half of picture decoding) loads neither Qt nor torch. `lint-imports` checks the
import graph in ./tests/run; this checks what really gets loaded, in a fresh interpreter, so a
lazy import or a package __init__ that pulls in Qt is caught too."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("PySide6", "shiboken6", "torch", "torchvision", "trainer")

# Imports each module in turn and reports, per module, the forbidden packages loaded by then.
PROBE = """
import importlib, json, sys
forbidden = {forbidden!r}
loaded = {{}}
for name in {modules!r}:
    importlib.import_module(name)
    found = sorted(p for p in forbidden if p in sys.modules)
    if found:
        loaded[name] = found
        break  # the first culprit is named; the later modules would only repeat it
print(json.dumps(loaded))
"""


def core_modules() -> list[str]:
    """Every module of desktop/ outside desktop.gui, and of desktop.image_io only the package
    itself (what core modules import; its Qt modules load on first use of a Qt name)."""
    names = []
    for path in sorted((ROOT / "desktop").rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        if parts[1:2] == ["gui"] or (parts[1:2] == ["image_io"] and len(parts) > 2):
            continue
        names.append(".".join(parts))
    return names


def test_core_modules_load_neither_qt_nor_torch() -> None:
    modules = core_modules()
    assert {"desktop", "desktop.models", "desktop.numbers", "desktop.image_io",
            "desktop.classify"} <= set(modules)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c",
                             PROBE.format(forbidden=FORBIDDEN, modules=modules)],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {}, (
        "importing these modules loaded Qt or torch (they belong in desktop/gui/ or "
        f"desktop/image_io/'s Qt modules): {result.stdout.strip()}")


def test_picture_decoding_loads_qt_only_when_asked() -> None:
    """desktop.image_io's Qt names still work for the GUI, and only they load Qt."""
    probe = ("import sys\nfrom desktop import image_io\n"
             "before = 'PySide6' in sys.modules\n"
             "image_io.from_qimage\n"
             "print(before, 'PySide6' in sys.modules)")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]
