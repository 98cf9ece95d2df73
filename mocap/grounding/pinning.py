"""Depth pinned by foot contacts: rescale a person's translation along its viewing ray.

Monocular depth errs along the viewing ray: the regressor places the whole body at ``(1 + e) t``
for a true translation ``t`` (a few percent, slowly varying). Scaling ``transl`` by ``s`` moves the
body back along that ray. At a contact frame a foot point ``k`` stands ``o_k`` above the floor, so
with world up ``u`` and camera height ``H`` (camera coordinates)::

    u . (s t + r_k) = o_k - H    ->    residual  a s + b,  a = u . t,  b = u . r_k + H - o_k

where ``r_k`` is the point relative to ``transl``. The scales of all frames solve one banded least
squares problem (:func:`mocap.grounding.whittaker.whittaker`): contact residuals (weight
``1 / CONTACT_SIGMA_M^2``), a prior pulling ``s`` to 1 (weight ``1 / DEPTH_PRIOR_SIGMA^2``: the
regressor's depth is right on average; it also decides frames where ``a`` is near zero, i.e. the
camera at the height of the SMPL origin, where a depth error does not move the feet up or down) and
a second-difference smoothness term whose cut-off period is ``SMOOTH_PERIOD_S``. Per frame the
contact terms sum to ``w (s - target)^2`` up to a constant, ``w = sum a^2``,
``target = -sum a b / w``. Contacts that
disagree strongly (a foot flagged planted at the top of a jump) are down-weighted by Tukey's
biweight over a few re-weighted solves.
"""

from __future__ import annotations

import numpy as np

from mocap.grounding.whittaker import whittaker
from mocap.types import BoolArray, FloatArray

CONTACT_SIGMA_M = 0.02
"""Height uncertainty of a planted foot point (foot not quite flat, pose error), metres."""
DEPTH_PRIOR_SIGMA = 0.10
"""Relative depth uncertainty of monocular regression (CLIFF: ~5-10 %)."""
SMOOTH_PERIOD_S = 0.6
"""Shortest period of depth correction followed (shorter wiggles are smoothed away): monocular
depth errors drift over about half a second, and single contact frames are noisy (0.4 and 0.25 s
follow more noise: ``benchmarks/bench_ground.py`` root error 15.3 / 15.8 cm against 14.9)."""
TUKEY_C = 4.685
IRLS_ITERATIONS = 3
ROBUST_FLOOR_M = 0.03
"""Lower bound of the residual scale for the Tukey weights (metres)."""


def depth_scales(
    times: FloatArray,
    transl: FloatArray,
    relative: FloatArray,
    offsets: FloatArray,
    contact: BoolArray,
    up: FloatArray,
    height: float,
) -> FloatArray:
    """Per-frame factors ``s`` so that ``s * transl`` puts the contact feet on the floor.

    Args:
        times: (T,) seconds (only the frame step is used).
        transl: (T, 3) SMPL ``transl`` in the camera frame, metres.
        relative: (T, K, 3) foot points minus ``transl`` (camera frame), metres.
        offsets: (K,) height of each point above the floor when planted, metres.
        contact: (T, K) bool, the point is planted on that frame.
        up: (3,) world up in camera coordinates.
        height: camera height above the floor, metres.

    Returns:
        (T,) float64 scales (1 where no contact informs the depth).
    """
    n = len(transl)
    if n == 0 or not np.any(contact):
        return np.ones(n)
    a = transl @ up  # (T,)
    b = relative @ up + height - offsets[None, :]  # (T, K)
    step = float(np.median(np.diff(times))) if n > 1 else 1.0
    weight = contact.astype(np.float64) / CONTACT_SIGMA_M**2
    scales = np.ones(n)
    for _ in range(IRLS_ITERATIONS + 1):
        data_w = (weight * (a * a)[:, None]).sum(axis=1)  # (T,)
        data_rhs = -(weight * (a[:, None] * b)).sum(axis=1)
        target = np.divide(data_rhs, data_w, out=np.ones(n), where=data_w > 0)
        prior = 1.0 / DEPTH_PRIOR_SIGMA**2
        scales = whittaker(target, data_w, np.ones(1), prior, SMOOTH_PERIOD_S / step)
        resid = a[:, None] * scales[:, None] + b  # metres, (T, K)
        used = contact & (weight > 0)
        if not np.any(used):
            break
        scale = max(1.4826 * float(np.median(np.abs(resid[used]))), ROBUST_FLOOR_M)
        z = resid / (TUKEY_C * scale)
        tukey = np.where(np.abs(z) < 1.0, (1.0 - z * z) ** 2, 0.0)
        weight = contact * tukey / CONTACT_SIGMA_M**2
    return scales
