"""Kill -9 the trainer at every phase of a run and check that no model is ever lost or mismatched.

    python benchmarks/kill_trainer.py [--kills 50] [--seed 0]

Small real trainings (mnist-dense, --limit 300 --epochs 2 --no-extra-data) write into a
temporary models folder that starts with a valid model. Each is SIGKILLed at another moment:
while loading data, mid-epoch, while saving a checkpoint, during ONNX export or the parity check,
and between or while writing the model file. After every kill the folder must hold one loadable
model whose embedded report (model_id, config) agrees with its metadata (the previous model or
the new one, never a mix), and the next run must start with no temporary file left from the
kill. Prints the counts per phase.

The trainer's test hook (trainer/testhook.py) tells when a phase starts and, for moments that
are over in microseconds, pauses there so that the kill lands inside them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from desktop import models  # noqa: E402  (after the path set-up above)
from desktop.model_format import CONFIG_KEY  # noqa: E402

MODEL_ID = "mnist-dense"
RUN = ["--dataset", "mnist", "--model", "dense", "--limit", "300", "--epochs", "2", "--quiet",
       "--no-extra-data"]  # the extra generated data change nothing in how a model is written
PAUSE = 2.0  # seconds the hook holds a paused phase; the kill lands within it

# (phase, occurrences of the marker in a run, pause there?, longest delay after the marker)
KILL_POINTS = [
    ("data", 1, False, 0.6),  # loading the dataset files
    ("epoch", 2, False, 0.05),  # early in an epoch
    ("mid-epoch", 2, True, PAUSE * 0.8),
    ("checkpoint-write", 2, False, 0.03),  # while torch.save writes the temporary file
    ("checkpoint-rename", 2, True, PAUSE * 0.8),  # temporary checkpoint complete, not renamed
    ("export", 1, False, 1.5),  # inside torch.onnx.export
    ("parity", 1, False, 0.1),  # ONNX Runtime against PyTorch
    ("write", 1, False, 0.005),  # creating the temporary model file
    ("write-half", 1, True, PAUSE * 0.8),  # half of the model file written
    ("rename", 1, True, PAUSE * 0.8),  # temporary model complete and on disk, not renamed
    ("renamed", 1, True, PAUSE * 0.8),  # renamed, folder not yet synced
]


@dataclass
class Tally:
    kills: int = 0
    kept_previous: int = 0
    new_model: int = 0
    finished_first: int = 0  # the run ended before the kill landed
    temp_files_left: int = 0  # temporary files the kill left (swept by the next run)
    problems: list[str] = field(default_factory=list)


def environment(work: Path) -> dict[str, str]:
    """The trainer's environment: every user folder inside `work`, the test hook on."""
    env = dict(os.environ)
    env.setdefault("DIGIT_LENS_DATA", str(ROOT.parent / "shared" / "datasets"))
    for name, sub in (("HOME", "home"), ("XDG_DATA_HOME", "data"), ("XDG_CACHE_HOME", "cache"),
                      ("DIGIT_LENS_USER_MODELS", "user-models")):
        env[name] = str(work / sub)
    env["DIGIT_LENS_TEST_PHASES"] = "1"
    env.pop("DIGIT_LENS_TEST_PAUSE", None)
    return env


def command(work: Path, seed: int) -> list[str]:
    return [sys.executable, "-m", "trainer", *RUN, "--seed", str(seed),
            "--out-dir", str(work / "models"), "--checkpoint-dir", str(work / "checkpoints")]


def temporaries(work: Path) -> list[Path]:
    """Temporary files in the model and checkpoint folders (left by a kill, or being written)."""
    found = []
    for folder in (work / "models" / MODEL_ID, work / "checkpoints" / MODEL_ID):
        if folder.is_dir():
            found += [p for p in folder.iterdir() if p.name.endswith(".tmp") or ".tmp-" in p.name]
    return found


def check_model(work: Path) -> dict:
    """The folder's model must load, and its report must be its own. Returns its config."""
    folder = work / "models" / MODEL_ID
    info = models.read_info(folder / "model.onnx")
    report = models.load_metrics(folder)
    import onnxruntime as ort  # noqa: PLC0415  (after desktop, which turns its telemetry off)

    session = ort.InferenceSession(str(folder / "model.onnx"), providers=["CPUExecutionProvider"])
    metadata = session.get_modelmeta().custom_metadata_map
    if report.model_id != info.model_id or info.model_id != MODEL_ID:
        raise AssertionError(f"report of {report.model_id} beside model {info.model_id}")
    if json.loads(metadata[CONFIG_KEY]) != report.config:
        raise AssertionError("the report's config differs from the model's metadata")
    if abs(info.test_accuracy - report.test_accuracy) > 1e-5:
        raise AssertionError("the report's test accuracy differs from the model's")
    return report.config


