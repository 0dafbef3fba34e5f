"""Print the installer budgets: folder bundle size, installer sizes, and the frozen app's start
time to its window shown (a "cold" first start after dropping the page cache when allowed,
then the median of warm starts).

    packaging/build_linux.sh && .venv/bin/python packaging/measure.py [--runs 7]

The build script prints its own duration ("built in N s"). Start-up uses the display in
$DISPLAY (e.g. Xvfb), else the offscreen platform.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import time
from pathlib import Path

DIST = Path(__file__).resolve().parents[1] / "dist"
EXECUTABLE = DIST / "digit-lens" / "digit-lens"


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def seconds_to_window(environment: dict[str, str]) -> float:
    """Launch the frozen app; it prints 'shown <time>' on its first paint and quits."""
    started = time.time()
    result = subprocess.run([str(EXECUTABLE)], env=environment, capture_output=True, text=True,
                            timeout=60)
    shown = [line for line in result.stdout.splitlines() if line.startswith("shown ")]
    if result.returncode != 0 or not shown:
        raise SystemExit(f"the frozen app did not show its window:\n{result.stderr[-2000:]}")
    return float(shown[0].split()[1]) - started


def drop_page_cache() -> bool:
    try:
        subprocess.run(["sync"], check=True)
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if not EXECUTABLE.exists():
        raise SystemExit(f"no bundle at {EXECUTABLE}: run packaging/build_linux.sh first")
    print(f"folder bundle  {folder_size(EXECUTABLE.parent) / 1e6:7.1f} MB  "
          f"{EXECUTABLE.parent} (target: under 150 MB)")
    largest = sorted((p for p in EXECUTABLE.parent.rglob("*") if p.is_file()
                      and not p.is_symlink()), key=lambda p: p.stat().st_size, reverse=True)
    for part in largest[:6]:
        print(f"  {part.stat().st_size / 1e6:7.1f} MB  {part.relative_to(EXECUTABLE.parent)}")
    for installer in sorted(DIST.glob("digit-lens*.tar.gz")) + sorted(DIST.glob("*.deb")):
        print(f"installer      {installer.stat().st_size / 1e6:7.1f} MB  {installer.name}")

    environment = {"PATH": "/usr/bin:/bin", "DIGIT_LENS_STARTUP_PROBE": "1",
                   "HOME": os.environ.get("HOME", "/tmp"),
                   "QT_QPA_PLATFORM": "xcb" if os.environ.get("DISPLAY") else "offscreen"}
    if os.environ.get("DISPLAY"):
        environment["DISPLAY"] = os.environ["DISPLAY"]
    cold = drop_page_cache()
    first = seconds_to_window(environment)
    warm = statistics.median(seconds_to_window(environment) for _ in range(args.runs))
    print(f"start to window ({environment['QT_QPA_PLATFORM']}): first "
          f"{'(cold page cache) ' if cold else '(page cache not dropped) '}{first:.2f} s, "
          f"then median {warm:.2f} s of {args.runs} (target: under 2 s)")


if __name__ == "__main__":
    main()
