"""`python -m desktop` as a real process: it starts, shows its window, and rejects nonsense."""

from __future__ import annotations

import os
import subprocess
import sys

from gui_support import ROOT


def run_app(tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.update({
        "QT_QPA_PLATFORM": "offscreen",
        "DIGIT_LENS_STARTUP_PROBE": "1",  # quit right after the first paint
        "XDG_CONFIG_HOME": str(tmp_path / "config"),  # never the user's real settings
    })
    return subprocess.run([sys.executable, "-m", "desktop", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_app_shows_its_window_and_quits(tmp_path):
    result = run_app(tmp_path)
    assert result.returncode == 0, result.stderr
    # The probe's lines (packaging/measure.py prints them): each step's end, then the paint.
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["step"] * 4 + ["shown"]
    times = [float(line.split()[1]) for line in lines]
    assert times == sorted(times) and times[-1] - times[0] < 60
    assert (tmp_path / "config" / "DigitLens").is_dir()  # QSettings organisation folder


def test_a_missing_models_folder_still_opens_the_window(tmp_path):
    result = run_app(tmp_path, "--models-dir", str(tmp_path / "nowhere"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].startswith("shown ")


def test_nonsense_arguments_get_a_clear_message(tmp_path):
    result = run_app(tmp_path, "--frobnicate")
    assert result.returncode == 2
    assert "unrecognized arguments: --frobnicate" in result.stderr
    assert "usage: digit-lens" in result.stderr


def test_version_option(tmp_path):
    result = run_app(tmp_path, "--version")
    assert result.returncode == 0
    assert result.stdout.startswith("Digit Lens ")


def test_help_never_loads_the_window():
    """The command line is parsed before Qt is imported: --help and --version stay cheap."""
    code = ("import sys\nfrom desktop.__main__ import main\ntry:\n    main(['--help'])\n"
            "except SystemExit:\n    pass\nprint('Qt loaded:', 'PySide6' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert "--models-dir DIR" in result.stdout and "$DIGIT_LENS_MODELS" in result.stdout
    assert result.stdout.rstrip().endswith("Qt loaded: False")


def test_the_window_paints_before_onnx_runtime_and_numpy_load(tmp_path):
    """ONNX Runtime (17.6 MB of libraries) is read after the first paint, on a pool thread:
    the models are listed from their files (desktop.onnx_file) before, and no session is started
    while the window is built (a pool thread importing it would hold up the first paint).
    NumPy loads on first use too (desktop.lazy_imports), after that paint.
    The tabs not on screen (Compare, Training, Look inside, Train) wait until first shown,
    modules included."""
    code = "\n".join([
        "import sys",
        "from PySide6.QtCore import QEvent, QObject, QThreadPool, QTimer",
        "from desktop.gui.app import create_application",
        "from desktop.gui.main_window import MainWindow",
        "app = create_application()",
        "window = MainWindow()",
        "print('built:', 'onnxruntime' in sys.modules, 'numpy' in sys.modules,",
        "      window.controller.is_loading(), window.controller.current.key)",
        "class FirstPaint(QObject):",
        "    def eventFilter(self, watched, event):",
        "        if event.type() == QEvent.Type.Paint:",
        "            watched.removeEventFilter(self)",
        "            print('painted:', 'onnxruntime' in sys.modules, 'numpy' in sys.modules)",
        "        return False",
        "first_paint = FirstPaint()",
        "window.installEventFilter(first_paint)",
        "tabs = ('compare_view', 'training_view', 'inside_view', 'xray_view', 'train_panel')",
        "print('tab modules:', [t for t in tabs if 'desktop.gui.' + t in sys.modules])",
        "window.show()",
        "def check():",
        "    if window.controller.classifier() is None:",
        "        return QTimer.singleShot(50, check)",
        "    print('ready:', 'onnxruntime' in sys.modules)",
        "    app.quit()",
        "QTimer.singleShot(0, check)",
        "app.exec()",
        "QThreadPool.globalInstance().waitForDone(5000)",  # as desktop.gui.app does
    ])
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "XDG_CONFIG_HOME": str(tmp_path / "config")}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["built: False False False mnist-cnn",
                                        "tab modules: []", "painted: False False",
                                        "ready: True"]
