"""Nothing crashes, hangs or loses a model: hostile command lines, locked and stale folders,
damaged or crafted checkpoints, diverged training, and kill -9 at every phase of a run."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

import desktop
from desktop import models, paths
from trainer import export, folders
from trainer.settings import ARCHITECTURES, DATASET_NAMES, DEFAULT_DROPOUT, DEFAULTS

ROOT = Path(__file__).resolve().parents[1]
# Small and focused on what is written: no generated extra data (trainer/mixed_data.py).
QUICK = ["--dataset", "mnist", "--model", "dense", "--limit", "300", "--epochs", "1", "--quiet",
         "--no-extra-data"]


def isolated_env(home: Path) -> dict[str, str]:
    """Every default folder of the trainer and the app inside `home`; ONNX Runtime's telemetry
    left as the trainer itself sets it (not as this test process did)."""
    env = {name: value for name, value in os.environ.items() if name != desktop.TELEMETRY_ENV}
    for name, sub in (("HOME", "home"), ("XDG_DATA_HOME", "data"), ("XDG_CACHE_HOME", "cache"),
                      (paths.USER_MODELS_ENV, "user-models")):
        env[name] = str(home / sub)
    return env


def trainer(args: list[str], home: Path, timeout: float = 900,
            module: str = "trainer") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, text=True,
                          capture_output=True, timeout=timeout, env=isolated_env(home))


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` with a hash of its bytes."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def place(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> dict[str, Path]:
    """A models folder holding a valid mnist-dense, its checkpoint, and damaged inputs."""
    base = tmp_path_factory.mktemp("safety")
    out, checkpoints, home = base / "models", base / "checkpoints", base / "home"
    result = trainer([*QUICK, "--out-dir", str(out), "--checkpoint-dir", str(checkpoints)], home)
    assert result.returncode == 0, result.stderr
    checkpoint = checkpoints / "mnist-dense" / "checkpoint.pt"

    def checkpoint_dir(name: str, payload: bytes) -> Path:
        folder = base / name / "mnist-dense"
        folder.mkdir(parents=True)
        (folder / "checkpoint.pt").write_bytes(payload)
        return folder.parent

    crafted = base / "crafted.pt"
    torch.save({"config": {}, "model": RunsCodeWhenUnpickled(base / "code-ran")}, crafted)
    corrupt = base / "corrupt-data"
    raw = corrupt / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                 "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        shutil.copyfile(data_dir / "MNIST" / "raw" / name, raw / name)
    with open(raw / "train-labels-idx1-ubyte", "r+b") as file:
        file.truncate(500)
    (base / "a-file").write_text("not a folder")
    (base / "has-file-model").mkdir()
    (base / "has-file-model" / "mnist-cnn").write_text("a file where the model folder goes")
    (base / "has-dir-model" / "mnist-cnn" / "model.onnx").mkdir(parents=True)
    (base / "dangling").symlink_to(base / "nowhere" / "at-all")
    return {
        "base": base, "out": out, "checkpoints": checkpoints, "home": home,
        "truncated": checkpoint_dir("truncated", checkpoint.read_bytes()[:5000]),
        "garbage": checkpoint_dir("garbage", os.urandom(20_000)),
        "crafted": checkpoint_dir("crafted-checkpoint", crafted.read_bytes()),
        "good": checkpoint_dir("good-checkpoint", checkpoint.read_bytes()),
        "corrupt": corrupt,
    }


class RunsCodeWhenUnpickled:
    """What an attacker puts in a checkpoint: unpickling it creates a file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


