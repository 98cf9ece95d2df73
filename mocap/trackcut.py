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
* except, when embeddings are known, where the colours and the foot line stay (a change of
  pose: ``POSE_LOOK_LIMIT``): neither kind of shape change is cut there, nor a change of the
  region look beside it (a person lying down moves their torso and legs across the regions);
* **appearance change** (when embeddings are known): where the mean embedding of the known rows
  before and after a change differ by more than the stitching gate, it is split, if the change
  lasts: the look before does not come back later in the track, the look after was not seen
  before it, and, where the track goes on past the window after the change, the new look is seen
  again there. A person covered for a while by someone the detector missed (so no box says they
  are covered) takes that person's colours, then their own again: no cut. Measured on TUD
  (``benchmarks/bench_track_real.py``, 3 seeds, frames rendered with clothing colours): without
  the lasting checks Stadtmitte low noise IDF1 fell from 81.8 to 79.0; with them 83.1.
  At the end of a track or piece, where a box around two people can drift from one's look to
  the other's without a step, the end's look is also compared across a transition
  (``TAIL_KNOWN_ROWS``).

A change without a sharp shape step is cut where the known looks around it split best in two
(a step in the mean), moved to where the paths before and after it say the box went from one
person to the other (``MOTION_SPLIT_GAIN``): in a crowd the rows around a change mostly have no
known look, and the tracker may follow the old person for a while before it jumps.

