"""Rotation conversions: round trips, scipy agreement, near-pi and tiny angles, torch == numpy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.spatial.transform import Rotation

from mocap import rotations as rot

FINITE = st.floats(-10.0, 10.0, allow_nan=False, allow_infinity=False)
TOL = 1e-12


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _same_rotation_aa(a: np.ndarray, b: np.ndarray) -> float:
    """Largest difference between the matrices of two axis-angle arrays."""
    return float(np.abs(rot.axis_angle_to_matrix(a) - rot.axis_angle_to_matrix(b)).max())


axis_angles = arrays(np.float64, st.tuples(st.integers(1, 5), st.just(3)), elements=FINITE)
nonzero_vectors = arrays(np.float64, (3,), elements=st.floats(-1, 1)).filter(
    lambda v: np.linalg.norm(v) > 1e-3
)


@settings(max_examples=40, deadline=None)
@given(axis_angles)
def test_axis_angle_to_matrix_matches_scipy(aa):
    assert np.abs(rot.axis_angle_to_matrix(aa) - Rotation.from_rotvec(aa).as_matrix()).max() < 1e-12


@settings(max_examples=40, deadline=None)
@given(axis_angles)
def test_matrix_to_axis_angle_matches_scipy_numpy_and_torch(aa):
    m = Rotation.from_rotvec(aa).as_matrix()
    want = Rotation.from_matrix(m).as_rotvec()
    got_np = rot.matrix_to_axis_angle(m)
    got_t = rot.matrix_to_axis_angle(torch.from_numpy(m))
    assert isinstance(got_t, torch.Tensor) and got_t.dtype == torch.float64
    # Exactly at pi, +axis and -axis are both right; compare the rotations there.
    assert np.abs(got_np - want).max() < TOL or _same_rotation_aa(got_np, want) < TOL
    assert np.abs(got_t.numpy() - got_np).max() < TOL
    assert np.all(np.linalg.norm(got_np, axis=-1) <= np.pi + 1e-12)


@settings(max_examples=40, deadline=None)
@given(nonzero_vectors, st.floats(-12, -1))
def test_near_pi_angles_are_recovered_exactly(axis, log_gap):
    aa = _unit(axis) * (np.pi - 10.0**log_gap)
    m = Rotation.from_rotvec(aa).as_matrix()
    assert np.abs(rot.matrix_to_axis_angle(m) - aa).max() < 1e-9
    assert np.abs(rot.matrix_to_axis_angle(m) - Rotation.from_matrix(m).as_rotvec()).max() < TOL


@pytest.mark.parametrize("axis", np.eye(3))
def test_exactly_pi_gives_a_rotation_by_pi(axis):
    m = rot.axis_angle_to_matrix(axis * np.pi)
    aa = rot.matrix_to_axis_angle(m)
    assert abs(np.linalg.norm(aa) - np.pi) < 1e-12
    assert np.abs(rot.axis_angle_to_matrix(aa) - m).max() < 1e-12


@settings(max_examples=40, deadline=None)
@given(nonzero_vectors, st.floats(-14, -3))
def test_tiny_angles_keep_relative_precision(axis, log_angle):
    aa = _unit(axis) * 10.0**log_angle
    back = rot.matrix_to_axis_angle(rot.axis_angle_to_matrix(aa))
    assert np.abs(back - aa).max() <= 1e-9 * 10.0**log_angle + 1e-300
    back_q = rot.quaternion_to_axis_angle(rot.axis_angle_to_quaternion(aa))
    assert np.abs(back_q - aa).max() <= 1e-12 * 10.0**log_angle


def test_identity_and_zero_vectors():
    zeros = np.zeros((2, 3))
    assert np.array_equal(rot.axis_angle_to_matrix(zeros), np.broadcast_to(np.eye(3), (2, 3, 3)))
    assert np.array_equal(rot.matrix_to_axis_angle(np.eye(3)), np.zeros(3))
    assert np.array_equal(rot.axis_angle_to_quaternion(zeros[0]), [0, 0, 0, 1])
    assert np.array_equal(rot.quaternion_to_axis_angle([0, 0, 0, -1.0]), np.zeros(3))
    t = rot.axis_angle_to_matrix(torch.zeros(3, dtype=torch.float64, requires_grad=True))
    t.sum().backward()  # the small-angle branch must not poison gradients with NaN


@settings(max_examples=40, deadline=None)
@given(
    arrays(np.float64, (4,), elements=st.floats(-1, 1)).filter(lambda q: np.linalg.norm(q) > 1e-3)
)
def test_quaternion_round_trips(q):
    q = _unit(q)
    q = q if q[3] >= 0 else -q
    m = rot.quaternion_to_matrix(q)
    assert np.abs(m - Rotation.from_quat(q).as_matrix()).max() < TOL
    q2 = rot.matrix_to_quaternion(m)
    assert q2[3] >= 0
    # at w == 0 both signs are the same rotation
    assert np.abs(q2 - q).max() < 1e-12 or np.abs(rot.quaternion_to_matrix(q2) - m).max() < TOL
    aa = rot.quaternion_to_axis_angle(q)
    back = rot.quaternion_to_axis_angle(rot.axis_angle_to_quaternion(aa))
    assert _same_rotation_aa(back, aa) < TOL


@pytest.mark.parametrize("lead", [(), (1,), (4, 5), (2, 3, 24)])
def test_batch_shapes(lead):
    rng = np.random.default_rng(0)
    aa = rng.normal(size=(*lead, 3))
    m = rot.axis_angle_to_matrix(aa)
    assert m.shape == (*lead, 3, 3)
    assert rot.matrix_to_axis_angle(m).shape == (*lead, 3)
    assert rot.matrix_to_quaternion(m).shape == (*lead, 4)
    assert rot.quaternion_to_matrix(rot.axis_angle_to_quaternion(aa)).shape == (*lead, 3, 3)
    assert rot.matrix_to_rot6d(m).shape == (*lead, 6)
    assert rot.rot6d_to_matrix(rot.matrix_to_rot6d(m)).shape == (*lead, 3, 3)


def test_wrong_shapes_are_rejected():
    with pytest.raises(ValueError, match="axis_angle_to_matrix"):
        rot.axis_angle_to_matrix(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="matrix_to_quaternion"):
        rot.matrix_to_quaternion(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="rot6d_to_matrix"):
        rot.rot6d_to_matrix(np.zeros((2, 7)))


def _cliff_rot6d_reference(x: torch.Tensor) -> torch.Tensor:
    """CLIFF's rot6d_to_rotmat as described in docs/cliff_spec.md §1.2, written out per joint."""
    out = []
    for p in x.reshape(-1, 6):
        a1 = torch.stack([p[0], p[2], p[4]])
        a2 = torch.stack([p[1], p[3], p[5]])
        b1 = a1 / torch.clamp(torch.linalg.norm(a1), min=1e-12)
        u = a2 - torch.dot(b1, a2) * b1
        b2 = u / torch.clamp(torch.linalg.norm(u), min=1e-12)
        b3 = torch.linalg.cross(b1, b2)
        out.append(torch.stack([b1, b2, b3], dim=1))
    return torch.stack(out)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_rot6d_follows_cliff_convention(dtype):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(3, 144, generator=g, dtype=dtype)
    got = rot.rot6d_to_matrix(x)
    assert got.shape == (3, 24, 3, 3) and got.dtype == dtype
    ref = _cliff_rot6d_reference(x).reshape(3, 24, 3, 3)
    tol = 1e-6 if dtype == torch.float32 else 1e-14
    assert (got - ref).abs().max() < tol
    np_got = rot.rot6d_to_matrix(x.numpy())
    assert np.abs(np_got - got.numpy()).max() < tol
    eye = np.einsum("...ji,...jk->...ik", np_got, np_got)
    assert np.abs(eye - np.eye(3)).max() < 10 * tol
    assert np.all(np.linalg.det(np_got) > 0)


