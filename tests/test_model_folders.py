"""Issue 9, model folders: every read is bounded, one bad folder never touches the others, and
the reasons name the real cause. Real files, pipes, devices and ONNX Runtime sessions; the
command-line tool as a real process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading

import pytest
from bad_models import (
    DEEP_JSON,
    ROOT,
    Raw,
    as_unprivileged,
    is_legacy,
    lock,
    make_legacy,
    metrics_with,
    set_report_text,
    with_metadata,
    world_readable_models,
)

from desktop import bounded_io, classify, image_io, models

SHIPPED = ("mnist-dense", "mnist-cnn", "fashion-dense", "fashion-cnn")


def finishes(function, *args):
    """Run `function` on a thread; a hang guard (a blocking read would never return), not a
    speed test: the limit is generous."""
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["value"] = function(*args)
        except BaseException as error:  # noqa: BLE001 - handed back to the test
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), f"{function.__name__} hangs"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


# --- the bounded readers ---------------------------------------------------------------------


@pytest.mark.parametrize(("text", "reason"), [
    (DEEP_JSON, "nested more than 64 levels"),
    ('{"a": [1e999]}', "1e999, which is out of range"),
    ('{"a": -1e400}', "out of range"),
    ("[" + "9" * 5000 + "]", "integer 999999999999...(5000 digits)"),
    ("[9007199254740993]", "out of range"),
])
def test_json_beyond_the_limits_is_refused_with_the_reason(text, reason):
    with pytest.raises(bounded_io.JSONLimitError, match=reason.replace("(", r"\(")
                       .replace(")", r"\)").replace(".", r"\.")):
        bounded_io.read_json_bounded(text, 1 << 20)


def test_json_within_the_limits_reads_as_usual():
    text = json.dumps({"a": [[[1, 2.5, "[[[[" * 100]]], "b": None, "n": 2**53})
    assert bounded_io.read_json_bounded(text.encode(), 1 << 20) == json.loads(text)
    assert bounded_io.read_json_bounded("[NaN, Infinity]", 100)[1] == float("inf")
    with pytest.raises(bounded_io.JSONLimitError, match="too large"):
        bounded_io.read_json_bounded(text, 10)
    with pytest.raises(json.JSONDecodeError):
        bounded_io.read_json_bounded("{oops", 100)


def test_files_that_are_not_files_are_refused_at_once(tmp_path):
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    zero = tmp_path / "zero"
    zero.symlink_to("/dev/zero")
    with pytest.raises(bounded_io.UnsafeFileError, match="a named pipe, not an ordinary file"):
        finishes(bounded_io.read_file_bounded, pipe, 1000)
    with pytest.raises(bounded_io.UnsafeFileError, match="a character device"):
        finishes(bounded_io.read_file_bounded, zero, 1000)
    big = tmp_path / "big"
    big.write_bytes(b"x" * 5000)
    with pytest.raises(bounded_io.UnsafeFileError, match="too large"):
        bounded_io.read_file_bounded(big, 4096)
    assert bounded_io.read_file_bounded(big, 5000) == b"x" * 5000


# --- model folders ---------------------------------------------------------------------------


def test_one_folder_with_deeply_nested_metadata_is_the_only_one_lost(tmp_path):
    shutil.copytree(ROOT / "resources" / "models", tmp_path / "models")
    bad = tmp_path / "models" / "deep"
    shutil.copytree(tmp_path / "models" / "mnist-cnn", bad)
    (bad / "model.onnx").write_bytes(with_metadata(bad / "model.onnx",
                                                   {"classes": DEEP_JSON}))
    entries = {entry.model_id: entry for entry in models.discover(tmp_path / "models")}
    assert all(entries[name].available for name in SHIPPED)
    assert not entries["deep"].available
    assert "nested more than 64 levels deep" in entries["deep"].error


# Damage to the report's content, on both paths: embedded in model.onnx (the trainer's format)
# and in the legacy metrics.json of older trainers.
REPORT_TRAPS = {
    "1e999": ({"test_accuracy": Raw("1e999")}, "1e999, which is out of range"),
    "huge-integer": ({"params": Raw("7" * 5000)}, "out of range"),
    "deep": ({"config": Raw(DEEP_JSON)}, "nested more than"),
}
# Traps that only a file can be: the report must be a legacy metrics.json for them.
FILE_TRAPS = {"fifo": "a named pipe", "dev-zero": "a character device",
              "unreadable": "permission denied"}


@pytest.mark.parametrize(("trap", "legacy"), [
    *[(trap, legacy) for trap in REPORT_TRAPS for legacy in (False, True)],
    *[(trap, True) for trap in FILE_TRAPS],
], ids=lambda value: ("legacy" if value else "embedded") if isinstance(value, bool) else value)
def test_metrics_traps_give_a_model_error_naming_the_cause(trap, legacy):
    with world_readable_models() as models_dir:  # "unreadable" reads as user nobody
        folder = models_dir / "mnist-cnn"
        for other in SHIPPED[:1] + SHIPPED[2:]:
            shutil.rmtree(models_dir / other)
        if legacy:
            make_legacy(folder)
            assert not is_legacy(ROOT / "resources" / "models" / "mnist-cnn")
            assert models.load_metrics(folder)["model_id"] == "mnist-cnn"  # the path works
        metrics = folder / "metrics.json"
        if trap == "fifo":
            metrics.unlink()
            os.mkfifo(metrics)
        elif trap == "dev-zero":
            metrics.unlink()
            metrics.symlink_to("/dev/zero")
        elif trap == "unreadable":
            metrics.chmod(0)
        else:
            set_report_text(folder, metrics_with(folder, **REPORT_TRAPS[trap][0]))
            assert is_legacy(folder) == legacy
        expected = FILE_TRAPS[trap] if trap in FILE_TRAPS else REPORT_TRAPS[trap][1]
        with as_unprivileged(), pytest.raises(models.ModelError, match=expected) as error:
            finishes(models.load_metrics, folder)
        # The message names where the report is.
        assert ("metrics.json" in str(error.value)) == legacy, error.value
        assert "(metadata 'metrics')" in str(error.value) or legacy, error.value
        # The model itself is still fine: only its training report is refused.
        assert models.discover(models_dir)[0].available


def test_a_model_file_that_is_a_pipe_does_not_hang_discovery(tmp_path):
    shutil.copytree(ROOT / "resources" / "models" / "mnist-dense", tmp_path / "mnist-dense")
    (tmp_path / "pipe").mkdir()
    os.mkfifo(tmp_path / "pipe" / "model.onnx")
    (tmp_path / "zero").mkdir()
    (tmp_path / "zero" / "model.onnx").symlink_to("/dev/zero")
    entries = {entry.model_id: entry for entry in finishes(models.discover, tmp_path)}
    assert entries["mnist-dense"].available
    assert "a named pipe" in entries["pipe"].error
    assert "a character device" in entries["zero"].error


def test_an_unreadable_folder_says_permission_denied_and_loses_nothing_else():
    """Simulated for real: the folder is mode 000 and, when the tests run as root (who reads
    everything), discovery runs as user nobody (seteuid)."""
    with world_readable_models() as folder:
        locked = folder / "locked"
        shutil.copytree(folder / "mnist-cnn", locked)
        lock(locked)
        with as_unprivileged():
            entries = {entry.model_id: entry for entry in models.discover(folder)}
        assert all(entries[name].available for name in SHIPPED), entries
        assert not entries["locked"].available
        assert "permission denied" in entries["locked"].error
        assert "missing" not in entries["locked"].error


def test_the_command_line_tool_survives_bad_folders(tmp_path, capsys, samples_dir):
    sample = sorted((samples_dir / "mnist").glob("7-*.png"))[0]
    # The pictures' decoding process starts on first use; start it as root, since user nobody
    # may not be allowed to run this Python (a pyenv under /root, say).
    image_io.load_image(sample)
    with world_readable_models() as folder:
        deep = folder / "deep"
        shutil.copytree(folder / "mnist-cnn", deep)
        (deep / "model.onnx").write_bytes(with_metadata(deep / "model.onnx",
                                                        {"preprocessing": DEEP_JSON}))
        locked = folder / "locked"
        locked.mkdir()
        lock(locked)
        for model_id in SHIPPED[:2]:
            with as_unprivileged():
                status = classify.main([str(sample), "--model", model_id,
                                        "--models-dir", str(folder)])
            assert status == 0
            assert capsys.readouterr().out.startswith(f"{sample}: 7 ")
        with as_unprivileged(), pytest.raises(SystemExit) as exit_info:
            classify.main([str(sample), "--model", "locked", "--models-dir", str(folder)])
        assert exit_info.value.code == 2
        error = capsys.readouterr().err
        assert error.count("\n") == 1 and "permission denied" in error, error

        # A real process: one line, no traceback, for the nested-metadata folder.
        result = subprocess.run(
            [sys.executable, "-m", "desktop.classify", str(sample), "--model", "deep",
             "--models-dir", str(folder)], cwd=ROOT, capture_output=True, text=True,
            timeout=120)
        assert result.returncode == 2
        assert "Traceback" not in result.stderr
        assert "nested more than 64 levels deep" in result.stderr


def test_the_command_line_tool_names_user_models_by_key(tmp_path, samples_dir):
    sample = sorted((samples_dir / "mnist").glob("3-*.png"))[0]
    shutil.copytree(ROOT / "resources" / "models" / "mnist-dense", tmp_path / "mnist-dense")
    env = {**os.environ, "DIGIT_LENS_USER_MODELS": str(tmp_path)}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "desktop.classify", str(sample), *args],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)

    assert run("--model", "user:mnist-dense").stdout.startswith(f"{sample}: 3 ")
    assert run("--model", "mnist-dense").returncode == 0  # the shipped one, still there
    unknown = run("--model", "user:mnist-cnn")
    assert unknown.returncode == 2 and "user:mnist-dense" in unknown.stderr
