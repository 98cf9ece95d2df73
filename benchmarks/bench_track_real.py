"""Identity quality of PersonTracker on real pedestrian trajectories, against plain norfair.

Run from the repository root (about a minute)::

    python -m benchmarks.bench_track_real [--seeds 2]

Data: motmetrics' TUD-Campus (71 frames) and TUD-Stadtmitte (179 frames), 640x480 at 25 fps.
Detection sources per sequence:

* ``tracker``: the real tracker output shipped with the data (``test.txt``), ids removed;
* ``gt-low`` / ``gt-high``: the ground truth through :mod:`benchmarks.tud_noise` (misses, occlusion
  bursts, jitter, short false positives, group boxes), mean over ``--seeds`` seeds;
* the synthetic scenes of :mod:`benchmarks.bench_track` (crowd, crossing, occlusions).

Trackers: ``norfair`` (plain norfair defaults, IoU distance, no clean-up: the baseline), ``ours``
(PersonTracker, no frames: motion and scale only) and ``ours+app`` (PersonTracker given rendered
frames, :func:`benchmarks.tud_noise.render`, so appearance takes part; TUD sources only).

Columns (motmetrics, IoU >= 0.5 matching; every row a tracker returns counts, filled rows too):
MOTA, IDF1, ID switches, fragmentations, and ``mix``: tracks matched to two or more ground-truth
people on at least ``MIX_MIN_FRAMES`` frames each (one "person" whose body jumps between people).

``mix!`` counts the same tracks, but a frame counts for a second person only when the box does not
also cover the track's main person (IoU < 0.5 with them). When two people overlap (one walks
behind the other) one box can cover both at IoU >= 0.5, and motmetrics keeps a match while its IoU
stays >= 0.5, so a box that lies on both is credited to whichever person it met first: ``mix``
then counts a track that never left its person.

``mix/f`` counts tracks that show two people without that memory: on every frame on its own, the
boxes are matched to the people by the largest total IoU (each IoU >= 0.5), and a track mixes when
two people are its best match on at least ``MIX_MIN_FRAMES`` frames each. All three columns are
printed.

``mix(l)`` is the same count by truth instead of overlap, where the detections carry it (the noisy
ground truth: :func:`benchmarks.tud_noise.noisy_detections` labels each box with its person, a
false positive or a group box; the synthetic scenes label each box with its person): tracks that
hold at least ``MIX_MIN_FRAMES`` observed rows of each of two people's own detections. A box
around two people (a group box) is neither person's: a track that holds one person's boxes and a
group box does not count, a track that goes from one person's boxes to another's does. The real
tracker's boxes carry no labels (``-``); there ``mix!`` is the closest measure. ``mix(l)`` is the
target; the overlap columns say how the boxes lie.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from benchmarks import bench_track, tud, tud_noise
from mocap.track import IOU_DISTANCE_THRESHOLD, PersonTracker
from mocap.types import Detections

#: A track "mixes" people when a second person is matched to it on at least this many frames.
MIX_MIN_FRAMES = 3

#: frame -> list of (hypothesis id, xyxy box, index of the frame's detection or -1 if filled)
Hypotheses = dict[int, list[tuple[int, np.ndarray, int]]]


@dataclass
class Source:
    name: str
    gt: tud.MotRows
    detections: list[Detections]
    frames: Callable[[int], np.ndarray] | None  # frame index -> RGB image
    fps: float
    truth: list[np.ndarray] | None = None  # per frame: person id (>= 0) or a noise label per box


def run_ours(src: Source, with_frames: bool, **settings: float) -> Hypotheses:
    tracker = PersonTracker(src.fps, **settings)
    for d in src.detections:
        if with_frames and src.frames is not None:
            tracker.update(d, image=src.frames(d.frame))
        else:
            tracker.update(d)
    out: Hypotheses = {}
    for t in tracker.finish():
        assert t.detection_index is not None
        rows = zip(t.frames.tolist(), t.boxes, t.detection_index.tolist(), strict=True)
        for f, box, j in rows:
            out.setdefault(f, []).append((t.track_id, box, j))
    return out


def run_norfair(src: Source) -> Hypotheses:
    from norfair import Detection, Tracker

    tracker = Tracker(distance_function="iou", distance_threshold=IOU_DISTANCE_THRESHOLD)
    out: Hypotheses = {}
    for d in src.detections:
        found = [
            Detection(points=b.reshape(2, 2).astype(float), scores=np.array([s, s]), data=j)
            for j, (b, s) in enumerate(zip(d.boxes, d.scores, strict=True))
        ]
        for obj in tracker.update(found):
            last = obj.last_detection
            if last is not None and any(last is det for det in found):
                out.setdefault(d.frame, []).append((obj.id, d.boxes[last.data], last.data))
    return out


def _xywh(boxes: np.ndarray) -> np.ndarray:
    b = np.asarray(boxes, float).reshape(-1, 4)
    return np.c_[b[:, :2], b[:, 2:] - b[:, :2]]


def _mixing(events, covers: set[tuple[int, int, int]]) -> tuple[int, int]:
    """(``mix``, ``mix!``) from motmetrics' match events and the (frame, person, hypothesis)
    triples with IoU >= 0.5."""
    matched = events[events.Type.isin(["MATCH", "SWITCH"])].reset_index()
    mix = clear = 0
    for hid, group in matched.groupby("HId"):
        counts = group.OId.value_counts()
        mix += int((counts >= MIX_MIN_FRAMES).sum() >= 2)
        main = counts.index[0]
        others = group[group.OId != main]
        alone = np.array([(f, main, hid) not in covers for f in others.FrameId.tolist()], bool)
        clear += int((others.OId[alone].value_counts() >= MIX_MIN_FRAMES).any())
    return mix, clear


def held_labels(hyp: Hypotheses, truth: list[np.ndarray]) -> dict[int, Counter[int]]:
    """Hypothesis id -> truth label -> observed rows holding a detection with that label."""
    out: dict[int, Counter[int]] = {}
    for f, rows in hyp.items():
        for hid, _, j in rows:
            if j >= 0:
                out.setdefault(hid, Counter())[int(truth[f][j])] += 1
    return out


def label_mixing(hyp: Hypotheses, truth: list[np.ndarray]) -> int:
    """Tracks holding >= ``MIX_MIN_FRAMES`` own detections of each of two or more people."""
    return sum(
        sum(n >= MIX_MIN_FRAMES for label, n in counts.items() if label >= 0) >= 2
        for counts in held_labels(hyp, truth).values()
    )


def _frame_matches(dist: np.ndarray) -> list[tuple[int, int]]:
    """(person row, hypothesis column) pairs of one frame with the largest total IoU, from
    motmetrics' distance matrix (1 - IoU, NaN where IoU < 0.5)."""
    from scipy.optimize import linear_sum_assignment

    cost = np.where(np.isfinite(dist), dist, 1e6)
    rows, cols = linear_sum_assignment(cost)
    return [(int(i), int(k)) for i, k in zip(rows, cols, strict=True) if np.isfinite(dist[i, k])]


