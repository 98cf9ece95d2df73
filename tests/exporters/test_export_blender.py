"""Blender 5.0.1 (bpy, one subprocess) imports our files; joints match independent numpy FK.

One bpy process checks every file of the module (each process costs seconds on this machine).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import make_motion, run_blender_check, scene_expectations

import exporters

pytestmark = [pytest.mark.blender, pytest.mark.slow]

JOINT_TOL_M = 1e-5
PIXEL_TOL = 1e-3


@pytest.fixture(scope="module")
def results(motion, body, tmp_path_factory):
    work = tmp_path_factory.mktemp("blender")
    long_motion = make_motion(
        [(2, np.arange(0, 300)), (5, np.arange(40, 260)), (9, np.arange(150, 300))],
        num_frames=300,
        body=body,
        seed=10,
    )
    jobs = []
    for name, m in (("small", motion), ("long", long_motion)):
        glb = exporters.write(m, work / f"{name}.glb")
        jobs.append(
            {
                "kind": "glb",
                "name": name,
                "path": str(glb),
                "expected": str(scene_expectations(m, work / f"{name}_glb.npz")),
            }
        )
    out = run_blender_check(jobs, work)
    return {
        job["name"] + "_" + job["kind"]: (r, m)
        for job, r, m in zip(jobs, out, (motion, long_motion), strict=True)
    }


@pytest.mark.parametrize("name", ["small", "long"])
def test_glb_joints_match_fk(results, name):
    r, m = results[f"{name}_glb"]
    tids = [f"person_{p.track_id}" for p in m.people]
    assert r["armatures"] == sorted(tids)
    assert all(r["bones"][t] == 24 for t in tids)
    assert all(r["has_action"][t] for t in tids)
    assert r["max_joint_error_m"] < JOINT_TOL_M
    assert r["hidden_spread_m"] < JOINT_TOL_M
    assert r["scene_fps"] == pytest.approx(30000 / 1001, rel=1e-6)  # fps_base is float32


@pytest.mark.parametrize("name", ["small", "long"])
def test_glb_camera_projects_like_intrinsics(results, name):
    r, _ = results[f"{name}_glb"]
    assert r["has_camera"]
    assert r["max_pixel_error"] < PIXEL_TOL
