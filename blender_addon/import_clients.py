"""Import a cliffmocap ``.fbx`` or ``.bvh`` with Blender's own importers, video frame i at
Blender frame i (as the ``.glb`` and ``.npz`` imports place it).

What the files hold and what Blender 4.2-5.0 does with them:

* FBX: the take covers the whole video, video frame i keyed at time i / fps. The FBX importer
  adds **Animation Offset** (1 frame by default) and converts times with the integer
  ``scene.render.fps`` although it sets ``fps_base`` (a 29.97 fps file's frame i lands on
  i * 30 / 29.97). Imported here with offset 0 and the key times divided by ``fps_base``.
* BVH: no time stamps; BVH frame 0 is the video frame in the file name's ``_from<f>`` (per-span
  files), else the frame given by the operator (0 for files that cover the whole video). The BVH
  importer puts BVH frame 0 at its Start Frame, never below 1: imported at Start Frame
  ``max(1, f)``, then the keys are moved by ``f - max(1, f)``.
"""

import re
from pathlib import Path

import bpy
import numpy as np

from .errors import ImportFailed
from .track_selection import check_track_ids

#: Per-span BVH names written by the exporter: ``<stem>_person<id>_from<first video frame>``.
SPAN_NAME = re.compile(r"_person(\d+)_from(\d+)$")
PERSON_NAME = re.compile(r"_person(\d+)$")
#: The BVH writer's unit: centimetres.
BVH_SCALE = 0.01
#: Armatures of the glb/FBX scene: ``person_<id>`` (``.NNN`` when the name was taken).
ARMATURE_NAME = re.compile(r"person_(\d+)(\.\d{3,})?")


def _fcurves(action):
    """Every F-curve of ``action`` (Blender 4.4+ layered actions, or 4.2's ``action.fcurves``)."""
    if getattr(action, "layers", None):
        return [
            fc
            for layer in action.layers
            for strip in layer.strips
            for bag in strip.channelbags
            for fc in bag.fcurves
        ]
    return list(action.fcurves)


def retime_keys(action, scale: float = 1.0, offset: float = 0.0) -> None:
    """Move every key (and its handles) of ``action`` from frame x to ``x * scale + offset``."""
    for fc in _fcurves(action):
        points = fc.keyframe_points
        for prop in ("co", "handle_left", "handle_right"):
            co = np.zeros(2 * len(points), dtype=np.float32)
            points.foreach_get(prop, co)
            co[0::2] = co[0::2] * scale + offset
            points.foreach_set(prop, co)
        fc.update()


def _actions(objects) -> list:
    return [
        o.animation_data.action for o in objects if o.animation_data and o.animation_data.action
    ]


def _last_key(actions) -> int:
    ends = [fc.range()[1] for a in actions for fc in _fcurves(a)]
    return round(max(ends)) if ends else 0


def _remove_tree(obj) -> None:
    for child in list(obj.children_recursive):
        bpy.data.objects.remove(child)
    bpy.data.objects.remove(obj)


def _run(op, path: Path, **options) -> list:
    """Run an importer; the objects it created."""
    before = set(bpy.data.objects)
    try:
        result = op(filepath=str(path), **options)
    except RuntimeError as exc:
        raise ImportFailed(f"Blender's importer failed on '{path}': {exc}") from None
    if "FINISHED" not in result:
        raise ImportFailed(f"Blender's importer did not finish on '{path}': {sorted(result)}")
    return [o for o in bpy.data.objects if o not in before]


def import_fbx(context, path: Path, track_ids, with_camera: bool) -> str:
    """Import a cliffmocap FBX: frame i of the take at Blender frame i; the result line."""
    scene = context.scene
    new = _run(bpy.ops.import_scene.fbx, path, anim_offset=0.0)
    armatures = {}
    for obj in new:
        match = ARMATURE_NAME.fullmatch(obj.name)
        if obj.type == "ARMATURE" and match:
            armatures[int(match.group(1))] = obj
    if not armatures:  # not ours: leave what Blender imported, say why the frames are unchanged
        return f"{path.name}: no cliffmocap people (person_<id> armatures) found; imported as is"
    check_track_ids(track_ids, set(armatures), path.name)
    names = [o.name for o in new]  # removed objects cannot be asked for their name later
    for tid, obj in list(armatures.items()):
        if track_ids is not None and tid not in track_ids:
            _remove_tree(armatures.pop(tid))
        else:
            obj["cliffmocap_track_id"] = tid
    new = [bpy.data.objects[n] for n in names if n in bpy.data.objects]
    # The importer keyed time t at t * render.fps; the true rate is render.fps / fps_base.
    for action in _actions(new):
        retime_keys(action, scale=1.0 / scene.render.fps_base)
    cameras = [o for o in new if o.type == "CAMERA"]
    for cam in cameras:
        if with_camera:
            scene.camera = cam
        else:
            bpy.data.objects.remove(cam)
    scene.frame_start, scene.frame_end = 0, _last_key(_actions(armatures.values()))
    scene.frame_set(0)
    fps = scene.render.fps / scene.render.fps_base
    return (
        f"cliffmocap: {len(armatures)} people, {scene.frame_end + 1} frames at {fps:.6g} fps "
        f"(FBX, video frame i at frame i)"
    )


def bvh_first_frame(path: Path, given: int) -> tuple[int, bool]:
    """The video frame of the BVH's frame 0: ``given`` (>= 0), else the name's ``_from<f>``,
    else 0; and whether it was known (given or in the name)."""
    if given >= 0:
        return given, True
    match = SPAN_NAME.search(path.stem)
    return (int(match.group(2)), True) if match else (0, False)


def import_bvh(context, path: Path, track_ids=None, first_frame: int = -1) -> str:
    """Import a cliffmocap BVH: its frame 0 at Blender frame ``first`` (see
    :func:`bvh_first_frame`); the result line."""
    first, known = bvh_first_frame(path, first_frame)
    match = SPAN_NAME.search(path.stem) or PERSON_NAME.search(path.stem)
    if match:
        check_track_ids(track_ids, {int(match.group(1))}, path.name)
    start = max(1, first)
    new = _run(
        bpy.ops.import_anim.bvh, path, global_scale=BVH_SCALE, frame_start=start,
        rotate_mode="NATIVE", update_scene_fps=True, update_scene_duration=False,
    )  # fmt: skip
    arms = [o for o in new if o.type == "ARMATURE"]
    if first != start:
        for action in _actions(arms):
            retime_keys(action, offset=first - start)
    for obj in arms:
        if match:
            obj["cliffmocap_track_id"] = int(match.group(1))
        obj["cliffmocap_frame_start"] = first
    scene = context.scene
    scene.frame_start, scene.frame_end = first, max(first, _last_key(_actions(arms)))
    scene.frame_set(first)
    note = "" if known else "; its first video frame is unknown (set First Video Frame)"
    return (
        f"cliffmocap: BVH frames {scene.frame_start}-{scene.frame_end} are video frames "
        f"{scene.frame_start}-{scene.frame_end}{note}"
    )
