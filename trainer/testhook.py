"""Test hook: lets benchmarks/kill_trainer.py and the tests see, and stretch, each phase of a run.

Off unless its environment variables are set; it never changes what a run does:
- DIGIT_LENS_TEST_PHASES=1 prints "@phase NAME" to stderr when a run enters phase NAME;
- DIGIT_LENS_TEST_PAUSE="NAME=SECONDS[,NAME=SECONDS...]" also sleeps there, so that a test can
  kill the process at a moment that is otherwise over in microseconds (between two renames).
Phases, in order: start, data, epoch, mid-epoch, checkpoint-write, checkpoint-rename, export,
parity, write, write-half, rename, renamed, done.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time

PHASES_ENV = "DIGIT_LENS_TEST_PHASES"
PAUSE_ENV = "DIGIT_LENS_TEST_PAUSE"


def phase(name: str) -> None:
    """Mark the start of phase `name` (no-op unless the test hook is switched on)."""
    if os.environ.get(PHASES_ENV):
        print(f"@phase {name}", file=sys.stderr, flush=True)
    pauses = os.environ.get(PAUSE_ENV)
    if pauses:
        for item in pauses.split(","):
            key, _, seconds = item.partition("=")
            if key.strip() == name:
                with contextlib.suppress(ValueError):
                    time.sleep(float(seconds))
