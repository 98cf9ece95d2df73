"""Floor fit, world frame, Whittaker smoother and depth pinning on exact synthetic cases."""

from __future__ import annotations

import numpy as np
import pytest

from mocap.grounding import pinning
from mocap.grounding.floor import LEVEL_UP, FootPairs, fit_floor
from mocap.grounding.pinning import depth_scales
from mocap.grounding.whittaker import second_difference_bands, whittaker
from mocap.grounding.world import camera_from_pitch_roll, transform_points, world_from_camera
from mocap.types import Grounding


def _plane_points(rng, up, height, n, offsets):
    """Points ``offsets`` above the floor ``u . q = -height`` spread over 2-9 m in front."""
    x = rng.uniform(-3, 3, n)
    z = rng.uniform(-9, -2, n)
    world = np.stack([x, offsets, z], 1)
    w_from_c = world_from_camera(up, height)
    c_from_w = np.linalg.inv(w_from_c)
    return transform_points(c_from_w, world)


@pytest.mark.parametrize(("pitch", "roll", "height"), [(-15, 3, 1.6), (-35, -5, 2.5), (10, 5, 0.8)])
def test_known_plane_is_recovered_despite_lifted_feet(pitch, roll, height):
    rng = np.random.default_rng(0)
    truth = Grounding(camera_from_pitch_roll(pitch, roll, height))
    offsets = rng.choice([0.02, 0.09], 400)
    lifted = rng.random(400) < 0.25  # a quarter of the "planted" feet are 10-40 cm up
    above = offsets + lifted * rng.uniform(0.1, 0.4, 400)
    points = _plane_points(rng, truth.up, height, 400, above)
    fit = fit_floor(points, offsets, groups=np.arange(400) // 4)
    assert fit.assumption == ""
    assert np.degrees(np.arccos(np.clip(fit.up @ truth.up, -1, 1))) < 1e-6
    assert fit.height == pytest.approx(height, abs=1e-6)
    assert fit.inliers[~lifted].all() and not fit.inliers[lifted].any()
    assert fit.confidence > 0.99


def test_too_little_evidence_falls_back_to_a_stated_level_camera():
    rng = np.random.default_rng(1)
    up = Grounding(camera_from_pitch_roll(-10, 0, 1.5)).up
    points = _plane_points(rng, up, 1.5, 30, np.full(30, 0.02))
    fit = fit_floor(points, np.full(30, 0.02), groups=np.zeros(30, dtype=int))  # one sample
    assert fit.confidence == 0.0
    assert "level camera" in fit.assumption and "1 independent" in fit.assumption
    np.testing.assert_array_equal(fit.up, LEVEL_UP)
    assert 0.5 < fit.height < 3.0


def test_world_frame_conventions():
    m = camera_from_pitch_roll(-20.0, 4.0, 1.7)
    g = Grounding(m)
    assert g.pitch_deg == pytest.approx(-20.0)
    assert g.roll_deg == pytest.approx(4.0)
    assert g.camera_height == pytest.approx(1.7)
    np.testing.assert_allclose(transform_points(m, np.zeros(3)), [0.0, 1.7, 0.0], atol=1e-12)
    forward = m[:3, :3] @ np.array([0.0, 0.0, 1.0])  # optical axis in the world
    assert forward[2] < 0 and abs(forward[0]) < 1e-12  # along -z, no sideways part
    # a point the floor plane holds in camera coordinates lands on y = 0
    floor_cam = transform_points(np.linalg.inv(m), np.array([0.3, 0.0, -4.0]))
    assert transform_points(m, floor_cam)[1] == pytest.approx(0.0, abs=1e-12)


def test_second_difference_bands_equal_the_dense_operator():
    for n in (3, 4, 7):
        lap = np.zeros((n - 2, n))
        for i in range(n - 2):
            lap[i, i : i + 3] = [1, -2, 1]
        dense = lap.T @ lap
        ab = second_difference_bands(n)
        np.testing.assert_allclose(ab[2], np.diag(dense))
        np.testing.assert_allclose(ab[1, 1:], np.diag(dense, 1))
        np.testing.assert_allclose(ab[0, 2:], np.diag(dense, 2))


def test_whittaker_bridges_a_gap_along_a_line():
    t = np.arange(50, dtype=float)
    line = 0.5 + 0.02 * t
    weights = np.where((t < 10) | (t > 40), 1.0, 0.0)
    out = whittaker(line, weights, np.zeros(1), 0.0, period_rows=8.0)
    np.testing.assert_allclose(out, line, atol=1e-9)  # a line has no second difference


def test_depth_pinning_undoes_a_constant_depth_error():
    """Level camera 2.5 m up; a body whose transl origin is 1.1 m above the floor and whose
    planted foot point (flat height 2 cm) hangs 1.08 m below that origin, placed 8 % too far."""
    up, height, offset = np.array([0.0, -1.0, 0.0]), 2.5, 0.02
    n = 90
    times = np.arange(n) / 30.0
    true_t = np.tile([0.3, height - 1.1, 5.0], (n, 1))  # OpenCV: +y is down
    rel = np.tile([[0.1, 1.1 - offset, 0.05]], (n, 1, 1))
    observed = true_t * 1.08
    s = depth_scales(times, observed, rel, np.array([offset]), np.ones((n, 1), bool), up, height)
    # closed form: contact weight a^2 / sigma^2 towards the exact 1 / 1.08, prior weight towards 1
    a = observed[0] @ up
    w = a * a / pinning.CONTACT_SIGMA_M**2
    prior = 1 / pinning.DEPTH_PRIOR_SIGMA**2
    expected = (w / 1.08 + prior) / (w + prior)
    np.testing.assert_allclose(s, expected, rtol=1e-6)
    assert abs(s[0] * 1.08 - 1) < 0.2 * 0.08  # over 80 % of the depth error removed


def test_depth_pinning_leaves_people_without_contacts_alone():
    n = 20
    s = depth_scales(
        np.arange(n) / 30.0,
        np.tile([0.0, 0.5, 4.0], (n, 1)),
        np.zeros((n, 1, 3)),
        np.zeros(1),
        np.zeros((n, 1), bool),
        np.array([0.0, -1.0, 0.0]),
        1.5,
    )
    np.testing.assert_array_equal(s, 1.0)


def test_same_frame_pairs_fix_the_tilt_despite_depth_errors():
    """Each 'frame' holds two planted feet whose depth is wrong by a common 10 % (the way a
    monocular regressor errs); their difference vector still lies in the floor plane."""
    rng = np.random.default_rng(2)
    truth = Grounding(camera_from_pitch_roll(-25.0, 4.0, 1.9))
    frames = 120
    a = _plane_points(rng, truth.up, 1.9, frames, np.full(frames, 0.02))
    b = _plane_points(rng, truth.up, 1.9, frames, np.full(frames, 0.09))
    error = 1 + 0.1 * rng.normal(size=(frames, 1))
    a, b = a * error, b * error  # both feet of a frame move along their rays together
    points = np.concatenate([a, b])
    offsets = np.concatenate([np.full(frames, 0.02), np.full(frames, 0.09)])
    groups = np.concatenate([np.arange(frames), np.arange(frames)])
    pairs = FootPairs(a - b, np.full(frames, 0.02 - 0.09), np.arange(frames))
    with_pairs = fit_floor(points, offsets, groups, pairs=pairs)
    without = fit_floor(points, offsets, groups)
    tilt = np.degrees(np.arccos(np.clip(with_pairs.up @ truth.up, -1, 1)))
    tilt_without = np.degrees(np.arccos(np.clip(without.up @ truth.up, -1, 1)))
    assert tilt < 0.1 and tilt_without > 5 * tilt
    assert with_pairs.tilt_se_deg < without.tilt_se_deg


def test_depth_wobble_along_the_root_ray_does_not_tilt_the_floor():
    """People standing at one distance (all feet near one line across the view): a depth error
    moves each whole body along the ray of its pelvis, which spreads the feet towards and away
    from the camera and up and down together. Read as tilt evidence, that spread would pitch
    the floor by degrees; the fit must take the pitch from the exact same-frame pairs."""
    rng = np.random.default_rng(4)
    height, pitch = 1.2, -5.0
    truth = Grounding(camera_from_pitch_roll(pitch, 0.0, height))
    c_from_w = np.linalg.inv(truth.world_from_camera)
    frames = 200
    spots = np.array([[-1.0, -3.4], [1.2, -3.4], [0.2, -3.4]])  # (x, z) of three people
    pts, offs, groups, roots, d, do, pair_groups = [], [], [], [], [], [], []
    for k, (x, z) in enumerate(spots):
        heel = np.array([x, 0.08, z])
        toe = np.array([x, 0.03, z + 0.14])  # facing the camera: heel-toe along the depth
        pelvis = np.array([x, 0.9, z + 0.05])
        world = np.stack([heel, toe, pelvis])
        cam = transform_points(c_from_w, world)
        wobble = 0.08 * rng.normal(size=frames)  # relative depth error of the body per frame
        for f in range(frames):
            shift = wobble[f] * cam[2]  # the body moves along its pelvis ray
            pts += [cam[0] + shift, cam[1] + shift]
            offs += [0.08, 0.03]
            roots += [cam[2] + shift, cam[2] + shift]
            groups += [1000 * k + f // 10] * 2
            d.append(cam[0] - cam[1])
            do.append(0.08 - 0.03)
            pair_groups.append(1000 * k + f // 10)
    args = (np.array(pts), np.array(offs), np.array(groups))
    pairs = FootPairs(np.array(d), np.array(do), np.array(pair_groups))
    fit = fit_floor(*args, pairs=pairs, roots=np.array(roots))
    blind = fit_floor(*args, pairs=pairs)  # depth error assumed along each point's own ray
    tilt = np.degrees(np.arccos(np.clip(fit.up @ truth.up, -1, 1)))
    tilt_blind = np.degrees(np.arccos(np.clip(blind.up @ truth.up, -1, 1)))
    assert tilt < 0.2 and tilt_blind > 3 * tilt
    assert fit.height == pytest.approx(height, abs=0.03)
