"""Apply the keypoint tables: any known source order -> J24 ``part`` arrays (docs/cliff_annotator.md
§4).

A J24 array is (N, 24, 3) float64 ``[x_px, y_px, conf]`` in full-image pixels; conf 0 means "not
labelled" and such a keypoint never influences a fit (its x, y are set to 0 here).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from mocap.errors import KeypointFormatError
from mocap.keypoints.tables import HEAD_TOP_SLOT, HIP_SLOTS, KEYPOINT_FORMATS, NUM_J24

F64 = npt.NDArray[np.float64]


def to_j24(keypoints: Any, source: str, binary_confidence: bool = False) -> F64:
    """Map keypoints of a known order onto J24.

    Args:
        keypoints: (N, K, 3) ``[x, y, c]`` in pixels (or (K, 3) for one person), K the size of
            ``source``; c is a confidence in [0, 1] or a COCO visibility flag in {0, 1, 2}.
        source: a key of :data:`mocap.keypoints.tables.KEYPOINT_FORMATS`.
        binary_confidence: c > 0 becomes 1 (SPIN's rule for COCO visibility flags); otherwise c
            is kept, clipped to [0, 1].

    Returns:
        (N, 24, 3) float64; J24 slots the source has no keypoint for have conf 0.

    Raises:
        KeypointFormatError: unknown ``source`` or a shape that does not fit it.
    """
    if source not in KEYPOINT_FORMATS:
        raise KeypointFormatError(
            f"unknown keypoint order {source!r}; known: {', '.join(KEYPOINT_FORMATS)}"
        )
    names, slots = KEYPOINT_FORMATS[source]
    kp = np.asarray(keypoints, dtype=np.float64)
    single = kp.ndim == 2
    if single:
        kp = kp[None]
    if kp.ndim != 3 or kp.shape[1:] != (len(names), 3):
        raise KeypointFormatError(
            f"{source} keypoints must have shape (N, {len(names)}, 3), got {np.shape(keypoints)}"
        )
    conf = kp[..., 2] > 0 if binary_confidence else np.clip(kp[..., 2], 0.0, 1.0)
    out = np.zeros((len(kp), NUM_J24, 3))
    pairs = [(k, s) for k, s in enumerate(slots) if s is not None]
    src, dst = [k for k, _ in pairs], [s for _, s in pairs]
    out[:, dst, 2] = conf[:, src]
    out[:, dst, :2] = kp[:, src, :2]
    out[..., :2] = np.where(out[..., 2:] > 0, out[..., :2], 0.0)  # unlabelled -> (0, 0)
    return out[0] if single else out


def without_hips(part: Any) -> F64:
    """Copy of J24 keypoints (..., 24, 3) with the hip and pelvis labels switched off (conf 0),
    as EFT does because dataset hips are not SMPL hips."""
    out = np.array(part, dtype=np.float64, copy=True)
    out[..., list(HIP_SLOTS), :] = 0.0
    return out


def drawing_layout(part: Any) -> str:
    """``"mpii"`` when the head top (J24 13) is labelled, else ``"coco"`` (skeleton_drawer).

    Args:
        part: (24, 3) keypoints of one person.
    """
    return "mpii" if float(np.asarray(part)[HEAD_TOP_SLOT, 2]) > 0 else "coco"
