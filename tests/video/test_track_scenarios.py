"""Tracking scenarios with ID-persistence assertions (30 fps, default tracker settings)."""

from __future__ import annotations

import numpy as np
import pytest
from track_scenarios import FALSE_POSITIVE, Person, ids_per_person, run, simulate

from mocap.track import PersonTracker, TrackerInputError
from mocap.types import Detections

FPS = 30.0


def tracker(**kwargs) -> PersonTracker:
    return PersonTracker(FPS, **kwargs)


def assert_one_id_each(scene, tracks, people: int) -> dict[int, list[int]]:
    ids = ids_per_person(scene, tracks)
    assert sorted(k for k in ids if k != FALSE_POSITIVE) == list(range(people))
    firsts = set()
    for k in range(people):
        assert len(set(ids[k])) == 1, f"person {k} got ids {sorted(set(ids[k]))}"
        firsts.add(ids[k][0])
    assert len(firsts) == people
    return ids


def assert_rows_link_to_their_detections(scene, tracks):
    for t in tracks:
        for frame, box, j, seen in zip(
            t.frames, t.boxes, t.detection_index, t.observed, strict=True
        ):
            if seen:
                np.testing.assert_array_equal(box, scene.detections[frame].boxes[j])
            else:
                assert j == -1


@pytest.mark.parametrize("same_size", [True, False])
def test_track_crossing_people_keep_their_ids(same_size):
    other = (60.0, 160.0) if same_size else (50.0, 130.0)
    people = [Person((50, 200), (4, 0)), Person((450, 205), (-4, 0), size=other)]
    scene = simulate(people, 100)
    tracks = run(scene, tracker())
    assert len(tracks) == 2
    assert_one_id_each(scene, tracks, 2)
    assert_rows_link_to_their_detections(scene, tracks)


def test_track_forty_frame_occlusion_keeps_the_id():
    walker = Person((100, 200), (2, 0), hidden=set(range(40, 80)))
    scene = simulate([walker, Person((500, 200))], 120)
    tracks = run(scene, tracker())
    assert_one_id_each(scene, tracks, 2)
    track = next(t for t in tracks if 0 in t.frames and t.boxes[0][0] < 300)
    # 40 missing frames > max_gap_s (1 s = 30 frames): the gap stays a gap
    assert not set(range(40, 80)) & set(track.frames.tolist())


def test_track_gap_within_max_gap_is_filled_by_interpolation():
    walker = Person((100, 200), (2, 0), hidden=set(range(40, 80)))
    scene = simulate([walker], 120)
    (track,) = run(scene, tracker(max_gap_s=1.5))
    assert list(track.frames) == list(range(120))
    filled = ~track.observed
    assert list(track.frames[filled]) == list(range(40, 80))
    assert (track.detection_index[filled] == -1).all() and (track.scores[filled] == 0).all()
    np.testing.assert_allclose(
        track.boxes[filled], [walker.box(f) for f in range(40, 80)], atol=1e-3
    )
    assert_rows_link_to_their_detections(scene, [track])


def test_track_false_positives_are_dropped_and_misses_filled():
    people = [Person((80, 150), (1.5, 0)), Person((300, 200), (0, 1)), Person((520, 180))]
    scene = simulate(people, 150, miss_rate=0.1, false_positive_rate=0.2, seed=3)
    assert sum((t == FALSE_POSITIVE).sum() for t in scene.truth) > 15
    tracks = run(scene, tracker())
    assert len(tracks) == 3
    ids = assert_one_id_each(scene, tracks, 3)
    assert FALSE_POSITIVE not in ids
    for t in tracks:  # every miss is a short gap, filled
        assert list(t.frames) == list(range(t.frames[0], t.frames[-1] + 1))
        assert (~t.observed).sum() > 0
    assert_rows_link_to_their_detections(scene, tracks)


