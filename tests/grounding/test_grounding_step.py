"""``mocap.ground`` end to end on exact synthetic scenes, and the moving-camera detector."""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
import pytest

import mocap
from mocap.body import SmplBody
from mocap.errors import SmplModelError
from mocap.grounding import CameraMotion, detect_camera_motion
from mocap.grounding.contacts import runs
from mocap.grounding.kinematics import TOES, posed_joints
from mocap.smoothing import smooth_sequence
from mocap.testing.grounding_scenes import Noise, corrupt
from mocap.types import Grounding


@pytest.fixture(scope="module")
def grounded(walk_scene):
    return mocap.ground(walk_scene.motion)


def test_exact_scene_recovers_the_camera_and_the_world_motion(walk_scene, grounded, body_data):
    g = grounded.grounding
    assert g is not None and g.assumption == "" and g.confidence > 0.99
    np.testing.assert_allclose(grounded.world_from_camera, walk_scene.world_from_camera, atol=1e-6)
    truth = Grounding(walk_scene.world_from_camera)
    assert g.pitch_deg == pytest.approx(truth.pitch_deg, abs=1e-4)
    assert g.roll_deg == pytest.approx(truth.roll_deg, abs=1e-4)
    body = SmplBody(body_data)
    for seq, person in zip(grounded.people, walk_scene.people, strict=True):
        w = seq.world
        assert w is not None and w.foot_contact.shape == (len(seq), 2)
        got = posed_joints(body, seq.betas, w.global_orient, w.body_pose, w.transl)
        t = person.seq
        want = posed_joints(body, t.betas, t.global_orient, t.body_pose, t.transl)
        error = np.linalg.norm(got - want, axis=-1)  # (T, 24) metres
        assert error[:, 0].max() < 0.015  # pelvis, every frame
        # frames are exact to millimetres except where a detected contact ends a frame or two
        # after the true one (the foot is then held while it starts to lift)
        worst = error.max(axis=1)
        # (pinning moves a body along its root's ray, where a planted foot a few mm off flat
        # shifts the depth a little more than along the `transl` ray did: 3.2 mm median)
        assert np.median(worst) < 0.004 and np.percentile(worst, 75) < 0.01
        agree = (w.foot_contact == person.contact).mean()
        assert agree > 0.9


def test_camera_frame_rows_are_kept(walk_scene, grounded):
    for before, after in zip(walk_scene.motion.people, grounded.people, strict=True):
        np.testing.assert_array_equal(before.transl, after.transl)
        np.testing.assert_array_equal(before.body_pose, after.body_pose)


def test_locked_feet_do_not_move_on_noisy_input(walk_scene, body_data):
    noisy = corrupt(walk_scene.motion, Noise(depth=0.07), seed=5)
    smoothed = replace(noisy, people=tuple(smooth_sequence(p, "medium") for p in noisy.people))
    result = mocap.ground(smoothed)
    body = SmplBody(body_data)
    spans, moved = 0, []
    for seq in result.people:
        w = seq.world
        joints = posed_joints(body, seq.betas, w.global_orient, w.body_pose, w.transl)
        for side in range(2):
            for start, stop in runs(w.foot_contact[:, side]):
                toe = joints[start:stop, TOES[side]]
                moved.extend(np.linalg.norm(toe - np.median(toe, axis=0), axis=1))
                spans += 1
    assert spans >= 8
    # held within a millimetre, except frames whose anchor is out of the leg's reach
    assert np.mean(np.array(moved) < 1e-3) > 0.95
    assert np.max(moved) < 0.03
    # without the lock the same contact spans slide by centimetres
    free = mocap.ground(smoothed, foot_lock=False)
    seq = free.people[0]
    w = seq.world
    joints = posed_joints(body, seq.betas, w.global_orient, w.body_pose, w.transl)
    start, stop = runs(w.foot_contact[:, 0])[0]
    assert np.abs(joints[start:stop, TOES[0]] - joints[start, TOES[0]]).max() > 0.01


