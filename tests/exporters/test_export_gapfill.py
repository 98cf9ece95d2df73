"""Writers fill gaps inside a track with the library's one gap fill (slerp on real time)."""

from __future__ import annotations

import dataclasses

import numpy as np
from export_helpers import make_sequence

from exporters.skeleton import dense_track


def test_writer_gap_fill_is_the_same_slerp() -> None:
    """``exporters.skeleton.dense_track`` fills a 90 degree gap at constant speed in real time."""
    seq = make_sequence(1, np.array([0, 4]), 30.0, seed=0, x_offset=0.0)
    poses = np.zeros((2, 24, 3))
    poses[1, 5] = [0.0, np.pi / 2, 0.0]
    seq = dataclasses.replace(seq, global_orient=poses[:, 0], body_pose=poses[:, 1:])
    frame_times = np.array([0.0, 0.1, 0.15, 0.2, 0.4])  # variable frame rate
    frames, rotvecs, _ = dense_track(seq, frame_times)
    np.testing.assert_array_equal(frames, np.arange(5))
    got = np.degrees(rotvecs[:, 5, 1])
    np.testing.assert_allclose(got, [0.0, 22.5, 33.75, 45.0, 90.0], atol=1e-9)
    _, by_index, _ = dense_track(seq)
    np.testing.assert_allclose(np.degrees(by_index[:, 5, 1]), [0, 22.5, 45, 67.5, 90], atol=1e-9)
