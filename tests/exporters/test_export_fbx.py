"""FBX writer error paths (the Blender round trip itself is in test_export_blender.py)."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from export_helpers import make_motion

import exporters
import exporters.fbx
from mocap.errors import DependencyMissingError, OutputError


def test_missing_bpy_says_how_to_install(motion, tmp_path, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        exporters.fbx.importlib.util, "find_spec", lambda n: None if n == "bpy" else real(n)
    )
    with pytest.raises(DependencyMissingError, match=r"cliffmocap\[blender\].*uv sync --extra"):
        exporters.write(motion, tmp_path / "x.fbx")
    assert list(tmp_path.iterdir()) == []


def test_blender_failure_is_one_clear_error(motion, tmp_path, monkeypatch):
    script = tmp_path / "fail.py"
    script.write_text(
        "import sys\nsys.stderr.write('RuntimeError: glTF import failed\\n')\nsys.exit(1)\n"
    )
    monkeypatch.setattr(exporters.fbx, "BLENDER_SCRIPT", script)
    monkeypatch.setattr(exporters.fbx, "require_bpy", lambda: None)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(
        OutputError, match="FBX conversion failed: RuntimeError: glTF import failed"
    ):
        exporters.write(motion, out / "x.fbx")
    assert list(out.iterdir()) == []


def test_fbx_needs_smpl_model(tmp_path):
    bare = make_motion([(1, np.arange(5))], num_frames=5)
    with pytest.raises(OutputError, match="'smpl_model'"):
        exporters.write(bare, tmp_path / "x.fbx")