# Each exits 1 or 2 with one line naming the problem. {name} is a path from the fixture;
# --out-dir/--checkpoint-dir of the valid model folder are added unless the line sets them.
HOSTILE = [
    # numbers that are not numbers, out of range, or not finite
    ["--epochs", "-3"], ["--epochs", "many"], ["--epochs", "0"], ["--epochs", "1e3"],
    ["--epochs", "99999999999999999999"], ["--epochs", ""], ["--batch-size", "0"],
    ["--batch-size", "10000000"], ["--patience", "0"], ["--val-size", "0"],
    ["--val-size", "60000"], ["--limit", "0"], ["--limit=-5"], ["--limit", "3.5"],
    ["--lr", "0"], ["--lr", "-0.1"], ["--lr", "inf"], ["--lr", "-inf"], ["--lr", "nan"],
    ["--lr", "1e400"], ["--lr", "1e-3x"], ["--lr", "Infinity"],
    ["--dropout", "1.5"], ["--dropout", "1"], ["--dropout", "-0.1"], ["--dropout", "nan"],
    ["--dropout", "inf"], ["--seed", "99999999999999999999"], ["--seed", "-1"],
    ["--seed", "1.5"], ["--seed", "nan"], ["--seed", "4294967296"],
    ["--label-smoothing", "0.6"], ["--label-smoothing", "-0.1"], ["--label-smoothing", "nan"],
    # names and options
    ["--dataset", "cifar"], ["--dataset", ""], ["--model", "rnn"], ["--device", "tpu"],
    ["train", "extra"], ["retrain"], ["all", "--dataset", "mnist"], ["all", "--model", "dense"],
    ["--limt", "300"], ["--lim", "300"], ["-x"], ["--quiet=yes"], ["--epochs"],
    ["--out-dir"], ["--out-dir", ""], ["--data-dir", ""], ["--checkpoint-dir", "  "],
    ["--epochs", "2", "--epochs", "x"], ["--imbalance", "5:2"], ["--imbalance", "5-0.1"],
    ["--task", "is-7", "--dataset", "fashion"], ["--task", "is-cat"], ["all", "--task", "is-7"],
    # folders that cannot be written, or are taken
    ["--out-dir", "{base}/a-file"], ["--out-dir", "{base}/a-file/sub"],
    ["--out-dir", "{base}/has-file-model"], ["--out-dir", "{base}/has-dir-model"],
    ["--out-dir", "{base}/dangling"], ["--checkpoint-dir", "{base}/a-file"],
    ["LOCKED"],
    # data and checkpoints that are damaged, crafted or from other settings; diverged training
    [*QUICK, "--data-dir", "{corrupt}"], [*QUICK, "--data-dir", "{base}/a-file"],
    [*QUICK, "--resume", "--checkpoint-dir", "{truncated}"],
    [*QUICK, "--resume", "--checkpoint-dir", "{garbage}"],
    [*QUICK, "--resume", "--checkpoint-dir", "{crafted}"],
    [*QUICK, "--resume", "--lr", "0.1", "--checkpoint-dir", "{good}"],
    [*QUICK, "--lr", "1e30"],
]


@pytest.mark.slow  # these start the trainer (a real training run for `place`)
@pytest.mark.parametrize("args", HOSTILE, ids=[" ".join(a)[:60] or "empty" for a in HOSTILE])
def test_hostile_command_lines_fail_cleanly_and_write_nothing(
        place: dict[str, Path], args: list[str]) -> None:
    args = [arg.format(**{k: str(v) for k, v in place.items()}) for arg in args]
    before = snapshot(place["out"])
    lock = None
    if args == ["LOCKED"]:  # another trainer (this test process) is writing the model
        lock = folders.FolderLock(place["out"] / ".mnist-cnn.lock", "mnist-cnn")
        lock.acquire()
        args = []
    if "--out-dir" not in args:
        args += ["--out-dir", str(place["out"])]
    if "--checkpoint-dir" not in args:
        args += ["--checkpoint-dir", str(place["checkpoints"])]
    try:
        result = trainer(args, place["home"])
    finally:
        if lock is not None:
            lock.release()
    assert result.returncode in (1, 2), result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1 and errors[0] == result.stderr.strip().splitlines()[-1], \
        result.stderr
    assert result.stdout == ""
    assert snapshot(place["out"]) == before
    assert not (place["base"] / "code-ran").exists()
    if lock is not None:
        assert f"another trainer is writing mnist-cnn in {place['out']} (pid {os.getpid()})" \
            in errors[0]


@pytest.mark.slow
def test_hostile_messages_say_what_is_wrong(place: dict[str, Path]) -> None:
    def error(*args: str) -> str:
        return trainer([*args, "--out-dir", str(place["out"])], place["home"]).stderr

    assert "unknown option --limt (did you mean --limit?)" in error("--limt", "300")
    assert "expected a finite number, got 'inf'" in error("--lr", "inf")
    assert "between 0 and 4294967295" in error("--seed", "99999999999999999999")
    assert "refused, nothing of it was run" in error(
        *QUICK, "--resume", "--checkpoint-dir", str(place["crafted"]))
    assert "is damaged or not a checkpoint" in error(
        *QUICK, "--resume", "--checkpoint-dir", str(place["truncated"]))
    assert "diverged" in error(*QUICK, "--lr", "1e30")


