# pyright: reportAttributeAccessIssue=false
# (bpy ships no type stubs; this module runs inside Blender)
"""Blender side of the FBX writer: glb in, FBX out (run in its own process; needs ``bpy``).

Usage: ``python _fbx_blender.py SCENE.glb OUT.fbx``. Standalone on purpose (imports only bpy and
the standard library) so the main process never imports bpy. Steps (docs/exporters_spec.md §5):
fps from the glb's ``scenes[0].extras`` set before the glTF import (with the NTSC workaround),
import without custom bone shapes, frame range = the video's frames, export with baked
animation, no leaf bones and one scene-range take.
"""

from __future__ import annotations

import json
import struct
import sys

import bpy

GLB_HEADER_BYTES = 12
CHUNK_HEADER_BYTES = 8


def glb_scene_extras(path: str) -> dict:
    """``scenes[0].extras`` of a .glb (read from its JSON chunk)."""
    with open(path, "rb") as f:
        f.read(GLB_HEADER_BYTES)
        (json_len,) = struct.unpack("<I", f.read(4))
        f.read(4)  # chunk type "JSON"
        doc = json.loads(f.read(json_len))
    return doc["scenes"][0].get("extras", {})


def convert(glb: str, fbx: str) -> None:
    extras = glb_scene_extras(glb)
    fps = float(extras["fps"])
    fps_int = max(1, round(fps))
    bpy.ops.wm.read_factory_settings(use_empty=True)
    scene = bpy.context.scene
    # The glTF importer keys at t * fps * fps_base, so import with the product = the true rate,
    # then store the rate Blender's way (fps / fps_base), which the FBX exporter uses.
    scene.render.fps = fps_int
    scene.render.fps_base = fps / fps_int
    result = bpy.ops.import_scene.gltf(filepath=glb, disable_bone_shape=True)
    if "FINISHED" not in result:
        raise RuntimeError(f"glTF import of {glb} returned {result}")
    scene.render.fps_base = fps_int / fps
    scene.frame_start = 0
    scene.frame_end = max(0, int(extras["num_frames"]) - 1)
    result = bpy.ops.export_scene.fbx(
        filepath=fbx,
        object_types={"ARMATURE", "MESH", "CAMERA", "EMPTY"},
        add_leaf_bones=False,
        bake_anim=True,
        bake_anim_use_all_bones=True,
        bake_anim_use_nla_strips=False,
        bake_anim_use_all_actions=False,
        bake_anim_force_startend_keying=True,
        bake_anim_step=1.0,
        bake_anim_simplify_factor=0.0,
        axis_forward="-Z",
        axis_up="Y",
        apply_unit_scale=True,
        apply_scale_options="FBX_SCALE_NONE",
        primary_bone_axis="Y",
        secondary_bone_axis="X",
        armature_nodetype="NULL",
        mesh_smooth_type="OFF",
    )
    if "FINISHED" not in result:
        raise RuntimeError(f"FBX export to {fbx} returned {result}")


if __name__ == "__main__":
    convert(sys.argv[1], sys.argv[2])
