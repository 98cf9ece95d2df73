"""Offline clean-up of tracks: drop tracks not mostly seen, fill gaps, keep the top N.

Cutting box jumps lives in :mod:`mocap.trackcut`, stitching fragments in :mod:`mocap.stitch`.

All functions are pure: they take :class:`Track` objects and return new ones. Frame counts are
in frames (callers convert seconds with the video's fps).
"""

from __future__ import annotations

import numpy as np

from mocap.interpolate import interp_linear
from mocap.types import Track


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
        new_frames.append(between)
        new_boxes.append(interp_linear(between, frames[i : i + 2], track.boxes[i : i + 2]))
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
