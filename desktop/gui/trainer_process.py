"""The trainer as a separate process (`python -m trainer ...`), driven through QProcess signals
so the UI thread never waits for it, and the quick check whether it is installed at all.

The app never imports torch or the trainer: it only starts an interpreter that has them.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, Signal

from desktop.train_runs import CHECK_CODE, source_root
from desktop.training_progress import STOP_COMMAND

STDERR_KEEP = 16 << 10  # the end of standard error kept for a failed run's message


def _process(parent: QObject) -> QProcess:
    process = QProcess(parent)
    process.setWorkingDirectory(str(source_root()))  # where `-m trainer` finds the package
    environment = QProcessEnvironment.systemEnvironment()
    environment.insert("PYTHONUNBUFFERED", "1")  # every event line as soon as it is printed
    process.setProcessEnvironment(environment)
    return process


class TrainerProcess(QObject):
    """One run of the trainer: its standard output as it arrives, and how it ended."""

    output = Signal(str)  # a chunk of standard output (may end mid-line)
    ended = Signal(object, str)  # exit code (None: crashed, killed or never started), stderr

    def __init__(self, python: str, arguments: list[str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._stderr = ""
        self._ended = False
        self.process = _process(self)
        self.process.setProgram(python)
        self.process.setArguments(arguments)
        self.process.readyReadStandardOutput.connect(self._read_output)
        self.process.readyReadStandardError.connect(self._read_errors)
        self.process.finished.connect(self._on_finished)
        self.process.errorOccurred.connect(self._on_error)

    def start(self) -> None:
        self.process.start()

    @property
    def running(self) -> bool:
        return self.process.state() != QProcess.ProcessState.NotRunning

    def stop(self) -> None:
        """Ask the trainer to stop after this batch and export the best epoch so far."""
        if self.running:
            self.process.write(f"{STOP_COMMAND}\n".encode())

    def kill(self) -> None:
        if self.running:
            self.process.kill()

    def _read_output(self) -> None:
        data = bytes(self.process.readAllStandardOutput().data())
        self.output.emit(data.decode("utf-8", "replace"))

    def _read_errors(self) -> None:
        data = bytes(self.process.readAllStandardError().data())
        self._stderr = (self._stderr + data.decode("utf-8", "replace"))[-STDERR_KEEP:]

    def _on_finished(self, code: int, status: QProcess.ExitStatus) -> None:
        self._read_output()
        self._read_errors()
        self._end(code if status == QProcess.ExitStatus.NormalExit else None, self._stderr)

    def _on_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:  # no finished signal follows
            self._end(None, f"{self.process.program()} could not be started: "
                            f"{self.process.errorString()}")

    def _end(self, code: int | None, stderr: str) -> None:
        if not self._ended:
            self._ended = True
            self.ended.emit(code, stderr.replace("\r", "\n"))


class TrainerCheck(QObject):
    """Whether `python` can import torch, torchvision and the trainer: one short subprocess
    (importing torch takes a second or two), off the UI thread."""

    done = Signal(bool, str)  # installed, what went wrong if not

    def __init__(self, python: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._reported = False
        self.process = _process(self)
        self.process.setProgram(python)
        self.process.setArguments(["-c", CHECK_CODE])
        self.process.finished.connect(self._on_finished)
        self.process.errorOccurred.connect(self._on_error)

    def start(self) -> None:
        self.process.start()

    def _on_finished(self, code: int, status: QProcess.ExitStatus) -> None:
        error = bytes(self.process.readAllStandardError().data()).decode("utf-8", "replace")
        lines = [line for line in error.strip().splitlines() if line.strip()]
        self._report(code == 0 and status == QProcess.ExitStatus.NormalExit,
                     lines[-1] if lines else f"exit code {code}")

    def _on_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self._report(False, f"{self.process.program()} could not be started")

    def _report(self, installed: bool, detail: str) -> None:
        if not self._reported:
            self._reported = True
            self.done.emit(installed, "" if installed else detail)
