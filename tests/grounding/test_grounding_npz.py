"""The .npz keeps its camera-frame keys and adds the grounded world motion; read back and ground
again from a file."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import mocap
from exporters.npz import read_npz, write_npz


@pytest.fixture(scope="module")
def grounded(walk_scene):
    return mocap.ground(walk_scene.motion)


def test_npz_adds_world_keys_and_keeps_camera_rows(tmp_path, walk_scene, grounded):
    path = write_npz(grounded, tmp_path / "g.npz")
    plain = write_npz(walk_scene.motion, tmp_path / "plain.npz")
    with np.load(path, allow_pickle=False) as z, np.load(plain, allow_pickle=False) as p:
        for key in p.files:  # every camera-frame key unchanged
            np.testing.assert_array_equal(z[key], p[key], err_msg=key)
        n = len(z["frame"])
        assert z["world_from_camera"].shape == (4, 4) and z["world_from_camera"].dtype == np.float64
        assert z["foot_contact"].shape == (n, 2) and z["foot_contact"].dtype == np.bool_
        assert z["world_global_orient"].shape == (n, 3)
        assert z["world_body_pose"].shape == (n, 23, 3)
        assert z["world_transl"].shape == (n, 3)
        np.testing.assert_array_equal(z["world_from_camera"], grounded.world_from_camera)
        first = grounded.people[0]
        np.testing.assert_array_equal(z["world_transl"][: len(first)], first.world.transl)
        np.testing.assert_array_equal(z["foot_contact"][: len(first)], first.world.foot_contact)
        assert "world_from_camera" not in p.files


def test_npz_round_trip_restores_grounding(tmp_path, grounded, body_data):
    back = read_npz(write_npz(grounded, tmp_path / "g.npz"))
    assert back.grounding is not None
    np.testing.assert_array_equal(back.world_from_camera, grounded.world_from_camera)
    assert back.grounding.confidence == pytest.approx(grounded.grounding.confidence)
    for a, b in zip(back.people, grounded.people, strict=True):
        np.testing.assert_array_equal(a.world.body_pose, b.world.body_pose)
        np.testing.assert_array_equal(a.world.foot_contact, b.world.foot_contact)
    # a result read back can be grounded again (with the body model supplied)
    again = mocap.ground(replace(back, body=body_data))
    np.testing.assert_allclose(again.world_from_camera, grounded.world_from_camera, atol=1e-9)
