"""Which detections each PersonTracker track holds, by the noise model's own truth labels.

Run from the repository root (about 20 s per seed)::

    python -m benchmarks.tud_label_mix [--seeds 10]

``bench_track_real``'s ``mix`` matches boxes to people with motmetrics, which keeps a match while
IoU >= 0.5: a box that lies on two overlapping people is credited to whoever it met first, so a
track can "mix" people while holding one person's detections. Here every observed row is labelled
by the detection it came from (:func:`benchmarks.tud_noise.noisy_detections`: person id, ``-1``
false positive, ``-2`` group box around two people). A track listed with two person ids (>= 3
rows each) truly holds two people (the total is ``bench_track_real``'s ``mix(l)``, here per seed);
one person plus group rows is a group box taken by one track.

Group boxes, per run: how many the detections hold, how many a track kept as an observed row
(fed to CLIFF as the track's person), and how many of those lie off the person the track holds
most (IoU < 0.5 with their true box: the body would be fitted to the wrong place), or on a track
that holds no person's own detection at all.

The totals are also given for plain norfair (``bench_track_real``'s baseline) on the same
detections.

Ten seeds by default: such tracks come from rare crowd moments (when this default was chosen,
seeds 0-2 held none of the five that ten seeds showed), so the totals at the end are the figures
to compare.
"""

from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import dataclass

import numpy as np

from benchmarks import tud, tud_noise
from benchmarks.bench_track_real import (
    MIX_MIN_FRAMES,
    Source,
    held_labels,
    label_mixing,
    run_norfair,
    run_ours,
)


@dataclass
class Run:
    """One gt-noise source tracked with frames: per track, the labels of its observed rows."""

    two: int  # tracks holding >= MIX_MIN_FRAMES own detections of each of two people
    group_tracks: int  # tracks holding >= MIX_MIN_FRAMES group boxes
    group_boxes: int  # group boxes among the detections
    group_kept: int  # group boxes kept as a track's observed row
    group_off: int  # of those, off the track's main person (IoU < 0.5) or on a track of none


def run(seq: str, level: str, seed: int, baseline: bool = False) -> Run:
    """One source tracked by PersonTracker with frames, or by plain norfair (``baseline``)."""
    gt = tud.load(seq, "gt")
    colours = tud_noise.clothing(gt, seed=11)  # as bench_track_real

    def frames(f: int) -> np.ndarray:
        return tud_noise.render(gt, f, colours, np.random.default_rng(1000 + f))

    dets, truth = tud_noise.noisy_detections(gt, tud_noise.LEVELS[level], tud.FPS, seed)
    source = Source(seq, gt, dets, frames, tud.FPS, truth)
    hyp = run_norfair(source) if baseline else run_ours(source, with_frames=True)
    held = held_labels(hyp, truth)
    main = {hid: _main_person(counts) for hid, counts in held.items()}
    from norfair.distances import iou  # 1 - IoU

    kept = off = 0
    for f, rows in hyp.items():
        for hid, box, j in rows:
            if j < 0 or truth[f][j] != tud_noise.GROUP:
                continue
            kept += 1
            person = (gt.frames == f) & (gt.ids == main[hid])
            off += not person.any() or iou(box[None], gt.boxes[person][:1])[0, 0] > 0.5
    return Run(
        label_mixing(hyp, truth),
        sum(c[tud_noise.GROUP] >= MIX_MIN_FRAMES for c in held.values()),
        sum(int((t == tud_noise.GROUP).sum()) for t in truth),
        kept,
        off,
    )


def _main_person(counts: Counter[int]) -> int | None:
    """The person whose own detections a track holds most, None when it holds none."""
    people = {label: n for label, n in counts.items() if label >= 0}
    return max(people, key=people.__getitem__) if people else None


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    args = parser.parse_args()
    cols = ("two people", "group tracks", "group boxes", "kept", "kept off")
    print(f"{'source':28s} {'seed':>4s} " + " ".join(f"{c:>12s}" for c in cols))
    total = {False: np.zeros(len(cols), int), True: np.zeros(len(cols), int)}
    for seq in tud.SEQUENCES:
        for level in tud_noise.LEVELS:
            for seed in range(args.seeds):
                for baseline in (False, True):
                    r = run(seq, level, seed, baseline)
                    row = [r.two, r.group_tracks, r.group_boxes, r.group_kept, r.group_off]
                    total[baseline] += row
                    if not baseline:
                        name = f"{seq} gt-{level}"
                        print(f"{name:28s} {seed:4d} " + " ".join(f"{v:12d}" for v in row))
    for baseline, name in ((False, "total"), (True, "total, plain norfair")):
        print(f"{name:28s} {'':4s} " + " ".join(f"{v:12d}" for v in total[baseline]))


if __name__ == "__main__":
    main()
