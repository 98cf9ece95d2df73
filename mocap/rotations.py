"""The project's only rotation conversions: axis-angle, 3x3 matrices, quaternions and CLIFF's 6D.

Conventions:

* axis-angle: ``(..., 3)`` vector ``angle * unit_axis`` in radians (angle returned in ``[0, pi]``);
* matrices: ``(..., 3, 3)``, acting on column vectors (``v' = R @ v``);
* quaternions: ``(..., 4)`` in scipy's scalar-last order ``(x, y, z, w)``; results of conversions
  have ``w >= 0``;
* 6D: CLIFF's layout (``common/imutils.rot6d_to_rotmat``): the six numbers ``p0..p5`` of one joint
  are the 3x2 matrix ``[[p0, p1], [p2, p3], [p4, p5]]`` read row-major, i.e. the first two
  *columns* of the rotation matrix.

Every function is batched over any leading dimensions. Functions accept numpy arrays and, where
stated, torch tensors (the result has the input's type, dtype and device). This module never imports
torch at import time; torch is imported only when a tensor is passed in, so ``exporters`` can use
the numpy path without torch installed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

Array = Any  # numpy.ndarray or torch.Tensor (torch is not imported here)

#: Below this angle (radians) sin(t)/t and friends use their Taylor series; the first dropped term
#: is O(t^4) ~ 1e-16 relative, i.e. below float64 rounding.
_SMALL_ANGLE = 1e-4

#: torch.nn.functional.normalize's default eps, which CLIFF's rot6d_to_rotmat uses.
_CLIFF_NORMALIZE_EPS = 1e-12


def _is_torch(x: Any) -> bool:
    return type(x).__module__.split(".")[0] == "torch"


def _xp(x: Any) -> Any:
    """The array namespace of ``x``: the torch module for tensors, numpy otherwise."""
    if _is_torch(x):
        import torch

        return torch
    return np


def _as_float(x: Any) -> Array:
    """Tensors pass through; anything else becomes a floating numpy array (float64 by default)."""
    if _is_torch(x):
        return x if x.is_floating_point() else x.double()
    arr = np.asarray(x)
    return arr if np.issubdtype(arr.dtype, np.floating) else arr.astype(np.float64)


def _check_last(x: Array, sizes: tuple[int, ...], name: str, what: str) -> None:
    if x.ndim < len(sizes) or tuple(x.shape[x.ndim - len(sizes) :]) != sizes:
        raise ValueError(
            f"{name}: expected shape (..., {', '.join(map(str, sizes))}) {what}, "
            f"got {tuple(x.shape)}"
        )


# --- axis-angle <-> matrix ------------------------------------------------------------------------


def axis_angle_to_matrix(axis_angle: Array) -> Array:
    """Rodrigues' formula: ``R = cos(t) I + sin(t)/t [r]x + (1 - cos t)/t^2 r r^T``.

    Args:
        axis_angle: (..., 3) axis-angle in radians (numpy or torch).

    Returns:
        (..., 3, 3) rotation matrices, same type and dtype as the input.
    """
    r = _as_float(axis_angle)
    _check_last(r, (3,), "axis_angle_to_matrix", "axis-angle")
    xp = _xp(r)
    t2, t, small, t_safe = _angles(r, xp)
    half_sin = xp.sin(t_safe / 2)
    # a = sin(t)/t, b = (1 - cos t)/t^2 = 2 sin^2(t/2)/t^2 (no cancellation near 0)
    a = xp.where(small, 1 - t2 / 6, xp.sin(t_safe) / t_safe)
    b = xp.where(small, 0.5 - t2 / 24, 2 * half_sin * half_sin / (t_safe * t_safe))
    c = xp.cos(t)
    x, y, z = r[..., 0], r[..., 1], r[..., 2]
    rows = [
        c + b * x * x,
        b * x * y - a * z,
        b * x * z + a * y,
        b * y * x + a * z,
        c + b * y * y,
        b * y * z - a * x,
        b * z * x - a * y,
        b * z * y + a * x,
        c + b * z * z,
    ]
    return xp.stack(rows, -1).reshape(*r.shape[:-1], 3, 3)


def matrix_to_axis_angle(matrix: Array) -> Array:
    """Rotation matrices to axis-angle through a robust (Shepperd) quaternion; exact near pi.

    Args:
        matrix: (..., 3, 3) rotation matrices (numpy or torch).

    Returns:
        (..., 3) axis-angle in radians with angle in [0, pi]; agrees with scipy's
        ``Rotation.from_matrix(m).as_rotvec()`` to float64 rounding.
    """
    return quaternion_to_axis_angle(matrix_to_quaternion(matrix))


# --- quaternions ---------------------------------------------------------------------------------


def axis_angle_to_quaternion(axis_angle: Array) -> Array:
    """Axis-angle to quaternion.

    Args:
        axis_angle: (..., 3) radians (numpy or torch).

    Returns:
        (..., 4) unit quaternions (x, y, z, w) with w >= 0.
    """
    r = _as_float(axis_angle)
    _check_last(r, (3,), "axis_angle_to_quaternion", "axis-angle")
    xp = _xp(r)
    t2, t, small, t_safe = _angles(r, xp)
    k = xp.where(small, 0.5 - t2 / 48, xp.sin(t_safe / 2) / t_safe)  # sin(t/2)/t
    q = xp.stack([r[..., 0] * k, r[..., 1] * k, r[..., 2] * k, xp.cos(t / 2)], -1)
    return _positive_w(q)


def quaternion_to_axis_angle(quaternion: Array) -> Array:
    """Quaternion to axis-angle (atan2 form, accurate for every angle).

    Args:
        quaternion: (..., 4) (x, y, z, w), any norm > 0 (numpy or torch).

    Returns:
        (..., 3) axis-angle in radians, angle in [0, pi].
    """
    q = _as_float(quaternion)
    _check_last(q, (4,), "quaternion_to_axis_angle", "quaternion (x, y, z, w)")
    xp = _xp(q)
    q = _positive_w(_normalize(q))
    v, w = q[..., :3], _dense(q[..., 3])
    s2 = (v * v).sum(-1)
    s = xp.sqrt(s2)
    small = s < _SMALL_ANGLE
    s_safe = xp.where(small, xp.ones_like(s), s)
    w_safe = xp.where(small, w, xp.ones_like(w))  # w ~ 1 where s is small
    # angle/s = 2 atan2(s, w)/s; Taylor for small s: 2/w - 2 s^2 / (3 w^3)
    taylor = 2 / w_safe - 2 * s2 / (3 * w_safe**3)
    scale = xp.where(small, taylor, 2 * xp.arctan2(s_safe, w) / s_safe)
    return v * scale[..., None]


def quaternion_to_matrix(quaternion: Array) -> Array:
    """Quaternion to rotation matrix.

    Args:
        quaternion: (..., 4) (x, y, z, w), any norm > 0 (numpy or torch).

    Returns:
        (..., 3, 3) rotation matrices.
    """
    q = _as_float(quaternion)
    _check_last(q, (4,), "quaternion_to_matrix", "quaternion (x, y, z, w)")
    xp = _xp(q)
    q = _normalize(q)
    x, y, z, w = q[..., 0], q[..., 1], q[..., 2], q[..., 3]
    rows = [
        1 - 2 * (y * y + z * z),
        2 * (x * y - z * w),
        2 * (x * z + y * w),
        2 * (x * y + z * w),
        1 - 2 * (x * x + z * z),
        2 * (y * z - x * w),
        2 * (x * z - y * w),
        2 * (y * z + x * w),
        1 - 2 * (x * x + y * y),
    ]
    return xp.stack(rows, -1).reshape(*q.shape[:-1], 3, 3)


def matrix_to_quaternion(matrix: Array) -> Array:
    """Shepperd's method: build the quaternion from its largest component (no loss near pi).

    The branch is chosen like scipy's ``Rotation.from_matrix`` (largest of R00, R11, R22, trace).

    Args:
        matrix: (..., 3, 3) rotation matrices (numpy or torch).

    Returns:
        (..., 4) unit quaternions (x, y, z, w) with w >= 0.
    """
    m = _as_float(matrix)
    _check_last(m, (3, 3), "matrix_to_quaternion", "rotation matrices")
    xp = _xp(m)
    r = [[m[..., i, j] for j in range(3)] for i in range(3)]
    trace = r[0][0] + r[1][1] + r[2][2]
    # Each candidate is 4 * q_big * q, where q_big is the component its branch solves for first.
    best = xp.stack([r[2][1] - r[1][2], r[0][2] - r[2][0], r[1][0] - r[0][1], 1 + trace], -1)
    best_key = trace
    # scipy takes argmax(R00, R11, R22, trace) with the first maximum winning; walking the
    # candidates backwards with >= reproduces that tie-breaking.
    for i in (2, 1, 0):
        j, k = (i + 1) % 3, (i + 2) % 3
        comp: list[Any] = [None, None, None]
        comp[i] = 1 - trace + 2 * r[i][i]
        comp[j] = r[j][i] + r[i][j]
        comp[k] = r[k][i] + r[i][k]
        cand = xp.stack([comp[0], comp[1], comp[2], r[k][j] - r[j][k]], -1)
        take = r[i][i] >= best_key
        best = xp.where(take[..., None], cand, best)
        best_key = xp.where(take, r[i][i], best_key)
    return _positive_w(_normalize(best))


def continuous_quaternions(quaternions: npt.ArrayLike, axis: int = 0) -> npt.NDArray[np.float64]:
    """Flip signs along ``axis`` so consecutive quaternions have a non-negative dot product.

    q and -q are the same rotation; animation curves (glTF) interpolate component-wise, so a sign
    jump would make the slerp/lerp go the long way round. ``q_i`` is negated when
    ``q_i . q_{i-1} < 0`` (after the flips already made before it).

    Args:
        quaternions: (..., T, ..., 4) quaternions (x, y, z, w); the time axis is ``axis``.
        axis: the time axis (must not be the last one).

    Returns:
        float array of the same shape and dtype (float64 unless the input was float32).
    """
    q = _as_float(np.asarray(quaternions))
    _check_last(q, (4,), "continuous_quaternions", "quaternion (x, y, z, w)")
    ax = axis % q.ndim
    if ax == q.ndim - 1:
        raise ValueError(
            "continuous_quaternions: axis must be a time axis, not the last (x, y, z, w)"
        )
    qt = np.moveaxis(q, ax, 0)
    if qt.shape[0] < 2:
        return q.copy()
    dots = (qt[1:] * qt[:-1]).sum(-1)
    flips = np.where(dots < 0, -1.0, 1.0).astype(q.dtype)
    signs = np.concatenate([np.ones_like(flips[:1]), np.cumprod(flips, axis=0)], axis=0)
    return np.moveaxis(qt * signs[..., None], 0, ax)  # pyright: ignore[reportReturnType]


def slerp(q0: npt.ArrayLike, q1: npt.ArrayLike, weight: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Spherical linear interpolation of unit quaternions along the shortest arc (numpy only).

    The result turns at constant angular speed from ``q0`` (``weight`` 0) to ``q1`` (``weight``
    1). Normalised linear interpolation (nlerp) does not: across a 90 degree step it is off by
    up to 0.92 degrees (at weights 0.22 and 0.78) and its speed varies by 17 %; across 180
    degrees the error reaches 8.1 degrees (measured with the closed form
    ``2 atan2(w sin(t/2), 1 - w + w cos(t/2))`` against ``w t``).

    Args:
        q0, q1: (N, ..., 4) unit quaternions (x, y, z, w); ``q1`` is negated where needed so
            the path takes the shorter way.
        weight: (N,) weights in [0, 1], one per leading row.

    Returns:
        (N, ..., 4) float64 unit quaternions.
    """
    a, b = np.asarray(q0, np.float64), np.asarray(q1, np.float64)
    dot = np.sum(a * b, axis=-1, keepdims=True)
    b = np.where(dot < 0, -b, b)
    theta = np.arccos(np.abs(dot).clip(0.0, 1.0))
    w = np.asarray(weight, np.float64).reshape((-1,) + (1,) * (a.ndim - 1))
    sin = np.sin(theta)
    small = sin < 1e-6  # nearly equal rotations: slerp == lerp to float64 precision
    safe = np.where(small, 1.0, sin)
    w0 = np.where(small, 1.0 - w, np.sin((1.0 - w) * theta) / safe)
    w1 = np.where(small, w, np.sin(w * theta) / safe)
    q = w0 * a + w1 * b
    return q / np.linalg.norm(q, axis=-1, keepdims=True)


