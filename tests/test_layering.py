"""Import layering, checked in fresh interpreters: the light parts never pull in heavy libraries.

The exporters and the numpy parts of ``mocap`` (types, rotations, config, errors, the body model,
the CPU crop and camera maths, the synthetic test body) must import and run without torch, the
detector, the decoders, smplx or Blender, so that the Blender add-on, scripts and light tools stay
light. Each case imports (and where it matters, uses) modules and prints what heavy modules got
loaded; the answer must be nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("torch", "ultralytics", "decord", "smplx", "bpy")

#: case -> Python code that imports/uses the light modules (run at the repo root).
CASES = {
    "core and exporters import": (
        "import exporters, mocap, mocap.types, mocap.rotations, mocap.config, mocap.errors"
    ),
    "body model and synthetic body import": (
        "import mocap.body, mocap.smplfile, mocap.testing.synthetic"
    ),
    "crop and camera import": "import mocap.crop, mocap.camera",
    "keypoints, images, pseudo-GT files, photos import": (
        "import mocap.keypoints, mocap.images, mocap.cliffgt, mocap.photos"
    ),
    "rotations numpy path runs": (
        "import numpy as np\n"
        "from mocap import rotations as r\n"
        "m = r.axis_angle_to_matrix(np.ones((2, 3)))\n"
        "r.rot6d_to_matrix(r.matrix_to_rot6d(m)); r.matrix_to_axis_angle(m)\n"
        "r.continuous_quaternions(r.matrix_to_quaternion(m))\n"
    ),
    "exporters write every format": (
        "import tempfile, pathlib\n"
        "import numpy as np\n"
        "import exporters, exporters.skeleton, exporters.gltf, exporters.bvh, exporters.npz\n"
        "import exporters.fbx\n"
        "from export_helpers import make_motion, make_body\n"
        "m = make_motion([(1, np.arange(10))], num_frames=10, body=make_body())\n"
        "with tempfile.TemporaryDirectory() as d:\n"
        "    for suffix in ('.glb', '.bvh', '.npz', '.amass.npz'):\n"
        "        exporters.write(m, pathlib.Path(d) / ('x' + suffix))\n"
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_light_code_leaves_heavy_libraries_out(case):
    code = (
        f"import sys\n{CASES[case]}\n"
        f"print(','.join(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
    )
    path = [str(REPO_ROOT), str(REPO_ROOT / "tests" / "exporters"), os.environ.get("PYTHONPATH")]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in path if p))
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, env=env,
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    loaded = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    assert loaded == "", f"{case}: loaded {loaded}"