@pytest.mark.slow  # `place` trains a model first
@pytest.mark.parametrize("args", [
    [], ["--bogus", "x.png"], ["--model", "nope", "{image}"], ["{base}/missing.png"],
    ["{base}"], ["{base}/a-file"], ["--models-dir", "{base}/nowhere", "{image}"],
])
def test_hostile_classify_command_lines(place: dict[str, Path], samples_dir: Path,
                                        args: list[str]) -> None:
    image = sorted((samples_dir / "mnist").glob("*.png"))[0]
    args = [arg.format(image=image, base=place["base"]) for arg in args]
    result = trainer(args, place["home"], timeout=600, module="desktop.classify")
    assert result.returncode in (1, 2), result.stderr
    assert "Traceback" not in result.stderr
    assert len([line for line in result.stderr.splitlines() if "error" in line]) == 1


def test_help_does_not_import_torch_and_lists_every_default() -> None:
    probe = ("import sys; from trainer.cli import build_parser; "
             "text = build_parser().format_help(); "
             "print('torch' in sys.modules, 'onnx' in sys.modules); print(text)")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, text=True,
                            capture_output=True, timeout=600)
    first, _, text = result.stdout.partition("\n")
    assert first == "False False"
    for (dataset, architecture), values in DEFAULTS.items():
        assert (f"{dataset}-{architecture}: {values['epochs']} epochs, batch "
                f"{values['batch_size']}, lr {values['lr']:g}") in text
    assert "all --out-dir resources/models" in text
    assert "None" not in text


def test_the_settings_table_matches_the_trainer() -> None:
    from trainer.data import DATASETS
    from trainer.models import build_model

    assert set(DATASET_NAMES) == set(DATASETS)
    assert set(DEFAULTS) == {(d, a) for d in DATASETS for a in ARCHITECTURES}
    for architecture in ARCHITECTURES:
        rates = {m.p for m in build_model(architecture, None, 10).modules()
                 if isinstance(m, torch.nn.Dropout)}
        default = DEFAULT_DROPOUT[architecture]
        assert rates == ({default} if default else set())  # dropout 0: no dropout layers


@pytest.mark.slow
def test_the_default_out_dir_is_the_users_folder_not_the_shipped_models(
        tmp_path: Path, data_dir: Path) -> None:
    shipped = snapshot(ROOT / "resources" / "models")
    result = trainer([*QUICK, "--checkpoint-dir", str(tmp_path / "c")], tmp_path)
    assert result.returncode == 0, result.stderr
    written = tmp_path / "user-models" / "mnist-dense"
    assert sorted(p.name for p in written.iterdir()) == ["model.onnx"]
    assert snapshot(ROOT / "resources" / "models") == shipped
    assert json.loads(result.stdout)["path"] == str(written)
    # Nothing else in the user's folders: no ONNX Runtime telemetry under ~/.cache/Microsoft.
    assert [str(p) for p in tmp_path.glob("*/**/*") if p.is_file()
            and p.parts[len(tmp_path.parts)] not in ("c", "user-models")] == []


@pytest.mark.parametrize("platform, env, expected", [
    ("linux", {"XDG_DATA_HOME": "/x/data"}, "/x/data/digit-lens/models"),
    ("linux", {"XDG_DATA_HOME": "relative/ignored"}, "{home}/.local/share/digit-lens/models"),
    ("linux", {}, "{home}/.local/share/digit-lens/models"),
    ("darwin", {"XDG_DATA_HOME": "/x"}, "{home}/Library/Application Support/digit-lens/models"),
    ("win32", {"APPDATA": "/c/Users/me/AppData/Roaming"},
     "/c/Users/me/AppData/Roaming/digit-lens/models"),
    ("linux", {"DIGIT_LENS_USER_MODELS": "/tmp/mine", "XDG_DATA_HOME": "/x"}, "/tmp/mine"),
])
def test_user_models_dir_follows_the_platform(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                              platform: str, env: dict, expected: str) -> None:
    for name in ("XDG_DATA_HOME", "APPDATA", paths.USER_MODELS_ENV):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(sys, "platform", platform)
    assert paths.user_models_dir() == Path(expected.format(home=tmp_path))