def test_track_long_occlusion_is_stitched_by_motion():
    hidden = set(range(40, 115))  # 2.5 s: longer than the 1.5 s online memory
    walker = Person((100, 200), (2, 0), hidden=hidden)
    scene = simulate([walker], 160)
    assert len(run(scene, tracker(stitch_max_gap_s=0))) == 2  # online alone loses the id
    tracks = run(scene, tracker())
    assert_one_id_each(scene, tracks, 1)


def test_track_different_people_far_apart_are_not_stitched():
    leaving = Person((100, 200), (-3, 0), last=40)
    entering = Person((560, 200), (-3, 0), first=60)
    scene = simulate([leaving, entering], 120)
    tracks = run(scene, tracker())
    assert_one_id_each(scene, tracks, 2)


@pytest.mark.parametrize(
    ("second", "expected_tracks"), [((1.0, 0.0, 0.1), 1), ((0.0, 1.0, 0.0), 2)]
)
def test_track_appearance_decides_between_plausible_joins(second, expected_tracks):
    first = Person((200, 200), last=40, embedding=(1.0, 0.0, 0.0))
    later = Person((215, 200), first=100, embedding=second)
    scene = simulate([first, later], 150)
    tracks = run(scene, tracker())
    assert len(tracks) == expected_tracks
    no_embeddings = simulate([Person((200, 200), last=40), Person((215, 200), first=100)], 150)
    assert len(run(no_embeddings, tracker())) == 1  # motion alone accepts the join


def test_track_max_people_keeps_the_most_prominent():
    people = [
        Person((100, 200), size=(40, 100)),
        Person((300, 200), size=(80, 200)),
        Person((500, 200), size=(60, 150)),
    ]
    scene = simulate(people, 60)
    tracks = run(scene, tracker(max_people=2))
    kept = sorted(int(t.boxes[0][3] - t.boxes[0][1]) for t in tracks)
    assert kept == [150, 200]


def test_track_given_ids_pass_through_untouched():
    frames = []
    for f in range(20):
        boxes = np.array([[10 + f, 10, 50 + f, 90], [300, 10, 340, 90]], np.float32)
        ids = np.array([7, -1]) if f != 5 else np.array([-1, -1])
        frames.append(Detections(f, boxes, np.full(2, 0.8, np.float32), ids))
    t = tracker(min_track_s=0.1)
    links = [t.update(d) for d in frames]
    assert (7, 0) in links[0]
    tracks = {tr.track_id: tr for tr in t.finish()}
    given = tracks[7]
    assert list(given.frames) == [f for f in range(20) if f != 5]  # gap at 5 not filled
    np.testing.assert_array_equal(given.boxes[0], frames[0].boxes[0])
    assert (given.detection_index == 0).all()
    made = [tr for tid, tr in tracks.items() if tid != 7]
    assert [tr.track_id for tr in made] == [8]  # numbered after the given ids
    assert len(made[0]) == 20


def test_track_skipped_frames_count_as_empty_frames():
    box = np.array([[10, 10, 50, 90]], np.float32)
    t = tracker(min_track_s=0.0, max_gap_s=0.0, stitch_max_gap_s=0.0)
    seen = [*range(30), 60, 200]  # 29 skipped frames < 45-frame memory; then 139 > memory
    for f in seen:
        t.update(Detections(f, box, np.ones(1, np.float32)))
    tracks = t.finish()
    assert [list(tr.frames) for tr in tracks] == [seen[:-1], [200]]


def test_track_bad_driving_is_reported():
    t = tracker()
    box = np.array([[10, 10, 50, 90]], np.float32)
    t.update(Detections(5, box, np.ones(1, np.float32)))
    with pytest.raises(TrackerInputError, match="increasing"):
        t.update(Detections(3, box, np.ones(1, np.float32)))
    with pytest.raises(TrackerInputError, match=r"\(N, D\)"):
        t.update(Detections(6, box, np.ones(1, np.float32)), embeddings=np.zeros((2, 4)))
