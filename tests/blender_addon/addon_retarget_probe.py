"""Runs inside a Python with bpy: the add-on's retarget operator onto Blender's Rigify metarig.

Usage: python addon_retarget_probe.py SPEC.json with ``zip`` (the built extension), ``glb`` (a
cliffmocap .glb, SMPL skeleton) and ``source`` (the person node, e.g. ``person_2``). Installs
the extension, imports the .glb, adds Rigify's human metarig, detects the bone map, saves and
reloads it as a preset, retargets, then measures over every keyed frame the angle between each
mapped SMPL bone (joint -> child joint) and the metarig bone pair it drives. Prints one
``RESULT {...}`` line.
"""

import json
import sys
import traceback

import bpy
import numpy as np
from addon_bpy_probe import install

SMPL_NAMES = (
    "pelvis", "left_hip", "right_hip", "spine1", "left_knee", "right_knee", "spine2",
    "left_ankle", "right_ankle", "spine3", "left_foot", "right_foot", "neck", "left_collar",
    "right_collar", "head", "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
    "left_wrist", "right_wrist", "left_hand", "right_hand",
)  # fmt: skip
PRIMARY_CHILD = (
    3, 4, 5, 6, 7, 8, 9, 10, 11, 12, -1, -1, 15, 16, 17, -1, 18, 19, 20, 21, 22, 23, -1, -1,
)  # fmt: skip


def _angle_deg(a, b) -> float:
    return float(np.degrees(np.arctan2(np.linalg.norm(np.cross(a, b)), np.dot(a, b))))


def world_heads(arm, names) -> np.ndarray:
    mw = np.array(arm.matrix_world)
    return np.array([mw[:3, :3] @ np.array(arm.pose.bones[n].head) + mw[:3, 3] for n in names])


def leg(arm, names) -> float:
    """Rest length hip -> knee -> ankle of ``arm`` (world metres)."""
    mw = np.array(arm.matrix_world)
    p = [mw[:3, :3] @ np.array(arm.data.bones[n].head_local) for n in names]
    return float(np.linalg.norm(p[1] - p[0]) + np.linalg.norm(p[2] - p[1]))


def run(spec: dict) -> dict:
    install(spec["zip"])
    scene = bpy.context.scene
    # the glTF importer keys at t * fps * fps_base: with the file's rate, key i is video frame i
    scene.render.fps, scene.render.fps_base = round(spec["fps"]), spec["fps"] / round(spec["fps"])
    bpy.ops.import_scene.gltf(filepath=spec["glb"])
    source = bpy.data.objects[spec["source"]]
    src_names = list(SMPL_NAMES)
    for old, new in spec.get("rename", {}).items():  # a source on another rig's names
        source.data.bones[old].name = new
        src_names[SMPL_NAMES.index(old)] = new
    import addon_utils  # a module of Blender's own scripts: importable once bpy is

    addon_utils.enable("rigify")
    bpy.ops.object.select_all(action="DESELECT")
    bpy.ops.object.armature_human_metarig_add()
    target = bpy.context.object
    settings = scene.cliffmocap_retarget
    settings.source, settings.target = source, target
    bpy.ops.cliffmocap.detect_bone_map()
    detected = {i.joint: i.bone for i in settings.bone_map if i.bone}
    settings.preset_name = "metarig_test"
    bpy.ops.cliffmocap.save_bone_map()
    for item in settings.bone_map:
        item.bone = ""
    bpy.ops.cliffmocap.load_bone_map(preset="metarig_test")
    reloaded = {i.joint: i.bone for i in settings.bone_map if i.bone}
    assert bpy.ops.cliffmocap.retarget() == {"FINISHED"}
    joints = [i.joint for i in settings.bone_map]
    pairs = [
        (j, PRIMARY_CHILD[j]) for j in range(24)
        if joints[j] in detected and PRIMARY_CHILD[j] >= 0 and joints[PRIMARY_CHILD[j]] in detected
    ]  # fmt: skip
    start, end = spec["frames"]
    scale = leg(target, [detected[n] for n in ("left_hip", "left_knee", "left_ankle")]) / leg(
        source, [src_names[j] for j in (1, 4, 7)]
    )
    errors, hips_err = [], 0.0
    tgt_names = [detected.get(n, "") for n in joints]
    for f in range(start, end + 1):
        scene.frame_set(f)
        src = world_heads(source, src_names)
        if np.linalg.norm(src[3] - src[0]) < 0.01:  # hidden (scale 0): nothing to compare
            raise RuntimeError(f"source person hidden on measured frame {f}")
        tgt = world_heads(target, [n or tgt_names[0] for n in tgt_names])
        errors.append([_angle_deg(src[c] - src[j], tgt[c] - tgt[j]) for j, c in pairs])
        hips_err = max(hips_err, float(np.abs(tgt[0] - scale * src[0]).max()))
    errors = np.array(errors)
    action = target.animation_data.action if target.animation_data else None
    return {
        "convention": settings.convention,
        "detected": detected,
        "reloaded": reloaded,
        "pairs": [[joints[j], joints[c]] for j, c in pairs],
        "max_dir_error_deg": float(errors.max()),
        "mean_dir_error_deg": float(errors.mean()),
        "frames": len(errors),
        "keyed": bool(action),
        "key_range": list(action.frame_range) if action else None,
        "hips_error_m": hips_err,
    }


def main() -> None:
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    try:
        out = run(spec)
    except Exception:
        out = {"fatal": traceback.format_exc()}
    print("RESULT " + json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
