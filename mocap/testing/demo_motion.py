"""The synthetic demo motion behind the sample files in ``samples/`` (no SMPL licence needed).

``python -m scripts.samples`` writes it as ``samples/demo.npz`` and exports it to glb and bvh.

The motion is hand-made in the OpenCV camera frame of a 1280x720, 30 fps video: person 1 walks
left to right across the whole clip, person 2 enters at frame 20, walks a full circle and leaves
after frame 99, person 3 spins on the spot for the first two seconds only.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from mocap.rotations import matrix_to_axis_angle
from mocap.types import (
    NUM_BETAS,
    CameraIntrinsics,
    MotionSet,
    Provenance,
    SmplModelData,
    SmplSequence,
    VideoInfo,
)

DEMO_FPS = 30.0
DEMO_FRAMES = 120
DEMO_SIZE = (1280, 720)
DEMO_FOCAL_PX = math.hypot(*DEMO_SIZE)  # CLIFF's default focal length: the image diagonal
STRIDE_HZ = 1.8  # steps per second of the walk cycle
HIP_SWING_RAD = math.radians(25.0)
KNEE_BEND_RAD = math.radians(45.0)
ARM_DOWN_RAD = math.radians(75.0)  # from the T-pose down towards the hips
ARM_SWING_RAD = math.radians(20.0)
TRANSL_DOWN_M = 0.3  # transl y (OpenCV y points down): the camera is at chest height


def _rx(a: np.ndarray) -> np.ndarray:
    c, s, z, o = np.cos(a), np.sin(a), np.zeros_like(a), np.ones_like(a)
    return np.stack([o, z, z, z, c, -s, z, s, c], -1).reshape(*np.shape(a), 3, 3)


def _ry(a: np.ndarray) -> np.ndarray:
    c, s, z, o = np.cos(a), np.sin(a), np.zeros_like(a), np.ones_like(a)
    return np.stack([c, z, s, z, o, z, -s, z, c], -1).reshape(*np.shape(a), 3, 3)


def _rz(a: np.ndarray) -> np.ndarray:
    c, s, z, o = np.cos(a), np.sin(a), np.zeros_like(a), np.ones_like(a)
    return np.stack([c, -s, z, s, c, z, z, z, o], -1).reshape(*np.shape(a), 3, 3)


def walk_pose(t: np.ndarray, stride_hz: float = STRIDE_HZ) -> np.ndarray:
    """(T, 23, 3) axis-angle body pose of a simple walk cycle at times ``t`` (T,) seconds."""
    phase = 2 * np.pi * stride_hz / 2 * t  # one full cycle = two steps
    pose = np.tile(np.eye(3), (len(t), 24, 1, 1))
    swing = HIP_SWING_RAD * np.sin(phase)
    pose[:, 1] = _rx(-swing)  # left hip: negative about x swings the leg forward (+z)
    pose[:, 2] = _rx(swing)
    pose[:, 4] = _rx(KNEE_BEND_RAD * np.clip(np.sin(phase + 1.2), 0, None))
    pose[:, 5] = _rx(KNEE_BEND_RAD * np.clip(-np.sin(phase + 1.2), 0, None))
    arm = ARM_SWING_RAD * np.sin(phase)
    pose[:, 16] = _rx(arm) @ _rz(np.full_like(t, -ARM_DOWN_RAD))  # left arm points +x at rest
    pose[:, 17] = _rx(-arm) @ _rz(np.full_like(t, ARM_DOWN_RAD))
    pose[:, 18] = _ry(np.full_like(t, 0.3))  # slightly bent elbows
    pose[:, 19] = _ry(np.full_like(t, -0.3))
    pose[:, 3] = _ry(0.08 * np.sin(phase))  # counter-twist of the spine
    pose[:, 15] = _rx(0.05 * np.sin(2 * phase))  # head bob
    return matrix_to_axis_angle(pose[:, 1:])


def _person(
    track_id: int,
    frames: np.ndarray,
    heading: np.ndarray,
    position: np.ndarray,
    betas: np.ndarray,
    stride_hz: float,
) -> SmplSequence:
    """A person facing ``heading`` (T,) radians (0 = towards the camera) at ``position`` (T, 3)."""
    t = frames / DEMO_FPS
    upright = _rx(np.full(len(t), np.pi))  # SMPL's y-up body stands upright in OpenCV's y-down
    n = len(frames)
    return SmplSequence(
        track_id=track_id, frames=frames, times=t,
        global_orient=matrix_to_axis_angle(upright @ _ry(heading)),
        body_pose=walk_pose(t, stride_hz), betas=betas, transl=position,
        observed=np.ones(n, bool), boxes=np.zeros((n, 4)), scores=np.ones(n),
    )  # fmt: skip


def demo_motion(body: SmplModelData | None = None) -> MotionSet:
    """The 3-person demo motion (see the module docstring); ``body`` is attached as given."""
    rng = np.random.default_rng(2024)
    people = []
    # 1: walks left to right at 6.5 m, facing +x (heading 90 degrees), across the whole clip.
    f1 = np.arange(DEMO_FRAMES)
    x1 = np.linspace(-2.0, 2.0, len(f1))
    p1 = np.stack([x1, np.full_like(x1, TRANSL_DOWN_M), np.full_like(x1, 6.5)], 1)
    people.append(
        _person(1, f1, np.full(len(f1), np.pi / 2), p1, rng.normal(0, 0.5, NUM_BETAS), 1.8)
    )
    # 2: enters at frame 20, walks a full circle of radius 1 m around x=0, z=8.5, leaves at 99.
    f2 = np.arange(20, 100)
    ang = 2 * np.pi * (f2 - f2[0]) / (len(f2) - 1)
    p2 = np.stack([np.sin(ang), np.full_like(ang, TRANSL_DOWN_M), 8.5 - np.cos(ang)], 1)
    people.append(_person(2, f2, ang + np.pi / 2, p2, rng.normal(0, 0.5, NUM_BETAS), 1.6))
    # 3: spins one and a half turns on the spot on the right for the first two seconds.
    f3 = np.arange(0, 60)
    p3 = np.tile([1.4, TRANSL_DOWN_M, 5.5], (len(f3), 1))
    spin = 3 * np.pi * f3 / (len(f3) - 1)
    people.append(_person(3, f3, spin, p3, rng.normal(0, 0.5, NUM_BETAS), 2.2))
    w, h = DEMO_SIZE
    video = VideoInfo(
        path=Path("demo.mp4"), width=w, height=h, fps=DEMO_FPS, num_frames=DEMO_FRAMES
    )
    camera = CameraIntrinsics(
        fx=DEMO_FOCAL_PX, fy=DEMO_FOCAL_PX, cx=w / 2, cy=h / 2, width=w, height=h
    )
    provenance = Provenance(variant="synthetic", smpl_model="synthetic")
    frame_times = np.arange(DEMO_FRAMES) / DEMO_FPS
    return MotionSet(video, camera, tuple(people), frame_times, body=body, provenance=provenance)
