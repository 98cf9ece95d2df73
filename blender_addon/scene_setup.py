"""Scene-level settings shared by both import paths: frame rate, frame range, video camera.

Camera model (docs/exporters_spec.md §2.8): OpenCV pinhole K = [[fx, 0, cx], [0, fy, cy], [0, 0, 1]]
in pixels with the origin at the image's top-left corner. Blender gets sensor_fit VERTICAL with
angle_y = 2·atan(H / (2·fy)), pixel aspect fy:fx for non-square pixels, and lens shift
shift_x = (W/2 − cx)·fy / (fx·H), shift_y = (cy − H/2) / H (shift unit = the frame height).
"""

import math
from pathlib import Path

import bpy
import numpy as np
from mathutils import Matrix

from .rotations import Y_UP_TO_Z_UP

CAMERA_NAME = "video_camera"
VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v", ".mpg", ".mpeg")


def playback_fps(fps: float) -> tuple[int, float]:
    """Blender's (fps, fps_base) pair for a true frame rate: fps_int / fps_base == fps."""
    fps_int = max(1, round(fps))
    return fps_int, fps_int / fps


def set_playback_fps(scene, fps: float) -> None:
    scene.render.fps, scene.render.fps_base = playback_fps(fps)


def set_gltf_import_fps(scene, fps: float) -> None:
    """Timing for Blender's glTF importer, which keys frames at t·fps·fps_base (spec §2.7).

    Setting fps_base = fps_true / fps_int makes that product the true rate; call
    ``set_playback_fps`` after the import so playback runs at fps_int / fps_base = fps_true.
    """
    fps_int = max(1, round(fps))
    scene.render.fps, scene.render.fps_base = fps_int, fps / fps_int


def set_frame_range(scene, num_frames: int) -> None:
    """Video frame i is Blender frame i."""
    scene.frame_start = 0
    scene.frame_end = max(0, num_frames - 1)
    scene.frame_set(0)


def camera_matrix(pose_yup=None) -> list:
    """Blender world matrix (4x4 rows) of the video camera.

    Args:
        pose_yup: the camera's pose in the exported y-up world in glTF camera axes (looking down
            local -z, +y up; the glb's ``camera_pose`` extras, 16 numbers row-major), or None for
            the camera-frame export (the camera at the origin).

    Blender cameras use the same local axes, so the matrix is ``A @ pose`` with ``A`` = +90
    degrees about X (y-up -> z-up); the origin camera thus looks along +Y with +Z up, where the
    OpenCV camera frame lands in Blender's world (M = A·C).
    """
    pose = np.eye(4) if pose_yup is None else np.asarray(pose_yup, dtype=np.float64).reshape(4, 4)
    a = np.eye(4)
    a[:3, :3] = Y_UP_TO_Z_UP
    return (a @ pose).tolist()


def setup_camera(
    scene, width, height, fx, fy, cx, cy, camera_object=None, collection=None, pose_yup=None
):
    """Make (or adjust) the video camera and the render size so Blender's view equals K.

    Args:
        scene: the scene to set the resolution, pixel aspect and active camera on.
        width, height: image size in pixels.
        fx, fy, cx, cy: intrinsics in pixels.
        camera_object: an existing camera object to adjust (the glTF importer's), or None.
        collection: where a new camera goes (default: the scene's master collection).
        pose_yup: the camera pose of a grounded (world-frame) export, see :func:`camera_matrix`.

    Returns:
        The camera object.
    """
    if camera_object is None:
        data = bpy.data.cameras.new(CAMERA_NAME)
        camera_object = bpy.data.objects.new(CAMERA_NAME, data)
        (collection or scene.collection).objects.link(camera_object)
    camera_object.parent = None
    camera_object.rotation_mode = "XYZ"
    camera_object.matrix_world = Matrix(camera_matrix(pose_yup))
    camera_object.scale = (1.0, 1.0, 1.0)
    cam = camera_object.data
    cam.type = "PERSP"
    cam.sensor_fit = "VERTICAL"
    cam.angle_y = 2.0 * math.atan(height / (2.0 * fy))
    cam.shift_x = (width / 2.0 - cx) * fy / (fx * height)
    cam.shift_y = (cy - height / 2.0) / height
    render = scene.render
    render.resolution_x, render.resolution_y = int(width), int(height)
    render.resolution_percentage = 100
    # Blender's pixel aspect values are >= 1; their ratio x:y must equal fy:fx.
    if fx >= fy:
        render.pixel_aspect_x, render.pixel_aspect_y = 1.0, fx / fy
    else:
        render.pixel_aspect_x, render.pixel_aspect_y = fy / fx, 1.0
    scene.camera = camera_object
    return camera_object


def find_video(video_path: str, result_path: Path) -> Path | None:
    """The source video: the recorded path, the same name next to the result, or
    ``<result stem>.<video suffix>`` next to the result; None when none exists."""
    candidates = []
    if video_path:
        recorded = Path(video_path)
        candidates.append(recorded if recorded.is_absolute() else result_path.parent / recorded)
        candidates.append(result_path.parent / recorded.name)
    candidates += [result_path.with_suffix(s) for s in VIDEO_SUFFIXES]
    for c in candidates:
        if c.is_file():
            return c
    return None


def attach_video_background(camera_object, video: Path):
    """Show the video behind the camera view, frame i on Blender frame i.

    Returns:
        The movie clip, or None when Blender cannot open the file.
    """
    try:
        clip = bpy.data.movieclips.load(str(video), check_existing=True)
    except RuntimeError:
        return None
    clip.frame_start = 0
    cam = camera_object.data
    cam.show_background_images = True
    bg = cam.background_images.new()
    bg.source = "MOVIE_CLIP"
    bg.clip = clip
    bg.frame_method = "STRETCH"  # the video fills exactly the camera frame (pixel aspect included)
    bg.alpha = 1.0
    return clip
