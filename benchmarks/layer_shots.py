"""Screenshots of the "Look inside > Layers" page for a CNN and a dense model, for review.

    python benchmarks/layer_shots.py OUTDIR --models-dir DIR

DIR: models with layer outputs (e.g. a copy of resources/models upgraded with
trainer.layer_outputs.add_layer_outputs); one more shot shows a model without them (the
shipped ones before the upgrade). Use a real display or Xvfb, as for benchmarks/screenshots.py,
whose helpers this reuses.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.screenshots import draw, new_window, pick, save, settle, wait_ready  # noqa: E402
from desktop.gui.app import create_application  # noqa: E402

SIZES = ((1280, 800), (1024, 700))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--models-dir", type=Path, default=None)
    parser.add_argument("--old-models-dir", type=Path, default=ROOT / "resources" / "models",
                        help="models exported before layer views, for the last shot")
    args = parser.parse_args(argv)
    args.outdir.mkdir(parents=True, exist_ok=True)
    app = create_application()
    app.setStyle("Fusion")
    for size in SIZES:
        window = new_window(app, args.models_dir)
        window.resize(*size)
        tag = f"{size[0]}x{size[1]}"
        window.results_tabs.setCurrentWidget(window.inside_view)
        page = window.layers_page
        for architecture in ("cnn", "dense"):
            pick(window, "mnist", architecture)
            wait_ready(app, window)
            draw(app, window, "2")
            for index in range(page.chooser.count()):
                page.chooser.setCurrentIndex(index)
                settle(app, 0.3, until=lambda p=page: not p.busy())
                slug = page.chooser.currentData().lower().replace(" ", "-")
                save(window, args.outdir, f"{tag}-layers-{architecture}-{index}-{slug}")
        window.close()
    window = new_window(app, args.old_models_dir)
    window.resize(*SIZES[1])
    window.results_tabs.setCurrentWidget(window.inside_view)
    pick(window, "mnist", "cnn")
    wait_ready(app, window)
    draw(app, window, "7")
    settle(app, 0.3, until=lambda: not window.layers_page.busy())
    save(window, args.outdir, "1024x700-layers-older-model")
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
