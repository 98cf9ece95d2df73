"""Join fragments of one person across a gap, only where motion, scale and appearance agree.

A fragment ``a`` may continue into a later fragment ``b`` when all of these hold:

* **motion**: ``b``'s first box centre lies where ``a`` was heading (constant-velocity
  extrapolation over the gap, at most ``MAX_EXTRAPOLATION_S``) or where ``a`` stopped (a person
  waiting behind an occluder); the error is measured in ``a``'s box heights and must be below a
  tolerance that grows with the gap (:func:`motion_tolerance`);
* **scale**: ``b``'s first box height agrees with ``a``'s height extrapolated at its rate of
  change (the box grows as a person walks towards the camera); the error is the absolute log
  ratio, with a tolerance that also grows with the gap (:func:`scale_tolerance`);
* **appearance** (when both fragments carry embeddings, see :mod:`mocap.appearance`): the
  cosine distance of their mean embeddings is below ``MAX_APPEARANCE_DISTANCE``; where the
  tracker sees frames but a fragment has no known look, the gap may be at most
  ``STITCH_MAX_BLIND_GAP_S`` (motion and scale alone let impostors through over longer gaps)
  and no other fragment near ``b``'s start may continue ``a`` as well (``BLIND_RIVAL_S``);
* **enough rows**: both fragments have at least ``MIN_FRAGMENT_ROWS`` observed rows, so that a
  false positive seen for a frame or three cannot chain itself to people.
* **not cut apart**: two pieces of one tracker-made track that :mod:`mocap.trackcut` cut where
  the look changed for good are never joined back: each piece's mean look may be mostly the rows
  of a box around both people, close to the other's, while the cut compared the rows beside it.

The tolerances lie above the 99th percentiles of the same errors on real pedestrian trajectories
(motmetrics' TUD-Campus and TUD-Stadtmitte ground truth, every person cut at every frame with
gaps of 0.2 to 3 s); ``benchmarks/calibrate_stitch.py`` prints the measurement.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mocap.appearance import cosine_distance
from mocap.types import FloatArray, Track

#: Longest gap (seconds) across which two fragments may be joined (the previous default, kept: at
#: 3 s half of the impostors already pass motion and scale, see the calibration, so longer gaps
#: would rest on appearance alone).
STITCH_MAX_GAP_S = 3.0
#: Box motion is extrapolated at most this long (seconds); people rarely keep a straight line.
MAX_EXTRAPOLATION_S = 1.0
#: Observed rows (at most) at a fragment's end used to fit its velocity and height rate.
FIT_WINDOW = 10
#: Motion tolerance in box heights: BASE + PER_S * gap seconds. TUD ground truth, 99th percentile
#: of true joins: 0.07, 0.15, 0.34, 0.94, 0.92 at gaps of 0.2, 0.5, 1, 2, 3 s (tolerance 0.19, 0.32,
#: 0.55, 1.0, 1.45); 2-18 % of impostors (another person present) pass up to 1 s, 35-50 % at 2-3 s.
MOTION_BASE, MOTION_PER_S = 0.10, 0.45
#: Scale tolerance, |log height ratio|: BASE + PER_S * gap seconds. TUD ground truth, 99th
#: percentile: 0.06, 0.05, 0.07, 0.09, 0.15 at the gaps above (tolerance 0.11 ... 0.19). The issue's
#: pair box (186 px) and man entering (126 px) differ by 0.39.
SCALE_BASE, SCALE_PER_S = 0.10, 0.03
#: Appearance gate: cosine distance of mean HSV-histogram embeddings (1 - Bhattacharyya coeff.).
#: On TUD frames rendered with each person's clothing colours (lighting change and noise), with
#: boxes covered by another box ignored: same person <= 0.04 (99th percentile), different people
#: >= 0.50 (1st percentile). Real clothing and light vary more: the gate sits between.
MAX_APPEARANCE_DISTANCE = 0.2
#: Longest gap (seconds) a join may span on motion and scale alone when the tracker sees the
#: video's frames but a fragment has no known look (every row of it covered by another box, i.e.
#: in a crowd, where impostors are near). Up to 1 s, 2-18 % of impostors pass motion and scale
#: (calibration above), 35-50 % at 2-3 s. ``benchmarks/bench_track_real.py``, 10 seeds, ours+app,
#: no limit -> 1 s: the joins of two people across 1.6 and 2.6 s (TUD-Campus and TUD-Stadtmitte
#: low noise) are gone; IDF1 88.4 -> 88.7, 86.4 -> 86.6 (low noise), 60.5 -> 61.3 (Stadtmitte
#: high), other sources unchanged; 0.5 s gave 86.3 and 61.1.
STITCH_MAX_BLIND_GAP_S = 1.0
#: Such a join is also refused when another fragment seen within this long (seconds) of the later
#: fragment's start would continue the earlier one as well (two people walking together). Same
#: benchmark, 1 s limit -> with this check: tracks holding detections of two people (labels of the
#: noise model, 40 noisy runs) 6 -> 5; IDF1 Stadtmitte high 61.3 -> 61.5, low 86.6 -> 86.3.
BLIND_RIVAL_S = 0.1
#: Fragments with fewer observed rows never take part in a join (flickering false positives).
#: ``benchmarks/bench_track_real.py``, one seed, 1 instead of 5: MOTA/IDF1 50.1/52.2 -> 44.8/46.9
#: on TUD-Campus real-tracker boxes and 38.9/54.4 -> 38.1/49.0 on TUD-Stadtmitte high noise.
MIN_FRAGMENT_ROWS = 5


@dataclass(frozen=True)
class JoinEvidence:
    """How well ``b`` continues ``a`` (raw errors, before the gates).

    Attributes:
        gap_s: seconds between ``a``'s last and ``b``'s first row.
        motion: centre error in ``a``'s box heights (best of moving on / stopping).
        scale: |log| of ``b``'s first height over ``a``'s extrapolated height.
        appearance: cosine distance of the embeddings, None when either has none.
    """

    gap_s: float
    motion: float
    scale: float
    appearance: float | None


def motion_tolerance(gap_s: float) -> float:
    """Largest believable centre error (box heights) after ``gap_s`` seconds."""
    return MOTION_BASE + MOTION_PER_S * gap_s


def scale_tolerance(gap_s: float) -> float:
    """Largest believable |log height ratio| after ``gap_s`` seconds."""
    return SCALE_BASE + SCALE_PER_S * gap_s


def fit_line(frames: np.ndarray, values: np.ndarray, at: float) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares line through (K,) frames and (K, D) values: ((D,) value at frame ``at``,
    (D,) slope per frame); with fewer than 3 rows, the last row when ``at`` is at or after the
    last frame, else the first, and slope 0."""
    if len(frames) < 3:
        return values[-1 if at >= frames[-1] else 0], np.zeros(values.shape[1])
    t = frames.astype(np.float64) - at
    design = np.stack([np.ones_like(t), t], axis=1)  # (K, 2)
    coef, *_ = np.linalg.lstsq(design, values, rcond=None)  # (2, D)
    return coef[0], coef[1]


