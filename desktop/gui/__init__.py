"""The Qt user interface of Digit Lens (the only part of the app that imports PySide6 widgets)."""
