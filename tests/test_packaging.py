"""Build the Linux installers for real and check the frozen app: contents, self-test, window."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "dist"
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the Linux build; other systems build in release.yml")


@pytest.fixture(scope="module")
def bundle() -> Path:
    result = subprocess.run(["bash", "packaging/build_linux.sh"], cwd=ROOT, capture_output=True,
                            text=True, timeout=1200)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "self-test: passed" in result.stdout
    return DIST / "digit-lens"


def clean_environment(**extra: str) -> dict[str, str]:
    """Nothing from the development venv leaks into the frozen app."""
    return {"PATH": "/usr/bin:/bin", "HOME": str(ROOT / "build"), **extra}


def test_the_bundle_holds_the_app_and_nothing_of_the_trainer(bundle: Path) -> None:
    internal = bundle / "_internal"
    modules = (ROOT / "build" / "pyinstaller" / "digit_lens" / "PYZ-00.toc").read_text()
    assert "'desktop.gui.main_window'" in modules and "'desktop.selftest'" in modules
    for banned in ("'trainer", "'torch", "'torchvision", "'onnx.", "'onnxscript", "'tqdm"):
        assert banned not in modules
    assert not list(internal.glob("torch*")) and not list(internal.rglob("libtorch*"))
    # loaded by ONNX Runtime at run time, invisible to PyInstaller's analysis
    assert list(internal.rglob("libonnxruntime_providers_shared.so"))
    platforms = {p.name for p in (internal / "PySide6" / "Qt" / "plugins" / "platforms").iterdir()}
    assert {"libqxcb.so", "libqwayland.so", "libqoffscreen.so"} <= platforms
    assert "libqvnc.so" not in platforms
    assert sorted(p.name for p in (internal / "resources" / "models").iterdir()) == [
        "fashion-cnn", "fashion-dense", "mnist-cnn", "mnist-dense"]


def test_the_frozen_self_test_passes_and_fails_when_a_model_breaks(bundle: Path,
                                                                   tmp_path: Path) -> None:
    result = subprocess.run([str(bundle / "digit-lens"), "--self-test"], capture_output=True,
                            text=True, timeout=120,
                            env=clean_environment(QT_QPA_PLATFORM="offscreen"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "self-test: passed" in result.stdout

    broken = tmp_path / "digit-lens"
    shutil.copytree(bundle, broken, symlinks=True)
    (broken / "_internal" / "resources" / "models" / "fashion-cnn" / "model.onnx").write_text("x")
    result = subprocess.run([str(broken / "digit-lens"), "--self-test"], capture_output=True,
                            text=True, timeout=120,
                            env=clean_environment(QT_QPA_PLATFORM="offscreen"))
    assert result.returncode == 1
    assert "FAIL fashion-cnn" in result.stdout


def test_the_frozen_window_opens_on_a_real_x_server(bundle: Path, tmp_path: Path) -> None:
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        pytest.skip("Xvfb is not installed (.ci/run installs it)")
    server = subprocess.Popen([xvfb, "-displayfd", "1", "-screen", "0", "1400x900x24",
                               "-nolisten", "tcp"], stdout=subprocess.PIPE, text=True)
    try:
        display = ":" + server.stdout.readline().strip()
        screenshot = tmp_path / "frozen.png"
        result = subprocess.run(
            [str(bundle / "digit-lens")], capture_output=True, text=True, timeout=120,
            env=clean_environment(DISPLAY=display, QT_QPA_PLATFORM="xcb",
                                  DIGIT_LENS_SCREENSHOT=str(screenshot)))
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert result.returncode == 0, result.stderr[-3000:]
    from PySide6.QtGui import QImage

    image = QImage(str(screenshot))
    assert image.width() >= 800 and image.height() >= 500
    colours = {image.pixel(x, y) for x in range(0, image.width(), 37)
               for y in range(0, image.height(), 37)}
    assert len(colours) > 20  # a drawn window, not a blank rectangle
    shutil.copyfile(screenshot, ROOT / "build" / "frozen-window.png")


def test_the_installers_carry_the_menu_entry_icons_and_command(bundle: Path) -> None:
    from desktop import __version__

    tarball = DIST / f"digit-lens-{__version__}-linux-x86_64.tar.gz"
    with tarfile.open(tarball) as archive:
        names = set(archive.getnames())
    top = f"digit-lens-{__version__}"
    assert {f"{top}/bin/digit-lens", f"{top}/share/applications/digit-lens.desktop",
            f"{top}/share/icons/hicolor/256x256/apps/digit-lens.png",
            f"{top}/lib/digit-lens/digit-lens"} <= names

    deb = DIST / f"digit-lens_{__version__}_amd64.deb"
    fields = subprocess.run(["dpkg-deb", "-f", str(deb), "Package", "Version", "Architecture"],
                            capture_output=True, text=True, check=True).stdout
    assert f"Package: digit-lens\nVersion: {__version__}\nArchitecture: amd64" in fields
    contents = subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True,
                              check=True).stdout
    assert "./usr/bin/digit-lens -> /opt/digit-lens/digit-lens" in contents
    assert "./usr/share/applications/digit-lens.desktop" in contents
