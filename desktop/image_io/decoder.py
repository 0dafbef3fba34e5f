"""The parent's side: decode pictures in a child process (`python -m desktop --decode-pictures`)
that has a wall-clock timeout and an address-space limit and is killed when it overruns or when
a newer picture makes its work useless. Qt-free: the parent never loads Qt to open a picture.

The conversation: one JSON line per request on the child's stdin (plus the picture's bytes for
pasted data), one JSON line per reply on its stdout (plus the float32 pixels); see child.py."""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from desktop.image_io.limits import (
    CANCEL_GRACE_S,
    DECODE_CPU_LIMIT_S,
    DECODE_TIMEOUT_S,
    MEMORY_LIMIT_MB,
    WORKER_FLAG,
    DecodeCancelled,
    ImageError,
    check_file,
    display_name,
)
from desktop.lazy_imports import np


def load_image(path: str | Path) -> np.ndarray:
    """Read an image file as an H x W float32 array in 0..1 (1 = white), transparency
    composited on white, longer side at most MAX_SIDE. Raises ImageError."""
    return shared_decoder().load(path)


def decode_image(data: bytes, name: str = "The pasted data") -> np.ndarray:
    """Like load_image, for encoded image bytes (pasted or dropped PNG/JPEG/... data; anything
    bytes() accepts, a QByteArray too)."""
    return shared_decoder().decode(bytes(data), name)


_shared: Decoder | None = None
_shared_lock = threading.Lock()


