"""Robust floor-plane fit from planted foot joints seen by a static camera.

Model. A foot joint standing on the floor lies ``o`` metres above it (``o`` from the rest pose,
:mod:`mocap.grounding.kinematics`). With the world up direction ``u`` (unit, camera coordinates) and
the camera ``H`` metres above the floor, a floor point ``q`` (the joint lowered by ``o``) obeys
``u . q = -H``. Writing the plane as ``m . q = 1`` with ``m = -u / H`` makes the fit linear, and its
residual ``m . q - 1`` is the *relative depth error* of the point along its viewing ray (for
``q = d r``, ``m . q = d / d*`` where ``d*`` is the depth at which the ray meets the floor). That
is exactly how monocular depth errs (CLIFF places a body along its viewing ray with a few percent
of relative error), so least squares in this form weighs every observation by its real noise.

A second kind of evidence is free of depth errors altogether: two planted joints seen on the same
frame of one person (both feet in double support, heel and ball of one foot) differ by a vector
that lies in the floor plane (:class:`FootPairs`), whatever the person's depth error.

Fit: MSAC (RANSAC with a truncated quadratic score over both kinds of rows) over planes through
three points or through two points along a pair vector, then iteratively
re-weighted least squares over both kinds of rows (linear in ``m`` for the current height) with
Tukey's biweight, each kind weighted by its own robust scale. The standard errors of
tilt and height come from the normal equations, inflated for temporally correlated samples (one
independent sample per ``group``, e.g. a person over half a second).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mocap.types import FloatArray, IntArray

RANSAC_ITERATIONS = 300
RANSAC_THRESHOLD = 0.15
"""Relative depth residual beyond which a point cannot be on the floor (MSAC truncation); several
times the few-percent depth error of monocular regressors."""
TUKEY_C = 4.685
"""Tukey biweight constant (95 % efficiency under Gaussian noise)."""
IRLS_ITERATIONS = 10
DEPTH_SIGMA = 0.07
"""Relative depth error of monocular regression (CLIFF: ~5-10 %), for the shape of the point
weights (their overall scale is measured robustly)."""
FOOT_SIGMA_M = 0.008
"""Height error of a planted foot joint apart from depth (pose error, a foot not quite flat),
metres; sets how much more a foot seen from near its root's height counts (its height hardly
moves with depth). ``benchmarks/bench_ground.py`` camera height error 2.6 / 2.3 / 3.1 cm at
0.004 / 0.008 / 0.015 m."""
PAIR_THRESHOLD_M = 0.05
"""Height mismatch (metres) beyond which a pair of joints cannot both be planted (MSAC)."""
PAIR_SCALE_FLOOR_M = 0.005
"""Lower bound of the robust scale of pair residuals (metres): keeps exact data well posed."""
MIN_GROUPS = 6
"""Fewer independent observations than this (e.g. 3 s of one person) cannot fix a plane."""
MAX_TILT_SE_DEG = 4.0
"""A fit whose tilt standard error exceeds this is replaced by the level-camera assumption."""
CONFIDENCE_TILT_DEG = 1.0
CONFIDENCE_HEIGHT_M = 0.03
"""Scales of the confidence score: tilt / height standard errors at which it drops to 1/3."""
DEFAULT_CAMERA_HEIGHT_M = 1.5
"""Camera height assumed when no foot is ever seen planted (eye level of a standing operator)."""
LEVEL_UP = np.array([0.0, -1.0, 0.0])
"""World up in camera coordinates for a level camera (OpenCV: +y is down)."""


@dataclass(frozen=True)
class FloorFit:
    """A floor plane in camera coordinates.

    Attributes:
        up: (3,) unit world-up direction in camera coordinates.
        height: camera height above the floor, metres.
        confidence: 0..1 (0 when assumed).
        tilt_se_deg: standard error of the up direction, degrees (inf when assumed).
        height_se: standard error of the height, metres (inf when assumed).
        inliers: (N,) bool, the points that support the plane.
        assumption: empty when fitted; otherwise the assumption used and why.
    """

    up: FloatArray
    height: float
    confidence: float
    tilt_se_deg: float
    height_se: float
    inliers: np.ndarray
    assumption: str = ""

    def relative_residuals(self, floor_points: FloatArray) -> FloatArray:
        """(N,) relative depth error ``m . q - 1`` of floor points (N, 3) under this plane."""
        return -(np.asarray(floor_points) @ self.up) / self.height - 1.0


def _hypothesis(
    points: FloatArray, pairs: FootPairs, level: np.ndarray, rng: np.random.Generator
) -> FloatArray | None:
    """A plane ``m`` through three sampled points, or (half the time, when there are pairs of
    joints with equal flat heights) through two points and parallel to one pair vector, which
    still works when all feet lie near one line (a person walking straight)."""
    if len(level) and rng.random() < 0.5:
        i, j = rng.choice(len(points), 2, replace=False)
        a = np.stack([points[i], points[j], pairs.d[rng.choice(level)]])
        b = np.array([1.0, 1.0, 0.0])
    else:
        a, b = points[rng.choice(len(points), 3, replace=False)], np.ones(3)
    if np.linalg.cond(a) > 1e10:
        return None
    return np.linalg.solve(a, b)


def _msac_cost(m: FloatArray, points: FloatArray, pairs: FootPairs) -> float:
    """Truncated quadratic cost of both kinds of rows, each in units of its threshold."""
    r = points @ m - 1.0
    cost = float(np.minimum(r * r, RANSAC_THRESHOLD**2).sum()) / RANSAC_THRESHOLD**2
    if len(pairs.d):
        rd = (pairs.d @ m) / float(np.linalg.norm(m)) + pairs.do
        cost += float(np.minimum(rd * rd, PAIR_THRESHOLD_M**2).sum()) / PAIR_THRESHOLD_M**2
    return cost


def _msac(points: FloatArray, pairs: FootPairs, rng: np.random.Generator) -> FloatArray | None:
    best, best_cost = None, np.inf
    level = np.flatnonzero(np.abs(pairs.do) < 1e-9)
    for _ in range(RANSAC_ITERATIONS):
        m = _hypothesis(points, pairs, level, rng)
        if m is None or not np.all(np.isfinite(m)) or not np.linalg.norm(m) > 0:
            continue
        cost = _msac_cost(m, points, pairs)
        if cost < best_cost:
            best, best_cost = m, cost
    return best


@dataclass(frozen=True)
class FootPairs:
    """Differences of two planted foot joints seen on the same frame of the same person.

    A depth error moves the whole body, so these vectors are free of it: they lie in the floor
    plane up to the joints' flat heights, ``u . d = do`` (``u`` world up), which fixes the
    floor's tilt far better than absolute depths do.

    Attributes:
        d: (M, 3) ``p_i - p_j`` in the camera frame, metres.
        do: (M,) ``o_i - o_j``, difference of the joints' flat-foot heights, metres.
        groups: (M,) independent-sample labels (as for points).
    """

    d: FloatArray
    do: FloatArray
    groups: IntArray

    @staticmethod
    def empty() -> FootPairs:
        return FootPairs(np.zeros((0, 3)), np.zeros(0), np.zeros(0, dtype=np.int64))


def _tukey(r: FloatArray, floor: float) -> tuple[FloatArray, float]:
    """Tukey weights of residuals ``r`` and their robust scale (at least ``floor``)."""
    if len(r) == 0:
        return np.zeros(0), floor
    scale = max(1.4826 * float(np.median(np.abs(r))), floor)
    z = r / (TUKEY_C * scale)
    return np.where(np.abs(z) < 1.0, (1.0 - z * z) ** 2, 0.0), scale


def _inflation(groups: IntArray, used: np.ndarray) -> float:
    """Effective share of independent samples among the used rows (<= 1)."""
    n = int(used.sum())
    return len(np.unique(groups[used])) / n if n else 1.0


@dataclass(frozen=True)
class _Points:
    """Point observations of :func:`fit_floor` (see its arguments)."""

    q: FloatArray  # (N, 3) foot joints, camera frame
    offsets: FloatArray  # (N,)
    groups: IntArray  # (N,)
    roots: FloatArray  # (N, 3) the root each point's depth error moves along


def _rows(
    obs: _Points, pairs: FootPairs, m: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Weighted linear rows ``A m = b`` with instruments ``Z`` (solved as ``Z^T W A m = Z^T W b``,
    weights W already 1/variance) and the point inlier weights, at the current plane ``m``.

    Point rows: ``q . m = 1`` (relative height of the floor point ``q``, the joint lowered by its
    flat-foot height). A depth error ``e`` moves the whole body along the ray of its root ``R``,
    so the residual is ``e g + eps`` with ``g = R . m`` (``(H - root height) / H``: nearly 0
    when the camera is at pelvis height, where depth errors do not move feet up or down) and
    ``eps`` the foot's own pose error. Each row is weighted by ``1 / (DEPTH_SIGMA^2 g^2 +
    (FOOT_SIGMA_M / H)^2)`` times a robust overall scale. The same error also moves ``q``
    itself along ``R``, a spread that plain least squares would read as evidence of tilt (a
    person standing still at one spot, seen with a wobbling depth, would tilt the floor towards
    the camera by degrees). The instrument is therefore ``q - e_hat R``, the row with its depth
    error removed by the Wiener estimate ``e_hat = g r / (g^2 + k^2)``, ``k = (FOOT_SIGMA_M /
    H) / DEPTH_SIGMA``, which leaves it uncorrelated with the residual ``r``.

    Pair rows: ``u . d = do`` (metres) with ``u = -m / |m|``, linearised at the current ``m``
    (Gauss-Newton): ``H (P d) . m = u . d - do`` where ``P`` removes the component along ``m``
    and ``H = 1 / |m|``. They turn the plane but never change the height, which only the points
    measure (rows ``H d . m = -do`` would hold the height at the previous iterate).
    """
    height = 1.0 / float(np.linalg.norm(m))
    up = -m * height
    q = obs.q - obs.offsets[:, None] * up[None, :]
    r = q @ m - 1.0
    g = obs.roots @ m
    k2 = (FOOT_SIGMA_M / height / DEPTH_SIGMA) ** 2
    spread = np.sqrt(g * g + k2)  # residual std in units of DEPTH_SIGMA
    wp, sp = _tukey(r / spread, 1e-6)
    wp = wp * _inflation(obs.groups, wp > 0) / (sp * spread) ** 2
    wd, sd = _tukey(pairs.d @ up - pairs.do, PAIR_SCALE_FLOOR_M)
    wd = wd * _inflation(pairs.groups, wd > 0) / sd**2
    across = height * (pairs.d - np.outer(pairs.d @ up, up))  # P d: the part tilt can move
    a = np.concatenate([q, across])
    z = np.concatenate([q - (g * r / (g * g + k2))[:, None] * obs.roots, across])
    b = np.concatenate([np.ones(len(q)), pairs.d @ up - pairs.do])
    return a, z, b, np.concatenate([wp, wd]), wp


