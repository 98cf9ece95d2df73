"""Import rig-preset exports in Blender and measure them (run as ``python rig_blender_check.py``).

Each job: ``kind`` (glb, fbx, bvh), ``path``, ``expected`` (.npz from the test: ``names`` (24)
preset bone names in SMPL order, ``pos_<tid>`` (F, 24, 3) Blender world joints, ``parents``
(K,) preset parent names ("" for a top bone) of ``bones`` (K,), ``rest_dirs`` (24, 3) Blender
world rest directions of the posed arm/leg bones (NaN rows: not posed), ``fps``), ``axis`` (0 or
1: the bone's local axis that points at its child) and optional ``root_bone``. Reuses the
measurement of ``blender_check.py``. Prints ``RESULT <json list>``.
"""

from __future__ import annotations

import json
import sys

import bpy
import numpy as np
from blender_check import measure, set_import_fps

from exporters._fbx_blender import glb_scene_extras


def _angle_deg(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.degrees(np.arctan2(np.linalg.norm(np.cross(a, b)), np.dot(a, b))))


def import_file(job: dict) -> tuple[dict, float, int]:
    """Import ``job``'s file; return armatures by track id, frame scale and frame offset."""
    bpy.ops.wm.read_factory_settings(use_empty=True)
    scene = bpy.context.scene
    if job["kind"] == "glb":
        fps = glb_scene_extras(job["path"])["fps"]
        fps_int = set_import_fps(fps)
        bpy.ops.import_scene.gltf(filepath=job["path"])
        scene.render.fps_base = fps_int / fps
        scale, offset = 1.0, 0
    elif job["kind"] == "fbx":
        bpy.ops.import_scene.fbx(filepath=job["path"], anim_offset=0.0)
        scale, offset = scene.render.fps / job["fps"], 0  # see blender_check.check_fbx
    else:
        bpy.ops.import_anim.bvh(filepath=job["path"], global_scale=0.01, rotate_mode="NATIVE")
        scale, offset = 1.0, 1  # BVH frame i on scene frame 1 + i
    arms = [o for o in bpy.data.objects if o.type == "ARMATURE"]
    if job["kind"] == "bvh":
        return {job["tid"]: arms[0]}, scale, offset
    return {o.name.removeprefix("person_"): o for o in arms}, scale, offset


def rest_facts(arm, expected, axis: int) -> dict:
    """Names, parents, rest directions of the posed bones, local axis along the bone."""
    bones = arm.data.bones
    got = {b.name: (b.parent.name if b.parent else "") for b in bones}
    want = dict(zip(expected["bones"].tolist(), expected["parents"].tolist(), strict=True))
    mw = np.array(arm.matrix_world)[:3, :3]
    names = expected["names"].tolist()
    heads = np.array([mw @ np.array(bones[n].head_local) for n in names])
    worst_dir = 0.0
    for k, d in enumerate(expected["rest_dirs"]):
        if not np.isnan(d).any():
            child = int(expected["primary_child"][k])
            worst_dir = max(worst_dir, _angle_deg(heads[child] - heads[k], d))
    worst_axis = 0.0
    for k, name in enumerate(names):
        child = int(expected["primary_child"][k])
        if child >= 0:
            local = mw @ np.array(bones[name].matrix_local)[:3, axis]
            worst_axis = max(worst_axis, _angle_deg(local, heads[child] - heads[k]))
    return {
        "names_match": sorted(got) == sorted(want),
        "parents_match": got == want,
        "missing": sorted(set(want) - set(got)),
        "rest_dir_error_deg": worst_dir,
        "bone_axis_error_deg": worst_axis,
    }


def root_height(arm, root: str, frames: int, scale: float, offset: int) -> float:
    """Max |height| of the root bone over the clip (Blender z; 0 = the floor plane y = 0)."""
    scene = bpy.context.scene
    worst = 0.0
    mw = np.array(arm.matrix_world)
    for f in range(frames):
        at = f * scale + offset
        scene.frame_set(int(np.floor(at)), subframe=float(at - np.floor(at)))
        head = mw[:3, :3] @ np.array(arm.pose.bones[root].head) + mw[:3, 3]
        worst = max(worst, abs(float(head[2])))
    return worst


def main() -> None:
    with open(sys.argv[1]) as f:
        jobs = json.load(f)
    results = []
    for job in jobs:
        expected = np.load(job["expected"], allow_pickle=False)
        arms, scale, offset = import_file(job)
        out = measure(arms, expected, expected["names"].tolist(), offset, scale)
        out["armatures"] = sorted(arms)
        first = next(iter(arms.values()))
        if job.get("rest", True):
            out.update(rest_facts(first, expected, job["axis"]))
        if job.get("root_bone"):
            num = next(expected[k].shape[0] for k in expected.files if k.startswith("pos_"))
            out["root_height_m"] = root_height(first, job["root_bone"], num, scale, offset)
        results.append(out)
    print("RESULT " + json.dumps(results), flush=True)


if __name__ == "__main__":
    main()
