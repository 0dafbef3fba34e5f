"""`python -m desktop` (and the `digit-lens` command): the one command line of the app.

It opens the window, or runs the headless self-test (`--self-test`) on the same models the
window would list: --models-dir, else $DIGIT_LENS_MODELS, else the shipped models.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from desktop import APP_NAME, __version__, paths


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="digit-lens",
        description=f"{APP_NAME}: draw a digit or open a picture of clothing and see what a "
                    "neural network thinks it is, and how it was trained.",
    )
    parser.add_argument("picture", nargs="?", type=Path, help="a picture to open at start")
    parser.add_argument("--models-dir", type=Path, metavar="DIR",
                        help=f"folder with one subfolder per model (default: ${paths.MODELS_ENV} "
                             "or the models shipped with the app)")
    parser.add_argument("--self-test", action="store_true",
                        help="check the models (see --models-dir) on the bundled samples without "
                             "opening a window; exit status 0 when all is well")
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    return parser.parse_args(list(argv))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the app; `argv` are the command-line arguments without the program name."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["--decode-pictures"]:  # hidden: the picture decoder's child process
        from desktop import image_io

        return image_io.serve()
    args = parse_args(arguments)
    models_dir = paths.app_models_dir(args.models_dir)
    if args.self_test:  # headless: no window, no display needed
        from desktop import selftest

        return selftest.run(models_dir)
    # Imported only now, so that --help, --version and --self-test never load the window.
    from desktop.gui.app import run

    return run(models_dir, args.picture)


if __name__ == "__main__":
    sys.exit(main())
