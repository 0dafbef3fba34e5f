"""`python -m trainer --progress json` as the app's Train panel runs it: a real subprocess on the
real data, its stdout read line by line (desktop.training_progress.parse_line) and `stop` written
to its stdin. Also --label-smoothing's checks and the quick preset."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from desktop.models import load_metrics, read_info
from desktop.training_progress import STOP_COMMAND, ProgressEvent, parse_line

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["--model", "mlp", "--limit", "2000", "--no-extra-data"]
TOO_SOON = "stopped before the first epoch finished; nothing was written"


def isolated_env(home: Path, **extra: str) -> dict[str, str]:
    """The trainer's default folders (caches, user models) all inside `home`."""
    env = dict(os.environ, **extra)
    for name, sub in (("HOME", "home"), ("XDG_DATA_HOME", "data"), ("XDG_CACHE_HOME", "cache"),
                      ("DIGIT_LENS_USER_MODELS", "user-models")):
        env[name] = str(home / sub)
    return env


class Run:
    """A finished trainer run: its exit code, every stdout line, the events and stderr."""

    def __init__(self, code: int, lines: list[str], stderr: str) -> None:
        self.code, self.lines, self.stderr = code, lines, stderr
        self.events = [parse_line(line) for line in lines]

    def kinds(self) -> list[str]:
        """The events' kinds without the phases, consecutive batch events as one."""
        kinds: list[str] = []
        for event in self.events:
            assert event is not None
            if event.event != "phase" and not (event.event == "batch" and kinds[-1:] == ["batch"]):
                kinds.append(event.event)
        return kinds

    def of(self, kind: str) -> list[ProgressEvent]:
        return [event for event in self.events if event is not None and event.event == kind]


def stream(tmp_path: Path, *args: str, on_event: Callable[[ProgressEvent], str | None]
           = lambda event: None, close_stdin: bool = False, **env: str) -> Run:
    """Run the trainer with --progress json; `on_event` may answer an event with a line for its
    stdin. Stdin stays open until the run ends (its end would stop the run) unless
    `close_stdin`."""
    err_path = tmp_path / "stderr.txt"
    with err_path.open("w") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "trainer", "--progress", "json", *args], cwd=ROOT, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
            env=isolated_env(tmp_path / "home", **env))
        assert process.stdin is not None and process.stdout is not None
        if close_stdin:
            process.stdin.close()
        lines = []
        try:
            for line in process.stdout:
                lines.append(line)
                event = parse_line(line)
                answer = on_event(event) if event is not None else None
                if answer is not None and not process.stdin.closed:
                    process.stdin.write(answer + "\n")
                    process.stdin.flush()
            code = process.wait(timeout=300)
        finally:
            if process.poll() is None:
                process.kill()
            if not process.stdin.closed:
                process.stdin.close()
    return Run(code, lines, err_path.read_text())


def folders(tmp_path: Path) -> list[str]:
    return ["--out-dir", str(tmp_path / "models"), "--checkpoint-dir", str(tmp_path / "ckpt")]


@pytest.mark.slow
def test_the_stream_is_only_events_in_order_and_matches_the_stored_history(
        tmp_path: Path, data_dir: Path) -> None:
    run = stream(tmp_path, *SMALL, "--epochs", "2", "--label-smoothing", "0",
                 *folders(tmp_path))
    assert run.code == 0, run.stderr
    assert all(event is not None for event in run.events), run.lines  # nothing else on stdout
    assert run.kinds() == ["start", "batch", "epoch", "batch", "epoch", "done"]
    assert "== mnist-mlp on" in run.stderr  # the human messages went to stderr

    (start,), (done,) = run.of("start"), run.of("done")
    folder = tmp_path / "models" / "mnist-mlp"
    report = load_metrics(folder)
    assert start.text("model_id") == done.text("model_id") == "mnist-mlp"
    assert start.number("epochs") == 2 and start.fields["config"] == report.config
    assert report.config["label_smoothing"] == 0
    assert done.text("path") == str(folder) and done.text("stopped") == ""
    assert done.number("test_accuracy") == report.test_accuracy
    epochs = run.of("epoch")
    assert len(epochs) == len(report.history) == 2
    for event, record in zip(epochs, report.history, strict=True):
        for name in ("epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy"):
            assert event.number(name) == record[name], name
        assert event.number("best_epoch") in (1, 2)
        assert event.number("seconds_left") >= 0
    assert epochs[-1].number("seconds_left") == 0
    batches = run.of("batch")
    assert all(b.number("batches") == start.number("batches") for b in batches)
    assert [b.number("seconds") for b in batches] == sorted(b.number("seconds") for b in batches)


