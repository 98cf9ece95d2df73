"""The synthetic SMPL stand-in: exact file layout, and a body that looks like a person."""

from __future__ import annotations

import numpy as np
import pytest

from mocap.testing.synthetic import (
    KINTREE_ROOT,
    NUM_FACES,
    NUM_VERTICES,
    SMPL_PARENTS,
    designed_joints,
    make_synthetic_smpl,
    synthetic_smpl_model_data,
)
from mocap.types import SmplModelData

EXPECTED = {
    "v_template": ((6890, 3), np.float64),
    "shapedirs": ((6890, 3, 10), np.float64),
    "posedirs": ((6890, 3, 207), np.float64),
    "J_regressor": ((24, 6890), np.float64),
    "J_regressor_prior": ((24, 6890), np.float64),
    "weights": ((6890, 24), np.float64),
    "weights_prior": ((6890, 24), np.float64),
    "J": ((24, 3), np.float64),
    "f": ((13776, 3), np.uint32),
    "kintree_table": ((2, 24), np.int64),
    "vert_sym_idxs": ((6890,), np.int64),
}

# SMPL joint indices used below
PELVIS, L_HIP, R_HIP, L_KNEE, L_ANKLE, R_ANKLE, NECK, HEAD = 0, 1, 2, 4, 7, 8, 12, 15
L_SHOULDER, L_WRIST, R_WRIST = 16, 20, 21


def test_keys_shapes_and_dtypes_match_smpl_files(smpl_dict):
    for key, (shape, dtype) in EXPECTED.items():
        assert smpl_dict[key].shape == shape, key
        assert smpl_dict[key].dtype == dtype, key
    assert smpl_dict["bs_type"] == "lrotmin" and smpl_dict["bs_style"] == "lbs"
    kt = smpl_dict["kintree_table"]
    assert kt[0, 0] == KINTREE_ROOT
    assert kt[0, 1:].tolist() == list(SMPL_PARENTS[1:])
    assert kt[1].tolist() == list(range(24))


def test_faces_are_a_closed_consistently_oriented_surface(smpl_dict):
    f = smpl_dict["f"].astype(np.int64)
    v = smpl_dict["v_template"]
    assert (NUM_VERTICES, NUM_FACES) == (6890, 13776)
    assert f.min() == 0 and f.max() == NUM_VERTICES - 1
    assert len(np.unique(f)) == NUM_VERTICES  # every vertex used
    assert np.all((f[:, 0] != f[:, 1]) & (f[:, 1] != f[:, 2]) & (f[:, 0] != f[:, 2]))
    tri = v[f]
    area = np.linalg.norm(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1) / 2
    assert area.min() > 1e-7  # no degenerate triangles
    directed = np.concatenate([f[:, [0, 1]], f[:, [1, 2]], f[:, [2, 0]]])
    assert len(np.unique(directed, axis=0)) == len(directed)  # consistent orientation
    undirected, counts = np.unique(np.sort(directed, 1), axis=0, return_counts=True)
    assert np.all(counts == 2)  # closed manifold
    assert NUM_VERTICES - len(undirected) + NUM_FACES == 2  # genus 0
    volume = np.einsum("ij,ij->i", tri[:, 0], np.cross(tri[:, 1], tri[:, 2])).sum() / 6
    assert 0.04 < volume < 0.12  # outward normals; a person is ~60-80 litres


def test_body_is_a_person_sized_humanoid_in_the_smpl_frame(smpl_dict):
    v, j = smpl_dict["v_template"], smpl_dict["J"]
    height = v[:, 1].max() - v[:, 1].min()
    assert 1.6 < height < 1.8
    assert -1.25 < v[:, 1].min() < -1.05  # soles around y = -1.1 .. -1.2
    assert np.linalg.norm(j[PELVIS]) < 0.3  # pelvis near the origin
    assert j[HEAD, 1] > j[NECK, 1] > j[PELVIS, 1] > j[L_KNEE, 1] > j[L_ANKLE, 1]
    assert j[L_HIP, 0] > 0 > j[R_HIP, 0]  # body-left is +x
    assert j[L_WRIST, 0] > 0.5 and j[R_WRIST, 0] < -0.5  # T-pose arms
    assert abs(j[L_WRIST, 1] - j[L_SHOULDER, 1]) < 0.05
    toes = v[(v[:, 1] < -1.15) & (v[:, 0] > 0)]
    assert toes[:, 2].max() > 0.12 > -toes[:, 2].min()  # feet point forward (+z)
    bones = np.linalg.norm(j[1:] - j[list(SMPL_PARENTS[1:])], axis=1)
    assert np.all((bones > 0.03) & (bones < 0.45))


