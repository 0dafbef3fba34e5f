"""Print the installer budgets: folder bundle size and what its large parts cost, installer
sizes, and the frozen app's start time to its window shown (a "cold" first start after dropping
the page cache when allowed, then the median of warm starts).

    packaging/build_linux.sh && .venv/bin/python packaging/measure.py [--runs 7] [--compressed]

--compressed also prints what each large part costs inside the .deb (xz -9; a minute or two).

--against BUNDLE compares the start of this build with another one (a copy of an earlier
dist/digit-lens folder): the two start in turn, round after round, each once after dropping the
page cache and then warm, so that both see the same busy or quiet minutes. A change to the start
is only worth keeping when it wins such rounds; one bundle measured at a time on a shared machine
varies more than the change.

    cp -a dist/digit-lens /tmp/before && <change, rebuild> &&
    .venv/bin/python packaging/measure.py --against /tmp/before [--rounds 8]

The build script prints its own duration ("built in N s"). Start-up uses the display in
$DISPLAY (e.g. Xvfb), else the offscreen platform.
"""

from __future__ import annotations

import argparse
import lzma
import os
import statistics
import subprocess
import time
from pathlib import Path

DIST = Path(__file__).resolve().parents[1] / "dist"
EXECUTABLE = DIST / "digit-lens" / "digit-lens"
BUNDLE_MB, DEB_MB, COLD_START_S = 130, 45, 0.5  # issue 14's budgets
# Folders whose parts are worth telling apart; anything else is counted at its top-level folder.
SPLIT = {"_internal", "_internal/PySide6", "_internal/PySide6/Qt", "_internal/resources"}


def files_in(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in files_in(folder))


def compressed_size(paths: list[Path]) -> int:
    """Bytes of `paths` after xz -9, as the .deb stores them (files packed one after another)."""
    compressor, size = lzma.LZMACompressor(preset=9), 0
    for path in sorted(paths):
        size += len(compressor.compress(path.read_bytes()))
    return size + len(compressor.flush())


def part_files(bundle: Path, part: str) -> list[Path]:
    """The files of one part of parts(): a folder (ending in /) or a single file."""
    return files_in(bundle / part) if part.endswith("/") else [bundle / part]


def parts(bundle: Path) -> dict[str, int]:
    """Bytes per part: a top-level folder (numpy.libs, onnxruntime), or one level deeper in the
    folders that hold several large things (Qt's lib and plugins, the models)."""
    sizes: dict[str, int] = {}
    for path in files_in(bundle):
        relative = path.relative_to(bundle)
        depth = 1
        while depth < len(relative.parts) and "/".join(relative.parts[:depth]) in SPLIT:
            depth += 1
        part = "/".join(relative.parts[:depth]) + ("/" if depth < len(relative.parts) else "")
        sizes[part] = sizes.get(part, 0) + path.stat().st_size
    return sizes


def budget(value: float, limit: float) -> str:
    return f"(budget {limit:g}: {'within' if value <= limit else 'over'})"


def start_environment() -> dict[str, str]:
    """A bare environment for the frozen app, with the start-up probe on: it prints its steps
    and quits after its first paint (on $DISPLAY when there is one, else offscreen)."""
    environment = {"PATH": "/usr/bin:/bin", "DIGIT_LENS_STARTUP_PROBE": "1",
                   "HOME": os.environ.get("HOME", "/tmp"),
                   "QT_QPA_PLATFORM": "xcb" if os.environ.get("DISPLAY") else "offscreen"}
    if os.environ.get("DISPLAY"):
        environment["DISPLAY"] = os.environ["DISPLAY"]
    return environment


def start_steps(environment: dict[str, str], executable: Path = EXECUTABLE
                ) -> list[tuple[str, float]]:
    """Launch the frozen app once: the seconds each step of its start took, the last one up to
    its first paint (it prints when each step ended, then 'shown <time>', and quits)."""
    started = time.time()
    result = subprocess.run([str(executable)], env=environment, capture_output=True, text=True,
                            timeout=60)
    lines = result.stdout.splitlines()
    shown = [line for line in lines if line.startswith("shown ")]
    if result.returncode != 0 or not shown:
        raise SystemExit(f"the frozen app did not show its window:\n{result.stderr[-2000:]}")
    ends = [(line.split(" ", 2)[2], float(line.split()[1]))
            for line in lines if line.startswith("step ")]
    ends.append(("shown and painted", float(shown[0].split()[1])))
    steps, previous = [], started
    for name, ended in ends:
        steps.append((name, ended - previous))
        previous = ended
    return steps


def drop_page_cache() -> bool:
    try:
        subprocess.run(["sync"], check=True)
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def seconds_to_window(environment: dict[str, str], executable: Path) -> float:
    return sum(seconds for _, seconds in start_steps(environment, executable))


