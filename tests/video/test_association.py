"""The online association's distance: box overlap plus how far a detection's look is off."""

from __future__ import annotations

import numpy as np
import pytest

from mocap import appearance, association
from mocap.track import PersonTracker
from mocap.types import Detections

FPS = 25.0
A_LOOK, B_LOOK = np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0])
WEIGHT = association.LOOK_WEIGHT  # the default, before any test patches it


def shifted(dx: float) -> list[float]:
    """A 40 x 100 px box at x = 100 + dx: same-size boxes overlap by IoU (40-|dx|) / (40+|dx|)."""
    return [100.0 + dx, 100.0, 140.0 + dx, 200.0]


def person_a_track(weight: float, monkeypatch) -> tuple[int, int]:
    """Person A stands still for 10 frames; on frame 10 A's box moves 13.3 px right (IoU 0.5)
    and B's box appears 11.6 px left (IoU 0.55). (A's track id, detection index it takes)."""
    monkeypatch.setattr(association, "LOOK_WEIGHT", weight)
    tracker = PersonTracker(FPS)
    for f in range(10):
        links = tracker.update(
            Detections(f, np.array([shifted(0.0)], np.float32), np.ones(1, np.float32)),
            embeddings=A_LOOK[None],
        )
    ((track_a, _),) = links
    boxes = np.array([shifted(13.33), shifted(-11.6)], np.float32)  # detection 0: A, 1: B
    links = tracker.update(
        Detections(10, boxes, np.ones(2, np.float32)), embeddings=np.stack([A_LOOK, B_LOOK])
    )
    return track_a, dict(links)[track_a]


def test_a_person_keeps_their_track_when_a_neighbour_overlaps_it_a_little_more(monkeypatch):
    # IoU alone hands A's track to B's box; the look term keeps A's own box on it
    assert person_a_track(0.0, monkeypatch)[1] == 1
    assert person_a_track(WEIGHT, monkeypatch)[1] == 0


def test_look_term_is_zero_for_unknown_looks_and_within_the_slack():
    class Obj:
        def __init__(self, oid: int, box: list[float]) -> None:
            self.id, self.estimate = oid, np.array(box).reshape(2, 2)

    class Det:
        def __init__(self, box: list[float], look) -> None:
            self.points, self.data = np.array(box).reshape(2, 2), {"look": look}

    dist = association.LookIoUDistance()
    dist.add(1, A_LOOK)
    dist.add(1, None)  # unknown looks are not counted
    near = np.array([1.0, 0.3, 0.0])  # cosine distance 0.042 from A: within the slack
    cands = [Det(shifted(0.0), None), Det(shifted(0.0), near), Det(shifted(13.33), B_LOOK)]
    d = dist.get_distances([Obj(1, shifted(0.0)), Obj(2, shifted(0.0))], cands)
    assert d.shape == (3, 2)
    assert d[0] == pytest.approx([0.0, 0.0], abs=1e-6)
    assert d[1] == pytest.approx([0.0, 0.0], abs=1e-6)
    slack = association.LOOK_SLACK
    assert d[2, 0] == pytest.approx(0.5 + association.LOOK_WEIGHT * (1.0 - slack), abs=1e-3)
    assert d[2, 1] == pytest.approx(0.5, abs=1e-3)  # track 2 has no look yet


def test_cosine_distances_are_the_pairwise_cosine_distance():
    rng = np.random.default_rng(0)
    u, v = rng.normal(size=(4, 5)), rng.normal(size=(3, 5))
    u[1] = 0.0  # a zero embedding is 1 away from everything, as in cosine_distance
    d = appearance.cosine_distances(u, v)
    assert d.shape == (4, 3)
    for i in range(4):
        for k in range(3):
            assert d[i, k] == pytest.approx(appearance.cosine_distance(u[i], v[k]), abs=1e-12)