def _state(track: Track, end: bool) -> tuple[np.ndarray, float, np.ndarray, float]:
    """(centre (2,), log height, centre velocity px/frame (2,), log-height rate /frame)."""
    obs = np.flatnonzero(track.observed)
    obs = obs[-FIT_WINDOW:] if end else obs[:FIT_WINDOW]
    boxes = track.boxes[obs].astype(np.float64)
    frames = track.frames[obs]
    values = np.stack(
        [
            (boxes[:, 0] + boxes[:, 2]) / 2,
            (boxes[:, 1] + boxes[:, 3]) / 2,
            np.log(np.maximum(boxes[:, 3] - boxes[:, 1], 1e-6)),
        ],
        axis=1,
    )
    at = float(frames[-1] if end else frames[0])
    value, slope = fit_line(frames, values, at)
    return value[:2], float(value[2]), slope[:2], float(slope[2])


def join_evidence(a: Track, b: Track, fps: float, appearance: float | None) -> JoinEvidence:
    """Errors of continuing ``a`` (ends first) with ``b`` (starts after ``a``'s last frame)."""
    gap = float(b.frames[0] - a.frames[-1])
    horizon = min(gap, MAX_EXTRAPOLATION_S * fps)
    centre_a, log_h_a, velocity, rate = _state(a, end=True)
    centre_b, log_h_b, _, _ = _state(b, end=False)
    predicted = centre_a + velocity * horizon
    height = float(np.exp(log_h_a))
    dist = min(np.linalg.norm(centre_b - predicted), np.linalg.norm(centre_b - centre_a))
    scale = min(abs(log_h_b - (log_h_a + rate * horizon)), abs(log_h_b - log_h_a))
    return JoinEvidence(gap / fps, float(dist / height), float(scale), appearance)


