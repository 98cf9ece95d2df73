"""Foot contacts from height above the floor and foot speed, with hysteresis and minimum duration.

A foot is in contact while its lowest point (ankle or ball of the foot, each measured above its
own flat-foot height) is near the floor and that point is nearly still. Hysteresis (tighter limits
to enter than to stay) keeps flags from flickering on noise; contacts and gaps shorter than a
minimum duration are removed (a gap is closed first, then a too-short contact dropped).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mocap.grounding.kinematics import SIDE_POINTS
from mocap.smoothing import smooth_signal
from mocap.types import BoolArray, FloatArray


@dataclass(frozen=True)
class ContactLimits:
    """Thresholds of the contact detector (metres, metres per second, seconds).

    Defaults: a planted foot of a walking adult stays within ~2 cm of its flat height and moves
    < 0.1 m/s (heel strike to toe off), while a swinging foot averages ~3 m/s and rises 5-15 cm;
    the limits sit between with room for a monocular regressor's errors (several centimetres of
    height, ~0.3 m/s of apparent motion from pose noise).
    """

    enter_height: float = 0.08
    exit_height: float = 0.12
    enter_speed: float = 0.8
    exit_speed: float = 1.3
    lowest_margin: float = 0.03
    min_contact_s: float = 0.08
    min_gap_s: float = 0.06


SPEED_SIGMA_S = 0.07
"""Positions are smoothed over this many seconds before differencing (speed of a foot, not of
the frame-to-frame pose noise of a per-frame regressor)."""


def velocity(times: FloatArray, positions: FloatArray) -> FloatArray:
    """(T, ..., 3) velocity in m/s of points (T, ..., 3): local quadratic smoothing over
    ``SPEED_SIGMA_S`` (``mocap.smoothing.smooth_signal``), then central differences."""
    if len(times) < 2:
        return np.zeros_like(positions)
    smooth = smooth_signal(times, positions, SPEED_SIGMA_S)
    return np.gradient(smooth, times, axis=0)


def foot_speed(times: FloatArray, positions: FloatArray) -> FloatArray:
    """(T, ...) speed in m/s of points (T, ..., 3), see :func:`velocity`."""
    return np.linalg.norm(velocity(times, positions), axis=-1)


def hysteresis(low: BoolArray, high: BoolArray) -> BoolArray:
    """On where ``low`` (enter condition) starts a run, staying on until ``high`` (exit) holds.

    Args:
        low: (T,) bool, may switch on.
        high: (T,) bool, must switch off.
    """
    out = np.zeros(len(low), dtype=bool)
    on = False
    for i in range(len(low)):
        on = (not high[i]) if on else bool(low[i])
        out[i] = on
    return out


def runs(flags: BoolArray) -> list[tuple[int, int]]:
    """Half-open ``(start, stop)`` index ranges where ``flags`` (T,) is true."""
    padded = np.concatenate([[False], np.asarray(flags, dtype=bool), [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def _drop_short(flags: BoolArray, times: FloatArray, min_s: float, value: bool) -> BoolArray:
    out = flags.copy()
    target = out if value else ~out
    for a, b in runs(target):
        if not value and (a == 0 or b == len(out)):
            continue  # a gap at either end of the track is not between two contacts
        span = times[b - 1] - times[a] if b - a > 1 else 0.0
        if span < min_s:
            out[a:b] = not value
    return out


def across_ray_speed(times: FloatArray, points: FloatArray, eye: FloatArray) -> FloatArray:
    """(T, K) speed in m/s of points (T, K, 3) across their viewing rays from ``eye`` (3,).

    Monocular depth errors move a body along the viewing ray; this part of the speed is blind to
    them (a planted foot reads ~0 however much the depth wobbles).
    """
    vel = velocity(times, points)
    ray = points - eye
    ray = ray / np.maximum(np.linalg.norm(ray, axis=-1, keepdims=True), 1e-9)
    across = vel - np.sum(vel * ray, axis=-1, keepdims=True) * ray
    return np.linalg.norm(across, axis=-1)


def detect_contacts(
    times: FloatArray,
    heights: FloatArray,
    points: FloatArray,
    eye: FloatArray,
    limits: ContactLimits,
) -> BoolArray:
    """Contact flags of both feet.

    A foot point may be planted when it is near the floor, slow across its viewing ray, and
    within ``limits.lowest_margin`` of the lowest foot point of its frame (depth errors shift both
    feet alike, so this comparison holds even where absolute heights are off by centimetres).

    Args:
        times: (T,) seconds.
        heights: (T, 4) height of ``FOOT_POINTS`` above their flat-foot heights, metres.
        points: (T, 4, 3) those points, metres (any frame in which ``eye`` is given).
        eye: (3,) camera centre in the same frame.
        limits: thresholds.

    Returns:
        (T, 2) bool, left then right.
    """
    speed = across_ray_speed(times, points, eye)  # (T, 4)
    relative = heights - heights.min(axis=1, keepdims=True)
    enter = (
        (heights < limits.enter_height)
        & (speed < limits.enter_speed)
        & (relative < limits.lowest_margin)
    )
    stay = (
        (heights < limits.exit_height)
        & (speed < limits.exit_speed)
        & (relative < 2 * limits.lowest_margin)
    )
    flags = []
    for cols in SIDE_POINTS:
        on, off = np.any(enter[:, cols], axis=1), ~np.any(stay[:, cols], axis=1)
        # backwards in time: a span starts where the loose limits first hold and ends where the
        # tight ones last held, which matches true contacts better than the forward pass (the
        # smoothed speed makes it enter late and leave late, holding a foot that already lifts)
        side = hysteresis(on[::-1], off[::-1])[::-1]
        side = _drop_short(side, times, limits.min_gap_s, value=False)
        flags.append(_drop_short(side, times, limits.min_contact_s, value=True))
    return np.stack(flags, axis=1)
