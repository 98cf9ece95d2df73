"""Rig presets: retargeted joints equal plain SMPL FK exactly; rest poses are the presets'.

Expected positions come from the independent numpy FK of ``export_helpers`` (camera frame); the
retargeted skeleton is evaluated by its own local keys (``G_k = G_parent [L_k | t_k]``).
"""

from __future__ import annotations

import numpy as np
import pytest
from export_helpers import CV_TO_YUP, REST, fk_camera_full, make_motion

from exporters.rigs import PRESETS, build_rig, rest_vertices, rig_motion, rig_preset
from exporters.rigs.retarget import PRIMARY_CHILD
from exporters.skeleton import local_rotations, root_in_world
from mocap.errors import UsageError

EXACT_M = 1e-6
ANGLE_TOL_DEG = 1e-6


def chain_fk(parents, rotations, translations):
    """(T, K, 3) world positions and (T, K, 3, 3) rotations of local keys."""
    n, k = rotations.shape[:2]
    pos, rot = np.zeros((n, k, 3)), np.zeros((n, k, 3, 3))
    for b, p in enumerate(parents):
        if p < 0:
            rot[:, b], pos[:, b] = rotations[:, b], translations[:, b]
        else:
            rot[:, b] = rot[:, p] @ rotations[:, b]
            pos[:, b] = pos[:, p] + np.einsum("tij,tj->ti", rot[:, p], translations[:, b])
    return pos, rot


@pytest.fixture(scope="module")
def person(body):
    motion = make_motion([(3, np.arange(50))], num_frames=50, body=body, seed=5)
    return motion, motion.people[0]


@pytest.mark.parametrize("name", list(PRESETS))
@pytest.mark.parametrize("bone_axes", [True, False])
def test_retargeted_joints_equal_smpl_fk(body, person, name, bone_axes):
    _, seq = person
    rest = body.rest_joints(seq.betas)
    rig = build_rig(rig_preset(name), rest, bone_axes=bone_axes)
    rot = local_rotations(seq)
    rot[:, 0], pelvis = root_in_world(seq.global_orient, seq.transl, rest[0], CV_TO_YUP)
    keys = rig_motion(rig, rot, pelvis, floor_y=-1.3)
    pos, _ = chain_fk(rig.parents, keys.rotations, keys.translations)
    expected = fk_camera_full(body, seq)[0] @ CV_TO_YUP.T
    mapped = [b for b, j in enumerate(rig.smpl_joint) if j >= 0]
    assert [rig.smpl_joint[b] for b in mapped] == list(range(24))
    assert np.abs(pos[:, mapped] - expected).max() < EXACT_M
    if rig.has_root_bone:  # on the floor under the pelvis, never rotating
        assert np.allclose(pos[:, 0, 1], -1.3)
        assert np.allclose(pos[:, 0, [0, 2]], expected[:, 0, [0, 2]])
        assert np.allclose(keys.rotations[:, 0], np.eye(3))


@pytest.mark.parametrize("name", list(PRESETS))
def test_rest_keys_reproduce_the_bind_pose(body, person, name):
    """The stored rest (bind) pose is the FK of the rest-pose keys: node defaults = bind pose."""
    _, seq = person
    rig = build_rig(rig_preset(name), body.rest_joints(seq.betas))
    pos, rot = chain_fk(
        rig.parents, rig.rest_local_rotation[None], rig.rest_local_translation[None]
    )
    assert np.abs(pos[0] - rig.rest_world[:, :3, 3]).max() < EXACT_M
    assert np.abs(rot[0] - rig.rest_world[:, :3, :3]).max() < EXACT_M


def _angle_deg(a, b):
    return np.degrees(np.arctan2(np.linalg.norm(np.cross(a, b)), np.dot(a, b)))


@pytest.mark.parametrize("name", ["mixamo", "unity", "ue5", "rigify"])
def test_rest_pose_arms_and_legs_point_as_the_preset_says(body, person, name):
    preset = rig_preset(name)
    _, seq = person
    rig = build_rig(preset, body.rest_joints(seq.betas))
    first = 1 if rig.has_root_bone else 0
    head = rig.rest_world[first:, :3, 3]  # SMPL joint order
    down = np.radians(preset.arm_down_deg)
    for side, sign in (("left", 1.0), ("right", -1.0)):
        want = np.array([sign * np.cos(down), -np.sin(down), 0.0])
        for a, b in (("shoulder", "elbow"), ("elbow", "wrist"), ("wrist", "hand")):
            ja, jb = (REST_NAMES.index(f"{side}_{n}") for n in (a, b))
            assert _angle_deg(head[jb] - head[ja], want) < ANGLE_TOL_DEG
        for a, b in (("hip", "knee"), ("knee", "ankle")):
            ja, jb = (REST_NAMES.index(f"{side}_{n}") for n in (a, b))
            assert _angle_deg(head[jb] - head[ja], [0.0, -1.0, 0.0]) < ANGLE_TOL_DEG
    # bone lengths are the person's: rest pose is a rotation of SMPL's rest skeleton
    rest = body.rest_joints(seq.betas)
    for k, p in enumerate(REST_PARENTS):
        if p >= 0:
            assert np.isclose(np.linalg.norm(head[k] - head[p]), np.linalg.norm(rest[k] - rest[p]))


