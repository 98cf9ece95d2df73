"""Contacts, two-bone IK and foot locking on exact synthetic cases."""

from __future__ import annotations

import numpy as np

from mocap.body import SmplBody
from mocap.grounding import anchors, footlock
from mocap.grounding.anchors import planted_targets
from mocap.grounding.contacts import ContactLimits, detect_contacts, hysteresis, runs
from mocap.grounding.kinematics import ANKLES, global_rotations, posed_joints


def test_hysteresis_and_runs():
    low = np.array([0, 1, 0, 0, 0, 0, 1, 1, 0, 0], bool)
    high = np.array([0, 0, 0, 1, 0, 0, 0, 0, 0, 1], bool)
    flags = hysteresis(low, high)
    np.testing.assert_array_equal(flags, [0, 1, 1, 0, 0, 0, 1, 1, 1, 0])
    assert runs(flags) == [(1, 3), (6, 9)]


def _step_feet(n: int = 90):
    """Left foot planted on frames 0-29 and 60-89, swinging (fast, 10 cm up) on 30-59; right
    foot always planted. Points: ankle/toe of both feet, world y up, camera 1.5 m up at z = 0."""
    times = np.arange(n) / 30.0
    points = np.zeros((n, 4, 3))
    points[:, :, 2] = -5.0
    points[:, [0, 2], 0] = 0.1
    points[:, [1, 3], 0] = -0.1
    swing = np.arange(30, 60)
    progress = (swing - 29) / 31
    points[swing[:, None], [0, 2], 2] += (0.6 * progress)[:, None]
    points[60:, [0, 2], 2] += 0.6
    heights = np.zeros((n, 4))
    heights[swing[:, None], [0, 2]] = (0.12 * np.sin(np.pi * progress))[:, None]
    points[..., 1] = heights
    return times, heights, points


def test_contacts_found_for_planted_and_swinging_feet():
    times, heights, points = _step_feet()
    flags = detect_contacts(times, heights, points, np.array([0.0, 1.5, 0.0]), ContactLimits())
    assert flags[:, 1].all()  # right foot never leaves the floor
    left = flags[:, 0]
    assert left[:25].all() and left[65:].all()
    assert not left[36:54].any()  # mid-swing: high and fast


def test_short_blips_are_removed():
    times = np.arange(60) / 30.0
    heights = np.full((60, 4), 0.5)  # every point high ...
    heights[20:22] = 0.0  # ... but for two frames
    points = np.zeros((60, 4, 3))
    points[..., 2] = -4.0
    flags = detect_contacts(times, heights, points, np.array([0.0, 1.5, 0.0]), ContactLimits())
    assert not flags.any()


def test_two_bone_ik_reaches_reachable_targets_and_keeps_bone_lengths():
    rng = np.random.default_rng(3)
    n = 200
    hip = rng.normal(size=(n, 3))
    knee = hip + 0.4 * _unit(rng.normal(size=(n, 3)))
    ankle = knee + 0.38 * _unit(rng.normal(size=(n, 3)))
    target = hip + rng.uniform(0.1, 0.7, (n, 1)) * _unit(rng.normal(size=(n, 3)))
    pole = rng.normal(size=(n, 3))
    d_hip, d_knee = footlock.two_bone_ik(hip, knee, ankle, target, pole)
    new_knee = hip + np.einsum("tij,tj->ti", d_hip, knee - hip)
    new_ankle = new_knee + np.einsum("tij,tj->ti", d_knee @ d_hip, ankle - knee)
    np.testing.assert_allclose(new_ankle, target, atol=1e-9)
    np.testing.assert_allclose(np.linalg.norm(new_knee - hip, axis=1), 0.4, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(new_ankle - new_knee, axis=1), 0.38, atol=1e-12)


