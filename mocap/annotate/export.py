"""Any result as pseudo-GT rows: a :class:`MotionSet` (photos or video frames) -> the official
``.cliffgt.npz`` layout, without fitting (CLIFF's own prediction is the label; no 2D keypoints,
so ``part`` has conf 0 everywhere).

``imgname`` is the image's file name for a photo, ``<video name>/<frame:06d>`` for a video
frame. ``center``/``scale`` follow the CLIFF demo's crop of the row's box
(:func:`mocap.crop.box_center_scale`), ``shape`` is the per-row prediction where the result
keeps it, ``global_t`` the row's SMPL ``transl``, ``S`` as in :mod:`mocap.cliffgt`.
"""

from __future__ import annotations

import numpy as np
import torch

from mocap.annotate.joints import S_PELVIS_SLOT, J24Joints
from mocap.cliffgt import PseudoGT, relative_to_pelvis
from mocap.crop import box_center_scale
from mocap.types import MotionSet


def pseudo_gt_from_motion(motion: MotionSet, joints: J24Joints) -> PseudoGT:
    """One pseudo-GT row per person per frame of ``motion`` (people in order, then frames).

    Args:
        motion: a result; joints: J24 of the SMPL model the result was made with.
    """
    if not motion.people:
        return PseudoGT.concat([])
    photo = motion.video.codec == "image"
    name = motion.video.path.name
    frames = np.concatenate([p.frames for p in motion.people])
    pose = np.concatenate([p.poses.reshape(len(p), 72) for p in motion.people])
    shape = np.concatenate(
        [p.frame_betas if p.frame_betas is not None else np.tile(p.betas, (len(p), 1))
         for p in motion.people]
    )  # fmt: skip
    transl = np.concatenate([p.transl for p in motion.people])
    boxes = np.concatenate([p.boxes for p in motion.people])
    center, scale = box_center_scale(boxes)
    with torch.no_grad():
        t = {k: torch.as_tensor(v) for k, v in dict(p=pose, b=shape, t=transl).items()}
        out = joints.body.forward(t["b"], t["p"][:, :3], t["p"][:, 3:], t["t"])
        assert out.vertices is not None
        j24 = joints.from_smpl(out.joints, out.vertices).numpy()
    n = len(frames)
    return PseudoGT(
        imgname=np.array([name if photo else f"{name}/{f:06d}" for f in frames]),
        center=np.asarray(center, np.float64),
        scale=np.asarray(scale, np.float64),
        part=np.zeros((n, 24, 3)),
        annot_id=np.full(n, -1, np.int64),
        pose=pose,
        shape=shape,
        has_smpl=np.ones(n, bool),
        global_t=transl,
        focal_l=np.full(n, motion.camera.fx),
        S=relative_to_pelvis(j24, S_PELVIS_SLOT),
    )
