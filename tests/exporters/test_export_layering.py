"""Importing and using the exporters never pulls in torch or bpy (checked in a fresh process)."""

from __future__ import annotations

import os
import subprocess
import sys

from export_helpers import REPO_ROOT

CODE = """
import sys, tempfile, pathlib
import numpy as np
import exporters, exporters.skeleton, exporters.gltf, exporters.bvh, exporters.npz, exporters.fbx
from export_helpers import make_motion, make_body
m = make_motion([(1, np.arange(10))], num_frames=10, body=make_body())
with tempfile.TemporaryDirectory() as d:
    for suffix in (".glb", ".bvh", ".npz", ".amass.npz"):
        exporters.write(m, pathlib.Path(d) / ("x" + suffix))
print(sorted(n for n in ("torch", "bpy") if n in sys.modules))
"""


def test_exporters_never_import_torch_or_bpy():
    path = os.pathsep.join([str(REPO_ROOT), str(REPO_ROOT / "tests" / "exporters")])
    res = subprocess.run(
        [sys.executable, "-c", CODE], env=dict(os.environ, PYTHONPATH=path),
        capture_output=True, text=True, cwd=REPO_ROOT, timeout=120, check=False,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip().splitlines()[-1] == "[]"
