"""Which detections each PersonTracker track holds, by the noise model's own truth labels.

Run from the repository root (about 20 s per seed)::

    python -m benchmarks.tud_label_mix [--seeds 10]

``bench_track_real``'s ``mix`` matches boxes to people with motmetrics, which keeps a match while
IoU >= 0.5: a box that lies on two overlapping people is credited to whoever it met first, so a
track can "mix" people while holding one person's detections. Here every observed row is labelled
by the detection it came from (:func:`benchmarks.tud_noise.noisy_detections`: person id, ``-1``
false positive, ``-2`` group box around two people). A track listed with two person ids (>= 3
rows each) truly holds two people; one person plus group rows is a group box taken by one track.
Ten seeds by default: such tracks come from rare crowd moments (when this default was chosen,
seeds 0-2 held none of the five that ten seeds showed), so the totals at the end are the figures
to compare.
"""

from __future__ import annotations

import argparse
from collections import Counter

import numpy as np

from benchmarks import tud, tud_noise
from mocap.track import PersonTracker

#: A track holds a label when at least this many of its observed rows carry it (as bench's mix).
MIN_ROWS = 3


def label_counts(seq: str, level: str, seed: int) -> list[tuple[int, Counter[int]]]:
    """(track id, label -> observed rows) of every track on one gt-noise source."""
    gt = tud.load(seq, "gt")
    colours = tud_noise.clothing(gt, seed=11)  # as bench_track_real
    dets, truth = tud_noise.noisy_detections(gt, tud_noise.LEVELS[level], tud.FPS, seed)
    tracker = PersonTracker(tud.FPS)
    for d in dets:
        rng = np.random.default_rng(1000 + d.frame)
        tracker.update(d, image=tud_noise.render(gt, d.frame, colours, rng))
    out = []
    for t in tracker.finish():
        assert t.detection_index is not None
        rows = zip(t.frames.tolist(), t.detection_index.tolist(), t.observed.tolist(), strict=True)
        out.append((t.track_id, Counter(int(truth[f][j]) for f, j, seen in rows if seen)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    args = parser.parse_args()
    print(f"{'source':28s} {'seed':>4s} {'two people':>10s} {'with group rows':>15s}")
    total_two = total_group = 0
    for seq in tud.SEQUENCES:
        for level in tud_noise.LEVELS:
            for seed in range(args.seeds):
                two = group = 0
                for _, counts in label_counts(seq, level, seed):
                    people = [k for k, n in counts.items() if k >= 0 and n >= MIN_ROWS]
                    two += len(people) >= 2
                    group += counts[tud_noise.GROUP] >= MIN_ROWS
                print(f"{seq + ' gt-' + level:28s} {seed:4d} {two:10d} {group:15d}")
                total_two += two
                total_group += group
    print(f"{'total':28s} {'':4s} {total_two:10d} {total_group:15d}")


if __name__ == "__main__":
    main()
