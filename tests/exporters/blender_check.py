"""Import exporter outputs in Blender (bpy) and measure them against numpy expectations.

Run as ``python blender_check.py jobs.json`` in a fresh interpreter (bpy is one scene per process).
Every job names a file, its kind (``glb``, ``bvh``, ``fbx``) and an ``.npz`` of expectations:
``names`` (24 joint names) and per person ``pos_<track_id>`` (F, 24, 3) Blender world positions
(z up, metres; NaN rows = frames where the person must be hidden). ``glb`` jobs may add
``cam_points`` (N, 3) Blender world points with ``cam_pixels`` (N, 2) expected OpenCV pixels.
Prints one line ``RESULT <json list>`` with one measurement dict per job.
"""

from __future__ import annotations

import json
import sys

import bpy
import numpy as np
from bpy_extras.object_utils import world_to_camera_view

from exporters._fbx_blender import glb_scene_extras


def set_import_fps(fps: float) -> int:
    """NTSC workaround (§2.7): the glTF importer keys at t * fps * fps_base."""
    scene = bpy.context.scene
    fps_int = round(fps)
    scene.render.fps = fps_int
    scene.render.fps_base = fps / fps_int
    return fps_int


def measure(
    armatures: dict,
    expected: np.lib.npyio.NpzFile,
    names: list[str],
    frame_offset: int,
    frame_scale: float = 1.0,
) -> dict:
    """Max joint error on visible frames, max joint spread on hidden ones.

    Expected frame f is sampled at Blender frame ``f * frame_scale + frame_offset``.
    """
    scene = bpy.context.scene
    worst, spread, where = 0.0, 0.0, None
    num = None
    for key in expected.files:
        if key.startswith("pos_"):
            num = expected[key].shape[0]
    per_person = {}
    for tid, arm in armatures.items():
        exp = expected[f"pos_{tid}"]
        per_person[tid] = (arm, exp, [arm.pose.bones[n] for n in names])
    for f in range(num):
        at = f * frame_scale + frame_offset
        scene.frame_set(int(np.floor(at)), subframe=float(at - np.floor(at)))
        for arm, exp, bones in per_person.values():
            mw = np.array(arm.matrix_world)
            heads = np.array([list(b.head) for b in bones])
            world = heads @ mw[:3, :3].T + mw[:3, 3]
            if np.isnan(exp[f]).any():
                spread = max(spread, float(np.abs(world - world.mean(axis=0)).max()))
            else:
                err = np.abs(world - exp[f]).max(axis=1)
                if err.max() > worst:
                    worst, where = float(err.max()), [f, names[int(err.argmax())]]
    return {"max_joint_error_m": worst, "worst_at": where, "hidden_spread_m": spread}


def measure_mesh(tids: list[str], expected, frame_scale: float = 1.0) -> float:
    """Max vertex error of the evaluated ``person_<id>_body`` meshes on visible frames."""
    scene = bpy.context.scene
    worst = 0.0
    for tid in tids:
        obj = bpy.data.objects[f"person_{tid}_body"]
        exp = expected[f"verts_{tid}"]
        for i, f in enumerate(expected[f"vframes_{tid}"]):
            at = f * frame_scale
            scene.frame_set(int(np.floor(at)), subframe=float(at - np.floor(at)))
            depsgraph = bpy.context.evaluated_depsgraph_get()
            ev = obj.evaluated_get(depsgraph)
            mesh = ev.to_mesh()
            co = np.empty(len(mesh.vertices) * 3)
            mesh.vertices.foreach_get("co", co)
            mw = np.array(ev.matrix_world)
            world = co.reshape(-1, 3) @ mw[:3, :3].T + mw[:3, 3]
            ev.to_mesh_clear()
            if world.shape != exp[i].shape:
                return float("inf")
            worst = max(worst, float(np.abs(world - exp[i]).max()))
    return worst


def armature_info(tids: list[str]) -> tuple[dict, dict]:
    arms = {o.name: o for o in bpy.data.objects if o.type == "ARMATURE"}
    info = {
        "armatures": sorted(arms),
        "bones": {n: len(o.data.bones) for n, o in arms.items()},
        "has_action": {
            n: bool(o.animation_data and o.animation_data.action) for n, o in arms.items()
        },
    }
    return {t: arms[f"person_{t}"] for t in tids if f"person_{t}" in arms}, info