def shared_decoder() -> Decoder:
    """The process's decoder (one child process, started on first use, ended at exit)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Decoder()
            atexit.register(_shared.close)
        return _shared



class Decoder:
    """Decodes pictures in a child process that is reused from one picture to the next and
    killed (then started afresh) when a picture takes too long, exhausts its memory, or is
    cancelled. Thread-safe: requests run one at a time; `cancel` may come from any thread and
    never waits."""

    def __init__(self, timeout_s: float = DECODE_TIMEOUT_S,
                 cpu_limit_s: int = DECODE_CPU_LIMIT_S,
                 memory_limit_mb: int = MEMORY_LIMIT_MB,
                 cancel_grace_s: float = CANCEL_GRACE_S) -> None:
        self.timeout_s = timeout_s
        self.cancel_grace_s = cancel_grace_s
        self.cpu_limit_s = cpu_limit_s
        self.memory_limit_mb = memory_limit_mb
        self._request_lock = threading.Lock()  # held for a whole request
        self._state_lock = threading.Lock()  # guards the fields below, held only briefly
        self._process: subprocess.Popen | None = None
        self._ticket: object = None  # what the running request belongs to
        self._started_at = 0.0  # time.monotonic() when it was sent to the child
        self._stopped_because: str | None = None  # "cancelled" or "timeout"
        self._cancelled: set[object] = set()  # tickets cancelled before their request ran
        self.peak_memory_mb = 0.0  # the most memory a child has used, as it reported (benchmarks)

    @property
    def busy(self) -> bool:
        """A request is running."""
        return self._ticket is not None

    @property
    def process_id(self) -> int | None:
        """The child's process id, None before it starts (tests and benchmarks)."""
        process = self._process
        return process.pid if process is not None else None

    def load(self, path: str | os.PathLike, ticket: object = None) -> np.ndarray:
        """Decode a file; `ticket` names the request for `cancel`."""
        path = Path(path)
        check_file(path)
        return self._request({"path": os.fsencode(path).hex(), "name": display_name(path)},
                             b"", ticket)

    def decode(self, data: bytes, name: str = "The pasted data",
               ticket: object = None) -> np.ndarray:
        """Decode encoded picture bytes (a paste or a drop)."""
        if not data:
            raise ImageError(f"{name} is empty, not a picture.")
        return self._request({"name": name, "size": len(data)}, data, ticket)

    def start(self) -> None:
        """Start the child now (it takes a few hundred ms) so the first picture opens fast."""
        with self._request_lock:
            self._ensure_process()

    def cancel(self, ticket: object = None) -> None:
        """Stop the running request (only if it belongs to `ticket`, when given)."""
        with self._state_lock:
            if ticket is not None and ticket != self._ticket:
                if len(self._cancelled) > 100:
                    self._cancelled.clear()
                self._cancelled.add(ticket)  # still waiting for its turn: it will not run
                return
            if self._ticket is None:
                return
            running = self._ticket
            delay = self._started_at + self.cancel_grace_s - time.monotonic()
        if delay <= 0:
            self._kill_if_running(running)
        else:
            timer = threading.Timer(delay, self._kill_if_running, (running,))
            timer.daemon = True
            timer.start()

    def _kill_if_running(self, ticket: object) -> None:
        with self._state_lock:
            if self._ticket is None or self._ticket != ticket:
                return  # finished meanwhile
            self._stopped_because = "cancelled"
            process = self._process
        if process is not None:
            _kill(process)

    def close(self) -> None:
        """End the child process (it also ends by itself when this process exits)."""
        with self._state_lock:
            process, self._process = self._process, None
        if process is not None:
            _kill(process)

    # --- the parent's side of the conversation -----------------------------------------------

    def _request(self, header: dict, payload: bytes, ticket: object) -> np.ndarray:
        name = header["name"]
        with self._request_lock:
            with self._state_lock:
                if ticket is not None and ticket in self._cancelled:
                    self._cancelled.discard(ticket)
                    raise DecodeCancelled(f"Opening {name} was cancelled.")
                self._ticket = ticket if ticket is not None else object()
                self._stopped_because = None
            try:
                process = self._ensure_process()
            except ImageError:
                with self._state_lock:
                    self._ticket = None
                raise
            with self._state_lock:
                if self._stopped_because == "cancelled":  # while the child was starting
                    self._ticket = None
                    raise DecodeCancelled(f"Opening {name} was cancelled.")
                self._started_at = time.monotonic()
            timer = threading.Timer(self.timeout_s, self._time_out, (process,))
            timer.daemon = True
            timer.start()
            try:
                reply = self._exchange(process, header, payload)
            finally:
                timer.cancel()
                with self._state_lock:
                    self._ticket = None
                    stopped = self._stopped_because
            if reply is None:  # the child is gone: timed out, cancelled, or crashed
                self._forget(process)
                raise self._explain_death(process, stopped, name)
            self.peak_memory_mb = max(self.peak_memory_mb, reply[0].get("peak_mb", 0.0))
            if "error" in reply[0]:
                raise ImageError(reply[0]["error"])
            return reply[1]

    def _exchange(self, process: subprocess.Popen, header: dict,
                  payload: bytes) -> tuple[dict, np.ndarray | None] | None:
        """Send one request and read its reply; None when the child died meanwhile."""
        try:
            process.stdin.write(json.dumps(header).encode() + b"\n" + payload)
            process.stdin.flush()
            line = process.stdout.readline()
            if not line.endswith(b"\n"):
                return None
            reply = json.loads(line)
            if "error" in reply:
                return reply, None
            height, width = reply["height"], reply["width"]
            pixels = bytearray(height * width * 4)
            if process.stdout.readinto(pixels) != len(pixels):
                return None
        except (OSError, ValueError):  # broken pipe, or a garbled reply from a dying child
            return None
        return reply, np.frombuffer(pixels, dtype=np.float32).reshape(height, width)

    def _explain_death(self, process: subprocess.Popen, stopped: str | None,
                       name: str) -> ImageError:
        if stopped == "cancelled":
            return DecodeCancelled(f"Opening {name} was cancelled.")
        if stopped == "timeout":
            return ImageError(f"{name} took longer than {self.timeout_s:g} s to decode and was "
                              "abandoned: it is too complex, or made to be hostile.")
        if process.returncode == -getattr(signal, "SIGXCPU", 0):
            return ImageError(f"{name} needed more than {self.cpu_limit_s} s of computing to "
                              "decode and was abandoned: it is too complex, or made to be "
                              "hostile.")
        return ImageError(f"{name} could not be decoded: the decoder stopped on it (exit status "
                          f"{process.returncode}). It needs too much memory (more than "
                          f"{self.memory_limit_mb} MB), or it is damaged.")

    def _time_out(self, process: subprocess.Popen) -> None:
        with self._state_lock:
            if self._stopped_because is None:
                self._stopped_because = "timeout"
        _kill(process)

    def _forget(self, process: subprocess.Popen) -> None:
        """Kill and reap a child that is of no more use; the next request starts a new one."""
        with self._state_lock:
            if self._process is process:
                self._process = None
        _kill(process)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(5)
        for pipe in (process.stdin, process.stdout):
            with contextlib.suppress(OSError):
                pipe.close()

    def _ensure_process(self) -> subprocess.Popen:
        """The running child, started if needed (called with the request lock held)."""
        with self._state_lock:
            process = self._process
        if process is not None and process.poll() is None:
            return process
        # The child's stderr goes to a file, read only to explain a child that fails to start.
        with tempfile.TemporaryFile() as errors:
            process = subprocess.Popen(
                worker_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors,
                env=_worker_environment(self.memory_limit_mb, self.cpu_limit_s, self.timeout_s),
                creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0))
            starting = threading.Timer(max(30.0, self.timeout_s), _kill, (process,))
            starting.daemon = True
            starting.start()
            ready = process.stdout.readline()  # "ready", once Qt is set up
            starting.cancel()
            if ready != b"ready\n":
                self._forget(process)
                errors.seek(0)
                last = errors.read().decode(errors="replace").strip().splitlines() or ["?"]
                raise ImageError(f"The picture decoder did not start ({last[-1]}).")
        with self._state_lock:
            self._process = process
        return process


def worker_command() -> list[str]:
    """How to start the child: the frozen app is sys.executable itself."""
    if getattr(sys, "frozen", False):
        return [sys.executable, WORKER_FLAG]
    return [sys.executable, "-m", "desktop", WORKER_FLAG]


def _worker_environment(memory_limit_mb: int, cpu_limit_s: int,
                        timeout_s: float) -> dict[str, str]:
    env = dict(os.environ)
    if not getattr(sys, "frozen", False):  # the child must import this very copy of desktop/
        source = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [source, env.get("PYTHONPATH")]))
    env["DIGIT_LENS_DECODE_LIMITS"] = f"{memory_limit_mb},{cpu_limit_s},{timeout_s}"
    env["MALLOC_ARENA_MAX"] = "2"  # glibc: fewer 64 MB arena reservations in the address space
    env["OPENBLAS_NUM_THREADS"] = "1"
    return env


def _kill(process: subprocess.Popen) -> None:
    with contextlib.suppress(OSError):
        process.kill()


# --- the child's side -----------------------------------------------------------------------
