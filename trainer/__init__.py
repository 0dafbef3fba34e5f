"""Train, evaluate and export the dense and CNN models the desktop app ships with.

Torch-only: the desktop app never imports this package.
"""

import desktop  # noqa: F401  (first: it switches ONNX Runtime's telemetry off before it loads)
