"""Build the Linux installers for real and check the frozen app: contents, self-test, window,
installers; plus the pieces of the build that can be checked alone (ICU trimming, icons)."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import sys
import tarfile
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "dist"
BUILD_STAMP = ROOT / "build" / "linux" / "complete"  # written by build_linux.sh at the end
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the Linux build; other systems build in release.yml")


def project_version() -> str:
    """The version pip installed from pyproject.toml (which reads desktop.__version__)."""
    return metadata.version("digit-lens")


def newest_source_time() -> float:
    """The latest change to anything that goes into the bundle."""
    sources = [ROOT / "pyproject.toml", ROOT / ".venv" / ".installed-package"]
    for folder in ("desktop", "resources", "packaging"):
        sources += [p for p in (ROOT / folder).rglob("*")
                    if p.is_file() and "__pycache__" not in p.parts]
    return max(p.stat().st_mtime for p in sources if p.exists())


def require_tools() -> None:
    """The build needs dpkg-deb (dpkg) and binutils (strip, objdump, as, ld; from dpkg-dev)."""
    missing = [tool for tool in ("dpkg-deb", "strip", "objdump", "as", "ld", "tar")
               if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed (apt-get install dpkg-dev; .ci/run "
                    f"does)")


@pytest.fixture(scope="module")
def bundle() -> Path:
    """dist/digit-lens, built now unless a complete build is newer than every source file."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the Linux build; other systems build in release.yml")
    require_tools()
    fresh = (BUILD_STAMP.exists() and (DIST / "digit-lens" / "digit-lens").exists()
             and BUILD_STAMP.stat().st_mtime > newest_source_time())
    if not fresh:
        result = subprocess.run(["bash", "packaging/build_linux.sh"], cwd=ROOT,
                                capture_output=True, text=True, timeout=1800)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        assert "self-test: passed" in result.stdout
    return DIST / "digit-lens"


def clean_environment(**extra: str) -> dict[str, str]:
    """Nothing from the development venv leaks into the frozen app."""
    return {"PATH": "/usr/bin:/bin", "HOME": str(ROOT / "build"), "LANG": "C.UTF-8", **extra}


def run_frozen(executable: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(executable), *args], capture_output=True, text=True,
                          timeout=120, env=clean_environment(**env))


@pytest.mark.slow  # builds the installer (about a minute) unless a fresh build exists
def test_the_bundle_holds_the_app_and_nothing_of_the_trainer(bundle: Path) -> None:
    internal = bundle / "_internal"
    modules = (ROOT / "build" / "pyinstaller" / "digit_lens" / "PYZ-00.toc").read_text()
    assert "'desktop.gui.main_window'" in modules and "'desktop.selftest'" in modules
    for banned in ("'trainer", "'torch", "'torchvision", "'onnx.", "'onnxscript", "'tqdm",
                   "'PySide6.QtNetwork", "'PySide6.QtQml", "'PySide6.QtSvg"):
        assert banned not in modules
    assert not list(internal.glob("torch*")) and not list(internal.rglob("libtorch*"))
    assert not list(internal.rglob("libQt6Network*")) and not list(internal.rglob("libQt6Qml*"))
    assert not list(internal.rglob("*.qm"))  # no translations
    # D-Bus and what it links, and the C++ runtime, come from the system (the .deb depends on
    # libdbus-1-3 and libstdc++6)
    assert not list(internal.rglob("libdbus-1*")) and not list(internal.rglob("libgcrypt*"))
    assert not list(internal.rglob("libstdc++*"))
    # loaded by ONNX Runtime at run time, invisible to PyInstaller's analysis
    assert list(internal.rglob("libonnxruntime_providers_shared.so"))
    plugins = internal / "PySide6" / "Qt" / "plugins"
    platforms = {p.name for p in (plugins / "platforms").iterdir()}
    assert {"libqxcb.so", "libqwayland.so", "libqoffscreen.so"} <= platforms
    assert "libqvnc.so" not in platforms
    assert {"libqjpeg.so", "libqgif.so", "libqwebp.so"} <= {
        p.name for p in (plugins / "imageformats").iterdir()}
    shipped = ROOT / "resources" / "models"
    assert sorted(p.name for p in (internal / "resources" / "models").iterdir()) == sorted(
        p.name for p in shipped.iterdir() if p.is_dir())
    assert (internal / "PySide6" / "Qt" / "lib" / "libicudata.so.73").stat().st_size < 10e6
    dangling = [p for p in bundle.rglob("*") if p.is_symlink() and not p.exists()]
    assert dangling == []


