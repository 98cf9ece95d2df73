"""``ground(motion)``: the grounding step, a pure function from a camera-frame ``MotionSet`` to the
same ``MotionSet`` with a floor, a world frame, foot contacts and planted feet.

Order of work (each part in its own module):

1. posed joints of every person in the camera frame (SMPL forward pass, :mod:`.kinematics`);
2. the floor from all people's slow foot joints (:mod:`.floor`); "slow" is measured across the
   viewing ray, where monocular depth noise does not reach;
3. per person, candidate contacts (slow and the lowest foot of its frame, a comparison that depth
   errors cannot upset since they move both feet alike), then depth pinned by them
   (:mod:`.pinning`);
4. the world frame (:mod:`.world`), contacts from height and speed (:mod:`.contacts`) and foot
   locking by two-bone IK (:mod:`.footlock`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from itertools import combinations

import numpy as np

from mocap.body import SmplBody
from mocap.errors import SmplModelError
from mocap.grounding import footlock
from mocap.grounding.anchors import planted_targets
from mocap.grounding.camera_motion import CameraMotion
from mocap.grounding.contacts import ContactLimits, across_ray_speed, detect_contacts
from mocap.grounding.floor import FloorFit, FootPairs, fit_floor
from mocap.grounding.kinematics import (
    FOOT_POINTS,
    SIDE_POINTS,
    TOES,
    FootHeights,
    flat_offsets,
    foot_heights,
    posed_joints,
)
from mocap.grounding.pinning import depth_scales
from mocap.grounding.world import motion_to_frame, transform_points, world_from_camera
from mocap.types import (
    FloatArray,
    Grounding,
    IntArray,
    MotionSet,
    SmplSequence,
    WorldMotion,
)

logger = logging.getLogger(__name__)

FIT_ROUNDS = 3
"""Floor fits: slow feet first, then slow feet that are the lowest of their frame (twice)."""
GROUP_S = 0.5
"""Seconds of one person's observations that count as one independent sample (depth errors of a
monocular regressor are correlated over roughly this long)."""


@dataclass(frozen=True)
class GroundingSettings:
    """Settings of :func:`ground`.

    Attributes:
        foot_lock: hold planted feet still by IK on the legs (contacts are found either way).
        contacts: thresholds of the contact detector.
        seed: random seed of the floor fit's sampler (results are deterministic per seed).
    """

    foot_lock: bool = True
    contacts: ContactLimits = field(default_factory=ContactLimits)
    seed: int = 0


@dataclass(frozen=True)
class _Person:
    seq: SmplSequence
    heights: FootHeights
    joints: FloatArray  # (T, 24, 3) camera frame
    offsets: FloatArray  # (4,) flat-foot heights of FOOT_POINTS


def _slow(times: FloatArray, points: FloatArray, limit: float) -> np.ndarray:
    """(T, K) bool: camera-frame points (T, K, 3) slower than ``limit`` m/s across their rays."""
    if len(times) < 2:
        return np.zeros(points.shape[:2], dtype=bool)
    return across_ray_speed(times, points, np.zeros(3)) < limit


def _candidates(p: _Person, floor: FloorFit | None, settings: GroundingSettings) -> np.ndarray:
    """(T, 4) bool: foot points that may be planted: slow across their rays and, once a floor is
    known, within ``lowest_margin`` of the lowest foot point of their frame (a comparison that
    depth errors cannot upset, since they move both feet alike)."""
    feet = p.joints[:, FOOT_POINTS]
    slow = _slow(p.seq.times, feet, settings.contacts.enter_speed)
    if floor is None:
        return slow
    heights = feet @ floor.up - p.offsets[None, :]  # (T, 4), up to a per-frame constant
    lowest = heights - heights.min(axis=1, keepdims=True) < settings.contacts.lowest_margin
    return slow & lowest


def _pairs(p: _Person, candidate: np.ndarray, label: IntArray) -> FootPairs:
    """Same-frame differences of candidate foot points of one person (see ``FootPairs``)."""
    feet = p.joints[:, FOOT_POINTS]
    d, do, groups = [], [], []
    for i, j in combinations(range(len(FOOT_POINTS)), 2):
        both = candidate[:, i] & candidate[:, j]
        d.append(feet[both, i] - feet[both, j])
        do.append(np.full(int(both.sum()), p.offsets[i] - p.offsets[j]))
        groups.append(label[both])
    return FootPairs(np.concatenate(d), np.concatenate(do), np.concatenate(groups))


def _fit(people: list[_Person], settings: GroundingSettings) -> FloorFit:
    """Fit the floor to slow feet, then twice more to slow feet that are their frame's lowest."""
    floor: FloorFit | None = None
    for _ in range(FIT_ROUNDS):
        pts, offs, groups, roots, pairs = [], [], [], [], []
        for i, p in enumerate(people):
            candidate = _candidates(p, floor, settings)
            label = i * 1_000_000 + np.floor(p.seq.times / GROUP_S).astype(np.int64)
            rows, cols = np.nonzero(candidate)
            pts.append(p.joints[rows, np.asarray(FOOT_POINTS)[cols]])
            offs.append(p.offsets[cols])
            groups.append(label[rows])
            roots.append(p.joints[rows, 0])
            pairs.append(_pairs(p, candidate, label))
        floor = fit_floor(
            np.concatenate(pts) if pts else np.zeros((0, 3)),
            np.concatenate(offs) if offs else np.zeros(0),
            np.concatenate(groups) if groups else np.zeros(0, dtype=np.int64),
            pairs=FootPairs(
                np.concatenate([q.d for q in pairs]) if pairs else np.zeros((0, 3)),
                np.concatenate([q.do for q in pairs]) if pairs else np.zeros(0),
                np.concatenate([q.groups for q in pairs]) if pairs else np.zeros(0, np.int64),
            ),
            seed=settings.seed,
            roots=np.concatenate(roots) if roots else np.zeros((0, 3)),
        )
        if floor.assumption:
            break
    assert floor is not None
    return floor


