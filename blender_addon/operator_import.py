"""File > Import > cliffmocap (.glb/.npz/.fbx/.bvh): people, frame rate, frame range, video camera.

Every path puts video frame i at Blender frame i (.fbx/.bvh through Blender's importers with the
options and corrections of :mod:`.import_clients`)."""

import logging
from pathlib import Path
from typing import NamedTuple

import bpy
from bpy.props import BoolProperty, IntProperty, StringProperty
from bpy_extras.io_utils import ImportHelper

from . import import_clients, scene_setup
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
    filter_glob: StringProperty(default="*.glb;*.npz;*.fbx;*.bvh", options={"HIDDEN"})

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
    first_frame: IntProperty(
        name="First Video Frame",
        description="BVH only: the video frame of the file's first frame; -1 reads it from the "
        "name (<stem>_person<id>_from<frame>.bvh), else 0",
        default=-1,
        min=-1,
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
        if suffix == ".fbx":
            return import_clients.import_fbx(context, path, wanted, self.import_camera)
        if suffix == ".bvh":
            return import_clients.import_bvh(context, path, wanted, self.first_frame)
        if suffix == ".glb":
            loaded = self._import_glb(context, path, wanted)
        elif suffix == ".npz":
            loaded = self._import_npz(context, path, wanted)
        else:
            raise ImportFailed(
                f"unsupported file '{path.name}': choose a cliffmocap .glb, .npz, .fbx or .bvh"
            )

        scene = context.scene
        scene_setup.set_frame_range(scene, loaded.num_frames)
        camera, note = loaded.camera, ""
        if self.import_camera:
            camera = scene_setup.setup_camera(
                scene, *loaded.size, *loaded.intrinsics, camera_object=camera,
                collection=context.collection, pose_yup=loaded.camera_pose,
            )  # fmt: skip
            video = (
                scene_setup.find_video(loaded.video_path, path) if self.video_background else None
            )
            if video is not None:
                clip = scene_setup.attach_video_background(camera, video)
                note = f", video '{video.name}'" if clip else f", video '{video.name}' unreadable"
            elif self.video_background:
                note = ", video not found (put it next to the file for a camera background)"
        elif camera is not None:
            bpy.data.objects.remove(camera)
        return (
            f"cliffmocap: {loaded.people} people, {loaded.num_frames} frames at "
            f"{loaded.fps:.6g} fps{note}"
        )

    def _import_glb(self, context, path: Path, wanted) -> "_Loaded":
        extras, armatures, camera = import_glb(context, path, wanted)
        return _Loaded(
            people=len(armatures),
            num_frames=int(extras["num_frames"]),
            fps=float(extras["fps"]),
            size=(int(extras["image_width"]), int(extras["image_height"])),
            intrinsics=tuple(float(extras[k]) for k in ("fx", "fy", "cx", "cy")),
            video_path=str(extras.get("video_path") or ""),
            camera=camera,
            camera_pose=extras.get("camera_pose"),
        )

    def _import_npz(self, context, path: Path, wanted) -> "_Loaded":
        motion = load_motion_npz(path)
        people = motion.people
        if wanted is not None:
            check_track_ids(wanted, {p.track_id for p in people}, path.name)
            people = [p for p in people if p.track_id in wanted]
        # Everything is read and checked before the first object is created.
        model = load_smpl_model(bpy.path.abspath(self.smpl_model or smpl_model_path(context)))
        scene_setup.set_playback_fps(context.scene, motion.fps)
        for person in people:
            build_person(context, context.collection, person, model, motion.num_frames)
        return _Loaded(
            people=len(people),
            num_frames=motion.num_frames,
            fps=motion.fps,
            size=(motion.width, motion.height),
            intrinsics=(motion.fx, motion.fy, motion.cx, motion.cy),
            video_path=motion.video_path,
            camera=None,
            camera_pose=None,
        )


class _Loaded(NamedTuple):
    """What either file type gives the common scene setup."""

    people: int
    num_frames: int
    fps: float
    size: tuple
    intrinsics: tuple
    video_path: str
    camera: object
    camera_pose: list | None  # 16 numbers, the glb's camera pose in its y-up world (None: origin)


def menu_import(self, context):
    self.layout.operator(
        IMPORT_SCENE_OT_cliffmocap.bl_idname, text="cliffmocap (.glb/.npz/.fbx/.bvh)"
    )