@pytest.mark.slow
def test_the_frozen_app_names_the_packages_version(bundle: Path) -> None:
    """--version (and the About box) show desktop.__version__, which pyproject.toml reads:
    the frozen app and the installed package agree."""
    result = run_frozen(bundle / "digit-lens", "--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"Digit Lens {project_version()}"


@pytest.mark.slow
def test_the_frozen_self_test_passes_and_fails_when_a_model_breaks(bundle: Path,
                                                                   tmp_path: Path) -> None:
    # no display and no Qt platform at all: the self-test must not need one
    result = run_frozen(bundle / "digit-lens", "--self-test")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "self-test: passed" in result.stdout

    broken = tmp_path / "digit-lens"
    shutil.copytree(bundle, broken, symlinks=True)
    (broken / "_internal" / "resources" / "models" / "fashion-cnn" / "model.onnx").write_text("x")
    result = run_frozen(broken / "digit-lens", "--self-test", QT_QPA_PLATFORM="offscreen")
    assert result.returncode == 1
    assert "FAIL fashion-cnn" in result.stdout


@pytest.mark.slow
def test_the_frozen_app_rejects_a_nonsense_argument_clearly(bundle: Path) -> None:
    result = run_frozen(bundle / "digit-lens", "--no-such-option")
    assert result.returncode == 2
    assert "unrecognized arguments: --no-such-option" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_the_frozen_window_opens_on_a_real_x_server(bundle: Path, tmp_path: Path) -> None:
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb; .ci/run does)")
    # -displayfd: the server picks a free display number and tells us which
    server = subprocess.Popen([xvfb, "-displayfd", "1", "-screen", "0", "1400x900x24",
                               "-nolisten", "tcp"], stdout=subprocess.PIPE, text=True)
    try:
        display = ":" + server.stdout.readline().strip()
        screenshot = tmp_path / "frozen.png"
        sample = ROOT / "resources" / "samples" / "mnist" / "3-3-00018.png"
        # The app opens the picture, classifies it, saves a screenshot once settled and quits.
        result = run_frozen(bundle / "digit-lens", str(sample), DISPLAY=display,
                            QT_QPA_PLATFORM="xcb", DIGIT_LENS_SCREENSHOT=str(screenshot),
                            HOME=str(tmp_path))  # fresh settings: a first start
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert f"screenshot saved to {screenshot}" in result.stdout
    # It classified the picture with ONNX Runtime and left no telemetry behind (desktop/__init__).
    assert not (tmp_path / ".cache" / "Microsoft").exists()
    from PySide6.QtGui import QImage

    image = QImage(str(screenshot))
    assert image.width() >= 800 and image.height() >= 500
    colours = {image.pixel(x, y) for x in range(0, image.width(), 37)
               for y in range(0, image.height(), 37)}
    assert len(colours) > 20  # a drawn window, not a blank rectangle
    shutil.copyfile(screenshot, ROOT / "build" / "frozen-window.png")  # to look at


@pytest.mark.slow
def test_the_installers_carry_the_menu_entry_icons_and_command(bundle: Path) -> None:
    version = project_version()
    tarball = DIST / f"digit-lens-{version}-linux-x86_64.tar.gz"
    with tarfile.open(tarball) as archive:
        names = set(archive.getnames())
        link = archive.getmember(f"digit-lens-{version}/bin/digit-lens")
    top = f"digit-lens-{version}"
    assert {f"{top}/share/applications/digit-lens.desktop",
            f"{top}/share/icons/hicolor/16x16/apps/digit-lens.png",
            f"{top}/share/icons/hicolor/512x512/apps/digit-lens.png",
            f"{top}/share/icons/hicolor/scalable/apps/digit-lens.svg",
            f"{top}/lib/digit-lens/digit-lens"} <= names
    assert link.issym() and link.linkname == "../lib/digit-lens/digit-lens"

    deb = DIST / f"digit-lens_{version}_amd64.deb"
    fields = subprocess.run(["dpkg-deb", "-f", str(deb), "Package", "Version", "Architecture",
                             "Depends"], capture_output=True, text=True, check=True).stdout
    assert f"Package: digit-lens\nVersion: {version}\nArchitecture: amd64" in fields
    assert re.search(r"Depends: libc6 \(>= 2\.\d+\)", fields)
    assert "libdbus-1-3" in fields and "libstdc++6" in fields  # the bundle leaves them out
    contents = subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True,
                              check=True).stdout
    assert "./usr/bin/digit-lens -> /opt/digit-lens/digit-lens" in contents
    assert "./usr/share/applications/digit-lens.desktop" in contents
    assert "./usr/share/icons/hicolor/256x256/apps/digit-lens.png" in contents
    assert re.search(r"rwxr-xr-x root/root .* \./opt/digit-lens/digit-lens\n", contents)
    entry = (ROOT / "packaging" / "linux" / "digit-lens.desktop").read_text()
    assert "\nExec=digit-lens %f\n" in entry and "\nIcon=digit-lens\n" in entry