def evaluate(
    gt: tud.MotRows, hyp: Hypotheses, num_frames: int, truth: list[np.ndarray] | None = None
) -> dict[str, float]:
    import motmetrics as mm

    acc = mm.MOTAccumulator(auto_id=True)
    covers: set[tuple[int, int, int]] = set()
    shown: dict[int, Counter[int]] = {}  # hypothesis -> person -> frames it is the best match
    for f in range(num_frames):
        sel = gt.frames == f
        rows = hyp.get(f, [])
        dist = mm.distances.iou_matrix(
            _xywh(gt.boxes[sel]), _xywh(np.array([b for _, b, _ in rows])), max_iou=0.5
        )
        hids = [h for h, _, _ in rows]
        near = np.isfinite(np.asarray(dist, float).reshape(int(sel.sum()), len(rows)))
        for i, k in np.argwhere(near).tolist():
            covers.add((f, int(gt.ids[sel][i]), hids[k]))
        if near.size:
            dist_matrix = np.asarray(dist, float).reshape(near.shape)
            for i, k in _frame_matches(dist_matrix):
                shown.setdefault(hids[k], Counter())[int(gt.ids[sel][i])] += 1
        acc.update(gt.ids[sel].tolist(), hids, dist)
    summary = mm.metrics.create().compute(
        acc, metrics=["mota", "idf1", "num_switches", "num_fragmentations"], name="x"
    )
    mix, clear = _mixing(acc.mot_events, covers)
    row = summary.iloc[0]
    return {
        "MOTA": float(row.mota),
        "IDF1": float(row.idf1),
        "IDsw": float(row.num_switches),
        "frag": float(row.num_fragmentations),
        "mix": float(mix),
        "mix!": float(clear),
        "mix/f": float(
            sum(sum(n >= MIX_MIN_FRAMES for n in c.values()) >= 2 for c in shown.values())
        ),
        "mix(l)": float("nan") if truth is None else float(label_mixing(hyp, truth)),
    }


