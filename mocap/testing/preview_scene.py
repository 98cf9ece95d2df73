"""A synthetic capture for previews, reports, tests and benchmarks: people walking before a camera.

People use the synthetic SMPL body (:mod:`mocap.testing.synthetic`); frames are a plain gradient
background (the footage is irrelevant to rendering cost and to silhouette checks). Everything is
deterministic.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from mocap.camera import make_intrinsics
from mocap.testing.synthetic import synthetic_smpl_model_data
from mocap.types import FrameBatch, MotionSet, Provenance, SmplModelData, SmplSequence, VideoInfo

#: Walking: stride frequency (Hz), hip swing amplitude (rad), walking speed (m/s).
STEP_HZ = 0.9
HIP_SWING_RAD = 0.35
WALK_SPEED_M_S = 0.6
#: Flip SMPL's canonical frame (y up, facing +z) into the camera frame (y down, facing the camera).
UPRIGHT_FACING_CAMERA = np.array([np.pi, 0.0, 0.0])


def walking_people(
    num_people: int, num_frames: int, fps: float, depth_m: float = 5.0
) -> tuple[SmplSequence, ...]:
    """``num_people`` people walking sideways in a row, 0.9 m apart, each 0.5 m further back.

    Boxes are placeholders (0, 0, 1, 1); :func:`with_projected_boxes` sets boxes that enclose
    each projected body.
    """
    times = np.arange(num_frames) / fps
    people = []
    for p in range(num_people):
        phase = 2 * np.pi * STEP_HZ * times + p
        body_pose = np.zeros((num_frames, 23, 3))
        body_pose[:, 0, 0] = HIP_SWING_RAD * np.sin(phase)  # left hip (joint 1)
        body_pose[:, 1, 0] = -HIP_SWING_RAD * np.sin(phase)  # right hip (joint 2)
        body_pose[:, 3, 0] = 0.3 * (1 - np.cos(phase)) / 2  # left knee bends as the leg swings
        body_pose[:, 4, 0] = 0.3 * (1 + np.cos(phase)) / 2
        x0 = (p - (num_people - 1) / 2) * 0.9
        transl = np.stack(
            [
                x0 + WALK_SPEED_M_S * (times - times.mean()) * (-1) ** p,
                np.full(num_frames, 0.3),
                np.full(num_frames, depth_m + 0.5 * p),
            ],
            axis=1,
        )
        people.append(
            SmplSequence(
                track_id=p + 1,
                frames=np.arange(num_frames),
                times=times,
                global_orient=np.repeat(UPRIGHT_FACING_CAMERA[None], num_frames, 0),
                body_pose=body_pose,
                betas=np.zeros(10),
                transl=transl,
                observed=np.ones(num_frames, bool),
                boxes=np.tile([0.0, 0.0, 1.0, 1.0], (num_frames, 1)),
                scores=np.full(num_frames, 0.9),
            )
        )
    return tuple(people)


def synthetic_motion(
    num_people: int = 2,
    num_frames: int = 30,
    width: int = 640,
    height: int = 360,
    fps: float = 30.0,
    body: SmplModelData | None = None,
) -> MotionSet:
    """A :class:`MotionSet` of :func:`walking_people`, camera with CLIFF's default focal."""
    camera = make_intrinsics(width, height)
    info = VideoInfo(Path("synthetic.mp4"), width, height, fps, num_frames, 0, "h264")
    return MotionSet(
        video=info,
        camera=camera,
        people=walking_people(num_people, num_frames, fps),
        frame_times=np.arange(num_frames) / fps,
        body=body if body is not None else synthetic_smpl_model_data(),
        provenance=Provenance(variant="synthetic", checkpoint_sha256="0" * 64, version="test"),
    )


def posed_vertices(motion: MotionSet, person: SmplSequence) -> npt.NDArray[np.float64]:
    """(T, V, 3) float64 camera-frame vertices of every row of ``person`` (exact LBS)."""
    import torch

    from mocap.body import SmplBody

    assert motion.body is not None
    body = SmplBody(motion.body)
    n = len(person)
    out = body.forward(
        torch.as_tensor(np.repeat(person.betas[None], n, 0)),
        torch.as_tensor(person.global_orient),
        torch.as_tensor(person.body_pose),
        torch.as_tensor(person.transl),
    )
    assert out.vertices is not None
    return out.vertices.numpy()


def with_projected_boxes(motion: MotionSet) -> MotionSet:
    """``motion`` with every row's box set to the bounds of its projected mesh (pixels)."""
    cam = motion.camera
    people = []
    for person in motion.people:
        v = posed_vertices(motion, person)
        u = cam.fx * v[..., 0] / v[..., 2] + cam.cx
        w = cam.fy * v[..., 1] / v[..., 2] + cam.cy
        boxes = np.stack([u.min(1), w.min(1), u.max(1), w.max(1)], axis=1)
        people.append(replace(person, boxes=boxes))
    return replace(motion, people=tuple(people))


def background(width: int, height: int, index: int = 0) -> npt.NDArray[np.uint8]:
    """(H, W, 3) uint8 RGB: a vertical grey gradient with a faint per-frame tint."""
    ramp = np.linspace(70, 150, height, dtype=np.float32)[:, None, None]
    tint = np.array([1.0, 1.0, 1.0 + 0.05 * np.sin(index / 5.0)], np.float32)
    img = np.broadcast_to(ramp * tint, (height, width, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


def frame_batches(motion: MotionSet, chunk: int = 16) -> Iterator[FrameBatch]:
    """The motion's frames as :class:`FrameBatch` chunks of :func:`background` images."""
    w, h = motion.camera.width, motion.camera.height
    base = background(w, h)
    for start in range(0, motion.num_frames, chunk):
        idx = np.arange(start, min(start + chunk, motion.num_frames))
        images = np.repeat(base[None], len(idx), 0)
        yield FrameBatch(idx, motion.frame_times[idx], images)
