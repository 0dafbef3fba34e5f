"""Benchmarks that print their figures (run as `python -m benchmarks.NAME`)."""

import desktop  # noqa: F401  (first: ONNX Runtime's telemetry off before it loads)
