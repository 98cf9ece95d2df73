"""The one gap fill (``mocap.interpolate``) against exact rotations, and its users."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from mocap.interpolate import interp_linear, interp_rotations
from mocap.rotations import slerp


def _angle_deg(rotvec: np.ndarray) -> float:
    return float(np.degrees(np.linalg.norm(rotvec)))


@pytest.mark.parametrize("weight", [0.1, 0.25, 0.5, 0.78])
def test_slerp_turns_at_constant_speed_over_a_90_degree_step(weight: float) -> None:
    q0 = Rotation.identity().as_quat()
    q1 = Rotation.from_euler("z", 90, degrees=True).as_quat()
    got = Rotation.from_quat(slerp(q0[None], q1[None], [weight])[0])
    want = Rotation.from_euler("z", 90 * weight, degrees=True)
    assert (got * want.inv()).magnitude() < 1e-12


def test_nlerp_error_quoted_in_the_slerp_docstring() -> None:
    """nlerp (what the writers used before) is off by 0.92 degrees inside a 90 degree gap."""
    w = np.linspace(0.0, 1.0, 10001)
    q0 = Rotation.identity().as_quat()
    q1 = Rotation.from_euler("x", 90, degrees=True).as_quat()
    nlerp = (1 - w)[:, None] * q0 + w[:, None] * q1
    nlerp_deg = Rotation.from_quat(nlerp / np.linalg.norm(nlerp, axis=1, keepdims=True))
    slerp_deg = Rotation.from_quat(slerp(np.tile(q0, (len(w), 1)), np.tile(q1, (len(w), 1)), w))
    exact = 90.0 * w
    nlerp_err = np.abs(np.degrees(nlerp_deg.magnitude()) - exact)
    assert nlerp_err.max() == pytest.approx(0.92, abs=0.005)
    assert w[nlerp_err.argmax()] == pytest.approx(0.22, abs=0.01) or w[
        nlerp_err.argmax()
    ] == pytest.approx(0.78, abs=0.01)
    assert np.abs(np.degrees(slerp_deg.magnitude()) - exact).max() < 1e-9


def test_interp_rotations_uses_the_clock_not_the_row_count() -> None:
    # Keys at 0 s, 0.1 s and 0.4 s: 0, 30 and 90 degrees about x (uneven spacing, as in VFR).
    keys = np.array([0.0, 0.1, 0.4])
    rv = np.radians([[[0.0, 0, 0]], [[30.0, 0, 0]], [[90.0, 0, 0]]])
    out = interp_rotations(np.array([0.05, 0.25, 0.3]), keys, rv)
    np.testing.assert_allclose(np.degrees(out[:, 0, 0]), [15.0, 60.0, 70.0], atol=1e-10)
    np.testing.assert_allclose(out[:, 0, 1:], 0.0, atol=1e-12)


def test_interp_keeps_keys_exactly_and_holds_the_ends() -> None:
    rng = np.random.default_rng(3)
    rv = rng.normal(size=(4, 24, 3))
    x = np.array([1.0, 2.0, 5.0, 6.0])
    out = interp_rotations(np.array([0.0, 1.0, 5.0, 9.0]), x, rv)
    np.testing.assert_array_equal(out, rv[[0, 0, 2, 3]])


def test_interp_linear_matches_numpy_interp() -> None:
    rng = np.random.default_rng(4)
    x = np.sort(rng.uniform(0, 10, 7))
    vals = rng.normal(size=(7, 3))
    x_new = np.linspace(-1, 11, 50)
    want = np.stack([np.interp(x_new, x, vals[:, c]) for c in range(3)], axis=1)
    np.testing.assert_allclose(interp_linear(x_new, x, vals), want, atol=1e-12)
