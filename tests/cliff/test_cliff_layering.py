"""The CPU crop and camera maths stay importable without torch (numpy + OpenCV only)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_crop_and_camera_do_not_import_torch():
    code = "import sys, mocap.crop, mocap.camera; print('torch' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"