def test_cliff_mean_pose_first_joint_is_180_about_x():
    # docs/cliff_spec.md §1.1: init_pose joint 0 = (1, 0, 0, -1, 0, 1.5e-7)
    m = rot.rot6d_to_matrix(np.array([1.0, 0.0, 0.0, -1.0, 0.0, 1.5e-7]))
    assert np.abs(m - np.diag([1.0, -1.0, -1.0])).max() < 1e-6


def test_matrix_to_rot6d_inverts_rot6d_to_matrix():
    m = Rotation.random(50, random_state=3).as_matrix()
    six = rot.matrix_to_rot6d(m)
    assert np.array_equal(six[:, 0::2], m[:, :, 0]) and np.array_equal(six[:, 1::2], m[:, :, 1])
    assert np.abs(rot.rot6d_to_matrix(six) - m).max() < 1e-14
    t6 = rot.matrix_to_rot6d(torch.from_numpy(m))
    assert torch.equal(t6, torch.from_numpy(six))


def test_torch_results_equal_numpy_and_keep_dtype():
    rng = np.random.default_rng(1)
    aa = rng.normal(size=(7, 3))
    q = rng.normal(size=(7, 4))
    pairs = [
        (rot.axis_angle_to_matrix, aa),
        (rot.axis_angle_to_quaternion, aa),
        (rot.quaternion_to_axis_angle, q),
        (rot.quaternion_to_matrix, q),
        (rot.matrix_to_quaternion, Rotation.from_rotvec(aa).as_matrix()),
    ]
    for fn, x in pairs:
        want = fn(x)
        got = fn(torch.from_numpy(x))
        assert got.dtype == torch.float64
        assert np.abs(got.numpy() - want).max() < 1e-14, fn.__name__
        got32 = fn(torch.from_numpy(x).float())
        assert got32.dtype == torch.float32
        assert np.abs(got32.numpy() - want).max() < 1e-5, fn.__name__


