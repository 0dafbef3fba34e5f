"""Screenshots of the Train tab with a real trainer, for benchmarks/screenshots.py --train:
while a run trains and after it ended, at 1280x800, 1024x700 and the window's minimum size;
a second run (dropout 0.5) with the first (dropout 0) drawn dashed; the quick preset; a failed
run; the not-installed hint.

    DIGIT_LENS_USER_MODELS=/tmp/x HOME=/tmp/y python benchmarks/screenshots.py OUTDIR --train

Each run trains a CNN on 2,000 images for 3 epochs (about 30-60 s). Point
DIGIT_LENS_USER_MODELS (and HOME, for the checkpoints) at throwaway folders: the runs write
real models there.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication

from benchmarks.screenshots import new_window, save_at_sizes, settle
from desktop.gui.main_window import MainWindow

SIZES = ((1280, 800), (1024, 700))
RUN_SECONDS = 300


def _shots(app: QApplication, window: MainWindow, outdir: Path, name: str,
           minimum: bool = False) -> None:
    """The window at each size (and at its minimum), then back to the first size."""
    sizes = [*SIZES, (window.minimumWidth(), window.minimumHeight())] if minimum else SIZES
    save_at_sizes(app, window, outdir, f"train-{{size}}-{name}", sizes)


def _run(app: QApplication, window: MainWindow, outdir: Path, dropout: str, name: str,
         compare: int | None = None, quick: bool = False) -> None:
    """One run: shots after its first epoch and after it ended. The quick preset trains on
    the whole of MNIST (its own recipe); the others on 2,000 images."""
    panel = window.train_panel
    panel.form.quick.setChecked(quick)
    small = dict(limit="", val_size="") if quick else dict(limit="2000", val_size="400")
    panel.form.set_values(epochs="3", dropout=dropout, **small)
    panel.form.extra_data.setChecked(False)
    if not panel.start():
        print(f"the run did not start: {panel.notice.text()}")
        return
    panel.compare_with(compare)  # an earlier run of the session, dashed
    run = panel.current
    settle(app, 0.2, until=lambda: len(run.epochs) >= 1 or not run.active, timeout=RUN_SECONDS)
    settle(app, 1.0)  # a few batches of the second epoch
    _shots(app, window, outdir, f"{name}-training")
    settle(app, 0.5, until=lambda: panel.process is None, timeout=RUN_SECONDS)
    _shots(app, window, outdir, f"{name}-done", minimum=True)


def train_tab_shots(app: QApplication, outdir: Path, models_dir: Path | None) -> None:
    window = new_window(app, models_dir)
    window.resize(*SIZES[0])
    panel = window.train_panel
    window.results_tabs.setCurrentWidget(window.train_page)
    settle(app, 0.3, until=lambda: panel.installed is not None, timeout=60)
    _shots(app, window, outdir, "form", minimum=True)
    if not panel.installed:
        print(f"the trainer is not installed: {panel.notice.text()}")
        return
    _run(app, window, outdir, "0", "run1")
    _run(app, window, outdir, "0.5", "run2-compared", compare=0)
    _run(app, window, outdir, "", "run3-quick", quick=True)
    panel.form.quick.setChecked(False)

    good_folder = panel.out_dir
    panel.out_dir = Path(__file__).resolve() / "models"  # inside a file: the run fails
    panel.start()
    settle(app, 0.3, until=lambda: panel.process is None, timeout=RUN_SECONDS)
    _shots(app, window, outdir, "failed")
    panel.out_dir = good_folder

    panel.set_python("/nonexistent/python3")
    settle(app, 0.3, until=lambda: panel.installed is not None, timeout=30)
    _shots(app, window, outdir, "not-installed")
    window.close()
