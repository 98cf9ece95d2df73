"""Import layering: exporters and the light parts of mocap never pull in torch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def _run_python(code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter at the repo root; it must exit 0."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done


@pytest.mark.parametrize(
    "modules",
    [
        "exporters, mocap, mocap.types, mocap.rotations, mocap.config, mocap.errors",
        "mocap.body, mocap.testing.synthetic",
    ],
)
def test_light_imports_leave_torch_out(modules):
    code = (
        f"import sys\nimport {modules}\n"
        "heavy = ('torch', 'ultralytics', 'decord', 'smplx')\n"
        "heavy = sorted(m for m in heavy if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    done = _run_python(code)
    assert done.stdout.strip() == "", f"importing {modules} imported {done.stdout.strip()}"


def test_rotations_numpy_path_stays_torch_free():
    code = (
        "import sys, numpy as np\n"
        "from mocap import rotations as r\n"
        "m = r.axis_angle_to_matrix(np.ones((2, 3)))\n"
        "r.rot6d_to_matrix(r.matrix_to_rot6d(m)); r.matrix_to_axis_angle(m)\n"
        "r.continuous_quaternions(r.matrix_to_quaternion(m))\n"
        "print('torch' in sys.modules)\n"
    )
    done = _run_python(code)
    assert done.stdout.strip() == "False"
