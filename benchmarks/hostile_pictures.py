"""Open every picture of the hostile corpus (tests/hostile_corpus.py) in the real window and
print, per picture, how long the UI thread stalled while it loaded, then the longest stall and
the peak memory of the window's process and of the decoding child processes.

    python benchmarks/hostile_pictures.py [--models-dir DIR] [--repeat N]

Goals (issue 9): no stall over 100 ms, no process over 1 GB. A stall is the longest gap between
the ticks of a 2 ms QTimer on the UI thread, from the moment the picture is asked for until
100 ms after the window shows it (or its error message). The idle line gives the same figure
with nothing loading: on a busy machine, the scheduler alone causes long gaps, so the CPU time
the UI thread spent between two ticks is printed too ("busy"): the work that held the event
loop, whatever the machine's load.
Settings go to a temporary file; runs offscreen unless QT_QPA_PLATFORM says otherwise.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from hostile_corpus import Case, write_corpus  # noqa: E402
from PySide6.QtCore import (  # noqa: E402
    QElapsedTimer,
    QEventLoop,
    QSettings,
    QTimer,
    qInstallMessageHandler,
)
from PySide6.QtWidgets import QApplication  # noqa: E402

from desktop import image_io  # noqa: E402
from desktop.gui.app import create_application  # noqa: E402
from desktop.gui.main_window import MainWindow  # noqa: E402

SETTLE_MS = 100  # after the outcome: the window shows the picture or the message
GIVE_UP_S = 120.0


class Heartbeat:
    """A 2 ms timer on the UI thread; the longest gap between two ticks is the longest stall."""

    def __init__(self) -> None:
        self._clock = QElapsedTimer()
        self._timer = QTimer()
        self._timer.setInterval(2)
        self._timer.timeout.connect(self._tick)
        self._last = 0
        self._last_cpu = 0.0
        self.worst_ms = 0.0
        self.worst_busy_ms = 0.0

    def start(self) -> None:
        self._clock.start()
        self._timer.start()
        self.reset()

    def reset(self) -> None:
        self._last = self._clock.nsecsElapsed()
        self._last_cpu = time.thread_time()
        self.worst_ms = self.worst_busy_ms = 0.0

    def _tick(self) -> None:
        now, cpu = self._clock.nsecsElapsed(), time.thread_time()  # this is the UI thread
        self.worst_ms = max(self.worst_ms, (now - self._last) / 1e6)
        self.worst_busy_ms = max(self.worst_busy_ms, (cpu - self._last_cpu) * 1000)
        self._last, self._last_cpu = now, cpu

    def settle(self) -> float:
        """The stall so far, including a last gap that has not ended with a tick yet."""
        return max(self.worst_ms, (self._clock.nsecsElapsed() - self._last) / 1e6)


def wait(milliseconds: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(milliseconds, loop.quit)
    loop.exec()


def open_and_measure(window: MainWindow, heartbeat: Heartbeat,
                     path: Path) -> tuple[str, float, float, float]:
    """(outcome, load time ms, longest stall ms, longest busy ms) for opening one picture."""
    loop = QEventLoop()
    outcome: list[str] = []
    on_loaded = lambda picture: (outcome.append("picture"), loop.quit())  # noqa: E731
    on_failed = lambda title, reason: (outcome.append(reason), loop.quit())  # noqa: E731
    window.loader.loaded.connect(on_loaded)
    window.loader.failed.connect(on_failed)
    QTimer.singleShot(int(GIVE_UP_S * 1000), loop.quit)
    heartbeat.reset()
    start = time.perf_counter()
    window.open_path(path)  # on the UI thread, like a menu action or a drop
    if not outcome:
        loop.exec()
    elapsed = (time.perf_counter() - start) * 1000
    wait(SETTLE_MS)
    stall = heartbeat.settle()
    window.loader.loaded.disconnect(on_loaded)
    window.loader.failed.disconnect(on_failed)
    return (outcome[0] if outcome else "NO ANSWER"), elapsed, stall, heartbeat.worst_busy_ms


def peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / (1 << 20 if sys.platform == "darwin" else 1024)


QT_MESSAGES: list[str] = []  # the window's own Qt warnings (offscreen platform), not printed


def main() -> None:
    qInstallMessageHandler(lambda kind, context, message: QT_MESSAGES.append(message))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models-dir", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=20, help="loads of a normal PNG to time")
    args = parser.parse_args()
    app: QApplication = create_application()
    scratch = Path(tempfile.mkdtemp(prefix="digit-lens-hostile-"))
    window = MainWindow(models_dir=args.models_dir, settings=QSettings(
        str(scratch / "settings.ini"), QSettings.Format.IniFormat))
    window.resize(1240, 780)
    window.show()
    while any(window.controller.is_loading(e.model_id) for e in window.controller.entries):
        wait(50)
    window.loader.decoder.start()  # as the window does by itself a second after it opens

    heartbeat = Heartbeat()
    heartbeat.start()
    wait(2000)
    idle, idle_busy = heartbeat.settle(), heartbeat.worst_busy_ms

    folder = scratch / "corpus"
    folder.mkdir()
    cases: list[Case] = write_corpus(folder)
    normal = folder / "ok.png"
    times = [open_and_measure(window, heartbeat, normal) for _ in range(args.repeat)]
    print(f"normal 64x64 PNG in the window: median {statistics.median(t[1] for t in times):.0f} "
          f"ms from asking to shown (n={args.repeat}); longest stall "
          f"{max(t[2] for t in times):.0f} ms, busy {max(t[3] for t in times):.0f} ms")
    decoder = window.loader.decoder
    direct = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        decoder.load(normal)
        direct.append((time.perf_counter() - start) * 1000)
    print(f"normal 64x64 PNG, decode alone (child process round trip): median "
          f"{statistics.median(direct):.1f} ms")
    print(f"idle window, 2 s: longest stall {idle:.0f} ms, busy {idle_busy:.0f} ms (the "
          "machine's own noise)\n", flush=True)

    print(f"{'picture':40s} {'load ms':>8s} {'stall ms':>8s} {'busy ms':>8s}  outcome")
    results = []
    for case in cases:
        outcome, elapsed, stall, busy = open_and_measure(window, heartbeat, case.path)
        results.append((case, outcome, elapsed, stall, busy))
        shown = "picture" if outcome == "picture" else outcome.replace(str(folder) + "/", "")
        name = case.name.replace("\n", "\\n")[:40]
        print(f"{name:40s} {elapsed:8.0f} {stall:8.0f} {busy:8.0f}  {shown[:80]}", flush=True)

    worst = max(results, key=lambda result: result[3])
    busiest = max(results, key=lambda result: result[4])
    decoder.close()  # reaps the last child, so RUSAGE_CHILDREN covers every decoding process
    time.sleep(0.5)
    children = max(peak_mb(resource.RUSAGE_CHILDREN), decoder.peak_memory_mb)
    unanswered = [r[0].name for r in results if r[1] == "NO ANSWER"]
    print(f"\n{len(cases)} pictures, {sum(r[1] == 'picture' for r in results)} shown, "
          f"{len(cases) - len(unanswered) - sum(r[1] == 'picture' for r in results)} refused "
          f"with a message, {len(unanswered)} without an answer {unanswered or ''}")
    print(f"longest UI-thread stall: {worst[3]:.0f} ms ({worst[0].name}); goal <= 100 ms")
    print(f"longest UI-thread busy time between two ticks: {busiest[4]:.0f} ms "
          f"({busiest[0].name})")
    print(f"longest load: {max(r[2] for r in results):.0f} ms "
          f"({max(results, key=lambda r: r[2])[0].name})")
    print(f"peak memory: decoding processes {children:.0f} MB, window process "
          f"{peak_mb(resource.RUSAGE_SELF):.0f} MB; goal <= 1024 MB "
          f"(child limit {image_io.MEMORY_LIMIT_MB} MB of address space)")
    window.close()
    app.processEvents()


if __name__ == "__main__":
    main()