@linux_only
def test_the_trimmed_icu_data_sorts_and_cases_text_like_the_full_data(tmp_path: Path) -> None:
    """packaging/linux/trim_icu.py keeps what Qt asks ICU for: run the same collation and
    case-mapping calls with the full and the trimmed data library and compare."""
    import PySide6

    original = Path(PySide6.__file__).parent / "Qt" / "lib" / "libicudata.so.73"
    if not original.exists():
        pytest.skip(f"this PySide6 has no {original.name}")
    if shutil.which("as") is None or shutil.which("ld") is None:
        pytest.skip("binutils (as, ld) not installed (apt-get install binutils)")
    trimmed = tmp_path / original.name
    shutil.copyfile(original, trimmed)
    subprocess.run([sys.executable, str(ROOT / "packaging" / "linux" / "trim_icu.py"),
                    str(trimmed)], check=True, capture_output=True)
    assert trimmed.stat().st_size < original.stat().st_size / 4
    probe = (
        "from functools import cmp_to_key\n"
        "from PySide6.QtCore import QCollator, QLocale, Qt\n"
        "words = ['file10.png', 'file2.png', 'Äpfel', 'apple', 'Zürich', 'zebra', 'öl',\n"
        "         'Ørsted', 'éclair', 'Eclair', 'ß', '中文', '日本', '한국', 'ıi']\n"
        "for name in ['en_US', 'de_DE', 'sv_SE', 'da_DK', 'tr_TR', 'zh_CN', 'ja_JP']:\n"
        "    collator = QCollator(QLocale(name))\n"
        "    collator.setNumericMode(True)\n"
        "    collator.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)\n"
        "    print(name, sorted(words, key=cmp_to_key(collator.compare)))\n"
        "print(QLocale('tr_TR').toUpper('istanbul'), QLocale('de_DE').toUpper('straße'))\n"
    )
    outputs = []
    for preload in (None, trimmed):
        env = clean_environment(QT_QPA_PLATFORM="offscreen")
        if preload is not None:  # the same soname: the dynamic linker uses this copy
            env["LD_PRELOAD"] = str(preload)
        result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                                env=env, timeout=60)
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1]
    assert "file2.png', 'file10.png" in outputs[1]  # numeric collation really ran
    assert "İSTANBUL" in outputs[1]


def test_desktop_never_uses_the_numpy_parts_the_bundle_leaves_out() -> None:
    """digit_lens.spec excludes numpy.random, numpy.fft, numpy.f2py, numpy.polynomial and
    numpy.testing (3 MB); code using them would run from source and fail only in the installed
    app."""
    unused = "random|fft|f2py|polynomial|testing"
    pattern = re.compile(rf"\b(np|numpy)\.({unused})\b|from numpy import .*\b({unused})\b")
    offenders = [f"{path.relative_to(ROOT)}:{number}"
                 for path in (ROOT / "desktop").rglob("*.py")
                 for number, line in enumerate(path.read_text().splitlines(), 1)
                 if pattern.search(line)]
    assert offenders == []


def test_the_icon_files_hold_every_size() -> None:
    """resources/icons is rendered by packaging/make_icons.py; the containers must read back."""
    from PySide6.QtGui import QImage, QImageReader

    icons = ROOT / "resources" / "icons"
    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        image = QImage(str(icons / f"digit-lens-{size}.png"))
        assert (image.width(), image.height()) == (size, size)
        assert image.hasAlphaChannel() and image.pixelColor(0, 0).alpha() == 0  # round corners

    def sizes(path: Path) -> list[int]:
        reader = QImageReader(str(path))
        found = []
        for index in range(reader.imageCount()):
            assert reader.jumpToImage(index)
            found.append(reader.read().width())
        return sorted(found)

    assert sizes(icons / "digit-lens.ico") == [16, 24, 32, 48, 64, 128, 256]
    assert sizes(icons / "digit-lens.icns") == [16, 32, 32, 64, 64, 128, 256, 256, 512, 512,
                                                1024]
    ico = (icons / "digit-lens.ico").read_bytes()
    assert struct.unpack_from("<HHH", ico) == (0, 1, 7)  # reserved, type icon, 7 images
