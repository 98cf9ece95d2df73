"""3D joint errors for labels against ground truth (numpy).

MPJPE here is root-relative over the 14 LSP joints (J24 0..13), the root being J24 14 (MPII
pelvis); PA-MPJPE first aligns each prediction to its truth by the best similarity transform
(rotation, uniform scale, translation; Umeyama / orthogonal Procrustes).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]

#: J24 slots scored (the 14 LSP joints) and the root subtracted for MPJPE.
EVAL_SLOTS = tuple(range(14))
ROOT_SLOT = 14


def mpjpe(pred: Any, truth: Any) -> F64:
    """(B,) root-relative mean per-joint position error, in the input unit.

    Args:
        pred, truth: (B, 24, 3) J24 joints.
    """
    p, t = np.asarray(pred, np.float64), np.asarray(truth, np.float64)
    p = p[:, EVAL_SLOTS] - p[:, ROOT_SLOT : ROOT_SLOT + 1]
    t = t[:, EVAL_SLOTS] - t[:, ROOT_SLOT : ROOT_SLOT + 1]
    return np.linalg.norm(p - t, axis=-1).mean(-1)


def procrustes_align(pred: Any, truth: Any) -> F64:
    """(B, K, 3) ``pred`` moved by the similarity transform that best fits it to ``truth``."""
    p, t = np.asarray(pred, np.float64), np.asarray(truth, np.float64)
    mp, mt = p.mean(1, keepdims=True), t.mean(1, keepdims=True)
    p0, t0 = p - mp, t - mt
    u, s, vt = np.linalg.svd(np.einsum("bki,bkj->bij", p0, t0))
    d = np.sign(np.linalg.det(np.einsum("bij,bjk->bik", u, vt)))
    fix = np.ones_like(s)
    fix[:, -1] = d
    rot = np.einsum("bij,bj,bjk->bik", u, fix, vt)  # applied as p0 @ rot
    scale = (s * fix).sum(-1) / (p0**2).sum((1, 2))
    return scale[:, None, None] * np.einsum("bki,bij->bkj", p0, rot) + mt


def pa_mpjpe(pred: Any, truth: Any) -> F64:
    """(B,) mean per-joint error after Procrustes alignment (14 LSP joints)."""
    p = np.asarray(pred, np.float64)[:, EVAL_SLOTS]
    t = np.asarray(truth, np.float64)[:, EVAL_SLOTS]
    return np.linalg.norm(procrustes_align(p, t) - t, axis=-1).mean(-1)
