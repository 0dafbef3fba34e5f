"""Colour helpers shared by the custom-painted widgets, plus a dark palette.

All custom painting takes its colours from the widget's palette (so light and dark system
themes both work); `mix` derives in-between shades such as heat-map cells or faint grids.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette

Role = QPalette.ColorRole


def mix(first: QColor, second: QColor, amount: float) -> QColor:
    """`first` blended towards `second` by `amount` (0 = first, 1 = second)."""
    amount = max(0.0, min(1.0, amount))
    return QColor.fromRgbF(
        first.redF() + (second.redF() - first.redF()) * amount,
        first.greenF() + (second.greenF() - first.greenF()) * amount,
        first.blueF() + (second.blueF() - first.blueF()) * amount,
        1.0,
    )


def with_alpha(colour: QColor, alpha: float) -> QColor:
    result = QColor(colour)
    result.setAlphaF(max(0.0, min(1.0, alpha)))
    return result


def faint_text(palette: QPalette, amount: float = 0.45) -> QColor:
    """Secondary text: the text colour pulled towards the background."""
    return mix(palette.color(Role.WindowText), palette.color(Role.Window), amount)


def dark_palette() -> QPalette:
    """A calm dark palette (used for screenshots and tests; real users get their system's)."""
    palette = QPalette()
    window = QColor(37, 39, 43)
    base = QColor(28, 30, 33)
    text = QColor(226, 228, 232)
    highlight = QColor(76, 146, 235)
    colours = {
        Role.Window: window,
        Role.WindowText: text,
        Role.Base: base,
        Role.AlternateBase: QColor(44, 47, 52),
        Role.ToolTipBase: QColor(52, 55, 60),
        Role.ToolTipText: text,
        Role.PlaceholderText: QColor(135, 139, 146),
        Role.Text: text,
        Role.Button: QColor(48, 51, 56),
        Role.ButtonText: text,
        Role.BrightText: QColor(255, 110, 110),
        Role.Light: QColor(70, 74, 80),
        Role.Midlight: QColor(58, 61, 67),
        Role.Mid: QColor(78, 82, 89),
        Role.Dark: QColor(22, 23, 26),
        Role.Shadow: QColor(0, 0, 0),
        Role.Highlight: highlight,
        Role.HighlightedText: QColor(255, 255, 255),
        Role.Link: QColor(110, 170, 245),
        Role.LinkVisited: QColor(170, 140, 240),
    }
    for role, colour in colours.items():
        palette.setColor(role, colour)
    disabled = QColor(120, 123, 130)
    for role in (Role.WindowText, Role.Text, Role.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    palette.setColor(QPalette.ColorGroup.Disabled, Role.Highlight, QColor(70, 74, 80))
    return palette