def check_glb(job: dict, expected) -> dict:
    bpy.ops.wm.read_factory_settings(use_empty=True)
    extras = glb_scene_extras(job["path"])
    fps = extras["fps"]
    fps_int = set_import_fps(fps)
    bpy.ops.import_scene.gltf(filepath=job["path"], **job.get("options", {}))
    scene = bpy.context.scene
    scene.render.fps_base = fps_int / fps
    tids = [k[4:] for k in expected.files if k.startswith("pos_")]
    arms, out = armature_info(tids)
    names = list(expected["names"])
    out.update(measure(arms, expected, names, 0))
    out["scene_fps"] = scene.render.fps / scene.render.fps_base
    if any(k.startswith("verts_") for k in expected.files):
        out["max_vertex_error_m"] = measure_mesh(tids, expected)
    cam = bpy.data.objects.get("video_camera")
    out["has_camera"] = cam is not None and cam.type == "CAMERA"
    if cam is not None and "cam_points" in expected.files:
        w, h = extras["image_width"], extras["image_height"]
        scene.render.resolution_x, scene.render.resolution_y = w, h
        scene.render.resolution_percentage = 100
        cam.data.sensor_fit = "VERTICAL"
        cam.data.shift_x = (w / 2 - extras["cx"]) / h
        cam.data.shift_y = (extras["cy"] - h / 2) / h
        bpy.context.view_layer.update()
        from mathutils import Vector

        px = []
        for p in expected["cam_points"]:
            v = world_to_camera_view(scene, cam, Vector([float(c) for c in p]))
            px.append([v.x * w, (1.0 - v.y) * h])
        out["max_pixel_error"] = float(np.abs(np.array(px) - expected["cam_pixels"]).max())
    return out


def check_bvh(job: dict, expected) -> dict:
    bpy.ops.wm.read_factory_settings(use_empty=True)
    bpy.ops.import_anim.bvh(
        filepath=job["path"],
        global_scale=job.get("scale", 0.01),
        rotate_mode=job.get("rotate_mode", "NATIVE"),
        update_scene_fps=True,
        update_scene_duration=True,
    )
    scene = bpy.context.scene
    arm = next(o for o in bpy.data.objects if o.type == "ARMATURE")
    tid = next(k[4:] for k in expected.files if k.startswith("pos_"))
    out = {
        "armatures": [arm.name],
        "bones": {arm.name: len(arm.data.bones)},
        "has_action": {arm.name: bool(arm.animation_data and arm.animation_data.action)},
        "scene_fps": scene.render.fps / scene.render.fps_base,
    }
    # Blender's BVH importer puts BVH frame i on scene frame 1 + i (frame_start is clamped to >= 1).
    out.update(measure({tid: arm}, expected, list(expected["names"]), 1))
    return out


def check_fbx(job: dict, expected) -> dict:
    bpy.ops.wm.read_factory_settings(use_empty=True)
    bpy.ops.import_scene.fbx(filepath=job["path"], anim_offset=0.0)
    scene = bpy.context.scene
    tids = [k[4:] for k in expected.files if k.startswith("pos_")]
    arms, out = armature_info(tids)
    out["scene_fps"] = scene.render.fps / scene.render.fps_base
    out["meshes"] = sorted(o.name for o in bpy.data.objects if o.type == "MESH")
    # Blender 5.0.1's FBX importer converts key times with the integer scene.render.fps (it
    # ignores fps_base), so an NTSC file's frame i lands on Blender frame i * 30 / 29.97.
    frame_scale = scene.render.fps / job["fps"]
    out.update(measure(arms, expected, list(expected["names"]), 0, frame_scale))
    if any(k.startswith("verts_") for k in expected.files):
        out["max_vertex_error_m"] = measure_mesh(tids, expected, frame_scale)
    return out


def main() -> None:
    with open(sys.argv[1]) as f:
        jobs = json.load(f)
    results = []
    for job in jobs:
        expected = np.load(job["expected"], allow_pickle=False)
        check = {"glb": check_glb, "bvh": check_bvh, "fbx": check_fbx}[job["kind"]]
        results.append(check(job, expected))
    print("RESULT " + json.dumps(results), flush=True)


if __name__ == "__main__":
    main()