@pytest.mark.slow
def test_stop_in_the_second_epoch_exports_the_epochs_before_it(
        tmp_path: Path, data_dir: Path) -> None:
    def stop_after_the_first_epoch(event: ProgressEvent) -> str | None:
        return STOP_COMMAND if event.event == "epoch" and event.number("epoch") == 1 else None

    # The pause in the middle of every epoch makes sure the stop comes while epoch 2 runs.
    run = stream(tmp_path, *SMALL, "--epochs", "3", *folders(tmp_path),
                 on_event=stop_after_the_first_epoch, DIGIT_LENS_TEST_PAUSE="mid-epoch=1")
    assert run.code == 0, run.stderr
    assert run.kinds()[-1] == "done" and run.of("done")[0].text("stopped") == "asked"
    assert [event.number("epoch") for event in run.of("epoch")] == [1]
    folder = tmp_path / "models" / "mnist-mlp"
    info = read_info(folder / "model.onnx")  # a valid, loadable model
    assert info.model_id == "mnist-mlp"
    report = load_metrics(folder)
    assert [record["epoch"] for record in report.history] == [1] and report.best_epoch == 1

    # The checkpoint of epoch 1 is there: --resume goes on from epoch 2, showing epoch 1 again.
    resumed = stream(tmp_path, *SMALL, "--epochs", "3", "--resume", *folders(tmp_path))
    assert resumed.code == 0, resumed.stderr
    assert [event.number("epoch") for event in resumed.of("epoch")] == [1, 2, 3]
    assert resumed.of("done")[0].text("stopped") == ""
    assert [record["epoch"] for record in load_metrics(folder).history] == [1, 2, 3]


@pytest.mark.slow
@pytest.mark.parametrize("how", ["stop", "end of input"])
def test_stop_before_the_first_epoch_writes_nothing(tmp_path: Path, data_dir: Path,
                                                     how: str) -> None:
    run = stream(tmp_path, *SMALL, "--epochs", "2", *folders(tmp_path),
                 on_event=lambda event: STOP_COMMAND if event.event == "phase" else None,
                 close_stdin=how == "end of input")
    assert run.code != 0
    assert run.kinds()[-1] == "error" and "done" not in run.kinds()
    assert TOO_SOON in run.of("error")[0].text("message").lower()
    assert not (tmp_path / "models").exists() or not any((tmp_path / "models").iterdir())


@pytest.mark.slow
@pytest.mark.parametrize("where", ["--out-dir", "--data-dir"])
def test_a_failing_run_ends_with_an_error_event(tmp_path: Path, data_dir: Path,
                                                where: str) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    args = [*folders(tmp_path), where, str(a_file)]  # the later --out-dir wins
    run = stream(tmp_path, *SMALL, "--epochs", "1", *args)
    assert run.code == 1
    assert all(event is not None for event in run.events), run.lines
    assert run.kinds()[-1] == "error"
    message = run.of("error")[0].text("message")
    assert str(a_file) in message and message in run.stderr  # the same line for people


@pytest.mark.parametrize("value", ["-0.1", "0.6", "1", "nan", "inf", "x", ""])
def test_bad_label_smoothing_is_refused_in_one_line(tmp_path: Path, value: str) -> None:
    result = subprocess.run([sys.executable, "-m", "trainer", "--label-smoothing", value,
                             *folders(tmp_path)], cwd=ROOT, text=True, capture_output=True,
                            timeout=60, env=isolated_env(tmp_path / "home"))
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "--label-smoothing" in lines[0], result.stderr
    assert not (tmp_path / "models").exists()


@pytest.mark.slow
def test_the_quick_preset_trains_its_own_model_live(tmp_path: Path, data_dir: Path) -> None:
    run = stream(tmp_path, "--preset", "quick", "--limit", "2000", "--epochs", "1",
                 *folders(tmp_path))
    assert run.code == 0, run.stderr
    assert run.kinds() == ["start", "batch", "epoch", "done"]  # progress within the epoch
    (start,), (done,) = run.of("start"), run.of("done")
    assert done.text("model_id") == "mnist-lenet-quick"  # never over the usual mnist-lenet
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == ["mnist-lenet-quick"]
    info = read_info(tmp_path / "models" / "mnist-lenet-quick" / "model.onnx")
    assert info.architecture == "lenet" and info.variant == "quick preset"
    config = start.fields["config"]
    assert config["preset"] == "quick" and config["epochs"] == 1  # the explicit option won
    assert not config["extra_data"] and not config["augment"]


@pytest.mark.parametrize("args", [["--preset", "slow"], ["--preset", "quick", "--task", "is-7"],
                                  ["all", "--preset", "quick"]])
def test_a_preset_that_cannot_be_is_refused_in_one_line(tmp_path: Path, args: list[str]) -> None:
    result = subprocess.run([sys.executable, "-m", "trainer", *args, *folders(tmp_path)],
                            cwd=ROOT, text=True, capture_output=True, timeout=60,
                            env=isolated_env(tmp_path / "home"))
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "preset" in lines[0], result.stderr