def make_initial_model(work: Path, seed: int) -> None:
    result = subprocess.run(command(work, seed), cwd=ROOT, env=environment(work),
                            capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise SystemExit(f"the initial training failed:\n{result.stderr[-2000:]}")
    check_model(work)


def kill_once(work: Path, point: tuple, seed: int, rng: random.Random, tally: Tally) -> None:
    """One run killed at `point`; checks the start of the run and the folder after the kill."""
    phase, occurrences, pause, longest = point
    env = environment(work)
    if pause:
        env["DIGIT_LENS_TEST_PAUSE"] = f"{phase}={PAUSE}"
    before = check_model(work)
    target = rng.randint(1, occurrences)
    delay = rng.uniform(0, longest)
    process = subprocess.Popen(command(work, seed), cwd=ROOT, env=env, text=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen, killed = 0, False
    try:
        for line in process.stderr:
            if line.strip() == "@phase start":
                # The lock is ours and the sweep is done: nothing the last kill left survives.
                stale = temporaries(work)
                if stale:
                    tally.problems.append(f"{phase}: stale files at the start of the next run: "
                                          f"{[p.name for p in stale]}")
            if line.strip() == f"@phase {phase}":
                seen += 1
                if seen == target:
                    time.sleep(delay)
                    process.send_signal(signal.SIGKILL)
                    killed = True
                    break
        process.wait(timeout=600)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()
    if killed and process.returncode == -signal.SIGKILL:
        tally.kills += 1
    else:
        tally.finished_first += 1
    tally.temp_files_left += len(temporaries(work))
    try:
        after = check_model(work)
    except (models.ModelError, AssertionError, KeyError, ValueError) as exc:
        tally.problems.append(f"{phase} (seed {seed}): {exc}")
        return
    if after == before:
        tally.kept_previous += 1
    elif after["seed"] == seed:
        tally.new_model += 1
    else:
        tally.problems.append(f"{phase}: the folder holds seed {after['seed']}'s model, "
                              f"neither the previous one nor seed {seed}'s")


def final_run(work: Path, seed: int) -> list[str]:
    """A last, uninterrupted run must succeed and leave only the model: no temporary files,
    no lock files."""
    result = subprocess.run(command(work, seed), cwd=ROOT, env=environment(work),
                            capture_output=True, text=True, timeout=600)
    problems = []
    if result.returncode != 0:
        problems.append(f"the final run failed: {result.stderr[-500:]}")
    folder = work / "models" / MODEL_ID
    if sorted(p.name for p in folder.iterdir()) != ["model.onnx"]:
        problems.append(f"the model folder holds {sorted(p.name for p in folder.iterdir())}")
    leftovers = temporaries(work) + list((work / "models").glob(".*.lock")) + list(
        (work / "checkpoints").glob(".*.lock"))
    if leftovers:
        problems.append(f"left behind: {[str(p) for p in leftovers]}")
    if check_model(work)["seed"] != seed:
        problems.append("the final run's model is not in the folder")
    return problems


def run_kills(work: Path, points: list[tuple], seed: int = 0) -> dict[str, Tally]:
    """Make a valid model, then kill one run at each of `points`; a tally per phase."""
    rng = random.Random(seed)
    make_initial_model(work, seed=1000)
    tallies: dict[str, Tally] = {}
    for number, point in enumerate(points, start=1):
        kill_once(work, point, seed=number, rng=rng,
                  tally=tallies.setdefault(point[0], Tally()))
    tallies["final"] = Tally(problems=final_run(work, seed=999))
    return tallies


def spread(kills: int) -> list[tuple]:
    """`kills` kill points, spread evenly over every phase."""
    return [KILL_POINTS[i % len(KILL_POINTS)] for i in range(kills)]


def report(tallies: dict[str, Tally]) -> str:
    lines = [f"{'phase':<18} {'kills':>5} {'kept old':>8} {'new model':>9} {'missed':>6} "
             f"{'tmp left':>8} {'problems':>8}"]
    for phase, t in tallies.items():
        if phase == "final":
            continue
        lines.append(f"{phase:<18} {t.kills:>5} {t.kept_previous:>8} {t.new_model:>9} "
                     f"{t.finished_first:>6} {t.temp_files_left:>8} {len(t.problems):>8}")
    total = sum(t.kills for t in tallies.values())
    problems = [p for t in tallies.values() for p in t.problems]
    lines.append(f"{total} kills; {len(problems)} problems")
    lines += [f"  problem: {p}" for p in problems]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0, help="seed of the kill delays")
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kill-trainer-") as tmp:
        tallies = run_kills(Path(tmp), spread(args.kills), args.seed)
    print(report(tallies))
    print(f"{time.perf_counter() - started:.0f} s")
    return 1 if any(t.problems for t in tallies.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