def tud_sources(seeds: int) -> list[tuple[str, list[Source]]]:
    out = []
    for seq in tud.SEQUENCES:
        gt = tud.load(seq, "gt")
        n = gt.num_frames
        colours = tud_noise.clothing(gt, seed=11)

        def frames(f: int, gt=gt, colours=colours) -> np.ndarray:
            return tud_noise.render(gt, f, colours, np.random.default_rng(1000 + f))

        test = tud_noise.detections_from_rows(tud.load(seq, "test"), n)
        out.append((f"{seq} tracker", [Source(seq, gt, test, frames, tud.FPS)]))
        for level, noise in tud_noise.LEVELS.items():
            runs = []
            for seed in range(seeds):
                dets, truth = tud_noise.noisy_detections(gt, noise, tud.FPS, seed)
                runs.append(Source(seq, gt, dets, frames, tud.FPS, truth))
            out.append((f"{seq} gt-{level}", runs))
    return out


def synthetic_sources() -> list[tuple[str, list[Source]]]:
    out = []
    for name, (dets, truth) in bench_track.scenes().items():
        frames, ids, boxes = [], [], []
        for d, owners in zip(dets, truth, strict=True):
            for box, person in zip(d.boxes, owners, strict=True):
                if person >= 0:
                    frames.append(d.frame)
                    ids.append(person)
                    boxes.append(box)
        gt = tud.MotRows(np.array(frames), np.array(ids), np.array(boxes, float))
        source = Source(name, gt, dets, None, bench_track.FPS, truth)
        out.append((f"synthetic {name}", [source]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="PersonTracker setting for ours (e.g. min_observed_share=0.3); repeatable",
    )
    args = parser.parse_args()
    settings = {k: float(v) for k, v in (item.split("=", 1) for item in args.set)}
    trackers: list[tuple[str, Callable[[Source], Hypotheses], bool]] = [
        ("norfair", run_norfair, False),
        ("ours", lambda s: run_ours(s, with_frames=False, **settings), False),
        ("ours+app", lambda s: run_ours(s, with_frames=True, **settings), True),
    ]
    cols = ("MOTA", "IDF1", "IDsw", "frag", "mix", "mix!", "mix/f", "mix(l)")
    print(f"{'source':28s} {'tracker':9s} " + " ".join(f"{c:>6s}" for c in cols))
    for label, runs in tud_sources(args.seeds) + synthetic_sources():
        for name, fn, needs_frames in trackers:
            if needs_frames and runs[0].frames is None:
                continue
            scores = [evaluate(s.gt, fn(s), len(s.detections), s.truth) for s in runs]
            mean = {c: float(np.mean([r[c] for r in scores])) for c in cols}
            labelled = "     -" if np.isnan(mean["mix(l)"]) else f"{mean['mix(l)']:6.1f}"
            print(
                f"{label:28s} {name:9s} {100 * mean['MOTA']:6.1f} {100 * mean['IDF1']:6.1f} "
                f"{mean['IDsw']:6.1f} {mean['frag']:6.1f} {mean['mix']:6.1f} {mean['mix!']:6.1f} "
                f"{mean['mix/f']:6.1f} {labelled}"
            )


if __name__ == "__main__":
    main()
