"""How fast the desktop app starts, and how fast it answers a finished stroke.

    .venv/bin/python -m benchmarks.startup [--runs 7] [--strokes 30] [--model ID]

1. Startup: launches `python -m desktop` as a new process (with DIGIT_LENS_STARTUP_PROBE=1 the
   app prints the time of its window's first paint and quits) and reports the median time from
   launching the process to the window being painted, over several runs. The app starts with
   a remembered model (--model), as it would for a returning user. A bare `python -c pass`
   is timed too, for scale.
2. Stroke latency, in-process with real mouse events: for every usable model, the time from
   the mouse release that finishes a stroke to the probability bars being repainted.

Uses the display in $QT_QPA_PLATFORM / $DISPLAY, or offscreen when there is none. Settings go to
a temporary folder. Prints; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _process_seconds(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.time()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr}")
    return started, result.stdout


def measure_startup(runs: int, model_id: str | None) -> list[float]:
    """Seconds from launching `python -m desktop` to its first paint, one per run."""
    config = Path(tempfile.mkdtemp(prefix="digit-lens-startup-"))
    if model_id:
        settings = config / "DigitLens" / "Digit Lens.conf"
        settings.parent.mkdir(parents=True)
        settings.write_text(f"[model]\nid={model_id}\n")
    env = dict(os.environ, DIGIT_LENS_STARTUP_PROBE="1", XDG_CONFIG_HOME=str(config))
    times = []
    for _ in range(runs + 1):  # the first run warms the disk cache and is dropped
        started, output = _process_seconds([sys.executable, "-m", "desktop"], env)
        shown = next(float(line.split()[1]) for line in output.splitlines()
                     if line.startswith("shown "))
        times.append(shown - started)
    return times[1:]


def measure_bare_python(runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append(time.perf_counter() - started)
    return times


def measure_stroke_latency(strokes: int) -> dict[str, tuple[list[float], list[float]]]:
    """Per model: (release-to-repainted-bars seconds, classification-only seconds)."""
    from PySide6.QtCore import QEvent, QPointF, QSettings, Qt
    from PySide6.QtWidgets import QApplication

    from desktop.gui.app import create_application
    from desktop.gui.main_window import MainWindow
    from desktop.gui.scripted_input import DIGITS, draw_stroke, send_mouse

    app = create_application()
    settings = QSettings(str(Path(tempfile.mkdtemp()) / "bench.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings)
    window.resize(1240, 780)
    window.show()

    from benchmarks.paint_clock import PaintClock

    clock = PaintClock()
    bars = window.prediction_panel.bars
    bars.installEventFilter(clock)

    def run_until(condition, timeout: float = 15.0) -> None:
        end = time.monotonic() + timeout
        while not condition() and time.monotonic() < end:
            app.processEvents()
        if not condition():
            raise RuntimeError("timed out")

    results = {}
    shapes = list(DIGITS.values())
    for entry in window.controller.usable_entries():
        window.select_model(entry.model_id)
        run_until(lambda: window.controller.classifier() is not None)
        window.results_tabs.setCurrentWidget(window.prediction_panel)
        total, classify = [], []
        for index in range(strokes):
            window.canvas.clear()
            shape = shapes[index % len(shapes)]
            for stroke in shape[:-1]:
                draw_stroke(window.canvas, stroke)
            draw_stroke(window.canvas, shape[-1], release=False)
            run_until(lambda: not window._live_timer.isActive())  # live updates settle
            paper = window.canvas.paper_rect()
            x, y = shape[-1][-1]
            position = QPointF(paper.left() + x * paper.width(), paper.top() + y * paper.height())
            app.processEvents()
            clock.painted_at = None
            released = time.perf_counter()
            send_mouse(window.canvas, QEvent.Type.MouseButtonRelease, position,
                       Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton)
            run_until(lambda: clock.painted_at is not None)
            total.append(clock.painted_at - released)
            classify.append(window.last_latency or float("nan"))
        results[entry.model_id] = (total, classify)
    window.close()
    QApplication.processEvents()
    return results


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:7.1f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Startup time and stroke-to-bars latency.")
    parser.add_argument("--runs", type=int, default=7, help="app launches (default 7)")
    parser.add_argument("--strokes", type=int, default=30, help="strokes per model (30)")
    parser.add_argument("--model", default="mnist-cnn",
                        help="remembered model the app starts with (default mnist-cnn)")
    args = parser.parse_args(argv)

    platform = os.environ.get("QT_QPA_PLATFORM", "default")
    print(f"Qt platform: {platform}; {os.cpu_count()} CPUs")
    bare = measure_bare_python(args.runs)
    startup = measure_startup(args.runs, args.model)
    print(f"python -c pass             median {_ms(bare)}")
    print(f"python -m desktop -> shown median {_ms(startup)}  "
          f"(min {min(startup) * 1000:.0f}, max {max(startup) * 1000:.0f} ms, "
          f"{args.runs} runs, starting with {args.model})")

    print(f"\nMouse release -> bars repainted, median of {args.strokes} strokes:")
    for model_id, (total, classify) in measure_stroke_latency(args.strokes).items():
        print(f"  {model_id:<14} {_ms(total)}   (of which classification {_ms(classify)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
