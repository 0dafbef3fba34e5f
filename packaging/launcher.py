"""Entry script of the frozen app (PyInstaller needs a file, not a `-m` module)."""

import sys

from desktop.__main__ import main

sys.exit(main())
