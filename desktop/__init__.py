"""Digit Lens: see what a neural network thinks of your handwriting or a picture of clothing."""

APP_NAME = "Digit Lens"
# The one place the version is written: pyproject.toml reads it from here. A constant, not
# importlib.metadata, which costs 40 ms of every start (and a frozen bundle would need a copy
# of the package's metadata to answer).
__version__ = "0.1.0"