def test_continuous_quaternions_removes_sign_flips():
    angles = np.linspace(0, 4 * np.pi, 200)
    q = rot.axis_angle_to_quaternion(np.stack([angles, 0 * angles, 0 * angles], -1) % (2 * np.pi))
    raw_jumps = np.sum(np.einsum("ti,ti->t", q[1:], q[:-1]) < 0)
    assert raw_jumps > 0  # the canonical w >= 0 form does jump
    c = rot.continuous_quaternions(q)
    assert np.all(np.einsum("ti,ti->t", c[1:], c[:-1]) >= 0)
    assert np.all(np.abs(np.abs(c) - np.abs(q)) == 0)  # only signs changed
    # time on axis 1 of a (people, T, 4) array
    stacked = np.stack([q, -q])
    c2 = rot.continuous_quaternions(stacked, axis=1)
    assert np.all(np.einsum("pti,pti->pt", c2[:, 1:], c2[:, :-1]) >= 0)
    with pytest.raises(ValueError, match="time axis"):
        rot.continuous_quaternions(q, axis=-1)


GOLDEN_DIR = Path(__file__).resolve().parents[1] / "data"  # CLIFF goldens (docs/cliff_spec.md §9.2)


@pytest.mark.parametrize("variant", ["hr48", "res50"])
def test_official_cliff_golden_rotations(variant):
    """The official CLIFF run: its 6D -> rotmat and the demo's axis-angle export."""
    path = GOLDEN_DIR / f"cliff_golden_{variant}.npz"  # committed: a missing file fails
    with np.load(path, allow_pickle=False) as z:
        pose_6d, rotmat, aa_demo = z["pred_pose_6d"], z["pred_rotmat"], z["pose_aa_demo"]
    got = rot.rot6d_to_matrix(torch.from_numpy(pose_6d))
    assert torch.equal(got, torch.from_numpy(rotmat))  # bit-identical op order
    assert np.abs(rot.rot6d_to_matrix(pose_6d) - rotmat).max() < 1e-14
    aa = rot.matrix_to_axis_angle(torch.from_numpy(rotmat)).reshape(len(rotmat), 72)
    assert np.abs(aa.numpy() - aa_demo).max() < 1e-12


def test_axis_angle_bits_do_not_depend_on_memory_layout():
    """The same quaternions give the same bits whether they sit in a strided view or a fresh
    contiguous array, call after call (numpy's vector and scalar arctan2 differ in the last bit,
    and a strided input used to pick one of them by buffer alignment; samples/ must be remade
    byte for byte)."""
    rng = np.random.default_rng(7)
    quats = rng.normal(size=(120, 23, 4))
    expected = rot.quaternion_to_axis_angle(quats.copy())
    padded = np.zeros((120, 23, 6))
    keep_alive = []
    for size in rng.integers(1, 5000, size=300):
        keep_alive.append(np.empty(int(size)))  # move the heap so buffers land elsewhere
        padded[..., 1:5] = quats
        got = rot.quaternion_to_axis_angle(padded[..., 1:5])
        assert np.array_equal(got, expected)