def _pin(p: _Person, floor: FloorFit, settings: GroundingSettings) -> FloatArray:
    """(T, 3) ``transl`` with depth pinned by candidate contacts (camera frame): the body moves
    along the viewing ray of its root (pelvis), the point a monocular depth error scales."""
    feet = p.joints[:, FOOT_POINTS]
    root = p.joints[:, 0]
    scales = depth_scales(
        p.seq.times,
        root,
        feet - root[:, None, :],
        p.offsets,
        _candidates(p, floor, settings),
        floor.up,
        floor.height,
    )
    return p.seq.transl + root * (scales - 1.0)[:, None]


def _world_person(
    body: SmplBody, p: _Person, transform: FloatArray, floor: FloorFit, s: GroundingSettings
) -> WorldMotion:
    seq = p.seq
    pelvis = body.rest_joints(seq.betas)[0]
    # an assumed floor is no evidence of depth: pin only to a fitted one
    pinned = seq.transl if floor.assumption else _pin(p, floor, s)
    orient, transl = motion_to_frame(transform, seq.global_orient, pinned, pelvis)
    joints = posed_joints(body, seq.betas, orient, seq.body_pose, transl)  # world, y up
    feet = joints[:, FOOT_POINTS]
    heights = feet[..., 1] - p.offsets[None, :]  # (T, 4) above each point's flat height
    eye = transform[:3, 3]
    contact = detect_contacts(seq.times, heights, feet, eye, s.contacts)
    poses = np.concatenate([orient[:, None], seq.body_pose], axis=1)
    if s.foot_lock:
        poses, transl = _lock(body, seq.times, poses, transl, joints, heights, contact, p.heights)
    return WorldMotion(
        global_orient=orient, body_pose=poses[:, 1:], transl=transl, foot_contact=contact
    )


