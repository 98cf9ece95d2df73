"""keyframe_chunks: how the decord path splits a video into runs (pure function)."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from mocap.videodecode import keyframe_chunks


def test_runs_end_before_keyframes_inside_the_window():
    runs = list(keyframe_chunks(100, 32, np.array([0, 30, 60, 90])))
    assert runs == [(0, 30), (30, 60), (60, 90), (90, 100)]


def test_long_gop_falls_back_to_full_chunks():
    runs = list(keyframe_chunks(100, 32, np.array([0])))
    assert runs == [(0, 32), (32, 64), (64, 96), (96, 100)]


def test_out_of_range_keys_are_ignored():
    assert list(keyframe_chunks(10, 4, np.array([-5, 0, 3, 10, 40]))) == [(0, 3), (3, 7), (7, 10)]


@given(
    n=st.integers(1, 400),
    chunk=st.integers(1, 64),
    keys=st.lists(st.integers(-10, 410), max_size=40),
)
def test_runs_cover_every_frame_once_within_the_chunk(n, chunk, keys):
    keys_arr = np.asarray(keys, np.int64)
    runs = list(keyframe_chunks(n, chunk, keys_arr))
    assert runs[0][0] == 0 and runs[-1][1] == n
    assert all(a < b <= a + chunk for a, b in runs)
    assert all(runs[i][1] == runs[i + 1][0] for i in range(len(runs) - 1))
    inside = set(k for k in keys if 0 < k < n)
    for a, b in runs[:-1]:
        window = [k for k in inside if a < k <= a + chunk]
        # a run that could end on a keyframe does, at the last one in reach
        assert b == (max(window) if window else a + chunk)