def compare_starts(against: Path, rounds: int, warm_per_round: int = 3) -> None:
    """Alternate this build and the one `against`: each round starts each bundle once after
    dropping the page cache, then `warm_per_round` times; the order flips every round."""
    environment = start_environment()
    bundles = {"this build": EXECUTABLE, "against": against / EXECUTABLE.name}
    cold: dict[str, list[float]] = {name: [] for name in bundles}
    warm: dict[str, list[float]] = {name: [] for name in bundles}
    dropped = True
    for number in range(rounds):
        order = list(bundles.items())
        for name, executable in order if number % 2 == 0 else reversed(order):
            dropped = drop_page_cache() and dropped
            cold[name].append(seconds_to_window(environment, executable))
            warm[name] += [seconds_to_window(environment, executable)
                           for _ in range(warm_per_round)]
        print(f"  round {number + 1}/{rounds}: first start "
              + ", ".join(f"{name} {cold[name][-1]:.2f} s" for name in bundles), flush=True)
    first = "cold page cache" if dropped else "page cache NOT dropped (needs root)"
    print(f"start to window ({environment['QT_QPA_PLATFORM']}), {rounds} alternating rounds, "
          f"first start with the {first}:")
    for name, executable in bundles.items():
        print(f"  {name} ({executable.parent}): first start median "
              f"{statistics.median(cold[name]):.2f} s (best {min(cold[name]):.2f}, worst "
              f"{max(cold[name]):.2f}) {budget(statistics.median(cold[name]), COLD_START_S)}; "
              f"warm median {statistics.median(warm[name]):.2f} s (best {min(warm[name]):.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--compressed", action="store_true",
                        help="also print each large part's size after xz -9 (as in the .deb)")
    parser.add_argument("--against", type=Path, metavar="BUNDLE",
                        help="compare this build's start with the bundle folder BUNDLE's, in "
                             "alternating rounds (sizes are not printed)")
    parser.add_argument("--rounds", type=int, default=8,
                        help="alternating rounds with --against (default 8)")
    args = parser.parse_args()
    if args.runs < 1 or args.rounds < 1:
        parser.error("--runs and --rounds must be at least 1")
    if not EXECUTABLE.exists():
        raise SystemExit(f"no bundle at {EXECUTABLE}: run packaging/build_linux.sh first")
    if args.against is not None:
        if not (args.against / EXECUTABLE.name).is_file():
            raise SystemExit(f"no {EXECUTABLE.name} in {args.against}: give a copy of an "
                             "earlier dist/digit-lens folder")
        compare_starts(args.against, args.rounds)
        return
    bundle = EXECUTABLE.parent
    total = folder_size(bundle) / 1e6
    print(f"folder bundle  {total:7.1f} MB  {bundle} {budget(total, BUNDLE_MB)}")
    print("largest parts:")
    for part, size in sorted(parts(bundle).items(), key=lambda item: -item[1])[:15]:
        packed = (f"  ({compressed_size(part_files(bundle, part)) / 1e6:5.1f} MB in xz)"
                  if args.compressed else "")
        print(f"  {size / 1e6:7.1f} MB  {part}{packed}")
    print("largest files:")
    for path in sorted(files_in(bundle), key=lambda p: p.stat().st_size, reverse=True)[:15]:
        print(f"  {path.stat().st_size / 1e6:7.1f} MB  {path.relative_to(bundle)}")
    for installer in sorted(DIST.glob("digit-lens*.tar.gz")) + sorted(DIST.glob("*.deb")):
        size = installer.stat().st_size / 1e6
        limit = f" {budget(size, DEB_MB)}" if installer.suffix == ".deb" else ""
        print(f"installer      {size:7.1f} MB  {installer.name}{limit}")

    environment = start_environment()
    cold = drop_page_cache()
    first = start_steps(environment)
    warm = [start_steps(environment) for _ in range(args.runs)]
    first_total = sum(seconds for _, seconds in first)
    warm_total = statistics.median(sum(seconds for _, seconds in run) for run in warm)
    print(f"start to window ({environment['QT_QPA_PLATFORM']}): first "
          f"{'(cold page cache) ' if cold else '(page cache not dropped) '}{first_total:.2f} s, "
          f"{budget(first_total, COLD_START_S)}, then median {warm_total:.2f} s of {args.runs}")
    print("  its steps: first, then median")
    for number, (name, seconds) in enumerate(first):
        median = statistics.median(run[number][1] for run in warm)
        print(f"  {seconds:5.2f} s  {median:5.2f} s  {name}")


if __name__ == "__main__":
    main()
