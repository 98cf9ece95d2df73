"""Import a cliffmocap ``.glb`` with Blender's glTF importer and finish the scene around it.

The importer keys frames at t·fps·fps_base using the scene settings at import time and reads
no frame rate from the file, so the extras are read first and the scene timing is set before
calling it (docs/exporters_spec.md §2.7, NTSC workaround included).
"""

import re
from pathlib import Path

import bpy

from .errors import ImportFailed
from .glb_extras import cliffmocap_extras, read_glb_json
from .scene_setup import set_gltf_import_fps, set_playback_fps
from .track_selection import check_track_ids


def _named(objects, name: str):
    """The object called ``name`` or ``name.NNN`` (Blender's suffix for a clash), or None."""
    pattern = re.compile(re.escape(name) + r"(\.\d{3,})?")
    for obj in objects:
        if pattern.fullmatch(obj.name):
            return obj
    return None


def _remove_tree(obj) -> None:
    for child in list(obj.children_recursive):
        bpy.data.objects.remove(child)
    bpy.data.objects.remove(obj)


def import_glb(context, path: Path, track_ids) -> tuple[dict, list, object]:
    """Run the glTF import.

    Args:
        context: the operator context.
        path: the .glb file.
        track_ids: a set of ids to keep, or None for everyone.

    Returns:
        The cliffmocap extras, the kept armature objects and the imported camera object (or None).

    Raises:
        ImportFailed: not a cliffmocap glb, unknown track ids, or the glTF importer failed.
    """
    extras = cliffmocap_extras(read_glb_json(path), path)
    people = extras["people"]
    known = {int(p["track_id"]) for p in people}
    check_track_ids(track_ids, known, path.name)
    scene = context.scene
    fps = float(extras["fps"])
    before = set(bpy.data.objects)
    set_gltf_import_fps(scene, fps)
    try:
        bpy.ops.import_scene.gltf(
            filepath=str(path), guess_original_bind_pose=True, bone_heuristic="BLENDER"
        )
    except RuntimeError as exc:
        raise ImportFailed(f"Blender's glTF importer failed on '{path}': {exc}") from None
    finally:
        set_playback_fps(scene, fps)
    new = [o for o in bpy.data.objects if o not in before]
    new_armatures = [o for o in new if o.type == "ARMATURE"]
    cameras = [o for o in new if o.type == "CAMERA"]
    armatures, unwanted = [], []
    for person in people:
        obj = _named(new_armatures, str(person["node"]))
        if obj is None:
            continue
        if track_ids is not None and int(person["track_id"]) not in track_ids:
            unwanted.append(obj)
            continue
        obj["cliffmocap_track_id"] = int(person["track_id"])
        obj["cliffmocap_frame_start"] = int(person["frame_start"])
        obj["cliffmocap_frame_end"] = int(person["frame_end"])
        armatures.append(obj)
    for obj in unwanted:  # after the name matching: removed objects must not be touched again
        _remove_tree(obj)
    return extras, armatures, (cameras[0] if cameras else None)