@pytest.mark.slow
def test_a_second_trainer_on_the_same_model_is_refused(tmp_path: Path, data_dir: Path) -> None:
    """A real first trainer, paused while loading data, holds the model's lock."""
    out = tmp_path / "models"
    env = isolated_env(tmp_path)
    env.update(DIGIT_LENS_TEST_PHASES="1", DIGIT_LENS_TEST_PAUSE="data=30")
    first = subprocess.Popen([sys.executable, "-m", "trainer", *QUICK, "--out-dir", str(out),
                              "--checkpoint-dir", str(tmp_path / "c1")], cwd=ROOT, env=env,
                             text=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for line in first.stderr:
            if line.strip() == "@phase data":
                break
        second = trainer([*QUICK, "--out-dir", str(out), "--checkpoint-dir",
                          str(tmp_path / "c2")], tmp_path)
    finally:
        first.kill()
        first.wait()
        first.stderr.close()
    assert second.returncode == 1
    assert (f"error: another trainer is writing mnist-dense in {out} (pid {first.pid})"
            in second.stderr)
    # the first was killed: its lock is stale, and the next trainer takes it over
    third = trainer([*QUICK, "--out-dir", str(out), "--checkpoint-dir", str(tmp_path / "c1")],
                    tmp_path)
    assert third.returncode == 0, third.stderr
    assert f"took over the lock of a trainer that stopped (pid {first.pid})" in third.stderr
    assert sorted(p.name for p in out.iterdir()) == ["mnist-dense"]  # no lock file left


@pytest.mark.slow
def test_stale_temporary_files_are_swept_by_the_next_run(tmp_path: Path, data_dir: Path) -> None:
    out, checkpoints = tmp_path / "models", tmp_path / "checkpoints"
    (out / "mnist-dense").mkdir(parents=True)
    (checkpoints / "mnist-dense").mkdir(parents=True)
    stale = [out / "mnist-dense" / ".model.onnx.abc123.tmp",
             out / "mnist-dense" / ".metrics.json.x1.tmp",
             checkpoints / "mnist-dense" / ".checkpoint.pt.k9.tmp",
             checkpoints / "mnist-dense" / "checkpoint.pt.tmp-4242"]
    for path in stale:
        path.write_bytes(b"\0" * 100_000)
    keep = out / "mnist-dense" / "notes.txt"
    keep.write_text("the user's own file")
    # even a run that fails on its data sweeps first (it holds the lock)
    (tmp_path / "a-file").write_text("x")
    result = trainer([*QUICK, "--out-dir", str(out), "--checkpoint-dir", str(checkpoints),
                      "--data-dir", str(tmp_path / "a-file")], tmp_path)
    assert result.returncode == 1
    assert "removed 2 temporary files (0.2 MB)" in result.stderr
    assert not any(path.exists() for path in stale)
    assert keep.read_text() == "the user's own file"


def test_the_model_file_holds_its_report_and_settings(tmp_path: Path) -> None:
    from test_trainer_runs import tiny_onnx

    (tmp_path / "metrics.json").write_text("{}")  # from an older trainer
    report = {"model_id": "mnist-dense", "test_accuracy": 0.5, "config": {"seed": 3}}
    export.write_artifacts(tmp_path, tiny_onnx(), report)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.onnx"]
    metadata = {p.key: p.value for p in onnx.load(str(tmp_path / "model.onnx")).metadata_props}
    assert metadata["metrics"] == json.dumps(report, indent=1) + "\n"  # metrics.json's text
    assert json.loads(metadata["config"]) == {"seed": 3}


def test_a_model_with_nan_weights_or_outputs_is_never_written(tmp_path: Path) -> None:
    from test_trainer_runs import tiny_onnx

    export.write_artifacts(tmp_path, tiny_onnx(), {"test_accuracy": 0.5})
    before = snapshot(tmp_path)
    with pytest.raises(export.ExportError, match="NaN"):
        export.write_artifacts(tmp_path, tiny_onnx(float("nan")), {"test_accuracy": 0.5})
    assert snapshot(tmp_path) == before

    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10)).eval()
    wrapped = export.WithSoftmax(model, 10)
    onnx_bytes = export.to_onnx_bytes(wrapped, {"model_id": "x"})
    with torch.no_grad():
        model[1].bias[3] = float("nan")  # PyTorch now gives NaN rows; argmax is still "0"
    with pytest.raises(export.ExportError, match="NaN"):
        export.check_parity(wrapped, onnx_bytes, torch.rand(16, 1, 28, 28))


