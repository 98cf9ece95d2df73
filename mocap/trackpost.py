"""Offline clean-up of tracks: stitch fragments, drop short tracks, fill gaps, keep the top N.

All functions are pure: they take :class:`Track` objects and return new ones. Frame counts are
in frames (callers convert seconds with the video's fps).
"""

from __future__ import annotations

import numpy as np

from mocap.interpolate import interp_linear
from mocap.types import FloatArray, Track

#: Longest gap (seconds) across which two fragments may be joined by :func:`stitch_fragments`.
STITCH_MAX_GAP_S = 3.0
#: Box motion is extrapolated at most this long (seconds); people rarely keep a straight line.
STITCH_MAX_EXTRAPOLATION_S = 1.0
#: Motion gate: the next fragment must start within (BASE + PER_S * gap seconds) box heights of
#: where the previous one ended or was heading. Chosen for walking people (~1 body height / s).
STITCH_BASE_TOLERANCE = 0.5
STITCH_TOLERANCE_PER_S = 1.0
#: Box height ratio allowed between the two ends of a join.
STITCH_MAX_HEIGHT_RATIO = 1.5
#: Appearance gate when both fragments carry embeddings: cosine distance of their mean vectors.
STITCH_MAX_APPEARANCE_DISTANCE = 0.3
#: Observed rows used to estimate a fragment's velocity at its end.
VELOCITY_WINDOW = 10


def _centre(box: FloatArray) -> FloatArray:
    return np.array([(box[0] + box[2]) / 2.0, (box[1] + box[3]) / 2.0])


def _height(box: FloatArray) -> float:
    return float(max(box[3] - box[1], 1e-6))


def _end_velocity(track: Track) -> FloatArray:
    """Centre velocity in pixels per frame over the last observed rows (0 for one row)."""
    obs = np.flatnonzero(track.observed)[-VELOCITY_WINDOW:]
    if len(obs) < 2:
        return np.zeros(2)
    df = float(track.frames[obs[-1]] - track.frames[obs[0]])
    return (_centre(track.boxes[obs[-1]]) - _centre(track.boxes[obs[0]])) / df


def join_cost(a: Track, b: Track, fps: float, appearance: float | None) -> float | None:
    """Cost of continuing ``a`` with ``b`` (b starts after a ends), or None when a gate fails.

    Args:
        a, b: fragments, ``b.frames[0] > a.frames[-1]``.
        fps: frames per second.
        appearance: cosine distance of their embeddings, None when either has none.
    """
    gap = int(b.frames[0] - a.frames[-1])
    end, start = a.boxes[-1], b.boxes[0]
    h_a, h_b = _height(end), _height(start)
    if max(h_a / h_b, h_b / h_a) > STITCH_MAX_HEIGHT_RATIO:
        return None
    horizon = min(gap, STITCH_MAX_EXTRAPOLATION_S * fps)
    predicted = _centre(end) + _end_velocity(a) * horizon
    c = _centre(start)
    # A person may have kept walking (predicted) or stopped behind the occluder (end).
    dist = min(np.linalg.norm(c - predicted), np.linalg.norm(c - _centre(end)))
    tolerance = h_a * (STITCH_BASE_TOLERANCE + STITCH_TOLERANCE_PER_S * gap / fps)
    motion = float(dist / tolerance)
    if motion > 1.0:
        return None
    if appearance is None:
        return motion
    if appearance > STITCH_MAX_APPEARANCE_DISTANCE:
        return None
    return motion + appearance / STITCH_MAX_APPEARANCE_DISTANCE


def _cosine_distance(u: np.ndarray, v: np.ndarray) -> float:
    nu, nv = float(np.linalg.norm(u)), float(np.linalg.norm(v))
    if nu < 1e-12 or nv < 1e-12:
        return 1.0
    return 1.0 - float(u @ v) / (nu * nv)


def stitch_fragments(
    tracks: list[Track], embeddings: dict[int, np.ndarray], fps: float, max_gap_frames: int
) -> list[Track]:
    """Join fragments of one person: each track may continue into one later track.

    Candidate joins ``a -> b`` need ``b`` to start 1..``max_gap_frames`` frames after ``a``
    ends and to pass :func:`join_cost`'s gates; joins are taken greedily by increasing cost, at
    most one successor and one predecessor per fragment. A joined track keeps its first
    fragment's id.

    Args:
        tracks: fragments (observed rows only, as the tracker made them).
        embeddings: track id -> appearance vector (mean direction); may be empty.
        fps: frames per second.
        max_gap_frames: longest gap bridged.
    """
    by_id = {t.track_id: t for t in tracks}
    candidates: list[tuple[float, int, int]] = []
    for a in tracks:
        for b in tracks:
            gap = int(b.frames[0] - a.frames[-1]) if len(a) and len(b) else 0
            if a is b or not 1 <= gap <= max_gap_frames:
                continue
            ea, eb = embeddings.get(a.track_id), embeddings.get(b.track_id)
            appearance = None if ea is None or eb is None else _cosine_distance(ea, eb)
            cost = join_cost(a, b, fps, appearance)
            if cost is not None:
                candidates.append((cost, a.track_id, b.track_id))
    successor: dict[int, int] = {}
    predecessor: dict[int, int] = {}
    for _, a_id, b_id in sorted(candidates):
        if a_id not in successor and b_id not in predecessor:
            successor[a_id], predecessor[b_id] = b_id, a_id
    out = []
    for t in tracks:
        if t.track_id in predecessor:
            continue
        chain = [t]
        while chain[-1].track_id in successor:
            chain.append(by_id[successor[chain[-1].track_id]])
        out.append(_concat(chain) if len(chain) > 1 else t)
    return out


def _concat(chain: list[Track]) -> Track:
    def cat(name: str) -> np.ndarray:
        return np.concatenate([getattr(t, name) for t in chain])

    return Track(
        chain[0].track_id,
        cat("frames"),
        cat("boxes"),
        cat("scores"),
        cat("observed"),
        cat("detection_index"),
    )


def drop_short(tracks: list[Track], min_frames: int) -> list[Track]:
    """Tracks with at least ``min_frames`` observed rows."""
    return [t for t in tracks if int(np.count_nonzero(t.observed)) >= min_frames]


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
