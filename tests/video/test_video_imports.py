"""Import hygiene of the front end, checked in fresh interpreters."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120
    )


def test_video_decord_does_not_break_cv2_png(videos, tmp_path):
    """DESIGN "Known traps": decord imported before cv2 breaks cv2.imread on PNG files.

    Decoding with decord through our module, then reading a PNG with cv2, must work.
    """
    png = tmp_path / "probe.png"
    code = f"""
import numpy as np
from mocap.video import open_video
with open_video({str(videos["h264"])!r}, decoder="decord") as v:
    frames = sum(len(b) for b in v)
assert v.report.backend == "decord", v.report
import cv2
img = np.arange(48 * 64 * 3, dtype=np.uint8).reshape(48, 64, 3)
assert cv2.imwrite({str(png)!r}, img)
back = cv2.imread({str(png)!r})
assert back is not None, "cv2.imread returned None after decord was imported"
assert (back == img).all()
print("ok", frames)
"""
    done = _run(code)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["ok", "60"]


def test_front_end_modules_import_nothing_heavy():
    code = """
import sys
import mocap.video, mocap.detect, mocap.track, mocap.boxfile, mocap.trackpost
heavy = sorted(m for m in ("torch", "ultralytics", "decord", "norfair", "cv2") if m in sys.modules)
print(",".join(heavy) or "none")
"""
    done = _run(code)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "none"