def join_cost(evidence: JoinEvidence) -> float | None:
    """Sum of the errors relative to their tolerances, or None when any gate fails."""
    parts = [
        evidence.motion / motion_tolerance(evidence.gap_s),
        evidence.scale / scale_tolerance(evidence.gap_s),
    ]
    if evidence.appearance is not None:
        parts.append(evidence.appearance / MAX_APPEARANCE_DISTANCE)
    return None if max(parts) > 1.0 else float(sum(parts))


def stitch_fragments(
    tracks: list[Track],
    embeddings: dict[int, FloatArray],
    fps: float,
    max_gap_frames: int,
    max_blind_gap_frames: int | None = None,
    apart: set[tuple[int, int]] | None = None,
) -> list[Track]:
    """Join fragments of one person: each track may continue into one later track.

    Candidate joins ``a -> b`` need ``b`` to start 1..``max_gap_frames`` frames after ``a``
    ends, both to have ``MIN_FRAGMENT_ROWS`` observed rows, and :func:`join_cost` to accept;
    joins are taken greedily by increasing cost, at most one successor and one predecessor per
    fragment. A joined track keeps its first fragment's id.

    Args:
        tracks: fragments (observed rows only, as the tracker made them).
        embeddings: track id -> appearance vector (mean direction); may be empty.
        fps: frames per second.
        max_gap_frames: longest gap bridged.
        max_blind_gap_frames: longest gap bridged when either fragment has no embedding, and
            such a join must have no rival (another fragment that would continue ``a`` as well,
            seen within ``BLIND_RIVAL_S`` of ``b``'s start); None: ``max_gap_frames``, no check
            (callers that never have embeddings).
        apart: (earlier id, later id) pairs never joined (pieces cut where the look changed).
    """
    by_id = {t.track_id: t for t in tracks}
    able = [t for t in tracks if int(np.count_nonzero(t.observed)) >= MIN_FRAGMENT_ROWS]
    candidates: list[tuple[float, int, int]] = []
    for a in able:
        for b in able:
            gap = int(b.frames[0] - a.frames[-1])
            if a is b or not 1 <= gap <= max_gap_frames:
                continue
            if apart and (a.track_id, b.track_id) in apart:
                continue
            ea, eb = embeddings.get(a.track_id), embeddings.get(b.track_id)
            appearance = None if ea is None or eb is None else cosine_distance(ea, eb)
            blind_limit = max_gap_frames if max_blind_gap_frames is None else max_blind_gap_frames
            if appearance is None and gap > blind_limit:
                continue
            if appearance is None and max_blind_gap_frames is not None and _rival(a, b, able, fps):
                continue
            cost = join_cost(join_evidence(a, b, fps, appearance))
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
        out.append(concat(chain) if len(chain) > 1 else t)
    return out


def _rival(a: Track, b: Track, tracks: list[Track], fps: float) -> bool:
    """True when another of ``tracks``, seen within ``BLIND_RIVAL_S`` of ``b``'s start (after
    ``a`` ends), would continue ``a`` as well: motion and scale alone cannot tell them apart."""
    start, near = int(b.frames[0]), max(1, round(BLIND_RIVAL_S * fps))
    for c in tracks:
        if c is a or c is b:
            continue
        rows = np.flatnonzero(
            c.observed & (c.frames > a.frames[-1]) & (np.abs(c.frames - start) <= near)
        )
        if not len(rows):
            continue
        if join_cost(join_evidence(a, c.take(slice(rows[0], None)), fps, None)) is not None:
            return True
    return False


def concat(chain: list[Track]) -> Track:
    """One track of consecutive pieces (frames increasing across pieces); first piece's id."""

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
