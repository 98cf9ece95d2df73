"""Retarget onto the user's armature: bone maps by name (no bpy), and the operator on Blender's
own Rigify human metarig (bpy subprocess)."""

import json
import subprocess
import sys

import addon_synthetic as syn
import numpy as np
import pytest
from addon_harness import BPY_TIMEOUT_S, HERE, load_addon_module

bone_map = load_addon_module("bone_map")
retarget_math = load_addon_module("retarget_math")

METARIG_DIR_TOL_DEG = 0.5  # mapped bone directions vs the source over the clip (measured 0.002)
HIPS_TOL_M = 1e-4


@pytest.mark.parametrize("preset", ["mixamo", "ue5", "unity", "rigify", "smpl"])
def test_detection_maps_every_joint_of_each_exported_rig(preset):
    from exporters.rigs import PRESETS
    from mocap.smpl_joints import SMPL_JOINT_NAMES

    names = PRESETS[preset].bone_names
    extra = ["root", "IK_foot_l", "breast.L", "mixamorig:HeadTop_End"]  # bones nobody maps
    convention, mapping = bone_map.detect_bone_map([*extra, *names])
    assert mapping == dict(zip(SMPL_JOINT_NAMES, names, strict=True)), convention


def test_detection_handles_prefixes_and_ue4_spines():
    names = ["mixamorig1:Hips", "mixamorig1:LeftUpLeg", "mixamorig1:LeftLeg", "Armature"]
    convention, mapping = bone_map.detect_bone_map(names)
    assert convention == "mixamo"
    assert mapping == {
        "pelvis": "mixamorig1:Hips", "left_hip": "mixamorig1:LeftUpLeg",
        "left_knee": "mixamorig1:LeftLeg",
    }  # fmt: skip
    ue4 = ["pelvis", "spine_01", "spine_02", "spine_03", "neck_01", "thigh_l"]
    _, mapping = bone_map.detect_bone_map(ue4)
    assert mapping["spine2"] == "spine_02" and mapping["spine3"] == "spine_03"
    assert bone_map.detect_bone_map(["Bone", "Bone.001"]) == ("", {})


def test_bone_map_presets_round_trip_and_reject_junk():
    mapping = {"pelvis": "Hips", "head": "Head"}
    assert bone_map.map_from_json(bone_map.map_to_json(mapping, "x")) == mapping
    with pytest.raises(ValueError, match="not a cliffmocap bone map"):
        bone_map.map_from_json(json.dumps({"bones": mapping}))
    bad = json.dumps({"format": bone_map.BONE_MAP_FORMAT, "bones": {"tail": "Tail"}})
    with pytest.raises(ValueError, match="unknown SMPL joints"):
        bone_map.map_from_json(bad)


def test_addon_primary_children_and_swing_equal_the_library():
    """The add-on cannot import the library: its copies must agree with the definitions."""
    from exporters.rigs.retarget import PRIMARY_CHILD, swing

    assert tuple(retarget_math.PRIMARY_CHILD) == PRIMARY_CHILD
    rng = np.random.default_rng(9)
    pairs = [*rng.normal(size=(20, 2, 3)), np.array([[0, 1.0, 0], [0, -2.0, 0]])]  # + opposite
    for a, b in pairs:
        mine = retarget_math.swing(a, b)
        assert np.allclose(mine @ (a / np.linalg.norm(a)), b / np.linalg.norm(b))
        assert np.allclose(mine, swing(a, b))


def test_pose_bases_point_mapped_bones_like_the_source():
    """Pure maths: a 3-bone chain with another rest pose follows a rotated source chain."""
    rng = np.random.default_rng(2)
    from scipy.spatial.transform import Rotation

    # target: root at origin, bone 1 along +x, bone 2 along +x again (rest matrices)
    rest = np.tile(np.eye(4), (3, 1, 1))
    rest[1][:3, 3] = [0.0, 0.0, 1.0]
    rest[2][:3, 3] = [0.5, 0.0, 1.0]
    parents = [-1, 0, 1]
    # source joints 0 (pelvis), 3 (spine1), 6 (spine2): PRIMARY_CHILD 0->3->6
    src_pos = np.zeros((24, 3))
    src_pos[3], src_pos[6], src_pos[9] = [0, 0, 0.2], [0, 0.3, 0.2], [0, 0.6, 0.2]
    bone_of_joint = {0: 0, 3: 1, 6: 2}
    align = retarget_math.rest_alignment(rest, bone_of_joint, src_pos)
    rot = Rotation.random(24, random_state=rng).as_matrix()
    bases = retarget_math.pose_bases(
        rest, parents, bone_of_joint, align, np.tile(np.eye(3), (24, 1, 1)), rot, np.ones(3)
    )
    pose = [rest[0] @ bases[0]]
    for b in (1, 2):
        pose.append(pose[parents[b]] @ np.linalg.inv(rest[parents[b]]) @ rest[b] @ bases[b])
    assert np.allclose(pose[0][:3, 3], 1.0)  # hips head where asked
    src_dir = rot[3] @ (src_pos[6] - src_pos[3])
    tgt_dir = pose[2][:3, 3] - pose[1][:3, 3]
    assert np.allclose(np.cross(src_dir, tgt_dir), 0.0, atol=1e-12) and src_dir @ tgt_dir > 0


@pytest.mark.blender
@pytest.mark.slow
@pytest.mark.parametrize("source_rig", ["smpl", "mixamo"])
def test_operator_retargets_onto_rigify_metarig(addon_zip, tmp_path, source_rig):
    """The imported person drives the metarig; with ``mixamo`` its bones carry --rig mixamo's
    names (renamed in Blender), so the source side is found by name too."""
    from exporters.rigs import PRESETS
    from mocap.smpl_joints import SMPL_JOINT_NAMES

    case = syn.make_case([(2, 10, 69), (3, 0, 79)], num_frames=80)
    glb = tmp_path / "capture.glb"
    syn.write_glb(case, syn.make_model(), glb)
    rename = {}
    if source_rig != "smpl":
        rename = dict(zip(SMPL_JOINT_NAMES, PRESETS[source_rig].bone_names, strict=True))
    spec = {
        "zip": str(addon_zip),
        "glb": str(glb),
        "source": "person_2",
        "frames": [10, 69],
        "fps": case.fps,
        "rename": rename,
    }
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    home = tmp_path / "home"
    home.mkdir()
    proc = subprocess.run(
        [sys.executable, str(HERE / "addon_retarget_probe.py"), str(tmp_path / "spec.json")],
        capture_output=True, text=True, timeout=BPY_TIMEOUT_S, cwd=tmp_path, check=False,
        env={"HOME": str(home), "PATH": "/usr/bin:/bin", "PYTHONNOUSERSITE": "1"},
    )  # fmt: skip
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    assert lines, proc.stderr[-3000:]
    r = json.loads(lines[-1][len("RESULT ") :])
    assert "fatal" not in r, r.get("fatal")
    assert r["convention"] == "rigify" and len(r["detected"]) == 24, r["detected"]
    assert r["reloaded"] == r["detected"]
    assert r["keyed"] and r["frames"] == 60 and len(r["pairs"]) >= 19
    assert r["max_dir_error_deg"] < METARIG_DIR_TOL_DEG, r
    assert r["key_range"] == [10.0, 69.0]  # no keys where the person is hidden
    assert r["hips_error_m"] < HIPS_TOL_M, r  # root motion: source pelvis x leg length ratio
