"""Measure the stitching errors on real trajectories (the source of ``mocap.stitch``'s tolerances).

Run from the repository root::

    python -m benchmarks.calibrate_stitch

Every ground-truth person of TUD-Campus and TUD-Stadtmitte is cut at every frame into a fragment
that ends there and a fragment that starts ``gap`` later (rows in between removed). For each gap the
table prints percentiles of :func:`mocap.stitch.join_evidence`'s motion error (box heights) and
scale error (|log height ratio|) for these true joins, the tolerance in ``mocap.stitch``, and for
impostors (the second fragment taken from a different person present at that time) the share that
passes both gates (lower is better; appearance then decides the rest).
"""

from __future__ import annotations

import numpy as np

from benchmarks.tud import FPS, SEQUENCES, load
from mocap import stitch
from mocap.types import Track

GAPS_S = (0.2, 0.5, 1.0, 2.0, 3.0)


def _track(frames: np.ndarray, boxes: np.ndarray) -> Track:
    n = len(frames)
    return Track(0, frames.astype(np.int64), boxes.astype(np.float32), np.ones(n), np.ones(n, bool))


def _pieces(seq: str, gap: int):
    """Yield (a, b_same, [b_other, ...]) for every cut of every person."""
    gt = load(seq, "gt")
    people = {int(p): gt.person(int(p)) for p in np.unique(gt.ids)}
    for pid, (frames, boxes) in people.items():
        for k in range(stitch.MIN_FRAGMENT_ROWS, len(frames)):
            end = frames[k - 1]
            rest = frames >= end + gap
            if rest.sum() < stitch.MIN_FRAGMENT_ROWS or frames[rest][0] != end + gap:
                continue
            a = _track(frames[:k], boxes[:k])
            b = _track(frames[rest], boxes[rest])
            others = []
            for qid, (f2, b2) in people.items():
                sel = f2 >= end + gap
                if qid != pid and sel.sum() >= stitch.MIN_FRAGMENT_ROWS and f2[sel][0] == end + gap:
                    others.append(_track(f2[sel], b2[sel]))
            yield a, b, others


def main() -> None:
    print(
        f"{'gap s':>5s} {'n':>5s} | motion p50 p95 p99 max  tol | "
        f"scale p50 p95 p99 max  tol | impostors passing"
    )
    for gap_s in GAPS_S:
        gap = round(gap_s * FPS)
        motion, scale, passed, impostors = [], [], 0, 0
        for seq in SEQUENCES:
            for a, b, others in _pieces(seq, gap):
                ev = stitch.join_evidence(a, b, FPS, None)
                motion.append(ev.motion)
                scale.append(ev.scale)
                for o in others:
                    impostors += 1
                    passed += stitch.join_cost(stitch.join_evidence(a, o, FPS, None)) is not None
        m = np.percentile(motion, [50, 95, 99, 100])
        s = np.percentile(scale, [50, 95, 99, 100])
        print(
            f"{gap_s:5.1f} {len(motion):5d} | {m[0]:10.2f} {m[1]:.2f} {m[2]:.2f} {m[3]:.2f} "
            f"{stitch.motion_tolerance(gap / FPS):.2f} | {s[0]:9.3f} {s[1]:.3f} {s[2]:.3f} "
            f"{s[3]:.3f} {stitch.scale_tolerance(gap / FPS):.3f} | "
            f"{passed}/{impostors} ({passed / max(impostors, 1):.0%})"
        )


if __name__ == "__main__":
    main()
