"""Runs inside a Python with bpy (one fresh interpreter per test file).

Usage: python addon_bpy_probe.py JOBS.json

Installs the built extension zip (HOME must be a throw-away directory), then for every job
resets the scene, runs ``bpy.ops.import_scene.cliffmocap`` and dumps what Blender shows:
scene timing, camera, armatures, per-frame bone head positions in world space and their
camera-view pixel coordinates. Arrays go to the job's ``dump`` .npz; one JSON line per process
goes to stdout (``RESULT {...}``). Comparisons happen in the test process.
"""

import json
import sys
import traceback

import bpy
import numpy as np
from bpy_extras.object_utils import world_to_camera_view

ADDON_ID = "cliffmocap"


def install(zip_path: str) -> str:
    bpy.ops.wm.read_factory_settings(use_empty=True)
    bpy.ops.extensions.package_install_files(
        filepath=zip_path, repo="user_default", enable_on_install=True
    )
    module = f"bl_ext.user_default.{ADDON_ID}"
    if module not in bpy.context.preferences.addons:
        raise RuntimeError(f"{module} not enabled after install")
    return module


def reset_scene() -> None:
    for coll in ("objects", "meshes", "armatures", "actions", "cameras", "movieclips"):
        data = getattr(bpy.data, coll)
        for block in list(data):
            data.remove(block)
    scene = bpy.context.scene
    scene.render.fps, scene.render.fps_base = 24, 1.0
    scene.frame_start, scene.frame_end = 1, 250


def posed_vertices(scene, arm, frames) -> np.ndarray:
    """(F, V, 3) world positions of the armature's skinned mesh (first mesh child)."""
    meshes = [c for c in arm.children if c.type == "MESH"]
    if not meshes:
        return np.zeros((0, 0, 3))
    out = []
    for frame in frames:
        scene.frame_set(frame)
        depsgraph = bpy.context.evaluated_depsgraph_get()
        evaluated = meshes[0].evaluated_get(depsgraph)
        mesh = evaluated.to_mesh()
        co = np.zeros(len(mesh.vertices) * 3)
        mesh.vertices.foreach_get("co", co)
        mw = np.array(evaluated.matrix_world)
        out.append(co.reshape(-1, 3) @ mw[:3, :3].T + mw[:3, 3])
        evaluated.to_mesh_clear()
    return np.array(out)


def measure(scene, dump: str, vertices: bool = True) -> dict:
    arms = sorted((o for o in scene.objects if o.type == "ARMATURE"), key=lambda o: o.name)
    cam = scene.camera
    frames = range(scene.frame_start, scene.frame_end + 1)
    info = {
        "fps": scene.render.fps,
        "fps_base": scene.render.fps_base,
        "frame_start": scene.frame_start,
        "frame_end": scene.frame_end,
        "resolution": [scene.render.resolution_x, scene.render.resolution_y],
        "pixel_aspect": [scene.render.pixel_aspect_x, scene.render.pixel_aspect_y],
        "armatures": [o.name for o in arms],
        "track_ids": [int(o.get("cliffmocap_track_id", -1)) for o in arms],
        "bones": [[b.name for b in o.data.bones] for o in arms],
        "meshes": sorted(o.name for o in scene.objects if o.type == "MESH" and o.parent in arms),
        "camera": cam.name if cam else None,
        "objects": len(bpy.data.objects),
    }
    if cam:
        bg = cam.data.background_images
        info["background"] = [
            {"source": b.source, "clip": b.clip.filepath if b.clip else None,
             "clip_frame_start": b.clip.frame_start if b.clip else None}
            for b in bg
        ]  # fmt: skip
        info["sensor_fit"] = cam.data.sensor_fit
    arrays = {}
    for i, arm in enumerate(arms):
        names = [b.name for b in arm.data.bones]
        heads = np.zeros((len(frames), len(names), 3))
        pixels = np.zeros((len(frames), len(names), 2))
        for fi, frame in enumerate(frames):
            scene.frame_set(frame)
            mw = arm.matrix_world
            for j, name in enumerate(names):
                world = mw @ arm.pose.bones[name].head
                heads[fi, j] = world
                if cam:
                    ndc = world_to_camera_view(scene, cam, world)
                    pixels[fi, j] = (
                        ndc.x * scene.render.resolution_x,
                        (1.0 - ndc.y) * scene.render.resolution_y,
                    )
        arrays[f"heads_{i}"] = heads
        arrays[f"pixels_{i}"] = pixels
        if vertices:
            arrays[f"verts_{i}"] = posed_vertices(scene, arm, frames)
    np.savez(dump, **arrays)
    return info


def run_job(module: str, job: dict) -> dict:
    reset_scene()
    prefs = bpy.context.preferences.addons[module].preferences
    prefs.smpl_model_path = job.get("smpl_pref", "")
    for key, value in job.get("prefs", {}).items():
        setattr(prefs, key, value)
    before = len(bpy.data.objects)
    out = {"name": job["name"], "objects_before": before}
    try:
        operator = getattr(bpy.ops.import_scene, job.get("operator", "cliffmocap"))
        out["result"] = sorted(operator(filepath=job["filepath"], **job.get("options", {})))
        out["error"] = None
    except RuntimeError as exc:  # Blender turns an ERROR report into RuntimeError for scripts
        out["result"], out["error"] = None, str(exc)
    out.update(measure(bpy.context.scene, job["dump"], job.get("vertices", True)))
    return out


def main() -> None:
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    result = {"jobs": []}
    try:
        module = install(spec["zip"])
        result["module"] = module
        result["operator"] = hasattr(bpy.ops.import_scene, "cliffmocap")
        for job in spec["jobs"]:
            result["jobs"].append(run_job(module, job))
    except Exception:
        result["fatal"] = traceback.format_exc()
    sys.stdout.write("RESULT " + json.dumps(result) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
