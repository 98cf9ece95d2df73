"""Synthetic tracking scenarios: people as boxes moving at constant velocity, with the ground truth
of which person every detection belongs to (detections are shuffled within each frame)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from mocap.track import PersonTracker
from mocap.types import Detections, Track

FALSE_POSITIVE = -1


@dataclass
class Person:
    """A box of ``size`` (w, h) whose centre starts at ``start`` and moves ``velocity`` px/frame."""

    start: tuple[float, float]
    velocity: tuple[float, float] = (0.0, 0.0)
    size: tuple[float, float] = (60.0, 160.0)
    first: int = 0
    last: int = 10**9
    hidden: set[int] = field(default_factory=set)
    embedding: tuple[float, ...] | None = None

    def box(self, frame: int) -> np.ndarray:
        t = frame - self.first
        cx = self.start[0] + self.velocity[0] * t
        cy = self.start[1] + self.velocity[1] * t
        w, h = self.size
        return np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], np.float32)


@dataclass
class Scene:
    detections: list[Detections]
    truth: list[np.ndarray]  # per frame: person index of each detection (-1 = false positive)
    embeddings: list[np.ndarray] | None


def simulate(
    people: list[Person],
    num_frames: int,
    *,
    miss_rate: float = 0.0,
    false_positive_rate: float = 0.0,
    seed: int = 0,
) -> Scene:
    rng = np.random.default_rng(seed)
    with_emb = any(p.embedding is not None for p in people)
    dim = max((len(p.embedding) for p in people if p.embedding is not None), default=0)
    detections, truth, embeddings = [], [], []
    for f in range(num_frames):
        rows = []
        for k, p in enumerate(people):
            if p.first <= f <= p.last and f not in p.hidden and rng.random() >= miss_rate:
                emb = np.asarray(p.embedding, float) if p.embedding is not None else None
                rows.append((p.box(f), 0.9, k, emb))
        if rng.random() < false_positive_rate:
            x, y = rng.uniform(0, 600), rng.uniform(0, 400)
            rows.append(
                (
                    np.array([x, y, x + 50, y + 120], np.float32),
                    0.55,
                    FALSE_POSITIVE,
                    rng.normal(size=dim) if with_emb else None,
                )
            )
        order = rng.permutation(len(rows))
        rows = [rows[i] for i in order]
        boxes = np.array([r[0] for r in rows], np.float32).reshape(-1, 4)
        detections.append(Detections(f, boxes, np.array([r[1] for r in rows], np.float32)))
        truth.append(np.array([r[2] for r in rows], int))
        if with_emb:
            embeddings.append(np.array([r[3] for r in rows], float).reshape(len(rows), dim))
    return Scene(detections, truth, embeddings if with_emb else None)


def run(scene: Scene, tracker: PersonTracker) -> list[Track]:
    for f, dets in enumerate(scene.detections):
        emb = scene.embeddings[f] if scene.embeddings is not None else None
        tracker.update(dets, embeddings=emb)
    return tracker.finish()


def ids_per_person(scene: Scene, tracks: list[Track]) -> dict[int, list[int]]:
    """Person index -> track id of each of its tracked detections, in frame order."""
    out: dict[int, list[tuple[int, int]]] = {}
    for t in tracks:
        for frame, j, seen in zip(t.frames, t.detection_index, t.observed, strict=True):
            if seen:
                person = int(scene.truth[frame][j])
                out.setdefault(person, []).append((int(frame), t.track_id))
    return {k: [tid for _, tid in sorted(v)] for k, v in out.items()}


def id_switches(sequence: list[int]) -> int:
    return sum(1 for a, b in itertools.pairwise(sequence) if a != b)
