"""Temporal smoothing: zero lag, VFR-safe, rotations on the manifold, depth smoothed more."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from mocap import rotations
from mocap.errors import UsageError
from mocap.smoothing import (
    PRESETS,
    SmoothingParams,
    smooth_rotations,
    smooth_sequence,
    smooth_signal,
)
from mocap.types import SmplSequence


def _seq(times: np.ndarray, transl: np.ndarray, poses: np.ndarray) -> SmplSequence:
    n = len(times)
    return SmplSequence(
        track_id=1,
        frames=np.arange(n),
        times=times,
        global_orient=poses[:, 0],
        body_pose=poses[:, 1:],
        betas=np.zeros(10),
        transl=transl,
        observed=np.ones(n, bool),
        boxes=np.zeros((n, 4)),
        scores=np.ones(n),
    )


def test_quadratic_motion_passes_unchanged_even_with_vfr_and_at_the_ends() -> None:
    rng = np.random.default_rng(1)
    times = np.cumsum(rng.uniform(0.01, 0.1, 80))  # irregular frame times
    y = np.stack([1 + 2 * times - 3 * times**2, 0.5 * times], 1)
    out = smooth_signal(times, y, sigma_s=0.1)
    np.testing.assert_allclose(out, y, atol=1e-5)


def test_a_frame_index_filter_would_distort_vfr_but_this_one_does_not() -> None:
    # 30 fps then 10 fps: linear in time, kinked in frame index.
    times = np.r_[np.arange(30) / 30, 1 + np.arange(1, 30) / 10]
    y = 2.0 * times
    out = smooth_signal(times, y, 0.1)
    np.testing.assert_allclose(out, y, atol=1e-5)


def test_noise_is_reduced_and_no_lag_is_added() -> None:
    rng = np.random.default_rng(2)
    times = np.arange(300) / 30.0
    clean = np.sin(2 * np.pi * 0.5 * times)
    noisy = clean + rng.normal(0, 0.05, times.shape)
    out = smooth_signal(times, noisy, PRESETS["medium"].translation_sigma_s)
    assert np.abs(out - clean).mean() < 0.6 * np.abs(noisy - clean).mean()
    clean_out = smooth_signal(times, clean, 0.05)
    lags = range(-5, 6)
    err = [np.abs(np.roll(clean_out, k)[10:-10] - clean[10:-10]).mean() for k in lags]
    assert list(lags)[int(np.argmin(err))] == 0


def test_off_returns_the_input_unchanged() -> None:
    t = np.arange(10) / 30
    seq = _seq(t, np.random.default_rng(0).normal(size=(10, 3)), np.zeros((10, 24, 3)))
    assert smooth_sequence(seq, "off") is seq
    assert smooth_sequence(seq, None) is seq


def test_rotations_are_filtered_as_quaternions_across_the_pi_wrap() -> None:
    # A rotation about z going through 180 degrees: axis-angle jumps from +pi to -pi there.
    t = np.arange(40) / 30
    angle = np.radians(160 + 40 * t / t[-1])
    aa = np.zeros((40, 1, 3))
    aa[:, 0, 2] = np.where(angle <= np.pi, angle, angle - 2 * np.pi)
    out = smooth_rotations(t, aa, 0.05)
    # compare as rotations: the filtered one is within a degree of the (linear) input everywhere
    q_in = rotations.axis_angle_to_quaternion(aa)
    q_out = rotations.axis_angle_to_quaternion(out)
    dot = np.abs(np.sum(q_in * q_out, -1)).clip(0, 1)
    assert np.degrees(2 * np.arccos(dot)).max() < 1.0


def test_depth_is_smoothed_more_than_the_image_plane() -> None:
    rng = np.random.default_rng(3)
    t = np.arange(200) / 30
    noise = rng.normal(0, 0.05, (200, 3))
    noise[:, 2] = noise[:, 0]  # the same noise on x and z
    seq = _seq(t, np.array([0.0, 0.0, 4.0]) + noise, np.zeros((200, 24, 3)))
    out = smooth_sequence(seq, "medium")
    resid = np.abs(out.transl - np.array([0.0, 0.0, 4.0])).mean(0)
    assert resid[2] < 0.8 * resid[0]
    np.testing.assert_array_equal(out.betas, seq.betas)


def test_heavier_presets_smooth_more() -> None:
    rng = np.random.default_rng(4)
    t = np.arange(300) / 30
    seq = _seq(t, rng.normal(0, 0.05, (300, 3)), rng.normal(0, 0.05, (300, 24, 3)))
    jitter = []
    for name in ("off", "light", "medium", "heavy"):
        out = smooth_sequence(seq, name)
        jitter.append(np.abs(np.diff(out.transl, 2, axis=0)).mean())
    assert jitter == sorted(jitter, reverse=True)


def test_gaps_in_time_are_not_bridged() -> None:
    # Two segments 5 s apart: the second's values must not leak into the first.
    t = np.r_[np.arange(20) / 30, 5 + np.arange(20) / 30]
    y = np.r_[np.zeros(20), np.ones(20)]
    out = smooth_signal(t, y, 0.1)
    np.testing.assert_allclose(out, y, atol=1e-9)


def test_unknown_preset_and_negative_sigma_are_usage_errors() -> None:
    t = np.arange(5) / 30
    seq = _seq(t, np.zeros((5, 3)), np.zeros((5, 24, 3)))
    with pytest.raises(UsageError, match="off, light, medium, heavy"):
        smooth_sequence(seq, "extreme")
    with pytest.raises(UsageError, match="depth_sigma_s"):
        SmoothingParams(0.1, 0.1, -1.0)


def test_single_row_sequences_pass_through() -> None:
    seq = _seq(np.array([0.0]), np.ones((1, 3)), np.zeros((1, 24, 3)))
    assert smooth_sequence(seq, "heavy") is seq
    two = replace(seq)
    assert smooth_sequence(two, "heavy") is two
