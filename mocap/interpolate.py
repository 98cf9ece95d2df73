"""Gap filling along a time axis: the one linear and the one rotation interpolation.

Both the pipeline (rows the tracker filled, ``mocap.pipeline.assemble``) and the writers
(frames missing inside a track, ``exporters.skeleton.dense_track``) resample keyed rows onto
new sample positions with these functions. Rotations are slerped (``mocap.rotations.slerp``):
constant angular speed between the keys; see its docstring for the error nlerp would make.

Sample positions may be any increasing clock: seconds (the pipeline uses the decoded frame
timestamps, so variable frame rate videos interpolate in real time) or frame indices where no
timestamp exists. Positions outside the keys hold the first/last key; a position equal to a key
gets that key's row exactly.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from mocap.rotations import axis_angle_to_quaternion, quaternion_to_axis_angle, slerp


def bracket(
    x_new: npt.ArrayLike, x: npt.ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The keys around every new position.

    Args:
        x_new: (N,) sample positions.
        x: (K,) increasing key positions, K >= 1.

    Returns:
        prv, nxt: (N,) int64 indices into ``x`` of the key at or before / at or after each
            position (both the end key beyond the ends).
        weight: (N,) float64 weight of ``nxt`` in [0, 1].
        exact: (N,) bool, True where the position equals a key or lies beyond the ends (the row
            is a copy of key ``prv``).
    """
    xn, xk = np.asarray(x_new, np.float64), np.asarray(x, np.float64)
    nxt = np.searchsorted(xk, xn, side="left").clip(0, len(xk) - 1)
    prv = (np.searchsorted(xk, xn, side="right") - 1).clip(0, len(xk) - 1)
    span = xk[nxt] - xk[prv]
    exact = span <= 0
    weight = np.where(exact, 0.0, (xn - xk[prv]) / np.where(exact, 1.0, span))
    return prv, nxt, weight.clip(0.0, 1.0), exact


def interp_linear(x_new: npt.ArrayLike, x: npt.ArrayLike, values: np.ndarray) -> np.ndarray:
    """(N, ...) float64 rows of ``values`` (K, ...) at ``x``, linearly interpolated at ``x_new``."""
    prv, nxt, w, exact = bracket(x_new, x)
    v = np.asarray(values, np.float64)
    w = w.reshape((-1,) + (1,) * (v.ndim - 1))
    out = (1.0 - w) * v[prv] + w * v[nxt]
    out[exact] = v[prv[exact]]
    return out


def interp_rotations(x_new: npt.ArrayLike, x: npt.ArrayLike, rotvecs: np.ndarray) -> np.ndarray:
    """(N, ..., 3) float64 axis-angle rows slerped from keys ``rotvecs`` (K, ..., 3) at ``x``.

    Every joint turns along the shortest arc at constant angular speed between its keys.
    """
    prv, nxt, w, exact = bracket(x_new, x)
    r = np.asarray(rotvecs, np.float64)
    out = r[prv].copy()
    fill = ~exact
    if fill.any():
        q0 = axis_angle_to_quaternion(r[prv[fill]])
        q1 = axis_angle_to_quaternion(r[nxt[fill]])
        out[fill] = quaternion_to_axis_angle(slerp(q0, q1, w[fill]))
    return out
