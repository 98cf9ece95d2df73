"""Temporal smoothing of one person's SMPL motion, on the rotation manifold and in real time units.

CLIFF regresses every frame on its own, so its output jitters from frame to frame; depth (the
distance to the camera, ``transl[:, 2]``) jitters most because it comes from the size of the box.

The filter is a zero-phase local quadratic regression with Gaussian weights in *time*
(a Savitzky-Golay filter generalised to irregular timestamps): for every row ``i`` a quadratic in
``t - t_i`` is fitted to the neighbouring rows with weights ``exp(-(t - t_i)^2 / 2 sigma^2)`` and
its value at ``t_i`` is the smoothed value. Being symmetric in time it has no lag; being quadratic
it follows constant velocity and acceleration without bias (also at the ends of a track, where a
plain moving average would pull the ends inwards); and since weights come from timestamps, variable
frame-rate video and gaps in a track are handled without resampling.

Rotations are filtered as unit quaternions, made sign-continuous along time first (``q`` and
``-q`` are the same rotation) and re-normalised after filtering; for rotations closer than a few
tens of degrees within a kernel this equals filtering on the manifold to well below CLIFF's error.
Raw axis-angle vectors are never averaged (they wrap at pi).

Presets (``sigma`` in seconds for rotations / x,y translation / depth):

* ``off``: nothing; CLIFF's per-frame output is kept exactly.
* ``light``: 0.03 / 0.03 / 0.06, for fast motion (sport, dance) where detail matters more.
* ``medium`` (the default): 0.05 / 0.05 / 0.12. About 1.5 frames at 30 fps for pose, so it removes
  most frame-to-frame jitter while keeping motion detail; depth gets a longer kernel because it is
  the noisiest quantity and people rarely change depth abruptly. ``benchmarks/bench_smoothing.py``
  measures the jitter reduction and lag of each preset.
* ``heavy``: 0.10 / 0.10 / 0.25, for slow motion or very noisy footage (costs fast detail).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from mocap.errors import UsageError
from mocap.types import NUM_BODY_JOINTS, FloatArray, SmplSequence

#: Kernel half-width in sigmas; weights beyond it are below exp(-4.5) ~ 1 % and are dropped.
_KERNEL_SIGMAS = 3.0
#: Rows filtered per step; bounds the (rows, window, channels) temporary arrays.
_CHUNK_ROWS = 512
#: Ridge on the slope/curvature coefficients (in sigma units) so that a row with one or two
#: neighbours falls back to a weighted mean instead of an ill-conditioned fit.
_RIDGE = 1e-6


@dataclass(frozen=True)
class SmoothingParams:
    """Gaussian kernel widths in seconds (0 = that quantity is left as it is).

    Attributes:
        rotation_sigma_s: for ``global_orient`` and ``body_pose``.
        translation_sigma_s: for ``transl`` x and y (image plane).
        depth_sigma_s: for ``transl`` z (distance to the camera).
    """

    rotation_sigma_s: float
    translation_sigma_s: float
    depth_sigma_s: float

    def __post_init__(self) -> None:
        for name in ("rotation_sigma_s", "translation_sigma_s", "depth_sigma_s"):
            if not getattr(self, name) >= 0:
                raise UsageError(
                    f"smoothing {name} must be >= 0 seconds, got {getattr(self, name)}."
                )


PRESETS: dict[str, SmoothingParams | None] = {
    "off": None,
    "light": SmoothingParams(0.03, 0.03, 0.06),
    "medium": SmoothingParams(0.05, 0.05, 0.12),
    "heavy": SmoothingParams(0.10, 0.10, 0.25),
}
DEFAULT_PRESET = "medium"


def resolve_preset(preset: str | SmoothingParams | None) -> SmoothingParams | None:
    """``SmoothingParams`` for a preset name (None or ``"off"`` -> None).

    Raises:
        UsageError: for an unknown preset name (the message lists the valid ones).
    """
    if preset is None or isinstance(preset, SmoothingParams):
        return preset
    if preset not in PRESETS:
        raise UsageError(f"unknown smoothing preset {preset!r}: use one of {', '.join(PRESETS)}.")
    return PRESETS[preset]


def smooth_signal(times: FloatArray, values: FloatArray, sigma_s: float) -> FloatArray:
    """Zero-phase local quadratic regression of ``values`` over irregular ``times``.

    Args:
        times: (T,) seconds, strictly increasing.
        values: (T, ...) any trailing shape; every channel is filtered independently.
        sigma_s: Gaussian kernel width in seconds (<= 0 returns a copy).

    Returns:
        (T, ...) float64 filtered values.
    """
    t = np.asarray(times, dtype=np.float64)
    y = np.asarray(values, dtype=np.float64)
    n = t.shape[0]
    if sigma_s <= 0 or n < 2:
        return y.copy()
    flat = y.reshape(n, -1)
    half = _KERNEL_SIGMAS * sigma_s
    lo = np.searchsorted(t, t - half, side="left")
    hi = np.searchsorted(t, t + half, side="right")
    width = int((hi - lo).max())
    out = np.empty_like(flat)
    for start in range(0, n, _CHUNK_ROWS):
        rows = np.arange(start, min(n, start + _CHUNK_ROWS))
        idx = lo[rows, None] + np.arange(width)[None, :]  # (R, W)
        inside = idx < hi[rows, None]
        idx = np.minimum(idx, n - 1)
        u = (t[idx] - t[rows, None]) / sigma_s  # (R, W) offsets in sigmas
        w = np.exp(-0.5 * u * u) * inside
        basis = np.stack([np.ones_like(u), u, u * u], axis=-1)  # (R, W, 3)
        wb = basis * w[..., None]
        gram = np.einsum("rwi,rwj->rij", wb, basis)  # (R, 3, 3)
        gram[:, 1, 1] += _RIDGE
        gram[:, 2, 2] += _RIDGE
        rhs = np.einsum("rwi,rwc->ric", wb, flat[idx])  # (R, 3, C)
        coef = np.linalg.solve(gram, rhs)
        out[rows] = coef[:, 0, :]
    return out.reshape(y.shape)


def smooth_rotations(times: FloatArray, rotvecs: FloatArray, sigma_s: float) -> FloatArray:
    """Filter axis-angle rotations as sign-continuous unit quaternions.

    Args:
        times: (T,) seconds, strictly increasing.
        rotvecs: (T, J, 3) axis-angle in radians.
        sigma_s: kernel width in seconds (<= 0 returns a copy).

    Returns:
        (T, J, 3) float64 axis-angle of the filtered rotations.
    """
    from mocap import rotations

    aa = np.asarray(rotvecs, dtype=np.float64)
    if sigma_s <= 0 or aa.shape[0] < 2:
        return aa.copy()
    quats = rotations.continuous_quaternions(rotations.axis_angle_to_quaternion(aa))  # (T, J, 4)
    filtered = smooth_signal(times, quats, sigma_s)
    filtered /= np.linalg.norm(filtered, axis=-1, keepdims=True)
    return rotations.quaternion_to_axis_angle(filtered)


def smooth_sequence(seq: SmplSequence, preset: str | SmoothingParams | None) -> SmplSequence:
    """One person's motion with pose and translation filtered (betas and per-frame data kept).

    Args:
        seq: the motion; its ``times`` drive the kernel (VFR and gaps are respected).
        preset: ``off|light|medium|heavy``, explicit ``SmoothingParams``, or None (= off).

    Returns:
        A new ``SmplSequence``; with ``off`` the same object is returned unchanged.
    """
    params = resolve_preset(preset)
    if params is None or len(seq) < 2:
        return seq
    poses = smooth_rotations(seq.times, seq.poses, params.rotation_sigma_s)
    transl = seq.transl.copy()
    transl[:, :2] = smooth_signal(seq.times, seq.transl[:, :2], params.translation_sigma_s)
    transl[:, 2] = smooth_signal(seq.times, seq.transl[:, 2], params.depth_sigma_s)
    return replace(
        seq,
        global_orient=poses[:, 0],
        body_pose=poses[:, 1 : 1 + NUM_BODY_JOINTS],
        transl=transl,
    )
