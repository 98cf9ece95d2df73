"""Whittaker smoothing with weights: the one banded least-squares smoother of the grounding step.

Minimises, for values ``x`` (T, C) on rows of a regular time grid::

    sum_t w_t |x_t - y_t|^2  +  p |x_t - x0|^2  +  lam sum_t |x_{t-1} - 2 x_t + x_{t+1}|^2

Rows with ``w_t = 0`` between weighted rows are interpolated (a cubic-spline-like bridge), a small
prior weight ``p`` keeps long empty stretches near ``x0``; rows before the first and after the
last weighted row hold that row's value (a second-difference penalty would extrapolate the end
slope without bound). ``lam`` is set from a cut-off period: a sinusoid of that
period passes at about half amplitude where the data weight is typical, shorter ones are
smoothed away (the second difference of ``sin(w t)`` has gain ``w^2``, so
``lam = w_typical / omega_c^4``).
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import solveh_banded

from mocap.types import FloatArray


def second_difference_bands(n: int) -> FloatArray:
    """(3, n) upper banded form (``scipy.linalg.solveh_banded``) of ``L^T L``, with ``L`` the
    (n-2, n) second-difference operator (rows ``[1, -2, 1]``)."""
    ab = np.zeros((3, n))
    if n < 3:
        return ab
    ones = np.ones(n - 2)
    # diagonal: each row r adds 1, 4, 1 at r, r+1, r+2
    np.add.at(ab[2], np.arange(n - 2), ones)
    np.add.at(ab[2], np.arange(1, n - 1), 4 * ones)
    np.add.at(ab[2], np.arange(2, n), ones)
    # first super-diagonal (column j holds entry (j-1, j)): -2 at (r, r+1) and (r+1, r+2)
    np.add.at(ab[1], np.arange(1, n - 1), -2 * ones)
    np.add.at(ab[1], np.arange(2, n), -2 * ones)
    # second super-diagonal: 1 at (r, r+2)
    ab[0, 2:] += ones
    return ab


def whittaker(
    targets: FloatArray,
    weights: FloatArray,
    prior: FloatArray,
    prior_weight: float,
    period_rows: float,
) -> FloatArray:
    """Weighted smooth fit ``x`` (T, C) of ``targets`` (T, C) with row weights ``weights`` (T,),
    pulled towards ``prior`` (C,) with ``prior_weight``, cut-off period ``period_rows`` rows."""
    y = np.asarray(targets, dtype=np.float64).reshape(len(weights), -1)
    w = np.asarray(weights, dtype=np.float64)
    typical = float(np.median(w[w > 0])) if np.any(w > 0) else max(prior_weight, 1.0)
    omega = 2.0 * np.pi / max(period_rows, 2.0)
    ab = second_difference_bands(len(w)) * (typical / omega**4)
    ab[2] += w + prior_weight
    rhs = w[:, None] * y + prior_weight * np.asarray(prior, dtype=np.float64).reshape(1, -1)
    out = solveh_banded(ab, rhs)
    data = np.flatnonzero(w > 0)
    if len(data):  # hold the end values instead of extrapolating the end slopes
        out[: data[0]] = out[data[0]]
        out[data[-1] + 1 :] = out[data[-1]]
    return out.reshape(np.shape(targets))
