"""The Qt binding must survive a long session of drawing (PySide6 6.12.0 did not)."""

from __future__ import annotations

import subprocess
import sys

PAINT_MANY_TIMES = """
from PySide6.QtGui import QImage, QPainter, QPen
image = QImage(8, 8, QImage.Format.Format_RGB32)
painter = QPainter(image)
for _ in range(30_000):  # each call returns nothing; a leak of None aborts Python < 3.12
    image.fill(0)
    painter.setPen(QPen())
painter.end()
print("ok")
"""


def test_thirty_thousand_void_qt_calls_do_not_abort_python() -> None:
    result = subprocess.run([sys.executable, "-c", PAINT_MANY_TIMES], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "ok"