Each piece is checked again (a window can span two changes close together), against the rest of
the track for whether a look comes back, against itself for whether a new look is seen again (the
rows after a cut are someone else's). Pieces keep the track's id and say whether they begin at a
change of look. The caller renumbers them and lets :mod:`mocap.stitch` rejoin the pieces that do
belong together on evidence, never two cut apart by their look.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from mocap.appearance import cosine_distance, cosine_distances
from mocap.stitch import FIT_WINDOW, MAX_APPEARANCE_DISTANCE, MOTION_BASE, fit_line
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
#: At the end of a track (or of a piece: the rows after a cut are someone else's) no later rows
#: can show that a change lasts, and a track that leaves one person through a box around two
#: drifts from one look to the other without a step. There an after window is full with this many
#: known rows, and the look at the end is also compared with the looks before a transition of up
#: to half a window of known rows. Measured on TUD (``benchmarks/bench_track_real.py`` and
#: ``benchmarks/tud_label_mix.py``, 10 seeds, frames rendered): tracks holding detections of two
#: people 5 -> 4; IDF1 on the real tracker's boxes 61.4 -> 62.8 (Campus), 67.5 -> 70.9
#: (Stadtmitte), on the noisy ground truth within 0.2. The short end window alone changed no such
#: track; the comparison across a transition anywhere in a track (not only at its end) cut a
#: person partly covered by an undetected neighbour apart and joined a piece to the neighbour.
#: 3 -> 2 rows (with the look split, pieces kept apart, and a piece's new look sought again in
#: the piece, not in the rest of the track): such tracks 3 -> 0, see ``_look_split``.
TAIL_KNOWN_ROWS = 2
#: A cut among the rows of a change (no sharp shape step) moves from where the change scores
#: highest to where the straight paths before and after it split the rows best when that saves
#: more than this many box heights of summed centre error (stitching's base motion tolerance; a
#: true join's error is below 0.07 at 0.2 s, 99th percentile). Measured on TUD
#: (``benchmarks/bench_track_real.py`` and ``benchmarks/tud_label_mix.py``, 10 seeds, frames
#: rendered): tracks holding detections of two people 4 -> 3 (Stadtmitte high seed 4: person 8's
#: covered rows had stayed with 9); IDF1 on the real tracker's boxes 70.9 -> 73.9 (Stadtmitte,
#: no ID switch left) and 62.8 -> 62.0 (Campus), on the noisy ground truth -0.5 to +0.2.
MOTION_SPLIT_GAIN = MOTION_BASE
#: A change without a sharp shape step is placed by the look split (:func:`_look_split`) over the
#: known rows of the change and this many windows of known rows each side of it. Measured on TUD
#: (``benchmarks/bench_track_real.py`` and ``benchmarks/tud_label_mix.py``, 10 seeds, frames
#: rendered) with three companions: ``TAIL_KNOWN_ROWS`` 3 -> 2, a piece's new look sought again
#: in the piece (not in the rest of the track), pieces cut at a change of look never stitched
#: back: tracks holding detections of two people 3 -> 0 (1 left without any one of the four);
#: IDF1 on the real tracker's boxes 62.0 -> 63.5 (Campus), 73.9 -> 73.1 (Stadtmitte), on the
#: noisy ground truth -0.7 to 0.0 (of 131 pairs of pieces kept apart, 7 would have been joined
#: back: 5 of one person, 1 of two people, 1 of group boxes alone).
LOOK_SPLIT_CONTEXT_WINDOWS = 2

#: A change of box shape is a change of pose, not of person, where the person's colours and
#: footing stay: the mean pose-free looks (:func:`mocap.appearance.pose_free`: torso and legs
#: regions together, so that lying down, which moves them across the regions, keeps them) of the
#: known rows before and after it (at least ``POSE_KNOWN_ROWS`` each side, within the shape
#: window) differ by at most ``POSE_LOOK_LIMIT`` (cosine distance), and the box's bottom edge (the
#: feet) moves by at most ``POSE_BOTTOM_SHIFT`` of the box height before it. A box taken over by
#: a person nearer or farther, or by a box around a nearer neighbour, stands on another foot
#: line; a dancer who crouches, spreads their arms or lies down keeps theirs (without this, the
#: pedestrian shape limits above split such a dancer into two people). Neither shape outliers
#: (an arm flung out for a few frames), lasting shape changes, nor a change of the region look
#: next to such a change of pose are cut. Measured on TUD (``benchmarks/bench_track_real.py`` and
#: ``benchmarks/tud_label_mix.py``, 10 seeds, frames rendered), against no exemption: IDF1 on the
#: real tracker's boxes 63.5 -> 64.9 (Campus, its ``mix`` 1 -> 0) and 73.1 -> 73.1 (Stadtmitte),
#: on the noisy ground truth +0.3 to +2.2 (Campus high 70.9 -> 73.1); tracks holding detections
#: of two people 0 -> 0. Look limit 0.05: Campus real tracker 63.5, Campus high 72.6; 0.15: the
#: first track of two people (Campus high, one of 10 runs). Feet 0.05: Campus real tracker 63.5,
#: Campus high 72.6; 0.15: Stadtmitte high ``mix`` 0.4 -> 0.6, IDF1 61.9 -> 61.6.
#: ``POSE_KNOWN_ROWS`` 3 (region looks): IDF1 -0.1 to -0.7 on the noisy sets.
POSE_LOOK_LIMIT = 0.1
POSE_KNOWN_ROWS = 2
POSE_BOTTOM_SHIFT = 0.1


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


def _peaks(
    score: FloatArray,
    step: FloatArray,
    frames: np.ndarray,
    boxes: FloatArray,
    embeddings: FloatArray | None,
    context: int,
) -> list[int]:
    """One index per run of ``score > 1``: at the largest row-to-row ``step`` when one exceeds 1
    (a sharp jump), else where the rows of the run split between the paths before and after it
    (:func:`_motion_split`: a change spread over a few rows), starting from where the looks
    split best (:func:`_look_split`), else where the score is highest. (K,) score, step and
    frames, (K, 4) xyxy boxes, (K, D) embeddings (NaN rows unknown)."""
    cuts = []
    for run in _runs(score > 1.0):
        if step[run].max() > 1.0:
            cuts.append(int(run[np.argmax(step[run])]))
            continue
        peak = int(run[np.argmax(score[run])])
        if embeddings is not None:
            peak = _look_split(int(run[0]), int(run[-1]), embeddings, context, peak)
        cuts.append(_motion_split(int(run[0]), int(run[-1]), peak, frames, boxes))
    return cuts


def _runs(over: np.ndarray) -> list[np.ndarray]:
    """Row indices of each run of consecutive True in the (K,) bool ``over``."""
    runs = np.split(np.arange(len(over)), np.flatnonzero(np.diff(over.astype(int))) + 1)
    return [run for run in runs if len(run) and over[run[0]]]


def _look_split(first: int, last: int, embeddings: FloatArray, context: int, peak: int) -> int:
    """Where the known looks around rows ``first..last`` of a change split best in two.

    The windows of :func:`_appearance_steps` score every change they straddle: when a track
    turns from A to B through a few rows with a look of their own (a box around both), the
    change scores highest wherever a window happens to hold the fewest mixed rows, which may be
    well after A's last row. Here the known rows of the run and up to ``context`` known rows each
    side of it are split before each known row q of the run; the split maximises
    sqrt(n_before * n_after / n) times the distance of the two mean embeddings (the change-point
    statistic of one step in the mean), and the cut goes right after the known row before q.
    ``peak`` when no known row lies in the run. (K, D) embeddings, NaN rows unknown.
    """
    known = np.flatnonzero(np.all(np.isfinite(embeddings), axis=1))
    inside = np.flatnonzero((known >= first) & (known <= last))
    lo = max(0, int(inside[0]) - context) if len(inside) else 0
    inside = inside[inside > lo]  # at least one known row before the split
    if not len(inside):
        return peak
    emb = embeddings[known[lo : min(len(known), int(inside[-1]) + 1 + context)]]  # (N, D)
    n, k = len(emb), inside - lo  # (Q,) known rows before each split
    sums = np.cumsum(emb, axis=0)  # (N, D)
    before = sums[k - 1] / k[:, None]
    after = (sums[-1] - sums[k - 1]) / (n - k)[:, None]
    stat = np.sqrt(k * (n - k) / n) * np.linalg.norm(after - before, axis=1)  # (Q,)
    return max(first, int(known[inside[int(np.argmax(stat))] - 1]) + 1)


def _motion_split(first: int, last: int, peak: int, frames: np.ndarray, boxes: FloatArray) -> int:
    """Where rows ``first..last`` of a change (no sharp step) go from one person to the other.

    In a crowd the rows between the last row that still looks like the old person and the first
    that looks like the new one mostly have no known look (covered boxes); the tracker may follow
    the old person for a while, then jump. A line (centre against frame, as stitching fits) is
    fitted through the ``FIT_WINDOW`` rows before ``first`` and those after ``last``; the cut c
    in ``first..last`` minimises the summed centre error of rows [first, c) against the line
    before and of rows [c, last] against the line after, in box heights. It moves from ``peak``
    (where the change scores highest) only when that saves more than ``MOTION_SPLIT_GAIN`` box
    heights (else the motion cannot tell), and not when a side has fewer than 3 rows (a line
    through fewer is flat: no slope). (K,) frames, (K, 4) xyxy boxes.
    """
    before = np.arange(max(0, first - FIT_WINDOW), first)
    after = np.arange(last + 1, min(len(frames), last + 1 + FIT_WINDOW))
    if len(before) < 3 or len(after) < 3:
        return peak
    centres = (boxes[:, :2] + boxes[:, 2:]) / 2.0  # (K, 2)
    heights = np.maximum(boxes[:, 3] - boxes[:, 1], 1e-6)
    rows = np.arange(first, last + 1)

    def error(fit: np.ndarray) -> FloatArray:
        """(len(rows),) centre error of the rows against the line through ``fit``."""
        at = float(frames[fit[0]])
        value, slope = fit_line(frames[fit], centres[fit], at)
        predicted = value + np.outer(frames[rows] - at, slope)
        return np.linalg.norm(centres[rows] - predicted, axis=1) / heights[rows]

    old, new = error(before), error(after)
    # cost of cutting before row first + k: rows [0, k) on the old line, [k, n) on the new one
    cost = np.r_[0.0, np.cumsum(old)][:-1] + np.cumsum(new[::-1])[::-1]
    best = int(np.argmin(cost))
    return first + best if cost[peak - first] - cost[best] > MOTION_SPLIT_GAIN else peak


def _shape_steps(shape: FloatArray, half: int) -> FloatArray:
    """(K,) at row i: max over [log h, log aspect] of |median after - median before| / limit."""
    limits = np.array([JUMP_LOG_HEIGHT, JUMP_LOG_ASPECT])
    before = _window_stat(shape, -half, 0, np.nanmedian)
    after = _window_stat(shape, 0, half, np.nanmedian)
    score = np.max(np.abs(after - before) / limits, axis=1)
    return np.nan_to_num(score, nan=0.0)


def _keeps_pose(
    boxes: FloatArray, embeddings: FloatArray, known: np.ndarray, ref: np.ndarray, new: np.ndarray
) -> bool:
    """True when rows ``new`` show the person of rows ``ref`` in another pose: the mean look of
    their known rows within ``POSE_LOOK_LIMIT`` of that of ``ref``'s (at least
    ``POSE_KNOWN_ROWS`` of them, and one of ``new``'s), and their median bottom edge within
    ``POSE_BOTTOM_SHIFT`` of ``ref``'s median height of ``ref``'s median bottom. (K, 4) xyxy
    boxes, (K, D) embeddings, (K,) bool known, index arrays ``ref`` and ``new``."""
    look_r, look_n = ref[known[ref]], new[known[new]]
    if len(look_r) < POSE_KNOWN_ROWS or not len(look_n):
        return False
    mean_r, mean_n = embeddings[look_r].mean(axis=0), embeddings[look_n].mean(axis=0)
    if cosine_distance(mean_r, mean_n) > POSE_LOOK_LIMIT:
        return False
    bottom = boxes[:, 3].astype(np.float64)
    height = float(np.median(bottom[ref] - boxes[ref, 1].astype(np.float64)))
    return abs(float(np.median(bottom[new]) - np.median(bottom[ref]))) <= POSE_BOTTOM_SHIFT * height


def _pose_changes(
    boxes: FloatArray, embeddings: FloatArray, candidates: np.ndarray, half: int
) -> np.ndarray:
    """(K,) True at the ``candidates`` rows (a lasting shape change) where the rows before
    ([i - half, i)) and after ([i, i + half)) keep the look and the foot line: a change of pose.
    (K, 4) xyxy boxes, (K, D) embeddings (NaN rows unknown), (K,) bool candidates."""
    out = np.zeros(len(boxes), bool)
    known = np.all(np.isfinite(embeddings), axis=1)
    for i in np.flatnonzero(candidates).tolist():
        before = np.arange(max(0, i - half), i)
        after = np.arange(i, min(len(boxes), i + half))
        if np.count_nonzero(known[after]) >= POSE_KNOWN_ROWS:
            out[i] = _keeps_pose(boxes, embeddings, known, before, after)
    return out


def _spare_poses(look: FloatArray, posed: np.ndarray, half: int) -> FloatArray:
    """(K,) look-change score without the changes within ``half`` rows of a change of pose:
    a person who lies down moves their torso and legs across the box's regions, and their
    region look changes with the pose while their colours and foot line stay. (K,) bool posed."""
    if not posed.any():
        return look
    near = np.convolve(posed.astype(float), np.ones(2 * half + 1), mode="same") > 0
    out = look.copy()
    for run in _runs(look > 1.0):
        if near[run].any():
            out[run] = 0.0
    return out


def _posed_rows(
    boxes: FloatArray, embeddings: FloatArray, outlier: np.ndarray, half: int
) -> np.ndarray:
    """(K,) True at the ``outlier`` rows (shape off the rows around) whose own look is known and
    keeps the look and the foot line of the other rows within ``half`` of them: a quick change
    of pose (an arm flung out), not a box around someone else. (K, 4) xyxy boxes, (K, D)
    embeddings, (K,) bool outlier."""
    out = np.zeros(len(boxes), bool)
    known = np.all(np.isfinite(embeddings), axis=1)
    for i in np.flatnonzero(outlier & known).tolist():
        around = np.arange(max(0, i - half), min(len(boxes), i + half + 1))
        out[i] = _keeps_pose(boxes, embeddings, known, around[~outlier[around]], np.array([i]))
    return out


def _seen_in(look: FloatArray, windows: FloatArray) -> bool:
    """True when one of the (N, D) mean embeddings ``windows`` is within the gate of ``look``."""
    if not len(windows):
        return False
    return bool(np.any(cosine_distances(windows, look[None]) <= MAX_APPEARANCE_DISTANCE))


@dataclass(frozen=True)
class _Looks:
    """Mean embeddings around each change between consecutive known rows of a track.

    Attributes:
        known: (M,) row index of each row with a known embedding.
        at: (M,) frame of each known row.
        before: (M, D) mean of up to ``half`` known rows before known row p (within the span).
        after: (M, D) mean of up to ``half`` known rows from known row p on (within the span).
        full_before: (M,) the before window holds enough rows.
        full_after: (M,) the after window holds enough rows.
        n_after: (M,) known rows in the after window.
        tail: (M,) the after window is full and holds every known row to the end of the rows.
    """

    known: np.ndarray
    at: np.ndarray
    before: FloatArray
    after: FloatArray
    full_before: np.ndarray
    full_after: np.ndarray
    n_after: np.ndarray
    tail: np.ndarray


def _looks(embeddings: FloatArray, frames: np.ndarray, half: int, span: int) -> _Looks:
    """Windows of known rows: up to ``half`` each side of a change, within ``span`` frames of it;
    ``half // 2 + 1`` rows make a window full, ``TAIL_KNOWN_ROWS`` an after window that runs to
    the last known row (of a track, or of a piece: the rows after a cut are someone else's).
    (T, D) embeddings, (T,) frames."""
    known = np.flatnonzero(np.all(np.isfinite(embeddings), axis=1))
    emb = embeddings[known]  # (M, D)
    at = frames[known].astype(np.float64)[:, None]  # (M, 1)
    last = np.r_[np.nan, at[:-1, 0]]  # frame of the known row before each change

    def side(lo: int, hi: int, distance: FloatArray) -> tuple[FloatArray, np.ndarray]:
        """(M, D) mean and (M,) count of known rows [p + lo, p + hi) within ``span``."""
        near = distance <= span  # (M, hi - lo); NaN outside the track compares False
        rows = np.where(near[:, None, :], _windows(emb, lo, hi), np.nan)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # empty windows give NaN
            return np.nanmean(rows, axis=-1), np.count_nonzero(near, axis=1)

    before, n_before = side(-half, 0, last[:, None] - _windows(at, -half, 0)[:, 0, :])
    after, n_after = side(0, half, _windows(at, 0, half)[:, 0, :] - at)
    enough = half // 2 + 1
    tail = np.arange(len(known)) + n_after >= len(known)  # the window reaches the last row
    full_after = (n_after >= enough) | (tail & (n_after >= min(TAIL_KNOWN_ROWS, enough)))
    return _Looks(
        known, at[:, 0], before, after, n_before >= enough, full_after, n_after, tail & full_after
    )


def _lasting(looks: _Looks, p: int, track: _Looks, b: int) -> bool:
    """True when the change between the before window of known row ``b`` and the after window
    of known row ``p`` (``b <= p``) of ``looks`` lasts in the whole ``track``: the look before
    does not come back later, the look after was not seen earlier, and where the track goes on
    after the after window, the new look is seen again there."""
    first, last = looks.at[p], looks.at[b - 1]
    later = track.after[track.full_after & (track.at > first)]
    before_end = np.r_[np.nan, track.at[:-1]]  # frame of the last row of each before window
    earlier = track.before[track.full_before & (before_end < last)]
    if _seen_in(looks.before[b], later) or _seen_in(looks.after[p], earlier):
        return False  # covered for a while by someone the detector missed, not a change
    end = looks.at[p + int(looks.n_after[p]) - 1]
    beyond = looks.after[looks.full_after & (looks.at > end)]  # a piece ends at a change
    return not len(beyond) or _seen_in(looks.after[p], beyond)


def _appearance_steps(looks: _Looks, track: _Looks, rows: int, half: int) -> FloatArray:
    """(rows,) cosine distance over the gate between the looks before and after a lasting change.

    Only rows with a known embedding are compared (in a crowd most boxes are covered by another
    box and carry none). The score is given to every row after the last known row before the
    change up to the first known row after it (where the change may lie), so the cut falls at a
    sharp shape step among them, else where the paths before and after split them
    (:func:`_motion_split`), else right after the last row that still looked the same.
    ``looks`` are the windows of the rows being cut, ``track`` those of the whole track (a piece
    of a track is checked against what the track shows after and before it).

    Where no such change lies near the end of the rows, the look at the end (``TAIL_KNOWN_ROWS``)
    is compared with the looks before a transition of ``half``, ..., 2, 1 known rows (a drift
    through a box around two people); the score then covers the transition, so the cut falls at
    a sharp shape step in it, else where the paths split it, else right after the old look's
    window. The piece before the cut is checked again and may lose the rest of the drift to a
    piece of its own.
    """
    score = np.zeros(rows)
    ends = np.flatnonzero(looks.tail)
    pairs = [(p, p) for p in np.flatnonzero(looks.full_after)]
    pairs += [(p - z, p) for z in range(half, 0, -1) for p in ends]
    for b, p in pairs:
        if b < 1 or not looks.full_before[b]:
            continue
        lo, hi = looks.known[b - 1] + 1, looks.known[p] + 1
        if b < p and score[lo:hi].any():
            continue  # a change already found in the transition
        dist = cosine_distance(looks.before[b], looks.after[p])
        if dist > MAX_APPEARANCE_DISTANCE and _lasting(looks, p, track, b):
            score[lo:hi] = dist / MAX_APPEARANCE_DISTANCE
    return score


def cut_box_jumps(
    track: Track,
    fps: float,
    embeddings: FloatArray | None = None,
    pose_looks: FloatArray | None = None,
) -> list[tuple[Track, bool]]:
    """Remove shape-outlier rows, split where shape or appearance changes for good.

    Args:
        track: a tracker-made track, observed rows only.
        fps: frames per second.
        embeddings: optional (T, D) appearance vector per row (NaN rows = unknown).
        pose_looks: optional (T, E) vector per row that stays when the person changes pose
            (:func:`mocap.appearance.pose_free`), for telling a change of pose from a change of
            person; None: ``embeddings``.

    Returns:
        Pieces in frame order (possibly none, possibly one), all with the track's id, each with
        whether it begins where the look changed for good (stitching never joins such a piece
        back to the one before it).
    """
    if embeddings is not None and pose_looks is None:
        pose_looks = embeddings
    return _cut(track, fps, embeddings, pose_looks, None)


def _cut(
    track: Track,
    fps: float,
    embeddings: FloatArray | None,
    pose_looks: FloatArray | None,
    whole: _Looks | None,
) -> list[tuple[Track, bool]]:
    """:func:`cut_box_jumps` of a track or a piece of it; ``whole``: the looks of the whole track
    (None at the top: this track's own)."""
    if len(track) < 3:
        return [(track, False)]
    half = max(2, round(JUMP_WINDOW_S * fps / 2))
    shape = _log_shape(track.boxes)
    limits = np.array([JUMP_LOG_HEIGHT, JUMP_LOG_ASPECT])
    dev = np.abs(shape - _rolling_median(shape, half))
    outlier = np.any(dev > limits, axis=1)
    if pose_looks is not None and outlier.any():
        outlier &= ~_posed_rows(track.boxes, pose_looks, outlier, half)
    kept = np.flatnonzero(~outlier)
    if len(kept) < 2:
        return [(track.take(kept), False)] if len(kept) else []
    step = np.zeros(len(kept))
    step[1:] = np.max(np.abs(np.diff(shape[kept], axis=0)) / limits, axis=1)
    score = _shape_steps(shape[kept], half)
    posed = np.zeros(len(kept), bool)
    if pose_looks is not None:
        posed = _pose_changes(track.boxes[kept], pose_looks[kept], score > 1.0, half)
        score = np.where(posed, 0.0, score)
    look = np.zeros(len(kept))
    if embeddings is not None:
        looks = _looks(embeddings[kept], track.frames[kept], half, round(APPEARANCE_SPAN_S * fps))
        whole = looks if whole is None else whole
        look = _spare_poses(_appearance_steps(looks, whole, len(kept), half), posed, half)
        score = np.maximum(score, look)
    cuts = [
        c
        for c in _peaks(
            score,
            step,
            track.frames[kept],
            track.boxes[kept],
            None if embeddings is None else embeddings[kept],
            LOOK_SPLIT_CONTEXT_WINDOWS * half,
        )
        if 0 < c < len(kept)
    ]
    if not cuts:
        return [(track.take(kept), False)]
    pieces = []
    starts = [False] + [bool(look[c] > 1.0) for c in cuts]
    for rows, new_look in zip(np.split(kept, cuts), starts, strict=True):
        sub = None if embeddings is None else embeddings[rows]
        pose = None if pose_looks is None else pose_looks[rows]
        inner = _cut(track.take(rows), fps, sub, pose, whole)  # a piece may hold a change its
        if inner:  # neighbour's rows hid
            inner[0] = (inner[0][0], new_look)
        pieces += inner
    return pieces
