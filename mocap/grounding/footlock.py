"""Foot locking: planted feet stay put in the world, legs follow by analytic two-bone IK.

Where each planted foot belongs and how far the whole body drifted come from
:mod:`mocap.grounding.anchors`; the body is moved by the drift (root translation) and on each frame
the foot still off its target is moved rigidly onto it (its orientation kept) by bending the leg
(hip -> knee -> ankle) to reach the moved ankle. The leg correction fades in before
and out after a span over ``BLEND_S`` with a smoothstep, so nothing pops. A foot point below the
floor outside contacts is lifted onto it the same way.

The IK keeps the knee in the plane spanned by hip, target and the current knee (the animator's
pole vector); the hip and knee rotations change by the smallest rotations that carry the bones to
their new directions, and the ankle keeps its world orientation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mocap.grounding.contacts import runs
from mocap.grounding.kinematics import ANKLES, HIPS, KNEES, global_rotations
from mocap.rotations import axis_angle_to_matrix, matrix_to_axis_angle
from mocap.types import BoolArray, FloatArray

BLEND_S = 0.08
"""Seconds over which a lock fades in before and out after a contact span."""
SMPL_FORWARD = np.array([0.0, 0.0, 1.0])
"""The body's forward direction in SMPL's canonical rest frame (knees bend towards it)."""
REACH_MARGIN = 1e-6
"""Relative slack kept from a fully stretched or folded leg (the IK stays differentiable)."""


def _unit(v: FloatArray) -> FloatArray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.maximum(n, 1e-12)


def rotation_between(a: FloatArray, b: FloatArray) -> FloatArray:
    """(T, 3, 3) smallest rotations taking directions ``a`` (T, 3) to ``b`` (T, 3)."""
    ua, ub = _unit(a), _unit(b)
    axis = np.cross(ua, ub)
    sin = np.linalg.norm(axis, axis=-1)
    cos = np.sum(ua * ub, axis=-1)
    angle = np.arctan2(sin, cos)
    return axis_angle_to_matrix(_unit(axis) * angle[:, None])


def two_bone_ik(
    hip: FloatArray, knee: FloatArray, ankle: FloatArray, target: FloatArray, pole: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """World rotations that bend a hip-knee-ankle chain so the ankle reaches ``target``.

    Args:
        hip, knee, ankle, target: (T, 3) positions, metres (any common frame).
        pole: (T, 3) direction the knee bends towards when the leg is straight.

    Returns:
        ``(d_hip, d_knee)``, (T, 3, 3) each: rotate the leg about the hip by ``d_hip``, then the
        shin about the new knee by ``d_knee``. Unreachable targets are approached along the line
        from the hip (leg fully stretched).
    """
    l1 = np.linalg.norm(knee - hip, axis=-1)
    l2 = np.linalg.norm(ankle - knee, axis=-1)
    to_target = target - hip
    lo = np.abs(l1 - l2) * (1 + REACH_MARGIN) + 1e-9
    hi = (l1 + l2) * (1 - REACH_MARGIN)
    dist = np.clip(np.linalg.norm(to_target, axis=-1), lo, hi)
    direction = _unit(to_target)
    bend = knee - hip
    perp = bend - np.sum(bend * direction, -1, keepdims=True) * direction
    straight = np.linalg.norm(perp, axis=-1) < 1e-4 * l1
    pole_perp = pole - np.sum(pole * direction, -1, keepdims=True) * direction
    perp = _unit(np.where(straight[:, None], pole_perp, perp))
    cos_a = np.clip((l1**2 + dist**2 - l2**2) / (2 * l1 * dist), -1.0, 1.0)
    new_knee = hip + l1[:, None] * (
        cos_a[:, None] * direction + np.sqrt(1 - cos_a**2)[:, None] * perp
    )
    d_hip = rotation_between(knee - hip, new_knee - hip)
    shin = np.einsum("tij,tj->ti", d_hip, ankle - knee)
    reach = hip + dist[:, None] * direction
    d_knee = rotation_between(shin, reach - new_knee)
    return d_hip, d_knee


@dataclass(frozen=True)
class LegEdit:
    """Per-frame ankle targets of one leg (world frame) and where they apply."""

    target: FloatArray  # (T, 3)
    active: BoolArray  # (T,)


def apply_leg_ik(
    poses: FloatArray, joints: FloatArray, side: int, edit: LegEdit, parents: np.ndarray
) -> FloatArray:
    """New poses (T, 24, 3) with one leg bent so its ankle reaches ``edit.target``.

    Args:
        poses: (T, 24, 3) axis-angle local rotations in the world frame (root first).
        joints: (T, 24, 3) posed joints of ``poses`` in the world frame.
        side: 0 left, 1 right.
        edit: targets and active frames.
        parents: (24,) kinematic tree.
    """
    out = poses.copy()
    idx = np.flatnonzero(edit.active)
    if len(idx) == 0:
        return out
    h, k, a = HIPS[side], KNEES[side], ANKLES[side]
    g = global_rotations(poses[idx], parents)  # (n, 24, 3, 3)
    pole = g[:, h] @ SMPL_FORWARD
    d_hip, d_knee = two_bone_ik(
        joints[idx, h], joints[idx, k], joints[idx, a], edit.target[idx], pole
    )
    g_hip = d_hip @ g[:, h]
    g_knee = d_knee @ d_hip @ g[:, k]
    parent_t = np.swapaxes(g[:, parents[h]], -1, -2)
    out[idx, h] = matrix_to_axis_angle(parent_t @ g_hip)
    out[idx, k] = matrix_to_axis_angle(np.swapaxes(g_hip, -1, -2) @ g_knee)
    out[idx, a] = matrix_to_axis_angle(np.swapaxes(g_knee, -1, -2) @ g[:, a])
    return out


def _smoothstep(x: FloatArray) -> FloatArray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def blend(
    times: FloatArray, offsets: FloatArray, inside: BoolArray
) -> tuple[FloatArray, FloatArray]:
    """Offsets (T, 3) faded in before and out after every span of ``inside`` (T,) over
    ``BLEND_S`` seconds (smoothstep of the span's edge value); returns offsets and weights (T,)."""
    out = np.where(inside[:, None], offsets, 0.0)
    weights = inside.astype(np.float64)
    for start, stop in runs(inside):
        for edge, span in ((start, range(start - 1, -1, -1)), (stop - 1, range(stop, len(out)))):
            for i in span:
                w = float(_smoothstep(1.0 - abs(times[i] - times[edge]) / BLEND_S))
                if w <= 0.0 or inside[i]:
                    break
                if w > weights[i]:
                    out[i] = w * offsets[edge]
                    weights[i] = w
    return out, weights


def lift_offsets(heights: FloatArray) -> FloatArray:
    """(T, 3) upward offsets that lift a foot whose lowest point (heights (T, K) above the floor,
    each relative to its flat-foot height) is below the floor."""
    lift = np.maximum(-heights.min(axis=1), 0.0)
    out = np.zeros((len(heights), 3))
    out[:, 1] = lift
    return out


def leg_edit(joints: FloatArray, side: int, offsets: FloatArray, weights: FloatArray) -> LegEdit:
    """Ankle targets for a leg from foot offsets (T, 3) and their weights (T,)."""
    target = joints[:, ANKLES[side]] + offsets
    active = (weights > 0) | (np.linalg.norm(offsets, axis=-1) > 0)
    return LegEdit(target=target, active=active)
