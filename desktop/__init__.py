"""Digit Lens: see what a neural network thinks of your handwriting or a picture of clothing."""

import os

APP_NAME = "Digit Lens"
# The one place the version is written: pyproject.toml reads it from here. A constant, not
# importlib.metadata, which costs 40 ms of every start (and a frozen bundle would need a copy
# of the package's metadata to answer).
__version__ = "0.1.0"

# ONNX Runtime 1.29 and later collect telemetry on Linux and macOS too: they write a device id
# and an event store under ~/.cache/Microsoft and upload them to Microsoft. Digit Lens sends
# nothing anywhere, so it switches that off here, before any of its modules (or the trainer's,
# whose package imports this one first) loads onnxruntime: ONNX Runtime reads the variable once,
# as it loads. Someone who sets the variable themselves keeps their choice.
TELEMETRY_ENV = "ORT_DISABLE_TELEMETRY"
os.environ.setdefault(TELEMETRY_ENV, "1")
