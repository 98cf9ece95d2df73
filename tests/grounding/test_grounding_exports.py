"""Writers put the grounded world motion and the fitted camera pose into .glb, .bvh, .amass.npz;
``space="camera"`` keeps today's camera-frame output."""

from __future__ import annotations

import numpy as np
import pygltflib as gl
import pytest

import exporters
import mocap
from exporters.amass import amass_arrays
from exporters.bvh import bvh_channels
from exporters.gltf import build_gltf, write_glb
from exporters.skeleton import CAMERA_TO_YUP, YUP_TO_ZUP
from exporters.space import place
from mocap.body import SmplBody
from mocap.grounding.kinematics import TOES, foot_heights, posed_joints
from mocap.grounding.world import transform_points
from mocap.rotations import quaternion_to_matrix


@pytest.fixture(scope="module")
def grounded(walk_scene):
    # exact input, no foot lock: the world motion is the camera motion moved rigidly
    return mocap.ground(walk_scene.motion, foot_lock=False)


def _accessor(gltf: gl.GLTF2, blob: bytes, index: int) -> np.ndarray:
    acc = gltf.accessors[index]
    view = gltf.bufferViews[acc.bufferView]
    width = {"SCALAR": 1, "VEC3": 3, "VEC4": 4, "MAT4": 16}[acc.type]
    start = view.byteOffset + (acc.byteOffset or 0)
    data = np.frombuffer(blob, dtype=np.float32, count=acc.count * width, offset=start)
    return data.reshape(acc.count, width)


def _root_translation(gltf: gl.GLTF2, blob: bytes, track_id: int) -> np.ndarray:
    person = next(i for i, n in enumerate(gltf.nodes) if n.name == f"person_{track_id}")
    root = gltf.nodes[person].children[0]
    for ch in gltf.animations[0].channels:
        if ch.target.node == root and ch.target.path == "translation":
            return _accessor(gltf, blob, gltf.animations[0].samplers[ch.sampler].output)
    raise AssertionError("no root translation channel")


def _camera_pose(gltf: gl.GLTF2) -> np.ndarray:
    node = next(n for n in gltf.nodes if n.name == "video_camera")
    pose = np.eye(4)
    pose[:3, :3] = quaternion_to_matrix(np.asarray(node.rotation or [0, 0, 0, 1], float))
    pose[:3, 3] = node.translation or [0, 0, 0]
    return pose


def test_glb_holds_the_world_motion_and_the_fitted_camera(grounded, body_data):
    gltf, blob = build_gltf(grounded)
    extras = gltf.scenes[0].extras
    assert extras["space"] == "world"
    np.testing.assert_allclose(
        np.reshape(extras["world_from_camera"], (4, 4)), grounded.world_from_camera
    )
    expected = grounded.world_from_camera.copy()
    expected[:3, :3] = expected[:3, :3] @ CAMERA_TO_YUP  # glTF cameras look down -z, +y up
    np.testing.assert_allclose(_camera_pose(gltf), expected, atol=1e-6)
    np.testing.assert_allclose(np.reshape(extras["camera_pose"], (4, 4)), expected, atol=1e-12)
    body = SmplBody(body_data)
    for seq in grounded.people:
        pelvis = body.rest_joints(seq.betas)[0] + seq.world.transl
        np.testing.assert_allclose(_root_translation(gltf, blob, seq.track_id), pelvis, atol=1e-5)
        # the floor is y = 0: planted balls of the feet stand at their flat height above it
        w = seq.world
        joints = posed_joints(body, seq.betas, w.global_orient, w.body_pose, w.transl)
        above = joints[:, TOES][w.foot_contact][:, 1] - foot_heights(body_data, seq.betas).toe
        assert np.median(np.abs(above)) < 0.002 and np.percentile(np.abs(above), 95) < 0.02


def test_world_points_reproject_through_the_exported_camera(walk_scene, grounded, body_data):
    """Joints of the world motion seen through the glb's camera land on the pixels the
    camera-frame result projects to (within a pixel)."""
    gltf, _ = build_gltf(grounded)
    pose = _camera_pose(gltf)  # glTF camera axes in the y-up world
    cam = grounded.camera
    body = SmplBody(body_data)
    for seq in grounded.people:
        w = seq.world
        world = posed_joints(body, seq.betas, w.global_orient, w.body_pose, w.transl)
        local = transform_points(np.linalg.inv(pose), world) @ CAMERA_TO_YUP.T  # OpenCV axes
        seen = cam.fx * local[..., :2] / local[..., 2:] + [cam.cx, cam.cy]
        truth = posed_joints(body, seq.betas, seq.global_orient, seq.body_pose, seq.transl)
        pixels = cam.fx * truth[..., :2] / truth[..., 2:] + [cam.cx, cam.cy]
        assert np.abs(seen - pixels).max() < 1.0


