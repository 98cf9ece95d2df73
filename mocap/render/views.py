"""Cameras for the preview: the video's own view, a side view beside it, and the floor grid.

All maths in numpy float64. The scene frame is the video's OpenCV camera frame (metres; +x right,
+y down, +z forward). ``world_from_camera`` (grounding) is a (4, 4) rigid transform to a
gravity-aligned world with y up and the floor at y = 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from mocap.types import CameraIntrinsics

#: Up in the camera frame when nothing better is known: image up, i.e. -y.
CAMERA_UP = np.array([0.0, -1.0, 0.0])
#: Margin around the people in the side view, metres.
SIDE_MARGIN_M = 0.8
#: Half the height the side view must show around the people's centre, metres (a standing body).
SIDE_HALF_HEIGHT_M = 1.2
#: Floor tiles: edge length and how far the floor reaches beyond the people, metres.
FLOOR_TILE_M = 0.5
FLOOR_REACH_M = 3.0


@dataclass(frozen=True)
class FloorColors:
    """The two RGB (0..1) tile colours of the floor checkerboard."""

    light: tuple[float, float, float] = (0.78, 0.78, 0.74)
    dark: tuple[float, float, float] = (0.55, 0.55, 0.52)


@dataclass(frozen=True, eq=False)
class ViewCamera:
    """A pinhole camera that renders the scene.

    Attributes:
        fx, fy, cx, cy: intrinsics in pixels (pixel centres at integer coordinates).
        width, height: image size in pixels.
        camera_from_scene: (4, 4) float64 rigid transform, scene frame -> this camera's OpenCV
            frame (identity for the video's own camera).
    """

    fx: float
    fy: float
    cx: float
    cy: float
    width: int
    height: int
    camera_from_scene: npt.NDArray[np.float64] = field(default_factory=lambda: np.eye(4))

    @classmethod
    def of_video(cls, camera: CameraIntrinsics) -> ViewCamera:
        """The video's own camera: the scene is its frame."""
        return cls(camera.fx, camera.fy, camera.cx, camera.cy, camera.width, camera.height)

    def clip_from_scene(self, near: float, far: float) -> npt.NDArray[np.float64]:
        """(4, 4) OpenGL clip-space projection of scene points.

        NDC x = 2 (u + 0.5) / W - 1 and y = 2 (v + 0.5) / H - 1 with (u, v) the OpenCV pixel
        projection, so framebuffer row 0 is image row 0 (read-backs need no flip); depth maps
        ``near..far`` metres to -1..1.
        """
        w, h = self.width, self.height
        proj = np.array(
            [
                [2 * self.fx / w, 0.0, 2 * (self.cx + 0.5) / w - 1, 0.0],
                [0.0, 2 * self.fy / h, 2 * (self.cy + 0.5) / h - 1, 0.0],
                [0.0, 0.0, (far + near) / (far - near), -2 * far * near / (far - near)],
                [0.0, 0.0, 1.0, 0.0],
            ]
        )
        return proj @ self.camera_from_scene

    def project(self, points: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """(..., 3) scene points -> (..., 2) pixel coordinates (OpenCV: centres at integers)."""
        p = np.asarray(points, np.float64)
        cam = p @ self.camera_from_scene[:3, :3].T + self.camera_from_scene[:3, 3]
        z = cam[..., 2:3]
        return np.concatenate(
            [self.fx * cam[..., 0:1] / z + self.cx, self.fy * cam[..., 1:2] / z + self.cy], -1
        )


def grounding_of(motion: Any) -> npt.NDArray[np.float64] | None:
    """(4, 4) ``world_from_camera`` of a grounded MotionSet, None when it is not grounded."""
    w = getattr(motion, "world_from_camera", None)  # present once grounding (issue 14) exists
    return None if w is None else np.asarray(w, np.float64)


def world_motion_of(person: Any) -> Any | None:
    """The grounded world motion of a person (``SmplSequence.world``), None when absent."""
    return getattr(person, "world", None)


def pose_in_camera(
    person: Any, rows: npt.NDArray[np.int64], world_from_camera: npt.NDArray[np.float64] | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, npt.NDArray[np.float64] | None]:
    """SMPL parameters of ``rows`` to pose, and the transform that brings the result to camera.

    A grounded person is posed from its world motion (foot-locked: what the exports contain) and
    the vertices must then be mapped with the returned (4, 4) camera_from_world; otherwise the
    camera-frame parameters are used and the transform is None.

    Returns:
        global_orient (R, 3), body_pose (R, 23, 3), transl (R, 3), camera_from_world or None.
    """
    world = world_motion_of(person)
    if world is None or world_from_camera is None:
        return person.global_orient[rows], person.body_pose[rows], person.transl[rows], None
    back = np.linalg.inv(world_from_camera)
    return world.global_orient[rows], world.body_pose[rows], world.transl[rows], back


def up_in_camera(world_from_camera: npt.ArrayLike | None) -> npt.NDArray[np.float64]:
    """(3,) unit up vector in the camera frame: world +y when grounded, else image up."""
    if world_from_camera is None:
        return CAMERA_UP.copy()
    w = np.asarray(world_from_camera, np.float64)
    up = w[:3, :3].T @ np.array([0.0, 1.0, 0.0])
    return up / np.linalg.norm(up)


def side_view(
    camera: CameraIntrinsics,
    centre: npt.ArrayLike,
    spread: npt.ArrayLike,
    width: int,
    height: int,
    world_from_camera: npt.ArrayLike | None = None,
) -> ViewCamera:
    """A camera on the video camera's right, at its height, looking horizontally at the people.

    Args:
        camera: the video's intrinsics (the side view keeps its field of view).
        centre: (3,) the people's centre in the camera frame, metres.
        spread: (N, 3) points that must be in view (e.g. every person's translation), metres.
        width, height: side view size in pixels.
        world_from_camera: (4, 4) grounding transform, or None (up = image up).

    Returns:
        a :class:`ViewCamera` whose scene frame is the video's camera frame.
    """
    c = np.asarray(centre, np.float64)
    up = up_in_camera(world_from_camera)
    forward = _horizontal(np.array([0.0, 0.0, 1.0]), up)
    right = np.cross(-up, forward)  # OpenCV: x = y x z with y = -up
    pts = np.asarray(spread, np.float64).reshape(-1, 3)
    half_depth = np.abs((pts - c) @ forward).max(initial=0.0) + SIDE_MARGIN_M
    f = camera.fx * width / camera.width
    reach = max(f * half_depth / (0.5 * width), f * SIDE_HALF_HEIGHT_M / (0.5 * height))
    distance = max(float(np.linalg.norm(_horizontal(c, up, normalise=False))), reach)
    eye = c + right * distance - up * float(c @ up)  # same height as the video camera
    return ViewCamera(f, f, width / 2.0, height / 2.0, width, height, _look_at(eye, c, up))


def _horizontal(
    v: npt.NDArray[np.float64], up: npt.NDArray[np.float64], normalise: bool = True
) -> npt.NDArray[np.float64]:
    h = v - up * float(v @ up)
    return h / np.linalg.norm(h) if normalise else h


def _look_at(
    eye: npt.NDArray[np.float64], target: npt.NDArray[np.float64], up: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """(4, 4) camera_from_scene of an OpenCV camera at ``eye`` looking at ``target``."""
    z = target - eye
    z /= np.linalg.norm(z)
    y = -(up - z * float(up @ z))
    y /= np.linalg.norm(y)
    x = np.cross(y, z)
    rot = np.stack([x, y, z])  # rows: camera axes in scene coordinates
    out = np.eye(4)
    out[:3, :3] = rot
    out[:3, 3] = -rot @ eye
    return out


def floor_grid(
    world_from_camera: npt.ArrayLike,
    centre: npt.ArrayLike,
    colors: FloorColors = FloorColors(),
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """A checkerboard on the world floor (y = 0) around the people, in the camera frame.

    Args:
        world_from_camera: (4, 4) grounding transform.
        centre: (3,) the people's centre in the camera frame, metres.
        colors: the two tile colours.

    Returns:
        positions (N, 3) float32 camera-frame points and colours (N, 3) float32, 3 rows per
        triangle, 2 triangles per tile.
    """
    w = np.asarray(world_from_camera, np.float64)
    c_world = w[:3, :3] @ np.asarray(centre, np.float64) + w[:3, 3]
    n = int(np.ceil(FLOOR_REACH_M / FLOOR_TILE_M))
    ix, iz = np.meshgrid(np.arange(-n, n), np.arange(-n, n), indexing="ij")
    x0 = np.round(c_world[0] / FLOOR_TILE_M) * FLOOR_TILE_M + ix.ravel() * FLOOR_TILE_M
    z0 = np.round(c_world[2] / FLOOR_TILE_M) * FLOOR_TILE_M + iz.ravel() * FLOOR_TILE_M
    t = FLOOR_TILE_M
    corners = np.array([[0, 0], [t, 0], [t, t], [0, 0], [t, t], [0, t]])  # 2 triangles
    xs = x0[:, None] + corners[None, :, 0]
    zs = z0[:, None] + corners[None, :, 1]
    world = np.stack([xs, np.zeros_like(xs), zs], -1).reshape(-1, 3)
    camera_from_world = np.linalg.inv(w)
    cam = world @ camera_from_world[:3, :3].T + camera_from_world[:3, 3]
    dark = ((ix + iz).ravel() % 2).astype(bool)
    tile_rgb = np.where(dark[:, None], colors.dark, colors.light)
    rgb = np.repeat(tile_rgb, 6, axis=0)
    return cam.astype(np.float32), rgb.astype(np.float32)
