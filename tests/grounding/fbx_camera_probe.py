# pyright: reportAttributeAccessIssue=false
"""Run in its own process (needs bpy): import an FBX, project points through its video camera.

Usage: ``python fbx_camera_probe.py IN.json OUT.json``; IN holds ``fbx``, ``points`` (N, 3) in
Blender's world, ``width``, ``height``, ``fx``, ``fy``, ``cx``, ``cy``. OUT gets ``pixels`` (N, 2)
and ``has_camera``. Intrinsics are set as the add-on sets them; the pose is the file's.
"""

import json
import math
import sys
from pathlib import Path

import bpy
from bpy_extras.object_utils import world_to_camera_view
from mathutils import Vector


def main(src: str, dst: str) -> None:
    job = json.loads(Path(src).read_text())
    bpy.ops.wm.read_factory_settings(use_empty=True)
    bpy.ops.import_scene.fbx(filepath=job["fbx"])
    scene = bpy.context.scene
    cam = next((o for o in bpy.data.objects if o.type == "CAMERA"), None)
    out = {"has_camera": cam is not None, "pixels": []}
    if cam is not None:
        w, h = job["width"], job["height"]
        scene.render.resolution_x, scene.render.resolution_y = w, h
        scene.render.resolution_percentage = 100
        cam.data.sensor_fit = "VERTICAL"
        cam.data.angle_y = 2.0 * math.atan(h / (2.0 * job["fy"]))
        cam.data.shift_x = (w / 2 - job["cx"]) / h
        cam.data.shift_y = (job["cy"] - h / 2) / h
        scene.frame_set(0)
        bpy.context.view_layer.update()
        for p in job["points"]:
            v = world_to_camera_view(scene, cam, Vector(p))
            out["pixels"].append([v.x * w, (1.0 - v.y) * h])
    Path(dst).write_text(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
