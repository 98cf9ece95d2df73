"""Render the README picture of a capture retargeted onto Rigify's human metarig (headless bpy).

Usage: PYTHONPATH=. python scripts/render_rigify_retarget.py [--input samples/demo.glb]
                                         [--out docs/images/rigify_retarget.png]

Registers the add-on from ``blender_addon/``, imports the sample capture with File > Import >
cliffmocap, adds Blender's own Rigify human metarig, detects the bone map and runs the add-on's
Retarget operator exactly as the panel does, then moves the source person aside. The metarig has
no mesh, so every mapped bone gets a plain capsule (bone-parented) to make the character
visible; one Workbench frame is rendered through the video camera, the source person in blue
beside the retargeted metarig in orange.
"""

import sys
from pathlib import Path

import numpy as np

from scripts.blender_still import REPO, render_still, run_cli

SOURCE_PERSON = "person_1"  # walks left to right across the whole sample clip
RENDER_FRAME = 70
SOURCE_SHIFT_M = (-0.8, 0.0, 0.0)  # source moved aside after the bake (Blender world, metres)
CAPSULE_RADIUS_M = 0.05
CAPSULE_SIDES = 12
SOURCE_RGBA = (0.25, 0.55, 0.85, 1.0)
METARIG_RGBA = (0.9, 0.5, 0.2, 1.0)


def capsule(bpy, name: str, length: float):
    """A closed cylinder mesh along +Y from 0 to ``length`` (metres)."""
    ang = np.linspace(0.0, 2.0 * np.pi, CAPSULE_SIDES, endpoint=False)
    ring = np.stack([CAPSULE_RADIUS_M * np.cos(ang), np.zeros_like(ang),
                     CAPSULE_RADIUS_M * np.sin(ang)], axis=1)  # fmt: skip
    verts = np.concatenate([ring, ring + np.array([0.0, length, 0.0])]).tolist()
    n = CAPSULE_SIDES
    faces = [(i, (i + 1) % n, n + (i + 1) % n, n + i) for i in range(n)]
    faces += [tuple(range(n - 1, -1, -1)), tuple(range(n, 2 * n))]
    mesh = bpy.data.meshes.new(name)
    mesh.from_pydata(verts, [], faces)
    return mesh


def dress(bpy, arm, bones) -> None:
    """Give each of ``bones`` a capsule that follows it (bone parenting)."""
    for name in bones:
        bone = arm.data.bones[name]
        obj = bpy.data.objects.new(f"capsule_{name}", capsule(bpy, name, bone.length))
        bpy.context.scene.collection.objects.link(obj)
        obj.parent, obj.parent_type, obj.parent_bone = arm, "BONE", name
        obj.location = (0.0, -bone.length, 0.0)  # bone-parented objects start at the tail
        obj.color = METARIG_RGBA


def render(result: Path, out: Path) -> None:
    import bpy

    import blender_addon

    addon_utils = sys.modules["addon_utils"]  # Blender's own module, loaded with bpy

    bpy.ops.wm.read_factory_settings(use_empty=True)
    blender_addon.register()
    try:
        if bpy.ops.import_scene.cliffmocap(filepath=str(result)) != {"FINISHED"}:
            raise RuntimeError(f"importing {result} did not finish")
        scene = bpy.context.scene
        source = bpy.data.objects[SOURCE_PERSON]
        for obj in scene.objects:
            if obj.type == "MESH":
                obj.color = SOURCE_RGBA if obj.parent == source else (0.5, 0.5, 0.5, 0.0)
                obj.hide_render = obj.parent != source
        addon_utils.enable("rigify")
        bpy.ops.object.select_all(action="DESELECT")
        bpy.ops.object.armature_human_metarig_add()
        metarig = bpy.context.object
        settings = scene.cliffmocap_retarget
        settings.source, settings.target = source, metarig
        bpy.ops.cliffmocap.detect_bone_map()
        if bpy.ops.cliffmocap.retarget() != {"FINISHED"}:
            raise RuntimeError("retargeting did not finish")
        # The bake keeps root motion, so both walk the same path: shift the source aside.
        source.location = SOURCE_SHIFT_M
        mapped = {i.bone for i in settings.bone_map if i.bone} | {"spine.005", "palm.02.L",
                                                                 "palm.02.R"}  # fmt: skip
        dress(bpy, metarig, sorted(mapped))
        render_still(bpy, scene, out, RENDER_FRAME)
    finally:
        blender_addon.unregister()


def main() -> int:
    return run_cli(__doc__ or "", render, REPO / "docs" / "images" / "rigify_retarget.png")


if __name__ == "__main__":
    sys.exit(main())
