"""Cut a tracker-made track where its box stops being one person.

An IoU tracker follows whatever box overlaps its last one: a box around a group, a neighbour who
takes over while the person is missed, a box that drifts from one walker to another. These signs
are checked along the observed rows of a track, each with a limit measured on real trajectories
(``benchmarks/calibrate_stitch.py`` on motmetrics' TUD-Campus and TUD-Stadtmitte):

* **shape outliers**: rows whose log height or log aspect (w/h) is off the median of the rows
  around them are removed (a group box for a few frames); they become gaps, filled as not
  observed if short;
* **lasting shape change**: where the median shape of the rows before and after a row differ by
  that much, the track is split;
* **appearance change** (when embeddings are known): where the mean embedding of the known rows
  before and after a change differ by more than the stitching gate, it is split, unless the look
  before comes back later in the track or the look after was seen before it (a person covered for a
  while by someone the detector missed looks like them, then like themselves again).

Each piece is checked again (a window can span two changes close together). Pieces keep the track's
id; the caller renumbers them and lets :mod:`mocap.stitch` rejoin the
pieces that do belong together on evidence.
"""

from __future__ import annotations

import warnings

import numpy as np

from mocap.appearance import cosine_distance
from mocap.stitch import MAX_APPEARANCE_DISTANCE
from mocap.types import FloatArray, Track

#: Shape limits: a row's |log height| or |log aspect (w/h)| may
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
#: Known embeddings compared across an appearance change lie at most this long (seconds) before
#: or after it. Tracks in a crowd have few known rows (covered boxes have none): on TUD-Stadtmitte
#: high-noise detections a track that turned from one person into another through a group box
#: had 4 known rows in the 0.3 s after the change and 1 in the 0.24 s window used before.
APPEARANCE_SPAN_S = 1.0


def _windows(values: FloatArray, lo: int, hi: int) -> FloatArray:
    """(K, D) -> (K, D, hi - lo): rows [i + lo, i + hi) of ``values`` for each i, NaN outside."""
    pad = max(-lo, hi, 0)
    k, d = values.shape
    padded = np.full((k + 2 * pad, d), np.nan)
    padded[pad : pad + k] = values
    view = np.lib.stride_tricks.sliding_window_view(padded, hi - lo, axis=0)
    return view[pad + lo : pad + lo + k]