# --- CLIFF 6D ------------------------------------------------------------------------------------


def rot6d_to_matrix(rot6d: Array) -> Array:
    """CLIFF's 6D -> rotation matrix, numerically the same as its ``rot6d_to_rotmat``.

    The two raw columns are ``a1 = (p0, p2, p4)`` and ``a2 = (p1, p3, p5)``; Gram-Schmidt with
    ``F.normalize`` (eps 1e-12): ``b1 = a1/|a1|``, ``b2 = normalize(a2 - (b1.a2) b1)``,
    ``b3 = b1 x b2``; ``R = [b1 | b2 | b3]`` (columns).

    Args:
        rot6d: (..., 6) for one rotation, or (..., 6K) for K joints (e.g. CLIFF's (B, 144)).
            numpy or torch.

    Returns:
        (..., 3, 3) for a last dim of 6, else (..., K, 3, 3); same type, dtype and device.
    """
    p = _as_float(rot6d)
    n = p.shape[-1] if p.ndim else 0
    if n == 0 or n % 6:
        raise ValueError(f"rot6d_to_matrix: expected shape (..., 6K), got {tuple(p.shape)}")
    lead = tuple(p.shape[:-1]) if n == 6 else (*p.shape[:-1], n // 6)
    x = p.reshape(-1, 3, 2)
    a1, a2 = x[:, :, 0], x[:, :, 1]
    if _is_torch(p):
        import torch
        import torch.nn.functional as F

        b1 = F.normalize(a1, dim=-1, eps=_CLIFF_NORMALIZE_EPS)
        b2 = F.normalize(
            a2 - torch.einsum("bi,bi->b", b1, a2).unsqueeze(-1) * b1,
            dim=-1,
            eps=_CLIFF_NORMALIZE_EPS,
        )
        b3 = torch.linalg.cross(b1, b2, dim=-1)
        out = torch.stack((b1, b2, b3), dim=-1)
    else:
        b1 = _np_normalize_eps(a1)
        b2 = _np_normalize_eps(a2 - np.einsum("bi,bi->b", b1, a2)[:, None] * b1)
        b3 = np.cross(b1, b2)
        out = np.stack((b1, b2, b3), axis=-1)
    return out.reshape(*lead, 3, 3)


def matrix_to_rot6d(matrix: Array) -> Array:
    """Inverse of :func:`rot6d_to_matrix`: the first two columns, read row-major.

    Args:
        matrix: (..., 3, 3) rotation matrices (numpy or torch).

    Returns:
        (..., 6) = (R00, R01, R10, R11, R20, R21).
    """
    m = _as_float(matrix)
    _check_last(m, (3, 3), "matrix_to_rot6d", "rotation matrices")
    return m[..., :, :2].reshape(*m.shape[:-2], 6)


# --- helpers -------------------------------------------------------------------------------------


def _normalize(q: Array) -> Array:
    xp = _xp(q)
    return q / xp.sqrt((q * q).sum(-1))[..., None]


def _angles(r: Array, xp: Any) -> tuple[Array, Array, Array, Array]:
    """Angle terms of axis-angle r (..., 3): (t^2, t, t < _SMALL_ANGLE, t with 1 where small).

    The last one is safe to divide by; callers switch to Taylor series where ``small`` is true.
    """
    t2 = (r * r).sum(-1)
    t = xp.sqrt(t2)
    small = t < _SMALL_ANGLE
    return t2, t, small, xp.where(small, xp.ones_like(t), t)


def _dense(x: Array) -> Array:
    """A contiguous copy of a strided numpy view (tensors pass through) for numpy's math loops.

    numpy's SIMD (SVML) loops for arctan2, exp, log... differ from its scalar loops in the last
    bit; a strided input is copied through a buffer whose alignment picks the loop anew on every
    call, so the same input could give different bits from run to run.
    """
    return x if _is_torch(x) or x.flags.c_contiguous else x.copy()


def _positive_w(q: Array) -> Array:
    xp = _xp(q)
    return xp.where((q[..., 3] < 0)[..., None], -q, q)


def _np_normalize_eps(v: np.ndarray) -> np.ndarray:
    """numpy twin of ``torch.nn.functional.normalize(v, dim=-1, eps=1e-12)``."""
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), _CLIFF_NORMALIZE_EPS)