def _lock(
    body: SmplBody,
    times: FloatArray,
    poses: FloatArray,
    transl: FloatArray,
    joints: FloatArray,
    heights: FloatArray,
    contact: np.ndarray,
    foot: FootHeights,
) -> tuple[FloatArray, FloatArray]:
    """Poses (T, 24, 3) and ``transl`` (T, 3) with planted feet held and no foot below the floor
    (world frame; ``joints`` (T, 24, 3) and ``heights`` (T, 4) belong to the input)."""
    root, targets = planted_targets(times, joints[:, TOES], contact, foot.toe)
    transl = transl + root
    joints = joints + root[:, None, :]
    heights = heights + root[:, 1:2]
    offsets = np.nan_to_num(targets - joints[:, TOES])  # (T, 2, 3), 0 where not planted
    for side, cols in enumerate(SIDE_POINTS):
        leg, weights = footlock.blend(times, offsets[:, side], contact[:, side])
        free = weights <= 0
        leg[free] += footlock.lift_offsets(heights[:, list(cols)])[free]
        edit = footlock.leg_edit(joints, side, leg, weights)
        poses = footlock.apply_leg_ik(poses, joints, side, edit, body.parents)
    return poses, transl


def ground(
    motion: MotionSet,
    *,
    foot_lock: bool = True,
    settings: GroundingSettings | None = None,
    camera_motion: CameraMotion | None = None,
) -> MotionSet:
    """Ground a camera-frame motion: floor, world frame, foot contacts, pinned depth, locked feet.

    Args:
        motion: people in the camera frame (as ``mocap.run`` returns or ``exporters.read_npz``
            reads back); its rows are not changed.
        foot_lock: hold planted feet in place (overrides ``settings.foot_lock``).
        settings: thresholds and seed (None = defaults).
        camera_motion: the verdict of :func:`mocap.grounding.camera_motion.detect_camera_motion`
            on the video, when known; a moving camera leaves the motion in the camera frame.

    Returns:
        a new ``MotionSet`` with ``grounding`` (``world_from_camera``, confidence, the stated
        assumption when the floor could not be fitted) and ``world`` on every person; or
        ``motion`` itself when the camera moves (one warning is logged).

    Raises:
        SmplModelError: the motion carries no SMPL body model (feet and skeleton come from it).
    """
    s = replace(settings or GroundingSettings(), foot_lock=foot_lock)
    if camera_motion is not None and camera_motion.moving:
        logger.warning(
            "the camera moves (%s); grounding needs a static camera, so the motion stays in "
            "the camera frame",
            camera_motion.describe(),
        )
        return motion
    if motion.body is None:
        raise SmplModelError(
            "grounding needs the SMPL body model (skeleton and feet); the motion has none"
        )
    body = SmplBody(motion.body)
    people = [
        _Person(
            seq=seq,
            heights=(h := foot_heights(motion.body, seq.betas)),
            joints=posed_joints(body, seq.betas, seq.global_orient, seq.body_pose, seq.transl),
            offsets=flat_offsets(h),
        )
        for seq in motion.people
    ]
    floor = _fit(people, s)
    transform = world_from_camera(floor.up, floor.height)
    grounding = Grounding(
        world_from_camera=transform,
        confidence=floor.confidence,
        assumption=floor.assumption,
        evidence=int(floor.inliers.sum()),
    )
    _log_fit(grounding, floor)
    grounded = tuple(
        replace(p.seq, world=_world_person(body, p, transform, floor, s)) for p in people
    )
    return replace(motion, people=grounded, grounding=grounding)


def _log_fit(g: Grounding, floor: FloorFit) -> None:
    if g.assumption:
        logger.warning("floor not fitted: %s", g.assumption)
        return
    logger.info(
        "floor fitted to %d foot observations: camera %.2f m high, pitch %.1f deg, roll %.1f deg "
        "(tilt +/- %.1f deg, height +/- %.1f cm, confidence %.2f)",
        g.evidence,
        g.camera_height,
        g.pitch_deg,
        g.roll_deg,
        floor.tilt_se_deg,
        floor.height_se * 100,
        g.confidence,
    )


__all__ = ["GroundingSettings", "ground", "transform_points"]