def _unit(v):
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def test_leg_ik_on_the_smpl_body_reaches_its_target_and_keeps_the_foot_orientation(body_data):
    body = SmplBody(body_data)
    rng = np.random.default_rng(4)
    n = 20
    betas = np.zeros(10)
    poses = 0.2 * rng.normal(size=(n, 24, 3))
    transl = rng.normal(size=(n, 3))
    joints = posed_joints(body, betas, poses[:, 0], poses[:, 1:], transl)
    hip, ankle = joints[:, 1], joints[:, ANKLES[0]]
    reach = np.linalg.norm(ankle - hip, axis=1, keepdims=True)  # shorter than the stretched leg
    target = hip + 0.9 * reach * _unit(ankle - hip + 0.15 * rng.normal(size=(n, 3)))
    edit = footlock.LegEdit(target=target, active=np.ones(n, bool))
    new = footlock.apply_leg_ik(poses, joints, 0, edit, body.parents)
    moved = posed_joints(body, betas, new[:, 0], new[:, 1:], transl)
    np.testing.assert_allclose(moved[:, ANKLES[0]], target, atol=1e-9)
    before = global_rotations(poses, body.parents)[:, ANKLES[0]]
    after = global_rotations(new, body.parents)[:, ANKLES[0]]
    np.testing.assert_allclose(after, before, atol=1e-9)
    np.testing.assert_allclose(moved[:, 2:4], joints[:, 2:4], atol=1e-12)  # right leg, spine


def test_blend_fades_corrections_without_jumps():
    times = np.arange(40) / 30.0
    offsets = np.zeros((40, 3))
    offsets[10:30] = [0.05, 0.0, -0.03]
    inside = np.zeros(40, bool)
    inside[10:30] = True
    out, weights = footlock.blend(times, offsets, inside)
    np.testing.assert_allclose(out[10:30], offsets[10:30])
    assert weights[9] > 0 and weights[30] > 0 and weights[0] == 0 and weights[39] == 0
    steps = np.linalg.norm(np.diff(out, axis=0), axis=1)
    assert steps.max() < 0.6 * np.linalg.norm(offsets[10])  # faded over several frames


def test_planted_targets_recover_body_drift_chained_through_double_support(monkeypatch):
    """Two feet stepping with overlapping contacts; the whole body drifts smoothly (as a depth
    error would). Without the pull towards the pinned depth the drift is found up to one constant
    and every span gets one floor target."""
    monkeypatch.setattr(anchors, "PRIOR_WEIGHT", 1e-6)
    n = 150
    times = np.arange(n) / 30.0
    drift = np.stack([0.05 * np.sin(2 * np.pi * times / 1.5), np.zeros(n), 0.2 * times / 5], 1)
    contact = np.zeros((n, 2), bool)
    spans = []
    toe = np.zeros((n, 2, 3))
    for side, phase in ((0, 0), (1, 15)):
        for k, start in enumerate(range(phase, n, 30)):  # 20 planted frames of every 30
            stop = min(start + 20, n)
            contact[start:stop, side] = True
            spans.append((side, start))
            toe[start:stop, side] = [0.1 - 0.2 * side, 0.02, -4.0 + 0.35 * k]
    toe[:, :, :] += drift[:, None, :]
    root, targets = planted_targets(times, toe, contact, toe_height=0.02)
    held = toe + root[:, None, :]  # the body moved by the root correction
    for side, start in spans:
        stop = min(start + 20, n)
        np.testing.assert_allclose(
            targets[start:stop, side], np.tile(targets[start, side], (stop - start, 1))
        )
        # after the root correction each planted toe stays on its target within 5 mm (the drift
        # was up to 25 cm)
        assert np.abs(held[start:stop, side] - targets[start:stop, side]).max() < 5e-3
    offset = (drift + root)[:, [0, 2]]  # what is left of the drift: one constant
    assert np.ptp(offset, axis=0).max() < 8e-3  # of 100 mm and 200 mm
    assert np.isnan(targets[~contact]).all()
