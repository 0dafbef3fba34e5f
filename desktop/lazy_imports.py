"""NumPy and ONNX Runtime, imported when first used, so that the window paints first.

Importing NumPy before the first paint cost about 80 ms on a warm start and 6 MB of libraries
read from disk on a cold one, and that paint needs none of it. So the app's modules write

    from desktop.lazy_imports import np

and use `np` as usual: the first name looked up (`np.zeros`, `np.ndarray`...) imports NumPy, and
each name is then kept as a plain attribute. Keep NumPy out of module-level constants and default
arguments, which are looked up at import time; tests/test_gui_app.py checks that the window
paints with NumPy and ONNX Runtime unloaded.

NumPy may now be half-imported by one thread when another wants ONNX Runtime. ONNX Runtime's
library imports NumPy's inner modules directly, without waiting for the half-made package, and
the other thread then fails ("cannot import name '__cpu_features__'"). `import numpy` does wait,
so `onnxruntime()` imports NumPy first: import ONNX Runtime only through it.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING


def onnxruntime() -> ModuleType:
    """ONNX Runtime, once NumPy is completely imported (by this thread or another)."""
    import numpy  # noqa: F401  (waits for a thread half-way through it)
    import onnxruntime as module

    return module


class _LazyNumpy:
    """Stands for the numpy module; looking up a name imports NumPy."""

    def __getattr__(self, name: str) -> object:
        import numpy

        value = getattr(numpy, name)
        setattr(self, name, value)  # from now on a plain attribute
        return value


if TYPE_CHECKING:  # editors and type checkers see NumPy itself
    import numpy as np
else:
    np = _LazyNumpy()
