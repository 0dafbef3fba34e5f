"""Train, evaluate and export the dense and CNN models the desktop app ships with.

Torch-only: the desktop app never imports this package.
"""