def test_left_right_symmetry(smpl_dict):
    v, j, sym = smpl_dict["v_template"], smpl_dict["J"], smpl_dict["vert_sym_idxs"]
    flip = np.array([-1.0, 1.0, 1.0])
    assert np.abs(v[sym] * flip - v).max() < 1e-12
    assert np.array_equal(sym[sym], np.arange(NUM_VERTICES))
    pairs = [(1, 2), (4, 5), (7, 8), (10, 11), (13, 14), (16, 17), (18, 19), (20, 21), (22, 23)]
    for left, right in pairs:
        assert np.abs(j[left] * flip - j[right]).max() < 1e-9
    w = smpl_dict["weights"]
    swap = np.arange(24)
    for left, right in pairs:
        swap[left], swap[right] = right, left
    assert np.abs(w[sym][:, swap] - w).max() < 1e-9


def test_joint_regressor_is_sparse_convex_and_regresses_the_designed_joints(smpl_dict):
    reg = smpl_dict["J_regressor"]
    assert np.all(reg >= 0)
    assert np.allclose(reg.sum(1), 1.0, atol=1e-12)
    assert np.count_nonzero(reg) < 24 * 50
    assert np.abs(reg @ smpl_dict["v_template"] - designed_joints()).max() < 1e-9
    assert np.abs(smpl_dict["J"] - reg @ smpl_dict["v_template"]).max() < 1e-12


def test_skinning_weights_are_smooth_local_and_normalised(smpl_dict):
    w, v, f = smpl_dict["weights"], smpl_dict["v_template"], smpl_dict["f"].astype(np.int64)
    assert np.all(w >= 0)
    assert np.allclose(w.sum(1), 1.0, atol=1e-12)
    assert np.count_nonzero(w, axis=1).max() <= 4
    # the hand tip follows the hand, the sole the foot, the crown the head
    assert w[np.argmax(v[:, 0])].argmax() == 22
    assert w[np.argmax(v[:, 1])].argmax() == 15
    # smooth: across an edge, weights change little compared with their range
    jump = np.abs(w[f[:, 0]] - w[f[:, 1]]).max(1)
    assert np.median(jump) < 0.1 and jump.max() < 0.9


def test_shape_blend_shapes_mean_something(smpl_dict):
    v, sd, reg = smpl_dict["v_template"], smpl_dict["shapedirs"], smpl_dict["J_regressor"]

    def height(betas):
        shaped = v + sd @ betas
        return shaped[:, 1].max() - shaped[:, 1].min()

    def girth(betas):  # mean distance of the waist ring from the spine
        shaped = v + sd @ betas
        waist = np.abs(v[:, 1] + 0.10) < 0.02
        return np.linalg.norm(shaped[waist][:, [0, 2]] - (reg @ shaped)[3, [0, 2]], axis=1).mean()

    e = np.eye(10)
    assert height(2 * e[0]) > height(0 * e[0]) + 0.05 > height(-2 * e[0]) + 0.1
    assert girth(2 * e[1]) > 1.15 * girth(0 * e[1]) > 1.3 * girth(-2 * e[1])
    assert abs(height(2 * e[1]) - height(0 * e[1])) < 0.05
    for m in range(2, 10):
        assert 0 < np.abs(sd[:, :, m]).max() < 0.01


def test_pose_blend_shapes_are_small_and_local(smpl_dict):
    pd, w = smpl_dict["posedirs"], smpl_dict["weights"]
    assert 0 < np.abs(pd).max() < 0.02  # under 2 cm per unit of (R - I)
    # basis 9*k..9*k+8 belongs to joint k+1; vertices it does not skin stay still
    left_elbow_block = pd[:, :, 9 * 17 : 9 * 18]
    assert np.all(left_elbow_block[w[:, 18] == 0] == 0)


def test_seed_changes_only_the_random_fields(smpl_dict):
    a, b = smpl_dict, make_synthetic_smpl(seed=1)
    assert np.array_equal(a["v_template"], b["v_template"])
    assert np.array_equal(a["shapedirs"][:, :, :2], b["shapedirs"][:, :, :2])
    assert not np.array_equal(a["shapedirs"][:, :, 2:], b["shapedirs"][:, :, 2:])
    assert not np.array_equal(a["posedirs"], b["posedirs"])


@pytest.fixture(scope="module")
def model_data() -> SmplModelData:
    return synthetic_smpl_model_data()


def test_model_data_view(model_data):
    data = model_data
    assert isinstance(data, SmplModelData)
    assert data.source == "synthetic" and data.parents[0] == -1
    assert data.faces.dtype == np.int64 and data.num_vertices == NUM_VERTICES
    assert np.abs(data.rest_joints(np.zeros(10)) - designed_joints()).max() < 1e-9


@pytest.mark.parametrize("beta0", [-2.0, 2.0])
def test_rest_joints_follow_height(model_data, beta0):
    data = model_data
    j0, j = data.rest_joints(np.zeros(10)), data.rest_joints(np.r_[beta0, np.zeros(9)])
    head_to_ankle = lambda jj: jj[HEAD, 1] - jj[L_ANKLE, 1]  # noqa: E731
    assert np.sign(head_to_ankle(j) - head_to_ankle(j0)) == np.sign(beta0)
