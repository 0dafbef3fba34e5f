"""desktop/run checks the system libraries of Qt's xcb plugin before it starts the app (issue 9,
item 2): the real script on the real plugin, with ldd, in a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop import qt_libraries

ROOT = Path(__file__).resolve().parents[1]
# What ldd printed for the plugin on a fresh Debian 12 (abridged).
DEBIAN_12_LDD = """\
\tlinux-vdso.so.1 (0x00007ffd5e1f2000)
\tlibQt6XcbQpa.so.6 => /venv/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x00007f6a0c400000)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibxcb.so.1 => /lib/x86_64-linux-gnu/libxcb.so.1 (0x00007f6a0c3d0000)
\tlibxcb-icccm.so.4 => not found
\tlibfoo-unknown.so.9 => not found
"""


def test_missing_libraries_are_read_from_ldd():
    assert qt_libraries.missing_libraries(DEBIAN_12_LDD) == [
        "libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libfoo-unknown.so.9"]
    assert qt_libraries.missing_libraries("\tlibc.so.6 => /lib/libc.so.6 (0x1)\n") == []


def test_the_install_command_is_exact_for_each_package_manager():
    missing = ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    assert qt_libraries.install_commands(missing, "apt-get") == [
        "sudo apt install libxcb-icccm4 libxcb-keysyms1"]
    assert qt_libraries.install_commands(missing, "dnf") == [
        "sudo dnf install xcb-util-wm xcb-util-keysyms"]
    assert qt_libraries.install_commands(missing, "pacman") == [
        "sudo pacman -S --needed xcb-util-wm xcb-util-keysyms"]
    assert len(qt_libraries.install_commands(missing, None)) == 3  # unknown system: all three
    text = qt_libraries.report(missing + ["libfoo-unknown.so.9"], Path("/p/libqxcb.so"), None)
    assert "libfoo-unknown.so.9" in text and "one of:" in text


def test_only_checked_when_qt_will_use_xcb():
    assert qt_libraries.should_check({}) == sys.platform.startswith("linux")
    assert not qt_libraries.should_check({"QT_QPA_PLATFORM": "offscreen"})
    assert not qt_libraries.should_check({"QT_QPA_PLATFORM": "wayland"})
    assert not qt_libraries.should_check({"DIGIT_LENS_SKIP_LIBRARY_CHECK": "1"})


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="xcb is Linux only")
def test_desktop_run_names_what_this_system_lacks(tmp_path):
    """The real script with the test's Python. DIGIT_LENS_VENV points at a stand-in venv
    (links to this interpreter and its packages) whose install stamp is current, so the
    script installs nothing. On a system that lacks xcb libraries (this one: Debian 12
    without libxcb-icccm4 and libxcb-keysyms1) the app is not started and the command is
    printed; where nothing is missing the app starts."""
    plugin = qt_libraries.xcb_plugin()
    assert plugin is not None
    ldd = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True, check=True)
    missing = qt_libraries.missing_libraries(ldd.stdout)

    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text((Path(sys.prefix) / "pyvenv.cfg").read_text())
    (venv / "bin" / "python").symlink_to(sys.executable)
    (venv / "lib").symlink_to(Path(sys.prefix) / "lib")
    stamp = subprocess.run(["sha256sum", str(ROOT / "pyproject.toml")], capture_output=True,
                           text=True, check=True).stdout.split()[0]
    (venv / ".installed-app").write_text(stamp + "\n")
    env = {key: value for key, value in os.environ.items() if key != "QT_QPA_PLATFORM"}
    env.update(DIGIT_LENS_VENV=str(venv), DIGIT_LENS_STARTUP_PROBE="1",
               XDG_CONFIG_HOME=str(tmp_path / "config"), DISPLAY=":nowhere")
    result = subprocess.run([str(ROOT / "desktop" / "run")], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    if missing:
        assert result.returncode == 1
        assert result.stderr.startswith("Digit Lens cannot open its window")
        manager = qt_libraries.package_manager()
        for command in qt_libraries.install_commands(missing, manager):
            assert command in result.stderr
        assert "shown" not in result.stdout
    else:  # every library is there: Qt itself then fails on the made-up display
        assert "cannot open its window" not in result.stderr
    # Commands that open no window are never blocked by the check.
    version = subprocess.run([str(ROOT / "desktop" / "run"), "--version"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
    assert version.returncode == 0 and version.stdout.startswith("Digit Lens ")
