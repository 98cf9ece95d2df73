"""The distance norfair's online association uses: box overlap, plus how far a look is off.

norfair matches each frame's detections to its tracks by a distance and a threshold. IoU alone
(``1 - IoU``) follows whatever box overlaps a track's predicted one: where people cross or walk
together it takes the neighbour's box as readily as the person's own. Here a detection whose
appearance embedding is known (:mod:`mocap.appearance`) also pays for differing from the mean
look of the track it would join::

    distance = (1 - IoU) + LOOK_WEIGHT * max(0, cosine distance - LOOK_SLACK)

so among boxes that overlap about as much, the one that looks like the person wins, and a box
that overlaps little and looks like someone else no longer passes the threshold. Detections or
tracks without a known look pay nothing (plain IoU).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from mocap.appearance import cosine_distances
from mocap.types import FloatArray

#: Weight of the look term, in units of ``1 - IoU`` per unit of cosine distance. Measured on TUD
#: (``benchmarks/bench_track_real.py`` and ``benchmarks/tud_label_mix.py``, 10 seeds, frames
#: rendered), against IoU alone: 0.1 -> IDF1 Campus high 70.3 -> 70.9, Stadtmitte low
#: 85.6 -> 86.2, high 60.6 -> 61.6 (MOTA 49.0 -> 50.1, fragmentations 6.1 -> 5.9), real
#: tracker's boxes unchanged, tracks holding detections of two people 0 -> 0 (holding group-box
#: rows 72 -> 74); 0.05: IDF1 Stadtmitte low 85.7, high 61.2, Campus high 70.6; 0.2: 86.4, 62.6,
#: 71.5 but 2 tracks of two people (Stadtmitte high seeds 3 and 4), and 0.3 (on older cuts) 6
#: where 0.1 gave 3: a heavier look term follows a colour across people in a crowd.
LOOK_WEIGHT = 0.1
#: Cosine distance a look may differ from the track's mean for free: lighting, pose and the
#: histogram noise of one person stay below 0.04 (99th percentile, see
#: ``mocap.stitch.MAX_APPEARANCE_DISTANCE``); covered boxes carry no look at all.
LOOK_SLACK = 0.1


class LookIoUDistance:
    """``(1 - IoU) + LOOK_WEIGHT * max(0, cosine distance - LOOK_SLACK)`` for norfair.

    Candidates are norfair ``Detection`` objects whose ``data["look"]`` is a (D,) embedding or
    None; tracks' looks are fed with :meth:`add` (the running sum of their known looks, by
    norfair object id). It has norfair's ``Distance`` interface (``get_distances``) without
    importing norfair (1-4 s on a cold start) until the first frame is matched.
    """

    def __init__(self) -> None:
        self._sums: dict[int, FloatArray] = {}  # track id -> (D,) sum of unit looks

    def add(self, track_id: int, look: FloatArray | None) -> None:
        """Count a known (D,) look of a detection the track took (None: unknown, ignored)."""
        if look is None:
            return
        unit = look / max(float(np.linalg.norm(look)), 1e-12)
        total = self._sums.get(track_id)
        self._sums[track_id] = unit if total is None else total + unit

    def get_distances(self, objects: Sequence[Any], candidates: Sequence[Any] | None) -> np.ndarray:
        """(candidates, objects) distance matrix."""
        from norfair.distances import iou

        candidates = list(candidates or [])
        out = np.full((len(candidates), len(objects)), np.inf, np.float64)
        if not len(objects) or not len(candidates):
            return out
        boxes = np.stack([c.points.ravel() for c in candidates])  # (C, 4)
        estimates = np.stack([o.estimate.ravel() for o in objects])  # (O, 4)
        out[:] = iou(boxes, estimates)
        looks = [(c.data or {}).get("look") for c in candidates]
        means = [self._sums.get(o.id) if o.id is not None else None for o in objects]
        have_c = [i for i, v in enumerate(looks) if v is not None]
        have_o = [k for k, v in enumerate(means) if v is not None]
        if not have_c or not have_o:
            return out
        a = np.array([looks[i] for i in have_c], np.float64)  # (C', D)
        b = np.array([means[k] for k in have_o], np.float64)  # (O', D)
        off = np.maximum(0.0, cosine_distances(a, b) - LOOK_SLACK)  # (C', O')
        out[np.ix_(have_c, have_o)] += LOOK_WEIGHT * off
        return out
