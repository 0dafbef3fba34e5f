"""A run's progress events accumulated into curves, time left and state (desktop.training_run),
from lines written with the stream's own event_line, without widgets or a trainer."""

from __future__ import annotations

import pytest

from desktop.training_progress import event_line
from desktop.training_run import RunState, TrainingRun


def _run() -> TrainingRun:
    return TrainingRun("Run 1: CNN", ["-m", "trainer"])


def _epoch(epoch: int, seconds: float, left: float, best: int | None = None) -> str:
    return event_line("epoch", epoch=epoch, train_loss=1.0 / epoch,
                      train_accuracy=0.8 + epoch / 100, val_loss=1.2 / epoch,
                      val_accuracy=0.78 + epoch / 100,
                      best_epoch=best or epoch, seconds=seconds, seconds_left=left)


def _batch(epoch: int, batch: int, batches: int, seconds: float) -> str:
    return event_line("batch", epoch=epoch, batch=batch, batches=batches, loss=0.5,
                      accuracy=0.9, seconds=seconds)


def test_epochs_and_batches_grow_the_curves() -> None:
    run = _run()
    run.feed(event_line("start", model_id="mnist-cnn", epochs=3, batches=10, config={}) + "\n")
    run.feed(_batch(1, 5, 10, 2.0) + "\n")
    assert run.position() == pytest.approx(0.5)
    assert run.time_left() == pytest.approx(2.0 / 0.5 * 2.5)  # from the batches done
    run.feed(_epoch(1, 4.0, 8.0) + "\n" + _batch(2, 5, 10, 6.0) + "\n")
    assert [p.epoch for p in run.epochs] == [1]
    assert run.epochs[0].val_accuracy == pytest.approx(0.79)
    assert [b.position for b in run.batches] == [0.5, 1.5]
    assert run.time_left() == pytest.approx(6.0)  # the trainer's estimate less 2 s since
    assert run.status().startswith("Epoch 2 of 3 · about ")


def test_lines_split_across_chunks_and_stray_lines() -> None:
    run = _run()
    line = _epoch(1, 3.0, 6.0)
    assert run.feed("a progress bar\n" + line[:10]) == []
    events = run.feed(line[10:] + "\n{broken\n")
    assert [e.event for e in events] == ["epoch"]
    assert len(run.epochs) == 1


def test_endless_output_without_a_newline_is_not_kept() -> None:
    run = _run()
    for _ in range(100):
        run.feed("x" * 10_000)
    assert len(run._pending) <= 10_000 * 8
    run.feed("\n" + _epoch(1, 1.0, 1.0) + "\n")
    assert len(run.epochs) == 1


def test_a_resumed_run_replaces_what_lay_beyond_its_checkpoint() -> None:
    run = _run()
    run.feed("\n".join([_epoch(1, 1, 2), _epoch(2, 2, 1), _batch(3, 4, 10, 2.5)]) + "\n")
    run.finish(None, "Killed")
    assert run.state is RunState.FAILED and run.resumable
    run.restart([*run.arguments, "--resume"])
    assert run.state is RunState.RUNNING and run.error == ""
    run.feed(event_line("start", model_id="mnist-cnn", epochs=4, batches=10, config={}) + "\n")
    run.feed(_epoch(1, 1, 2) + "\n" + _epoch(2, 2, 1) + "\n")  # the epochs it already has
    assert [p.epoch for p in run.epochs] == [1, 2]
    run.feed(_batch(3, 1, 10, 2.1) + "\n")  # its seconds count the epochs before too
    assert [b.position for b in run.batches] == [pytest.approx(2.1)]
    assert [p.epoch for p in run.epochs] == [1, 2]
    # The trainer's estimate at the last epoch (1 s), less the 0.1 s trained since.
    assert run.time_left() == pytest.approx(1 - (2.1 - 2))


def test_done_with_the_model_it_wrote() -> None:
    run = _run()
    run.feed(_epoch(1, 1, 1) + "\n" + event_line("phase", phase="export") + "\n")
    assert run.status() == "Exporting the model..."
    run.feed(event_line("done", model_id="mnist-cnn", path="/m/mnist-cnn", test_accuracy=0.987,
                        stopped="") + "\n")
    run.finish(0, "")
    assert run.succeeded and not run.resumable and run.model_path == "/m/mnist-cnn"
    assert run.status() == "Done: 98.7 % on the test set"


def test_stop_keeps_the_best_epoch_and_can_be_resumed() -> None:
    run = _run()
    run.feed(_epoch(1, 1, 5) + "\n")
    run.ask_stop()
    assert run.state is RunState.STOPPING and "Stopping" in run.status()
    run.feed(event_line("done", model_id="mnist-cnn", path="/m", test_accuracy=0.9,
                        stopped="asked") + "\n")
    run.finish(0, "")
    assert run.succeeded and run.resumable
    assert run.status().startswith("Stopped, best epoch kept")


def test_the_error_event_says_why() -> None:
    run = _run()
    run.feed(event_line("error", message="The folder /x cannot be written.") + "\n")
    run.finish(1, "Traceback...\nPermissionError")
    assert run.state is RunState.FAILED
    assert run.status() == "Failed: The folder /x cannot be written."


@pytest.mark.parametrize(("code", "words"), [(2, "exited with code 2"),
                                             (None, "crashed or was killed")])
def test_without_an_error_event_stderr_and_exit_code_say_why(code, words) -> None:
    run = _run()
    stderr = "\n".join(f"line {i}" for i in range(20)) + "\nValueError: bad\n"
    run.finish(code, stderr)
    assert run.state is RunState.FAILED and not run.resumable  # no epoch to resume from
    assert words in run.error and run.error.endswith("ValueError: bad")
    assert "line 10" not in run.error  # only the last lines


def test_exit_code_zero_without_done_is_a_failure() -> None:
    run = _run()
    run.finish(0, "")
    assert run.state is RunState.FAILED and "code 0" in run.error