def _window_stat(values: FloatArray, lo: int, hi: int, stat) -> FloatArray:
    """(K, D) ``stat`` (nanmedian / nanmean) over rows [i + lo, i + hi), clipped; NaN if none."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # empty windows give NaN
        return stat(_windows(values, lo, hi), axis=-1)


def _rolling_median(values: FloatArray, half: int) -> FloatArray:
    """(K, D) -> (K, D) median over rows [i - half, i + half] (clipped at the ends)."""
    return _window_stat(values, -half, half + 1, np.nanmedian)


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


def _peaks(score: FloatArray, step: FloatArray) -> list[int]:
    """One index per run of ``score > 1``: at the largest row-to-row ``step`` when one exceeds 1
    (a sharp jump), else where ``score`` peaks (a change spread over a few rows)."""
    over = score > 1.0
    cuts = []
    for run in np.split(np.arange(len(score)), np.flatnonzero(np.diff(over.astype(int))) + 1):
        if len(run) and over[run[0]]:
            sharp = step[run].max() > 1.0
            cuts.append(int(run[np.argmax(step[run] if sharp else score[run])]))
    return cuts


def _shape_steps(shape: FloatArray, half: int) -> FloatArray:
    """(K,) at row i: max over [log h, log aspect] of |median after - median before| / limit."""
    limits = np.array([JUMP_LOG_HEIGHT, JUMP_LOG_ASPECT])
    before = _window_stat(shape, -half, 0, np.nanmedian)
    after = _window_stat(shape, 0, half, np.nanmedian)
    score = np.max(np.abs(after - before) / limits, axis=1)
    return np.nan_to_num(score, nan=0.0)


def _seen_in(look: FloatArray, windows: list[FloatArray]) -> bool:
    """True when one of the mean embeddings ``windows`` is within the gate of ``look``."""
    return any(cosine_distance(look, w) <= MAX_APPEARANCE_DISTANCE for w in windows)


def _appearance_steps(
    embeddings: FloatArray, frames: np.ndarray, half: int, span: int
) -> FloatArray:
    """(K,) cosine distance over the gate between the appearance before and after each row.

    Only rows with a known embedding are compared (in a crowd most boxes are covered by another
    box and carry none): at each change from one known row to the next, the mean of up to
    ``half`` known rows before (within ``span`` frames of the last of them) is compared with the
    mean of up to ``half`` known rows after (within ``span`` frames of the first); both need
    ``half // 2 + 1`` rows. The score is given to every row after the last known row before the
    change up to the first known row after it (where the change may lie), so the cut falls at a
    sharp shape step among them, else right after the last row that still looked the same.
    """
    known = np.flatnonzero(np.all(np.isfinite(embeddings), axis=1))
    score = np.zeros(len(embeddings))
    if len(known) < 2:
        return score
    emb = embeddings[known]  # (M, D)
    at = frames[known].astype(np.float64)[:, None]  # (M, 1)
    last = np.r_[np.nan, at[:-1, 0]]  # frame of the known row before each change

    def side(lo: int, hi: int, distance: FloatArray) -> tuple[FloatArray, FloatArray]:
        """(M, D) mean and (M,) count of known rows [p + lo, p + hi) within ``span``."""
        near = distance <= span  # (M, hi - lo); NaN outside the track compares False
        rows = np.where(near[:, None, :], _windows(emb, lo, hi), np.nan)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # empty windows give NaN
            return np.nanmean(rows, axis=-1), np.count_nonzero(near, axis=1)

    before, n_before = side(-half, 0, last[:, None] - _windows(at, -half, 0)[:, 0, :])
    after, n_after = side(0, half, _windows(at, 0, half)[:, 0, :] - at)
    enough = half // 2 + 1
    full_before, full_after = n_before >= enough, n_after >= enough
    for p in np.flatnonzero(full_before & full_after):
        dist = cosine_distance(before[p], after[p])
        if dist <= MAX_APPEARANCE_DISTANCE:
            continue
        later = [after[q] for q in np.flatnonzero(full_after[p + 1 :]) + p + 1]
        earlier = [before[q] for q in np.flatnonzero(full_before[:p])]
        if _seen_in(before[p], later) or _seen_in(after[p], earlier):
            continue  # the look comes back (or was seen before): covered for a while, not a change
        score[known[p - 1] + 1 : known[p] + 1] = dist / MAX_APPEARANCE_DISTANCE
    return score


def cut_box_jumps(track: Track, fps: float, embeddings: FloatArray | None = None) -> list[Track]:
    """Remove shape-outlier rows, split where shape or appearance changes for good.

    Args:
        track: a tracker-made track, observed rows only.
        fps: frames per second.
        embeddings: optional (T, D) appearance vector per row (NaN rows = unknown).

    Returns:
        Pieces in frame order (possibly none, possibly one), all with the track's id.
    """
    if len(track) < 3:
        return [track]
    half = max(2, round(JUMP_WINDOW_S * fps / 2))
    shape = _log_shape(track.boxes)
    limits = np.array([JUMP_LOG_HEIGHT, JUMP_LOG_ASPECT])
    dev = np.abs(shape - _rolling_median(shape, half))
    kept = np.flatnonzero(~np.any(dev > limits, axis=1))
    if len(kept) < 2:
        return [_take(track, kept)] if len(kept) else []
    step = np.zeros(len(kept))
    step[1:] = np.max(np.abs(np.diff(shape[kept], axis=0)) / limits, axis=1)
    score = _shape_steps(shape[kept], half)
    if embeddings is not None:
        span = round(APPEARANCE_SPAN_S * fps)
        score = np.maximum(
            score, _appearance_steps(embeddings[kept], track.frames[kept], half, span)
        )
    cuts = [c for c in _peaks(score, step) if 0 < c < len(kept)]
    if not cuts:
        return [_take(track, kept)]
    pieces = []
    for rows in np.split(kept, cuts):  # a piece may hold a change its neighbour's rows hid
        sub = None if embeddings is None else embeddings[rows]
        pieces += cut_box_jumps(_take(track, rows), fps, sub)
    return pieces
