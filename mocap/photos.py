"""Independent photos as results: every person of one image as a one-frame :class:`MotionSet`.

A photo has no time axis and no tracking: frame 0 at time 0, one :class:`SmplSequence` per
person (track ids 0..P-1 in the order given), ``video.path`` the image file (the ``.npz``
writer stores it as ``video_path``), fps 1. Pseudo-GT rows (ours or an official release) become
the same thing per image, so they can be exported and rendered like any result.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from mocap.camera import make_intrinsics
from mocap.cliffgt import PseudoGT
from mocap.errors import NoPeopleFoundError
from mocap.types import FrameBatch, MotionSet, Provenance, SmplModelData, SmplSequence, VideoInfo

#: Frame rate stated for a photo's one-frame result (any positive value; nothing plays).
PHOTO_FPS = 1.0


def photo_motion(
    path: str | Path,
    size: tuple[int, int],
    pose_aa: Any,
    betas: Any,
    transl: Any,
    boxes: Any,
    scores: Any | None = None,
    cam_crop: Any | None = None,
    focal: float | None = None,
    body: SmplModelData | None = None,
    provenance: Provenance | None = None,
) -> MotionSet:
    """One image's people as a one-frame MotionSet.

    Args:
        path: the image file; size: its (width, height) in pixels (after EXIF orientation).
        pose_aa: (P, 24, 3) or (P, 72) axis-angle, global orientation first (camera frame).
        betas: (P, 10); transl: (P, 3) SMPL ``transl`` in metres; boxes: (P, 4) xyxy pixels.
        scores: (P,) detection scores (default 1); cam_crop: (P, 3) crop cameras (optional).
        focal: focal length in pixels (default: the image diagonal, CLIFF's).
    """
    w, h = size
    pose = np.asarray(pose_aa, dtype=np.float64).reshape(-1, 24, 3)
    n = len(pose)
    score = np.ones(n) if scores is None else np.asarray(scores, dtype=np.float64)
    people = tuple(
        SmplSequence(
            track_id=k,
            frames=np.zeros(1, np.int64),
            times=np.zeros(1),
            global_orient=pose[k : k + 1, 0],
            body_pose=pose[k : k + 1, 1:],
            betas=np.asarray(betas, dtype=np.float64)[k],
            transl=np.asarray(transl, dtype=np.float64)[k : k + 1],
            observed=np.ones(1, bool),
            boxes=np.asarray(boxes, dtype=np.float32)[k : k + 1],
            scores=score[k : k + 1],
            cam_crop=None if cam_crop is None else np.asarray(cam_crop)[k : k + 1],
        )
        for k in range(n)
    )
    return MotionSet(
        video=VideoInfo(Path(path), int(w), int(h), PHOTO_FPS, 1, 0, "image"),
        camera=make_intrinsics(int(w), int(h), focal=focal),
        people=people,
        frame_times=np.zeros(1),
        body=body,
        provenance=provenance or Provenance(),
    )


def pseudo_gt_motion(
    gt: PseudoGT,
    imgname: str,
    size: tuple[int, int],
    path: str | Path | None = None,
    body: SmplModelData | None = None,
) -> MotionSet:
    """The rows of ``gt`` for one image as a one-frame MotionSet (camera: the rows' ``focal_l``).

    Args:
        imgname: rows with this ``imgname`` are taken (in file order).
        size: the image's (width, height); the file does not store it.
        path: the image file (default: ``imgname``).

    Raises:
        KeyError: no row has ``imgname``.
    """
    rows = np.flatnonzero(np.asarray(gt.imgname) == imgname)
    if not len(rows):
        raise KeyError(f"no pseudo-GT rows for image {imgname!r}")
    half = 100.0 * gt.scale[rows, None]  # box of side 200 * scale around the centre
    boxes = np.concatenate([gt.center[rows] - half, gt.center[rows] + half], 1)
    return photo_motion(
        path or imgname,
        size,
        gt.pose[rows],
        gt.shape[rows],
        gt.global_t[rows],
        boxes,
        focal=float(gt.focal_l[rows[-1]]),  # as the official per-image viewer: the last row's
        body=body,
    )


def capture_photo(
    path: str | Path,
    image: np.ndarray,
    stages: Any,
    focal: float | None = None,
    fov: float | None = None,
) -> MotionSet:
    """Every person on one photo: detect, crop, CLIFF; no tracking, no smoothing.

    Args:
        path: the image file (recorded as the result's source).
        image: (H, W, 3) uint8 RGB, EXIF orientation applied (:func:`mocap.images.read_image`).
        stages: loaded pipeline stages (``detector``, ``cropper``, ``regressor``, ``body``,
            ``provenance``; see :class:`mocap.pipeline.Stages`).
        focal, fov: camera as for videos (default: the image diagonal, CLIFF's).

    Raises:
        NoPeopleFoundError: the detector found nobody.
    """
    h, w = image.shape[:2]
    camera = make_intrinsics(w, h, focal=focal, fov=fov)
    batch = FrameBatch(np.zeros(1, np.int64), np.zeros(1), image[None])
    dets = stages.detector.detect(batch)[0]
    if len(dets) == 0:
        raise NoPeopleFoundError(
            f"no people found in {path}. Try a lower 'det_conf', or give the boxes in a file "
            "with 'boxes'."
        )
    pred = stages.regressor(stages.cropper(image, dets.boxes, camera.fx))
    return photo_motion(
        path,
        (w, h),
        pred.pose_aa,
        pred.betas,
        pred.transl,
        dets.boxes,
        dets.scores,
        pred.cam_crop,
        camera.fx,
        stages.body,
        stages.provenance,
    )