def test_lock_is_exclusive_and_released(tmp_path: Path) -> None:
    first = folders.FolderLock(tmp_path / ".m.lock", "m")
    first.acquire()
    with pytest.raises(folders.FolderError, match=f"pid {os.getpid()}"):
        folders.FolderLock(tmp_path / ".m.lock", "m").acquire()
    first.release()
    assert not (tmp_path / ".m.lock").exists()
    with folders.FolderLock(tmp_path / ".m.lock", "m") as again:
        assert again.taken_over_from is None


@pytest.mark.slow  # kills real training runs
def test_kill_9_at_every_kind_of_moment_never_loses_or_mismatches_a_model(
        tmp_path: Path, data_dir: Path) -> None:
    """A few kills of benchmarks/kill_trainer.py (which does 50 over every phase)."""
    from benchmarks import kill_trainer

    points = [p for p in kill_trainer.KILL_POINTS
              if p[0] in ("checkpoint-rename", "write-half", "rename", "renamed")]
    tallies = kill_trainer.run_kills(tmp_path, points)
    print(kill_trainer.report(tallies))
    assert not [p for t in tallies.values() for p in t.problems]
    assert sum(t.kills for t in tallies.values()) == 4
    assert tallies["rename"].kept_previous == 1 and tallies["renamed"].new_model == 1
    assert tallies["write-half"].temp_files_left >= 1  # and the next run swept them


def test_checkpoints_are_written_in_full_or_not_at_all(tmp_path: Path) -> None:
    """A kill inside torch.save leaves only a temporary file; the checkpoint stays readable."""
    from trainer import checkpoint

    path = tmp_path / "checkpoint.pt"
    checkpoint.save({"config": {}, "epoch": 1}, path)
    script = ("import sys, torch; from pathlib import Path; from trainer import checkpoint; "
              "checkpoint.save({'config': {}, 'epoch': 2, 'w': torch.zeros(3_000_000)}, "
              "Path(sys.argv[1]))")
    env = dict(os.environ, DIGIT_LENS_TEST_PHASES="1", DIGIT_LENS_TEST_PAUSE="checkpoint-rename=30")
    process = subprocess.Popen([sys.executable, "-c", script, str(path)], cwd=ROOT, env=env,
                               text=True, stderr=subprocess.PIPE)
    for line in process.stderr:
        if line.strip() == "@phase checkpoint-rename":
            break
    process.send_signal(signal.SIGKILL)
    process.wait()
    process.stderr.close()
    assert torch.load(path, weights_only=True)["epoch"] == 1
    assert folders.sweep_temporaries(tmp_path)[0] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint.pt"]


@pytest.mark.slow
def test_exported_model_outputs_are_finite_for_a_real_run(place: dict[str, Path]) -> None:
    folder = place["out"] / "mnist-dense"
    session = ort.InferenceSession(str(folder / "model.onnx"),
                                   providers=["CPUExecutionProvider"])
    out = session.run(None, {"image": np.random.default_rng(0).normal(
        size=(8, 1, 28, 28)).astype(np.float32)})[0]
    assert np.isfinite(out).all()
    report = models.load_metrics(folder)
    assert report["config"]["seed"] == 0 and report["config"]["limit"] == 300


def test_any_garbage_checkpoint_is_called_damaged_never_a_traceback(tmp_path: Path) -> None:
    """torch's readers raise many kinds of error on random bytes (CI once met an IndexError)."""
    from trainer import checkpoint
    from trainer.distributed import Context

    path = tmp_path / "checkpoint.pt"
    generator = np.random.default_rng(0)
    for size in [0, 1, 7, 64, 500, 20_000] * 40:
        path.write_bytes(generator.bytes(size))
        with pytest.raises(checkpoint.CheckpointError,
                           match="is damaged or not a checkpoint|refused"):
            checkpoint.load(path, Context(device=torch.device("cpu")), config={})
