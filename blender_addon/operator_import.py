"""File > Import > cliffmocap (.glb/.npz): people, frame rate, frame range, video camera."""

import logging
from pathlib import Path

import bpy
from bpy.props import BoolProperty, StringProperty
from bpy_extras.io_utils import ImportHelper

from . import scene_setup
from .build_people import build_person
from .errors import ImportFailed
from .import_glb import import_glb
from .motion_npz import load_motion_npz
from .preferences import smpl_model_path
from .smpl_model import load_smpl_model
from .track_selection import check_track_ids, parse_track_ids

log = logging.getLogger(__name__)

# Datablock collections whose new members are removed when an import fails half-way.
_DATA_COLLECTIONS = (
    "objects",
    "meshes",
    "armatures",
    "actions",
    "cameras",
    "movieclips",
    "materials",
)


# Scene settings the import changes; restored when it fails.
_SCENE_SETTINGS = (
    ("render", "fps"), ("render", "fps_base"), ("render", "resolution_x"),
    ("render", "resolution_y"), ("render", "pixel_aspect_x"), ("render", "pixel_aspect_y"),
    (None, "frame_start"), (None, "frame_end"), (None, "frame_current"),
)  # fmt: skip


def _owner(scene, part):
    return scene.render if part == "render" else scene


def _snapshot(scene) -> dict:
    before = {name: set(getattr(bpy.data, name)) for name in _DATA_COLLECTIONS}
    before["scene"] = {(p, a): getattr(_owner(scene, p), a) for p, a in _SCENE_SETTINGS}
    before["camera"] = scene.camera
    return before


def _restore(scene, before: dict) -> None:
    """Undo a half-finished import: delete every datablock created since ``before`` and put
    the scene settings back."""
    for name in _DATA_COLLECTIONS:
        coll = getattr(bpy.data, name)
        for block in [b for b in coll if b not in before[name]]:
            coll.remove(block)
    for (part, attr), value in before["scene"].items():
        setattr(_owner(scene, part), attr, value)
    scene.camera = before["camera"]


class IMPORT_SCENE_OT_cliffmocap(bpy.types.Operator, ImportHelper):
    """Import a cliffmocap result: one animated SMPL character per person and the video camera"""

    bl_idname = "import_scene.cliffmocap"
    bl_label = "Import cliffmocap"
    bl_options = {"REGISTER", "UNDO"}  # noqa: RUF012 (Blender reads a set)

    filename_ext = ".glb"
    filter_glob: StringProperty(default="*.glb;*.npz", options={"HIDDEN"})

    track_ids: StringProperty(
        name="Track IDs",
        description="Only import these people (comma-separated track ids); empty imports everyone",
        default="",
    )
    import_camera: BoolProperty(
        name="Video Camera",
        description="Create the camera of the video (intrinsics, resolution) and make it active",
        default=True,
    )
    video_background: BoolProperty(
        name="Video as Background",
        description="Show the source video behind the camera view when it is found",
        default=True,
    )
    smpl_model: StringProperty(
        name="SMPL Model",
        description="SMPL model for .npz results; empty uses the add-on preference",
        subtype="FILE_PATH",
        default="",
    )

    def execute(self, context):
        before = _snapshot(context.scene)
        try:
            message = self._import(context, Path(bpy.path.abspath(self.filepath)))
        except ImportFailed as exc:
            _restore(context.scene, before)
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        except Exception as exc:  # a bug: keep Blender usable, keep the traceback in the log
            log.exception("cliffmocap import failed")
            _restore(context.scene, before)
            self.report(
                {"ERROR"}, f"cliffmocap import failed unexpectedly ({exc!r}); see the console"
            )
            return {"CANCELLED"}
        self.report({"INFO"}, message)
        return {"FINISHED"}

    def _import(self, context, path: Path) -> str:
        if not path.is_file():
            raise ImportFailed(f"file not found: '{path}'")
        wanted = parse_track_ids(self.track_ids)
        suffix = path.suffix.lower()
        scene = context.scene
        if suffix == ".glb":
            extras, armatures, camera = import_glb(context, path, wanted)
            size = (int(extras["image_width"]), int(extras["image_height"]))
            intr = tuple(float(extras[k]) for k in ("fx", "fy", "cx", "cy"))
            num_frames, fps = int(extras["num_frames"]), float(extras["fps"])
            video_path = str(extras.get("video_path") or "")
        elif suffix == ".npz":
            motion = load_motion_npz(path)
            people = motion.people
            if wanted is not None:
                check_track_ids(wanted, {p.track_id for p in people}, path.name)
                people = [p for p in people if p.track_id in wanted]
            model = load_smpl_model(bpy.path.abspath(self.smpl_model or smpl_model_path(context)))
            num_frames, fps = motion.num_frames, motion.fps
            scene_setup.set_playback_fps(scene, fps)
            armatures = [
                build_person(context, scene.collection, p, model, num_frames) for p in people
            ]
            size = (motion.width, motion.height)
            intr = (motion.fx, motion.fy, motion.cx, motion.cy)
            video_path, camera = motion.video_path, None
        else:
            raise ImportFailed(f"unsupported file '{path.name}': choose a cliffmocap .glb or .npz")

        scene_setup.set_frame_range(scene, num_frames)
        note = ""
        if self.import_camera:
            camera = scene_setup.setup_camera(scene, *size, *intr, camera_object=camera)
            video = scene_setup.find_video(video_path, path) if self.video_background else None
            if video is not None:
                clip = scene_setup.attach_video_background(camera, video)
                note = f", video '{video.name}'" if clip else f", video '{video.name}' unreadable"
        elif camera is not None:
            bpy.data.objects.remove(camera)
        return f"cliffmocap: {len(armatures)} people, {num_frames} frames at {fps:.6g} fps{note}"


def menu_import(self, context):
    self.layout.operator(IMPORT_SCENE_OT_cliffmocap.bl_idname, text="cliffmocap (.glb/.npz)")
