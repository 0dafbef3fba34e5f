"""desktop.lazy_imports: NumPy loads on first use, and ONNX Runtime (which imports NumPy too)
never starts importing while another thread is half-way through NumPy. Each case runs in a
fresh interpreter: this one has NumPy loaded already."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Thread "window" starts NumPy's import through `np`; a finder holds it up half-way (at
# numpy._core) and lets thread "pool" ask for ONNX Runtime meanwhile. The finder notes whether
# NumPy was complete when ONNX Runtime's import started.
RACE = """
import importlib.abc, sys, threading, time
log = []
halfway = threading.Event()

class Watch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "numpy._core" and not halfway.is_set():
            halfway.set()
            time.sleep(0.5)
        if name == "onnxruntime":
            numpy = sys.modules.get("numpy")
            log.append("onnxruntime starts, numpy " + (
                "missing" if numpy is None else
                "half-made" if numpy.__spec__._initializing else "complete"))
        return None

sys.meta_path.insert(0, Watch())
from desktop import lazy_imports
from desktop.lazy_imports import np
print("loaded at first:", "numpy" in sys.modules, "onnxruntime" in sys.modules)

def window():
    log.append("numpy wanted")
    np.zeros(3)

def pool():
    halfway.wait(30)
    log.append("session wanted")
    lazy_imports.onnxruntime().SessionOptions()

threads = [threading.Thread(target=window), threading.Thread(target=pool)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(log)
print(np.float32 is sys.modules["numpy"].float32, type(np.zeros(2)).__name__)
"""


def test_numpy_loads_on_first_use_and_never_beside_onnx_runtime():
    result = subprocess.run([sys.executable, "-c", RACE], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "loaded at first: False False"
    # ONNX Runtime was asked for while NumPy was half-imported, and waited for it.
    assert lines[1] == str(["numpy wanted", "session wanted", "onnxruntime starts, numpy complete"])
    assert lines[2] == "True ndarray"
