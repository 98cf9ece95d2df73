"""Appearance embeddings of detected people: HSV colour histograms of the torso and the legs.

A person's clothing is the cheapest cue that tells two people apart after a gap. For every box the
torso band and the legs band (fixed fractions of the box, centred horizontally so that background
at the sides weighs less) are converted to HSV; chromatic pixels vote in a hue x saturation
histogram, dark or grey pixels in a value histogram (hue is meaningless there). Each region's
histogram is normalised to sum 1 and square-rooted, so the cosine between two embeddings is the
mean Bhattacharyya coefficient of the two regions' colour distributions (1 = identical, 0 =
disjoint). The tracker compares embeddings by cosine (:mod:`mocap.stitch`).

Pure numpy + OpenCV colour conversion; no weights, no downloads.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from mocap.types import FloatArray

#: Regions as (top, bottom, left, right) fractions of the box: torso below the head and shoulders,
#: legs between the hips and the ankles (feet are often cut or on the ground's colour).
REGIONS = ((0.20, 0.50, 0.25, 0.75), (0.55, 0.90, 0.30, 0.70))
#: Hue bins (OpenCV hue 0..179) and saturation bins of the chromatic histogram.
HUE_BINS, SAT_BINS = 8, 3
#: Value bins of the achromatic histogram.
VALUE_BINS = 4
#: A pixel is chromatic when saturation >= this and value >= DARK (OpenCV 0..255 scales);
#: below, its hue is noise (grey, white, black clothing).
CHROMA_MIN_SAT, DARK = 50, 40
#: Regions smaller than this many pixels on a side give no embedding (NaN row).
MIN_REGION_PX = 3
#: A box covered by another box of the same frame over this share of its area shows (partly)
#: someone else: its embedding is not used. On the rendered TUD scenes of
#: ``benchmarks/calibrate_stitch.py`` this takes the 99th percentile of same-person distances from
#: 0.62 to 0.04 while different people stay >= 0.50 (1st percentile).
OCCLUDED_SHARE = 0.5
DIM = len(REGIONS) * (HUE_BINS * SAT_BINS + VALUE_BINS)


def _region_histogram(hsv: npt.NDArray[np.uint8]) -> FloatArray:
    """(h, w, 3) OpenCV HSV pixels -> (HUE_BINS*SAT_BINS + VALUE_BINS,) sqrt of frequencies."""
    h, s, v = (hsv[..., k].reshape(-1).astype(np.int64) for k in range(3))
    chroma = (s >= CHROMA_MIN_SAT) & (v >= DARK)
    hue_bin = np.minimum(h * HUE_BINS // 180, HUE_BINS - 1)
    sat_bin = np.minimum((s - CHROMA_MIN_SAT) * SAT_BINS // (256 - CHROMA_MIN_SAT), SAT_BINS - 1)
    chroma_hist = np.bincount((hue_bin * SAT_BINS + sat_bin)[chroma], minlength=HUE_BINS * SAT_BINS)
    value_hist = np.bincount(
        np.minimum(v[~chroma] * VALUE_BINS // 256, VALUE_BINS - 1), minlength=VALUE_BINS
    )
    hist = np.concatenate([chroma_hist, value_hist]).astype(np.float64)
    return np.sqrt(hist / max(hist.sum(), 1.0))


def embed(image: npt.NDArray[np.uint8], boxes: FloatArray) -> FloatArray:
    """Appearance embedding of every box.

    Args:
        image: (H, W, 3) uint8 RGB frame.
        boxes: (N, 4) xyxy pixels (may reach outside the image; clipped).

    Returns:
        (N, DIM) float64; each region's block has unit norm, so rows have norm sqrt(2).
        Rows are NaN where a region is too small or outside the image (no evidence).
    """
    import cv2  # lazy: the front end imports the tracker and must stay light

    out = np.full((len(boxes), DIM), np.nan)
    height, width = image.shape[:2]
    for i, (x0, y0, x1, y1) in enumerate(np.asarray(boxes, np.float64)):
        if not np.all(np.isfinite([x0, y0, x1, y1])):
            continue
        blocks = []
        for top, bottom, left, right in REGIONS:
            r0 = int(np.clip(round(y0 + top * (y1 - y0)), 0, height))
            r1 = int(np.clip(round(y0 + bottom * (y1 - y0)), 0, height))
            c0 = int(np.clip(round(x0 + left * (x1 - x0)), 0, width))
            c1 = int(np.clip(round(x0 + right * (x1 - x0)), 0, width))
            if r1 - r0 < MIN_REGION_PX or c1 - c0 < MIN_REGION_PX:
                break
            crop = np.ascontiguousarray(image[r0:r1, c0:c1])
            hsv = np.asarray(cv2.cvtColor(crop, cv2.COLOR_RGB2HSV), np.uint8)
            blocks.append(_region_histogram(hsv))
        if len(blocks) == len(REGIONS):
            out[i] = np.concatenate(blocks)
    return out


def pose_free(embeddings: FloatArray) -> FloatArray:
    """(N, DIM) embeddings of :func:`embed` -> (N, DIM / regions) colours of the regions together.

    Each region's frequencies (the squared block) are averaged and square-rooted; NaN rows stay
    NaN; cosine compares them as it compares embeddings. A person who lies down or doubles over
    moves their torso and legs across the box's regions: the region embedding changes, this one
    hardly (it cannot tell a red top over blue trousers from the reverse, so it is only used to
    recognise one person's change of pose, :mod:`mocap.trackcut`).
    """
    e = np.asarray(embeddings, np.float64)
    return np.sqrt(np.mean(e.reshape(len(e), len(REGIONS), -1) ** 2, axis=1))


def occluded(boxes: FloatArray) -> npt.NDArray[np.bool_]:
    """(N,) True where another box covers more than ``OCCLUDED_SHARE`` of a box's area.

    Args:
        boxes: (N, 4) xyxy pixels of one frame.
    """
    b = np.asarray(boxes, np.float64).reshape(-1, 4)
    lo = np.maximum(b[:, None, :2], b[None, :, :2])  # (N, N, 2)
    hi = np.minimum(b[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.clip(hi - lo, 0, None), axis=2)  # (N, N)
    np.fill_diagonal(inter, 0.0)
    area = np.maximum(np.prod(b[:, 2:] - b[:, :2], axis=1), 1e-9)
    return np.max(inter, axis=1, initial=0.0) / area > OCCLUDED_SHARE


def cosine_distance(u: FloatArray, v: FloatArray) -> float:
    """1 - cosine of two embeddings (0 = same direction); 1 when either is zero."""
    nu, nv = float(np.linalg.norm(u)), float(np.linalg.norm(v))
    if nu < 1e-12 or nv < 1e-12:
        return 1.0
    return 1.0 - float(u @ v) / (nu * nv)


def cosine_distances(u: FloatArray, v: FloatArray) -> FloatArray:
    """(N, D) and (M, D) embeddings -> (N, M) :func:`cosine_distance` of every pair."""
    nu = np.linalg.norm(u, axis=1)[:, None]  # (N, 1)
    nv = np.linalg.norm(v, axis=1)[None, :]  # (1, M)
    zero = (nu < 1e-12) | (nv < 1e-12)
    cosine = (u @ v.T) / np.where(zero, 1.0, nu * nv)
    return np.where(zero, 1.0, 1.0 - cosine)