def test_camera_space_keeps_todays_output(walk_scene, grounded):
    gltf, blob = build_gltf(grounded, space="camera")
    assert gltf.scenes[0].extras["space"] == "camera"
    np.testing.assert_allclose(_camera_pose(gltf), np.eye(4), atol=1e-7)
    plain, plain_blob = build_gltf(walk_scene.motion)
    for seq in grounded.people:
        np.testing.assert_array_equal(
            _root_translation(gltf, blob, seq.track_id),
            _root_translation(plain, plain_blob, seq.track_id),
        )


def test_amass_is_z_up_with_the_floor_at_zero(grounded, body_data):
    seq = grounded.people[0]
    placed = place(grounded, [seq])
    arrays = amass_arrays(grounded, placed.people[0], to_zup=YUP_TO_ZUP @ placed.to_yup)
    pelvis_rest = SmplBody(body_data).rest_joints(seq.betas)[0]
    pelvis_zup = arrays["trans"] + pelvis_rest
    np.testing.assert_allclose(pelvis_zup, (seq.world.transl + pelvis_rest) @ YUP_TO_ZUP.T)
    assert 0.7 < pelvis_zup[:, 2].mean() < 1.0  # pelvis height above the floor z = 0


def test_bvh_root_channels_are_world_positions(grounded, body_data, tmp_path):
    seq = grounded.people[0]
    placed = place(grounded, [seq])
    values = bvh_channels(grounded, placed.people[0], to_yup=placed.to_yup)
    pelvis = SmplBody(body_data).rest_joints(seq.betas)[0] + seq.world.transl
    np.testing.assert_allclose(values[:, :3], pelvis * 100.0, atol=1e-9)
    assert write_glb(grounded, tmp_path / "g.glb").stat().st_size > 0


@pytest.mark.blender
@pytest.mark.slow
def test_fbx_carries_the_camera_pose(grounded, body_data, tmp_path):
    """The FBX (converted from the glb by Blender) keeps the video camera at its fitted pose:
    world joints seen through the re-imported camera land on the camera-frame pixels."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    fbx = exporters.write(grounded, tmp_path / "g.fbx")
    seq = grounded.people[0]
    body = SmplBody(body_data)
    w = seq.world
    world = posed_joints(body, seq.betas, w.global_orient[:1], w.body_pose[:1], w.transl[:1])[0]
    truth = posed_joints(body, seq.betas, seq.global_orient[:1], seq.body_pose[:1], seq.transl[:1])
    cam = grounded.camera
    job = {
        "fbx": str(fbx),
        "points": (world @ YUP_TO_ZUP.T).tolist(),  # Blender's z-up world
        "width": cam.width,
        "height": cam.height,
        "fx": cam.fx,
        "fy": cam.fy,
        "cx": cam.cx,
        "cy": cam.cy,
    }
    (tmp_path / "in.json").write_text(json.dumps(job))
    probe = Path(__file__).with_name("fbx_camera_probe.py")
    done = subprocess.run(
        [sys.executable, str(probe), str(tmp_path / "in.json"), str(tmp_path / "out.json")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads((tmp_path / "out.json").read_text())
    assert out["has_camera"]
    pixels = cam.fx * truth[0, :, :2] / truth[0, :, 2:] + [cam.cx, cam.cy]
    assert np.abs(np.array(out["pixels"]) - pixels).max() < 1.0


def test_span_files_of_a_grounded_motion_hold_world_rows(grounded, body_data, tmp_path):
    """Per-span BVH/AMASS of a grounded motion (rows cut into spans) stay in the world."""
    from dataclasses import replace

    seq = grounded.people[0]
    keep = np.r_[0 : len(seq) // 3, len(seq) // 2 : len(seq)]  # a gap: two spans
    cut = replace(
        seq,
        frames=seq.frames[keep],
        times=seq.times[keep],
        global_orient=seq.global_orient[keep],
        body_pose=seq.body_pose[keep],
        transl=seq.transl[keep],
        observed=seq.observed[keep],
        boxes=seq.boxes[keep],
        scores=seq.scores[keep],
        world=seq.world.rows(keep),
    )
    motion = replace(grounded, people=(cut,))
    paths = exporters.write(motion, tmp_path / "a.amass.npz", span="spans")
    assert len(paths) == 2
    pelvis = SmplBody(body_data).rest_joints(seq.betas)[0]
    with np.load(paths[1], allow_pickle=False) as z:
        first = len(seq) // 2
        want = (seq.world.transl[first] + pelvis) @ YUP_TO_ZUP.T - pelvis
        np.testing.assert_allclose(z["trans"][0], want, atol=1e-9)
    assert len(exporters.write(motion, tmp_path / "a.bvh", span="spans")) == 2
