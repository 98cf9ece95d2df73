"""Where planted feet stand, and the body-wide drift that moves them: one joint least squares.

During a contact the ball of the foot stands on a fixed floor point ``A_k`` (one per contact span
``k``), yet the estimated foot wanders: mostly because the whole body drifts (what is left of the
monocular depth error after pinning), which moves every planted foot alike. Model, per horizontal
axis::

    toe_t = A_k + delta_t          for every frame t of span k

with ``delta`` the body's drift. Where two spans overlap (both feet planted in double support)
``delta`` is fixed across them, so it chains through a whole walk; where they do not (flight
while running) its smoothness bridges the gap. Unknowns ``delta`` (T) and ``A`` (K) solve one
sparse least-squares problem with a second-difference smoothness term (cut-off ``PERIOD_S``) and a
weak pull of ``delta`` to zero (``PRIOR_WEIGHT``; it also fixes the common offset that ``delta``
and every ``A_k`` could trade). Vertically the anchors are known (the floor), so ``delta`` is the
planted feet's height above it, smoothed the same way.

The body is then moved by ``-delta`` (root translation) and the legs only take up what is left.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.sparse.linalg import spsolve

from mocap.grounding.contacts import runs
from mocap.grounding.whittaker import second_difference_bands, whittaker
from mocap.types import BoolArray, FloatArray

PERIOD_S = 0.5
"""Shortest period of body drift followed (the drift of monocular depth lasts about this long)."""
PRIOR_WEIGHT = 0.2
"""Pull of ``delta`` towards zero (the pinned depth), relative to one planted-foot observation:
a planted foot is seen to ~3 cm, the pinned body to ~7 cm, (3 / 7)^2 ~ 0.2 (benchmark root error
0.04: 14.9 cm, 0.2: 13.8 cm; weaker priors let the chain of steps drift)."""


def _smoothness(n: int, lam: float) -> sparse.csc_matrix:
    """(n, n) sparse ``lam * L^T L`` (L: second differences) from its banded form."""
    ab = second_difference_bands(n) * lam
    rows, cols, data = [np.arange(n)], [np.arange(n)], [ab[2]]
    for k in (1, 2):  # super-diagonal k of the banded form, mirrored below the diagonal
        i = np.arange(n - k)
        rows += [i, i + k]
        cols += [i + k, i]
        data += [ab[2 - k, k:], ab[2 - k, k:]]
    return sparse.csc_matrix(
        (np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n)
    )


def _horizontal(
    toe: FloatArray, spans: list[tuple[int, int, int]], n: int, period_rows: float
) -> tuple[FloatArray, FloatArray]:
    """Drift (n,) and anchors (K,) along one axis; ``toe`` (n, 2) per side, spans (side, a, b)."""
    rows, cols, values = [], [], []
    count = 0
    for k, (side, start, stop) in enumerate(spans):
        for t in range(start, stop):
            rows += [count, count]
            cols += [t, n + k]
            values.append(toe[t, side])
            count += 1
    jac = sparse.csc_matrix((np.ones(len(rows)), (rows, cols)), shape=(count, n + len(spans)))
    omega = 2.0 * np.pi / max(period_rows, 2.0)
    normal = (jac.T @ jac).tocsc()
    block = _smoothness(n, 1.0 / omega**4) + PRIOR_WEIGHT * sparse.identity(n, format="csc")
    normal = normal + sparse.block_diag([block, sparse.csc_matrix((len(spans), len(spans)))])
    solution = np.asarray(spsolve(sparse.csc_matrix(normal), jac.T @ np.asarray(values)))
    return solution[:n], solution[n:]


def planted_targets(
    times: FloatArray, toe: FloatArray, contact: BoolArray, toe_height: float
) -> tuple[FloatArray, FloatArray]:
    """Body drift and planted toe targets.

    Args:
        times: (T,) seconds.
        toe: (T, 2, 3) world positions of the balls of the feet (left, right), y up.
        contact: (T, 2) bool contact flags.
        toe_height: flat-foot height of that joint above the floor, metres.

    Returns:
        root (T, 3): translation to add to the whole body (``-delta``); targets (T, 2, 3): where
        each planted toe belongs after that (NaN where the foot is not planted).
    """
    n = len(times)
    targets = np.full((n, 2, 3), np.nan)
    spans = [(side, a, b) for side in range(2) for a, b in runs(contact[:, side])]
    if n < 3 or not spans:
        return np.zeros((n, 3)), targets
    period_rows = PERIOD_S / float(np.median(np.diff(times)))
    delta = np.zeros((n, 3))
    anchors = np.zeros((len(spans), 3))
    for axis in (0, 2):
        delta[:, axis], anchors[:, axis] = _horizontal(toe[..., axis], spans, n, period_rows)
    count = contact.sum(axis=1).astype(np.float64)
    lift = np.where(contact, toe[..., 1] - toe_height, 0.0).sum(axis=1) / np.maximum(count, 1)
    delta[:, 1] = whittaker(lift, count, np.zeros(1), PRIOR_WEIGHT, period_rows)
    anchors[:, 1] = toe_height
    for (side, a, b), anchor in zip(spans, anchors, strict=True):
        targets[a:b, side] = anchor
    return -delta, targets
