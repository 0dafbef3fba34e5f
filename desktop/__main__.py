"""`python -m desktop` (and the `digit-lens` command) start the desktop app."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Run the app; `argv` are the command-line arguments without the program name."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["--decode-pictures"]:  # hidden: the picture decoder's child process
        from desktop import image_io

        return image_io.serve()
    if arguments[:1] == ["--self-test"]:  # headless: no window, no display needed
        from desktop import selftest

        return selftest.main(arguments[1:])
    # Imported here so that `--help` and import errors of the GUI stay cheap and clear.
    from desktop.gui.app import main as run_app

    return run_app(arguments)


if __name__ == "__main__":
    sys.exit(main())
