"""Check, before the window opens, that the system libraries Qt's X11 (xcb) plugin needs exist.

Without them Qt aborts with "Could not load the Qt platform plugin xcb" and names only one
package (libxcb-cursor0), often not the missing one: a fresh Debian 12 lacks libxcb-icccm4 and
libxcb-keysyms1. This asks the dynamic loader (`ldd`) about the plugin in the installed PySide6
and prints the exact install command.

    python -m desktop.qt_libraries      # exit status 0: fine (or nothing to check), 1: missing

Linux only; plain Python, no Qt import (importing Qt is what would fail).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

# Library file -> package (apt: Debian/Ubuntu, dnf: Fedora/RHEL, pacman: Arch).
PACKAGES: dict[str, tuple[str, str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm", "xcb-util-wm"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image", "xcb-util-image"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms", "xcb-util-keysyms"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil",
                                "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util", "xcb-util"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb", "libxcb"),
    "libxcb-xinput.so.0": ("libxcb-xinput0", "libxcb", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb", "libxcb"),
    "libxcb-glx.so.0": ("libxcb-glx0", "libxcb", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb", "libxcb"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb", "libx11"),
    "libX11.so.6": ("libx11-6", "libX11", "libx11"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon", "libxkbcommon"),
    "libSM.so.6": ("libsm6", "libSM", "libsm"),
    "libICE.so.6": ("libice6", "libICE", "libice"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl", "libglvnd"),
    "libGL.so.1": ("libgl1", "libglvnd-glx", "libglvnd"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl", "libglvnd"),
    "libGLX.so.0": ("libglx0", "libglvnd-glx", "libglvnd"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype", "freetype2"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs", "dbus"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2", "glib2"),
}
MANAGERS = (  # (program to look for, install command)
    ("apt-get", "sudo apt install"),
    ("dnf", "sudo dnf install"),
    ("pacman", "sudo pacman -S --needed"),
)
_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.MULTILINE)


def xcb_plugin() -> Path | None:
    """The xcb platform plugin of the PySide6 that Python would import, if any."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        plugin = Path(folder) / "Qt" / "plugins" / "platforms" / "libqxcb.so"
        if plugin.is_file():
            return plugin
    return None


def missing_libraries(ldd_output: str) -> list[str]:
    """The library names `ldd` reports as "not found", each once, in its order."""
    return list(dict.fromkeys(_NOT_FOUND.findall(ldd_output)))


def install_commands(libraries: list[str], manager: str | None) -> list[str]:
    """The install command for the given package manager ("apt-get", "dnf", "pacman"), or
    one per manager when it is unknown. Unknown libraries are named as they are."""
    lines = []
    for index, (program, command) in enumerate(MANAGERS):
        if manager is not None and program != manager:
            continue
        packages = dict.fromkeys(PACKAGES[name][index] if name in PACKAGES else name
                                 for name in libraries)
        lines.append(f"{command} {' '.join(packages)}")
    return lines


def report(libraries: list[str], plugin: Path, manager: str | None) -> str:
    """What to tell the person starting the app."""
    unknown = [name for name in libraries if name not in PACKAGES]
    lines = [f"Digit Lens cannot open its window: Qt's X11 plugin needs libraries this system "
             f"lacks: {', '.join(libraries)}.",
             "Install them with" + (":" if manager else " one of:")]
    lines += [f"    {command}" for command in install_commands(libraries, manager)]
    if unknown:
        lines.append(f"({', '.join(unknown)}: the package name differs between systems; "
                     f"search for the file in your package manager.)")
    lines.append(f"(Checked with: ldd {plugin})")
    return "\n".join(lines)


def should_check(environ: dict[str, str] | os._Environ = os.environ) -> bool:
    """Only on Linux, and only when Qt will use xcb (it does unless told otherwise)."""
    if not sys.platform.startswith("linux") or environ.get("DIGIT_LENS_SKIP_LIBRARY_CHECK"):
        return False
    platform = environ.get("QT_QPA_PLATFORM", "")
    return platform == "" or platform.startswith("xcb")


def package_manager() -> str | None:
    return next((program for program, _ in MANAGERS if shutil.which(program)), None)


def main() -> int:
    plugin = xcb_plugin()
    if not should_check() or plugin is None or shutil.which("ldd") is None:
        return 0  # nothing to check, or no way to: Qt will say what it lacks
    try:
        # The plugin and the libraries it loads in turn (libQt6XcbQpa...): ldd follows them.
        result = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True,
                                timeout=20, check=False)
    except (OSError, subprocess.SubprocessError):
        return 0
    missing = missing_libraries(result.stdout)
    if not missing:
        return 0
    print(report(missing, plugin, package_manager()), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
