"""Tracking speed and identity quality of PersonTracker on synthetic scenes.

Run from the repository root::

    python -m benchmarks.bench_track

Scenes (30 fps; people are boxes at constant velocity; detections shuffled per frame):

* ``crowd20``: 20 people for 300 frames, 5 % random misses, 3 % false positives per person-frame;
* ``crossing``: two people of the same size crossing;
* ``occlusion40``: a walker hidden for 40 frames (1.3 s);
* ``occlusion75``: a walker hidden for 75 frames (2.5 s, beyond the 1.5 s online memory).

For each: frames/s (update loop + finish), ID switches (changes of the track id along a person's
detections) and fragmentation (ids per person - 1), against a baseline measured in the same run:
norfair with its defaults (``hit_counter_max=15``, ``initialization_delay=7``) and no clean-up.
"""

from __future__ import annotations

import argparse
import itertools
import time
from collections.abc import Callable

import numpy as np

from mocap.track import IOU_DISTANCE_THRESHOLD, PersonTracker
from mocap.types import Detections

FPS = 30.0

Scene = tuple[list[Detections], list[np.ndarray]]  # detections, person index per detection


def make_scene(
    centres: np.ndarray,
    velocities: np.ndarray,
    frames: int,
    hidden: dict[int, range],
    miss: float,
    false_pos: float,
    seed: int,
    size=(60.0, 160.0),
) -> Scene:
    rng = np.random.default_rng(seed)
    dets, truth = [], []
    w, h = size
    for f in range(frames):
        rows = []
        for k, (c, v) in enumerate(zip(centres, velocities, strict=True)):
            if f in hidden.get(k, ()) or rng.random() < miss:
                continue
            x, y = c + v * f
            rows.append(([x - w / 2, y - h / 2, x + w / 2, y + h / 2], k))
            if rng.random() < false_pos:
                fx, fy = rng.uniform(0, 1800), rng.uniform(0, 900)
                rows.append(([fx, fy, fx + 50, fy + 120], -1))
        order = rng.permutation(len(rows))
        boxes = np.array([rows[i][0] for i in order], np.float32).reshape(-1, 4)
        dets.append(Detections(f, boxes, np.full(len(boxes), 0.9, np.float32)))
        truth.append(np.array([rows[i][1] for i in order], int))
    return dets, truth


def scenes() -> dict[str, Scene]:
    rng = np.random.default_rng(1)
    crowd_c = np.stack([rng.uniform(100, 1800, 20), rng.uniform(100, 950, 20)], 1)
    crowd_v = rng.uniform(-2, 2, (20, 2))
    return {
        "crowd20": make_scene(crowd_c, crowd_v, 300, {}, 0.05, 0.03, 2),
        "crossing": make_scene(
            np.array([[50, 200], [450, 205]]), np.array([[4, 0], [-4, 0]]), 100, {}, 0.0, 0.0, 3
        ),
        "occlusion40": make_scene(
            np.array([[100, 200], [500, 200]]),
            np.array([[2, 0], [0, 0]]),
            120,
            {0: range(40, 80)},
            0.0,
            0.0,
            4,
        ),
        "occlusion75": make_scene(
            np.array([[100, 200]]), np.array([[2, 0]]), 160, {0: range(40, 115)}, 0.0, 0.0, 5
        ),
    }


def run_ours(dets: list[Detections]) -> dict[tuple[int, int], int]:
    """(frame, det_index) -> final track id."""
    tracker = PersonTracker(FPS)
    for d in dets:
        tracker.update(d)
    links = {}
    for t in tracker.finish():
        for f, j, seen in zip(t.frames, t.detection_index, t.observed, strict=True):
            if seen:
                links[int(f), int(j)] = t.track_id
    return links


def run_norfair_defaults(dets: list[Detections]) -> dict[tuple[int, int], int]:
    from norfair import Detection, Tracker

    tracker = Tracker(distance_function="iou", distance_threshold=IOU_DISTANCE_THRESHOLD)
    links = {}
    for d in dets:
        found = [
            Detection(
                points=b.reshape(2, 2).astype(float), scores=np.array([s, s]), data=(d.frame, j)
            )
            for j, (b, s) in enumerate(zip(d.boxes, d.scores, strict=True))
        ]
        for obj in tracker.update(found):
            if obj.last_detection.data[0] == d.frame:
                links[obj.last_detection.data] = obj.id
    return links


def quality(scene: Scene, links: dict[tuple[int, int], int]) -> tuple[int, int, float]:
    """(ID switches, fragmentation, share of true detections linked to a track)."""
    _, truth = scene
    per_person: dict[int, list[int]] = {}
    total = linked = 0
    for f, owners in enumerate(truth):
        for j, person in enumerate(owners):
            if person < 0:
                continue
            total += 1
            if (f, j) in links:
                linked += 1
                per_person.setdefault(int(person), []).append(links[f, j])
    switches = sum(sum(a != b for a, b in itertools.pairwise(ids)) for ids in per_person.values())
    fragments = sum(len(set(ids)) - 1 for ids in per_person.values())
    return switches, fragments, linked / max(total, 1)


def timed(fn: Callable, dets: list[Detections], repeats: int):
    best, links = float("inf"), {}
    for _ in range(repeats):
        t = time.perf_counter()
        links = fn(dets)
        best = min(best, time.perf_counter() - t)
    return len(dets) / best, links


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    print(
        f"{'scene':12s} {'tracker':16s} {'frames/s':>9s} {'id sw':>6s} {'frag':>5s} {'linked':>7s}"
    )
    for name, scene in scenes().items():
        base_fps = None
        for label, fn in (("norfair default", run_norfair_defaults), ("PersonTracker", run_ours)):
            fps, links = timed(fn, scene[0], args.repeats)
            switches, fragments, linked = quality(scene, links)
            ratio = "" if base_fps is None else f"  ({fps / base_fps:.2f}x baseline speed)"
            base_fps = base_fps or fps
            print(
                f"{name:12s} {label:16s} {fps:9.0f} {switches:6d} {fragments:5d} "
                f"{linked:7.1%}{ratio}"
            )


if __name__ == "__main__":
    main()
