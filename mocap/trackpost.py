"""Offline clean-up of tracks: cut box jumps, drop tracks not mostly seen, fill gaps, keep top N.

Stitching fragments lives in :mod:`mocap.stitch`.

All functions are pure: they take :class:`Track` objects and return new ones. Frame counts are
in frames (callers convert seconds with the video's fps).
"""

from __future__ import annotations

import numpy as np

from mocap.types import FloatArray, Track

#: Box-jump detection (:func:`cut_box_jumps`): a row's |log height| or |log aspect (w/h)| may
#: differ this much from the median of the rows around it (and the medians before and after a row
#: this much from each other). Measured by ``benchmarks/calibrate_stitch.py`` on TUD-Campus and
#: TUD-Stadtmitte: consecutive rows of one person differ by at most 0.15 in log height (real
#: tracker output, 99.9th percentile) and 0.31 in log aspect (ground truth, 99.9th percentile);
#: a person's box and the box around them and a close neighbour differ beyond a limit in 64 % of
#: the pairs (median log aspect change 0.31, 99th percentile 0.8).
JUMP_LOG_HEIGHT = 0.25
JUMP_LOG_ASPECT = 0.35
#: Width (seconds) of the window of rows whose median is the reference of a row.
JUMP_WINDOW_S = 0.5
#: Gaps longer than this (seconds) are never filled (``PipelineConfig.max_gap_s`` default): linear
#: interpolation of a walking person's box centre stays within 0.07 box heights up to 1 s (99th
#: percentile on the TUD ground truth, ``benchmarks/calibrate_stitch.py``; 0.14 at 2 s).
MAX_GAP_S = 1.0


def _rolling_median(values: FloatArray, half: int) -> FloatArray:
    """(K, D) -> (K, D) median over rows [i - half, i + half] (clipped at the ends)."""
    out = np.empty_like(values)
    for i in range(len(values)):
        out[i] = np.median(values[max(0, i - half) : i + half + 1], axis=0)
    return out


def _log_shape(boxes: FloatArray) -> FloatArray:
    """(K, 4) xyxy -> (K, 2) [log height, log aspect w/h]."""
    w = np.maximum(boxes[:, 2] - boxes[:, 0], 1e-6).astype(np.float64)
    h = np.maximum(boxes[:, 3] - boxes[:, 1], 1e-6).astype(np.float64)
    return np.stack([np.log(h), np.log(w / h)], axis=1)


def _take(track: Track, rows: np.ndarray) -> Track:
    di = track.detection_index
    return Track(
        track.track_id,
        track.frames[rows],
        track.boxes[rows],
        track.scores[rows],
        track.observed[rows],
        None if di is None else di[rows],
    )


def _persistent_steps(shape: FloatArray, half: int, limits: FloatArray) -> np.ndarray:
    """Row indices i where the median of rows [i-half, i) and of [i, i+half) differ > limits.

    One index per run of such rows: where the difference (relative to the limits) peaks.
    """
    n = len(shape)
    score = np.zeros(n)
    for i in range(1, n):
        before = np.median(shape[max(0, i - half) : i], axis=0)
        after = np.median(shape[i : i + half], axis=0)
        score[i] = float(np.max(np.abs(after - before) / limits))
    over = score > 1.0
    cuts = []
    for run in np.split(np.arange(n), np.flatnonzero(np.diff(over.astype(int))) + 1):
        if over[run[0]]:
            cuts.append(int(run[np.argmax(score[run])]))
    return np.asarray(cuts, int)


def cut_box_jumps(track: Track, fps: float) -> list[Track]:
    """Remove rows whose box jumps in size or shape; split where the change persists.

    A row whose log height or log aspect is off the median of the rows within ``JUMP_WINDOW_S``
    by more than ``JUMP_LOG_HEIGHT`` / ``JUMP_LOG_ASPECT`` (a group box, another person for a few
    frames) is removed: it becomes a gap, filled as not observed if short. Where the median of
    the kept rows before a row and of those from it on differ by that much (a lasting switch to
    another box), the track is split; all pieces keep the track's id (the caller renumbers).
    Expects observed rows only.
    """
    if len(track) < 3:
        return [track]
    limits = np.array([JUMP_LOG_HEIGHT, JUMP_LOG_ASPECT])
    half = max(2, round(JUMP_WINDOW_S * fps / 2))
    shape = _log_shape(track.boxes)
    dev = np.abs(shape - _rolling_median(shape, half))
    kept = np.flatnonzero(~np.any(dev > limits, axis=1))
    if len(kept) == 0:
        return []
    cuts = _persistent_steps(shape[kept], half, limits)
    return [_take(track, rows) for rows in np.split(kept, cuts)]


def mostly_seen(
    track: Track, min_frames: int, min_observed_share: float, min_mean_score: float
) -> bool:
    """True when the track has enough observed rows, over enough of its span, scored enough.

    Args:
        track: a track before gap filling (its span is first to last frame).
        min_frames: least observed rows.
        min_observed_share: least observed rows / frames spanned.
        min_mean_score: least mean detector score over observed rows.
    """
    seen = int(np.count_nonzero(track.observed))
    if seen == 0 or seen < min_frames:
        return False
    span = int(track.frames[-1] - track.frames[0]) + 1
    return (
        seen / span >= min_observed_share
        and float(track.scores[track.observed].mean()) >= min_mean_score
    )


def fill_gaps(track: Track, max_gap_frames: int) -> Track:
    """Fill gaps of up to ``max_gap_frames`` missing frames by linear box interpolation.

    Filled rows have ``observed=False``, ``score=0`` and ``detection_index=-1``.
    """
    frames = track.frames
    if len(frames) < 2 or max_gap_frames < 1:
        return track
    missing = np.diff(frames) - 1
    fill = np.flatnonzero((missing >= 1) & (missing <= max_gap_frames))
    if not len(fill):
        return track
    new_frames, new_boxes = [], []
    for i in fill:
        f0, f1 = int(frames[i]), int(frames[i + 1])
        between = np.arange(f0 + 1, f1)
        w = ((between - f0) / (f1 - f0))[:, None]
        new_frames.append(between)
        new_boxes.append((1 - w) * track.boxes[i] + w * track.boxes[i + 1])
    n_new = sum(len(f) for f in new_frames)
    all_frames = np.concatenate([frames, *new_frames])
    order = np.argsort(all_frames, kind="stable")
    det_index = track.detection_index
    if det_index is None:
        det_index = np.full(len(frames), -1)
    return Track(
        track.track_id,
        all_frames[order],
        np.concatenate([track.boxes, *new_boxes])[order],
        np.concatenate([track.scores, np.zeros(n_new)])[order],
        np.concatenate([track.observed, np.zeros(n_new, bool)])[order],
        np.concatenate([det_index, np.full(n_new, -1)])[order],
    )


def prominence(track: Track) -> float:
    """Screen presence of a track: sum over observed rows of sqrt(box area) (pixels)."""
    b = track.boxes[track.observed]
    area = np.clip(b[:, 2] - b[:, 0], 0, None) * np.clip(b[:, 3] - b[:, 1], 0, None)
    return float(np.sqrt(area).sum())


def keep_most_prominent(tracks: list[Track], n: int | None) -> list[Track]:
    """The ``n`` tracks with the largest :func:`prominence` (all when ``n`` is None)."""
    if n is None or len(tracks) <= n:
        return list(tracks)
    return sorted(tracks, key=prominence, reverse=True)[:n]