def _irls(
    obs: _Points, pairs: FootPairs, m: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Refine ``m`` with Tukey weights on both kinds of rows; returns m, point weights (N,) and
    the (3, 3) covariance of ``m``."""
    wp = np.ones(len(obs.q))
    info = np.eye(3)
    for _ in range(IRLS_ITERATIONS):
        a, z, b, w, wp = _rows(obs, pairs, m)
        zw = z * w[:, None]
        info = zw.T @ z
        if np.linalg.cond(info) > 1e12:
            break
        m = np.linalg.solve(zw.T @ a, zw.T @ b)
    return m, wp, np.linalg.inv(info)


def _standard_errors(m: FloatArray, cov: FloatArray) -> tuple[float, float]:
    """Tilt (degrees) and height (metres) standard errors of the plane ``m``."""
    norm = float(np.linalg.norm(m))
    mhat = m / norm
    perp = np.eye(3) - np.outer(mhat, mhat)
    tilt = np.sqrt(max(float(np.linalg.eigvalsh(perp @ cov @ perp).max()), 0.0)) / norm
    height = np.sqrt(max(float(mhat @ cov @ mhat), 0.0)) / norm**2
    return float(np.degrees(tilt)), float(height)


def assumed_floor(floor_points: FloatArray, reason: str) -> FloorFit:
    """The fallback: a level camera, the floor at the median height of the given points (or at
    ``DEFAULT_CAMERA_HEIGHT_M`` when there are none)."""
    if len(floor_points):
        height = float(np.median(-(floor_points @ LEVEL_UP)))
        what = "the floor at the median height of the feet seen"
    else:
        height = DEFAULT_CAMERA_HEIGHT_M
        what = f"the camera {DEFAULT_CAMERA_HEIGHT_M} m above the floor"
    if not height > 0.1:
        height = DEFAULT_CAMERA_HEIGHT_M
        what = f"the camera {DEFAULT_CAMERA_HEIGHT_M} m above the floor"
    return FloorFit(
        up=LEVEL_UP.copy(),
        height=height,
        confidence=0.0,
        tilt_se_deg=np.inf,
        height_se=np.inf,
        inliers=np.zeros(len(floor_points), dtype=bool),
        assumption=f"assumed a level camera (no pitch or roll) and {what}, because {reason}",
    )


def fit_floor(
    points: FloatArray,
    offsets: FloatArray,
    groups: IntArray,
    pairs: FootPairs | None = None,
    seed: int = 0,
    roots: FloatArray | None = None,
) -> FloorFit:
    """Fit the floor to foot joints that are (mostly) planted.

    Args:
        points: (N, 3) foot joint positions in the camera frame, metres (candidates: slow feet;
            outliers such as lifted feet are tolerated).
        offsets: (N,) height of each joint above the floor when planted, metres.
        groups: (N,) int label of the independent sample each point belongs to (points of one
            label share their depth error), used for the standard errors and ``MIN_GROUPS``.
        pairs: same-frame differences of planted joints (tilt evidence free of depth errors).
        seed: random seed of the sampler (the fit is deterministic for a given seed).
        roots: (N, 3) root (pelvis) of the body each point belongs to, on the point's frame:
            a depth error moves the whole body along the root's viewing ray. None: each point
            along its own ray.

    Returns:
        the fitted :class:`FloorFit`, or the level-camera assumption (confidence 0, the reason in
        ``assumption``) when the evidence is too weak.
    """
    points = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    offsets = np.asarray(offsets, dtype=np.float64)
    groups = np.asarray(groups)
    pairs = pairs if pairs is not None else FootPairs.empty()
    n_groups = len(np.unique(groups))
    if n_groups < MIN_GROUPS or len(points) < 3:
        reason = f"only {n_groups} independent planted-foot observations were found"
        return assumed_floor(points - offsets[:, None] * LEVEL_UP[None, :], reason)
    m = _msac(points, pairs, np.random.default_rng(seed))
    if m is None:
        reason = "the planted feet lie on a line (no plane through them)"
        return assumed_floor(points - offsets[:, None] * LEVEL_UP[None, :], reason)
    obs = _Points(points, offsets, groups, points if roots is None else np.asarray(roots))
    m, w, cov = _irls(obs, pairs, m)
    up = -m / np.linalg.norm(m)
    tilt_se, height_se = _standard_errors(m, cov)
    if not tilt_se <= MAX_TILT_SE_DEG:
        reason = f"the planted feet fix the floor's tilt only to {tilt_se:.1f} degrees"
        floor_pts = points - offsets[:, None] * up[None, :]
        return assumed_floor(floor_pts[w > 0], reason)
    confidence = 1.0 / (
        1.0 + (tilt_se / CONFIDENCE_TILT_DEG) ** 2 + (height_se / CONFIDENCE_HEIGHT_M) ** 2
    )
    return FloorFit(
        up=up,
        height=float(1.0 / np.linalg.norm(m)),
        confidence=float(confidence),
        tilt_se_deg=tilt_se,
        height_se=height_se,
        inliers=w > 0,
    )