@pytest.mark.parametrize("name", ["mixamo", "unity", "ue5", "rigify"])
def test_bone_axes_follow_the_preset(body, person, name):
    preset = rig_preset(name)
    _, seq = person
    rig = build_rig(preset, body.rest_joints(seq.betas))
    first = 1 if rig.has_root_bone else 0
    axis = "XYZ".index(preset.bone_axis)
    for k in range(24):
        frame = rig.rest_world[first + k, :3, :3]
        assert np.allclose(frame.T @ frame, np.eye(3)) and np.isclose(np.linalg.det(frame), 1.0)
        child = PRIMARY_CHILD[k]
        if child >= 0:
            d = rig.rest_world[first + child, :3, 3] - rig.rest_world[first + k, :3, 3]
            assert _angle_deg(frame[:, axis], d) < ANGLE_TOL_DEG


def test_rest_mesh_stands_on_the_origin(body, person):
    _, seq = person
    rest = body.rest_joints(seq.betas)
    verts = body.shaped_vertices(seq.betas)
    rig = build_rig(rig_preset("mixamo"), rest, mesh=(verts, body.weights))
    moved = rest_vertices(rig, rest, verts, body.weights)
    assert np.isclose(moved[:, 1].min(), 0.0)
    assert np.allclose(rig.rest_world[0, [0, 2], 3], 0.0)
    # vertices owned by one joint only move rigidly with it
    smpl = build_rig(rig_preset("smpl"), rest)
    assert np.array_equal(rest_vertices(smpl, rest, verts, body.weights), verts)


def test_unknown_rig_is_a_usage_error():
    with pytest.raises(UsageError, match="'rig' must be one of smpl, mixamo"):
        rig_preset("maya")


REST_NAMES = [
    "pelvis", "left_hip", "right_hip", "spine1", "left_knee", "right_knee", "spine2",
    "left_ankle", "right_ankle", "spine3", "left_foot", "right_foot", "neck", "left_collar",
    "right_collar", "head", "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
    "left_wrist", "right_wrist", "left_hand", "right_hand",
]  # fmt: skip
REST_PARENTS = [-1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19, 20, 21]
assert len(REST) == len(REST_NAMES)


def test_config_and_cli_offer_exactly_the_presets():
    from mocap.cli_choices import RigChoice
    from mocap.config import RIG_CHOICES, PipelineConfig

    assert tuple(PRESETS) == RIG_CHOICES == tuple(c.value for c in RigChoice)
    assert PipelineConfig().rig == "smpl"
    with pytest.raises(UsageError, match="'rig' must be one of"):
        PipelineConfig(rig="maya")  # type: ignore[arg-type]


def test_write_outputs_gives_the_rig_to_skeleton_writers_only(motion, tmp_path):
    from export_helpers import read_glb_json

    from mocap.batch.outputs import write_outputs

    outs = (tmp_path / "a.glb", tmp_path / "a.bvh", tmp_path / "a.npz")
    written = write_outputs(motion, outs, rig="ue5")
    nodes = [n["name"] for n in read_glb_json(tmp_path / "a.glb")["nodes"]]
    assert "root" in nodes and "thigh_l" in nodes and "left_hip" not in nodes
    bvh = [p for p in written if p.suffix == ".bvh"]
    assert len(bvh) == 3 and all("ROOT root" in p.read_text() for p in bvh)
    assert (tmp_path / "a.npz").is_file()


# The mesh is bound in the preset's rest pose (what Unity/Unreal/Blender take as the bind pose),
# i.e. SMPL's shape posed there by linear blend skinning; skinning it again from that pose cannot
# reproduce SMPL's own skinning exactly where weights blend. Measured on the synthetic SMPL-topology
# body: mixamo/unity 2.9 mm, rigify 11 mm, ue5 24 mm (the 45 degree A-pose), smpl 5e-7 m (the
# float32 weights of the file).
MESH_TOL_M = {"smpl": 1e-6, "mixamo": 0.005, "unity": 0.005, "rigify": 0.02, "ue5": 0.04}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(PRESETS))
def test_skinned_mesh_on_the_rig_stays_close_to_smpl_skinning(name):
    from export_helpers import lbs_camera

    from exporters.skeleton import top_weights
    from mocap.testing.synthetic import synthetic_smpl_model_data

    body = synthetic_smpl_model_data()
    seq = make_motion([(1, np.arange(30))], num_frames=30, body=body, seed=2).people[0]
    rest, verts = body.rest_joints(seq.betas), body.shaped_vertices(seq.betas)
    joints4, weights4 = top_weights(body.weights)
    w = np.zeros_like(body.weights)
    np.add.at(w, (np.arange(len(w))[:, None], joints4), weights4.astype(np.float64))
    rig = build_rig(rig_preset(name), rest, mesh=(verts, body.weights))
    bind = rest_vertices(rig, rest, verts, body.weights)
    rot = local_rotations(seq)
    rot[:, 0], pelvis = root_in_world(seq.global_orient, seq.transl, rest[0], CV_TO_YUP)
    keys = rig_motion(rig, rot, pelvis)
    pos, world = chain_fk(rig.parents, keys.rotations, keys.translations)
    first = rig.smpl_joint.index(0)
    inv_rot = np.transpose(rig.rest_world[first:, :3, :3], (0, 2, 1))
    rows = np.arange(0, 30, 6)
    expected = lbs_camera(body, seq, rows) @ CV_TO_YUP.T
    for i, t in enumerate(rows):
        skin_rot = world[t, first:] @ inv_rot  # (24, 3, 3) M_k(t) M_k(rest)^-1
        skin_t = pos[t, first:] - np.einsum("kij,kj->ki", skin_rot, rig.rest_world[first:, :3, 3])
        moved = np.einsum("vk,kij,vj->vi", w, skin_rot, bind) + w @ skin_t
        assert np.abs(moved - expected[i]).max() < MESH_TOL_M[name]