def test_grounding_needs_the_body_model(walk_scene):
    with pytest.raises(SmplModelError, match="SMPL body model"):
        mocap.ground(replace(walk_scene.motion, body=None))


def test_a_moving_camera_warns_and_keeps_the_camera_frame(walk_scene, caplog):
    moving = CameraMotion(moving=True, max_drift=0.2, pairs=10, at_time=2.0)
    with caplog.at_level(logging.WARNING, logger="mocap.grounding"):
        out = mocap.ground(walk_scene.motion, camera_motion=moving)
    assert out is walk_scene.motion and out.grounding is None
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "camera moves" in warnings[0].getMessage()


def _texture(rng, h, w):
    import cv2

    noise = rng.random((h, w)).astype(np.float32)
    img = cv2.GaussianBlur(noise, (0, 0), 3)
    img = (255 * (img - img.min()) / (img.max() - img.min())).astype(np.uint8)
    return np.repeat(img[:, :, None], 3, axis=2)


def _frames(pan_px_per_frame: float, n: int = 40):
    """Frames cut from a larger texture (a pan when the window moves), with a bright 'person'
    walking across whose box is given."""
    rng = np.random.default_rng(0)
    world = _texture(rng, 400, 900)
    for i in range(n):
        x0 = round(50 + pan_px_per_frame * i)
        img = world[50:290, x0 : x0 + 320].copy()
        px = 20 + 6 * i
        img[60:200, px : px + 40] = rng.integers(0, 255, (140, 40, 3))
        yield i / 30.0, img, np.array([[px, 60, px + 40, 200]], dtype=np.float32)


def test_static_camera_with_a_walking_person_is_static():
    verdict = detect_camera_motion(_frames(0.0))
    assert not verdict.moving and verdict.pairs >= 5
    assert verdict.max_drift < 0.005


def test_panning_camera_is_detected():
    verdict = detect_camera_motion(_frames(2.0))
    assert verdict.moving
    assert "image diagonal" in verdict.describe()


def test_a_lone_short_standing_track_falls_back_to_a_stated_assumption(body_data, caplog):
    from mocap.testing.grounding_scenes import Route, make_scene

    scene = make_scene(
        body_data, [Route("stand", start=(0.0, -4.0))], 1.5, -10.0, 0.0, duration_s=1.5
    )
    with caplog.at_level(logging.WARNING, logger="mocap.grounding"):
        out = mocap.ground(scene.motion)
    g = out.grounding
    assert g is not None and g.confidence == 0.0 and "assumed a level camera" in g.assumption
    assert g.pitch_deg == pytest.approx(0.0) and g.roll_deg == pytest.approx(0.0)
    assert any("floor not fitted" in r.getMessage() for r in caplog.records)
    seq = out.people[0]
    assert seq.world is not None and seq.world.foot_contact.any()
    # no pinning to an assumed floor: the world root is the camera-frame root moved rigidly
    np.testing.assert_allclose(
        np.linalg.norm(seq.world.transl - seq.world.transl[0], axis=1),
        np.linalg.norm(seq.transl - seq.transl[0], axis=1),
        atol=0.02,
    )


def test_one_person_walking_straight_fixes_the_floor(body_data):
    """All feet near one line: only same-frame pairs (left/right feet) fix the tilt about it."""
    from mocap.testing.grounding_scenes import Route, make_scene

    scene = make_scene(
        body_data, [Route("walk", start=(-3.0, -6.0), heading_deg=90)], 1.6, -15.0, 3.0, 4.0
    )
    g = mocap.ground(scene.motion).grounding
    truth = Grounding(scene.world_from_camera)
    assert g is not None and g.assumption == ""
    assert g.pitch_deg == pytest.approx(truth.pitch_deg, abs=1e-3)
    assert g.roll_deg == pytest.approx(truth.roll_deg, abs=1e-3)
    assert g.camera_height == pytest.approx(1.6, abs=1e-4)
