"""Digit Lens: see what a neural network thinks of your handwriting or a picture of clothing."""

from importlib.metadata import PackageNotFoundError, version

APP_NAME = "Digit Lens"

try:
    __version__ = version("digit-lens")
except PackageNotFoundError:  # running from a source checkout or a frozen bundle
    __version__ = "0.1.0"
