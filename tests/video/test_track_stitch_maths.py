"""Exact checks of the stitching evidence and the box-jump cuts on synthetic boxes."""

from __future__ import annotations

import numpy as np
import pytest

from mocap import stitch
from mocap.trackcut import cut_box_jumps
from mocap.types import Track

FPS = 25.0


def track(frames, centres, heights, aspect: float = 0.4, track_id: int = 0) -> Track:
    frames = np.asarray(frames, np.int64)
    c = np.asarray(centres, float).reshape(-1, 2)
    h = np.asarray(heights, float)
    w = aspect * h
    boxes = np.stack([c[:, 0] - w / 2, c[:, 1] - h / 2, c[:, 0] + w / 2, c[:, 1] + h / 2], 1)
    n = len(frames)
    return Track(track_id, frames, boxes, np.full(n, 0.9), np.ones(n, bool), np.arange(n))


def cut(t: Track, embeddings: np.ndarray | None = None) -> list[Track]:
    """The pieces :func:`cut_box_jumps` cuts ``t`` into (without their look-change marks)."""
    return [piece for piece, _ in cut_box_jumps(t, FPS, embeddings)]


def walk(frames, v=(3.0, 0.5), rate=0.01, x0=(100.0, 200.0), h0=150.0):
    """Centres at constant velocity (px/frame), heights growing at ``rate`` log units/frame."""
    f = np.asarray(frames, float)
    return np.asarray(x0) + np.outer(f, v), h0 * np.exp(rate * f)


@pytest.mark.parametrize("gap", [2, 10, 25])
def test_join_evidence_is_zero_for_a_constant_velocity_walk(gap):
    fa = np.arange(0, 30)
    fb = np.arange(29 + gap, 60 + gap)
    a = track(fa, *walk(fa))
    b = track(fb, *walk(fb))
    ev = stitch.join_evidence(a, b, FPS, None)
    assert ev.gap_s == pytest.approx(gap / FPS)
    assert ev.motion == pytest.approx(0.0, abs=1e-6)
    assert ev.scale == pytest.approx(0.0, abs=1e-6)
    assert stitch.join_cost(ev) == pytest.approx(0.0, abs=1e-5)


def test_join_evidence_measures_offset_in_box_heights_and_log_scale():
    fa, fb = np.arange(0, 30), np.arange(40, 70)
    a = track(fa, *walk(fa, v=(0, 0), rate=0.0))
    centres, heights = walk(fb, v=(0, 0), rate=0.0)
    b = track(fb, centres + np.array([0.3 * 150.0, 0.0]), heights * 1.2)
    ev = stitch.join_evidence(a, b, FPS, 0.05)
    assert ev.motion == pytest.approx(0.3)
    assert ev.scale == pytest.approx(np.log(1.2))
    assert ev.appearance == 0.05
    tol = stitch.scale_tolerance(ev.gap_s)
    assert (stitch.join_cost(ev) is None) == (np.log(1.2) > tol)


def test_join_needs_every_gate():
    ok = stitch.JoinEvidence(gap_s=1.0, motion=0.1, scale=0.01, appearance=0.01)
    assert stitch.join_cost(ok) is not None
    for bad in (
        stitch.JoinEvidence(1.0, stitch.motion_tolerance(1.0) * 1.01, 0.01, None),
        stitch.JoinEvidence(1.0, 0.1, stitch.scale_tolerance(1.0) * 1.01, None),
        stitch.JoinEvidence(1.0, 0.1, 0.01, stitch.MAX_APPEARANCE_DISTANCE * 1.01),
    ):
        assert stitch.join_cost(bad) is None


def test_short_fragments_are_never_stitched():
    fa, fb = np.arange(0, stitch.MIN_FRAGMENT_ROWS - 1), np.arange(20, 40)
    a = track(fa, *walk(fa), track_id=1)
    b = track(fb, *walk(fb), track_id=2)
    assert len(stitch.stitch_fragments([a, b], {}, FPS, 75)) == 2
    fa = np.arange(0, stitch.MIN_FRAGMENT_ROWS)
    a = track(fa, *walk(fa), track_id=1)
    (joined,) = stitch.stitch_fragments([a, b], {}, FPS, 75)
    assert list(joined.frames) == [*fa, *fb]


def test_cut_removes_a_short_group_box_and_splits_a_lasting_change():
    frames = np.arange(60)
    centres, heights = walk(frames, rate=0.0)
    aspect = np.full(60, 0.4)
    aspect[20:24] = 0.9  # a group box for 4 frames
    heights = heights.copy()
    heights[40:] *= 0.7  # another, smaller person from frame 40 on
    w = aspect * heights
    boxes = np.stack(
        [
            centres[:, 0] - w / 2,
            centres[:, 1] - heights / 2,
            centres[:, 0] + w / 2,
            centres[:, 1] + heights / 2,
        ],
        1,
    )
    t = Track(0, frames, boxes, np.ones(60), np.ones(60, bool), frames.copy())
    pieces = cut(t)
    assert [list(p.frames) for p in pieces] == [
        [*range(0, 20), *range(24, 40)],
        list(range(40, 60)),
    ]


def test_cut_splits_where_appearance_changes():
    frames = np.arange(40)
    t = track(frames, *walk(frames))
    emb = np.zeros((40, 3))
    emb[:25, 0] = 1.0
    emb[25:, 1] = 1.0
    emb[5] = np.nan  # unknown rows are skipped
    pieces = cut(t, emb)
    assert [int(p.frames[0]) for p in pieces] == [0, 25]
    assert len(cut(t, np.tile([1.0, 0, 0], (40, 1)))) == 1


def looks(frames: int, spans: list[tuple[int, int, int]], every: int = 1) -> np.ndarray:
    """(frames, 3) embeddings: axis ``k`` on rows [start, stop) for each (start, stop, k); rows
    off the ``every``-th are unknown (NaN), as for boxes covered by another box."""
    emb = np.full((frames, 3), np.nan)
    for start, stop, k in spans:
        emb[start:stop] = np.eye(3)[k]
    emb[np.arange(frames) % every != 0] = np.nan
    return emb


def test_cut_sees_an_appearance_change_through_sparse_embeddings():
    # one known embedding every 3rd row: no 0.24 s window holds enough known rows; the rows
    # between the last old look (row 24) and the first new one (row 27) go to the new piece
    frames = np.arange(60)
    t = track(frames, *walk(frames))
    pieces = cut(t, looks(60, [(0, 26, 0), (26, 60, 1)], every=3))
    assert [int(p.frames[0]) for p in pieces] == [0, 25]


def test_cut_ignores_a_look_that_comes_back():
    # rows 20..29 look like someone else (covered by a person the detector missed), then the
    # person's own look returns: not a change of person
    frames = np.arange(60)
    t = track(frames, *walk(frames))
    emb = looks(60, [(0, 20, 0), (20, 30, 1), (30, 60, 0)])
    assert len(cut(t, emb)) == 1


def two_changes() -> tuple[Track, np.ndarray]:
    """Person 0 until row 30, then person 1 (other clothes) until row 34, then a smaller person
    in the same clothes: (track, (60, 3) embeddings)."""
    frames = np.arange(60)
    centres, heights = walk(frames, rate=0.0)
    heights = heights.copy()
    heights[34:] *= 0.7
    t = track(frames, centres, heights)
    return t, looks(60, [(0, 30, 0), (30, 60, 1)])


def test_cut_finds_two_changes_that_one_window_spans():
    # the appearance and the height change make one run of high scores, cut at the sharp height
    # step (row 34); the piece before it is cut again where the look changed
    pieces = cut(*two_changes())
    assert [int(p.frames[0]) for p in pieces] == [0, 30, 34]


def test_cut_takes_a_new_look_at_the_end_of_a_track_as_a_change():
    # a new look must be seen again while the track goes on, but at its end nothing comes after
    frames = np.arange(60)
    t = track(frames, *walk(frames))
    ends = cut(t, looks(60, [(0, 53, 0), (53, 60, 1)]))
    assert [int(p.frames[0]) for p in ends] == [0, 53]


def test_cut_sees_a_track_end_on_someone_else_after_a_gradual_drift():
    # person A (look at 0 degrees) for 19 rows, then a box around A and B whose look drifts to
    # B's (90 degrees) by 5 degrees a row, so that windows side by side never differ by the gate,
    # then B's own box for 5 rows, one covered. No piece may hold both people's looks: A's rows
    # stay in the first piece, B's in the last (the drift between may go either way or alone)
    frames = np.arange(42)
    t = track(frames, *walk(frames))
    degrees = np.clip((frames - 19) * 5.0, 0.0, 90.0)  # 90 from row 37 on
    emb = np.stack([np.cos(np.radians(degrees)), np.sin(np.radians(degrees)), 0.0 * degrees], 1)
    emb[39] = np.nan
    pieces = cut(t, emb)
    assert len(pieces) >= 2
    assert set(range(19)) <= set(pieces[0].frames.tolist())
    assert set(range(37, 42)) <= set(pieces[-1].frames.tolist())
    for p in pieces:
        seen = degrees[p.frames]
        assert not (seen.min() < 20.0 and seen.max() > 70.0), p.frames


def test_cut_between_covered_rows_falls_where_the_box_jumps_to_the_other_person():
    # person A (look 0) walks; the tracker keeps A on rows 25-31 while A is covered (no look),
    # then jumps to B, who walks beside A a quarter of a box height away, covered on rows 32-35
    # and seen (look 1) from row 36. The look says only that the change lies in rows 25-36; the
    # paths before and after say where: A's covered rows stay with A
    frames = np.arange(60)
    centres, heights = walk(frames)
    centres = centres.copy()
    centres[32:, 0] += 0.25 * heights[32:]
    t = track(frames, centres, heights)
    emb = looks(60, [(0, 25, 0), (36, 60, 1)])
    assert [int(p.frames[0]) for p in cut(t, emb)] == [0, 32]
    # on one straight path the motion cannot tell: the cut stays where the look changes
    straight = track(frames, *walk(frames))
    assert [int(p.frames[0]) for p in cut(straight, emb)] == [0, 25]


def degrees(angles) -> np.ndarray:
    """(K, 3) unit embeddings at ``angles`` (degrees) in the first two axes."""
    a = np.radians(np.asarray(angles, float))
    return np.stack([np.cos(a), np.sin(a), np.zeros_like(a)], 1)


def test_cut_falls_where_all_the_looks_around_a_change_split_best():
    # A (0 degrees) until row 29, whose last row already takes some of B's colours (30), then B
    # (70) with a few rows of a box around both (40) and a few covered rows: the mixed rows pull
    # the mean of the window after the true change towards A, so the windows alone score the
    # change highest one row early and A's last row went to B
    angles = np.full(70, 70.0)
    angles[:29], angles[29], angles[[36, 37, 44, 62, 68]] = 0.0, 30.0, 40.0
    emb = degrees(angles)
    emb[[33, 38, 40, 41]] = np.nan
    frames = np.arange(70)
    t = track(frames, *walk(frames))
    assert [int(p.frames[0]) for p in cut(t, emb)] == [0, 30]


@pytest.mark.parametrize("covered", [[], [40, 41, 42], [40, 41, 42, 43]])
def test_cut_sees_a_short_visit_to_someone_else_before_a_third_person(covered):
    # A until row 39, then B for six rows (0.24 s, one window), some covered (6, 3 or 2 known
    # rows left), then C: B's rows are a piece of their own. B's look is not seen again while
    # the track goes on, but the track goes on as C: the rows after a cut are someone else's
    frames = np.arange(70)
    t = track(frames, *walk(frames))
    emb = looks(70, [(0, 40, 0), (40, 46, 1), (46, 70, 2)])
    emb[covered] = np.nan
    assert [int(p.frames[0]) for p in cut(t, emb)] == [0, 40, 46]


def test_pieces_say_which_begin_at_a_change_of_look():
    # a sharp height step at row 34 and a change of look at row 30 (as above): only the piece
    # that begins where the look changed is marked, and stitching never joins it back
    t, emb = two_changes()
    pieces = cut_box_jumps(t, FPS, emb)
    assert [(int(p.frames[0]), new) for p, new in pieces] == [(0, False), (30, True), (34, False)]
    assert [int(p.frames[0]) for p, _ in cut_box_jumps(t, FPS)] == [0, 34]  # shape alone
    # two fragments that would join on motion, scale and look
    fa, fb = np.arange(0, 20), np.arange(21, 40)
    a, b = track(fa, *walk(fa), track_id=1), track(fb, *walk(fb), track_id=2)
    same = {1: np.array([1.0, 0.0]), 2: np.array([1.0, 0.1])}
    assert len(stitch.stitch_fragments([a, b], same, FPS, 75)) == 1
    assert len(stitch.stitch_fragments([a, b], same, FPS, 75, None, {(1, 2)})) == 2
    assert len(stitch.stitch_fragments([a, b], same, FPS, 75, None, {(2, 1)})) == 1


def test_a_fragment_without_a_look_is_joined_only_across_a_short_gap():
    # motion and scale agree across every gap below; appearance is known for ``a`` only
    blind = round(stitch.STITCH_MAX_BLIND_GAP_S * FPS)
    fa = np.arange(0, 20)
    a = track(fa, *walk(fa), track_id=1)
    looks = {1: np.array([1.0, 0.0])}
    for gap, joined in ((blind, True), (blind + 1, False)):
        fb = np.arange(19 + gap, 40 + gap)
        b = track(fb, *walk(fb), track_id=2)
        out = stitch.stitch_fragments([a, b], looks, FPS, 75, blind)
        assert (len(out) == 1) is joined, gap
        # with a look on both sides (the same), the full gap limit applies
        both = {**looks, 2: np.array([1.0, 0.0])}
        assert len(stitch.stitch_fragments([a, b], both, FPS, 75, blind)) == 1
        # no limit given (a tracker without frames): motion and scale decide alone
        assert len(stitch.stitch_fragments([a, b], looks, FPS, 75)) == 1


def test_a_join_without_a_look_is_refused_when_another_fragment_fits_as_well():
    # ``b`` and ``c`` start together side by side (two people walking together); ``a`` has a look,
    # neither ``b`` nor ``c`` has one: motion and scale cannot say which continues ``a``
    blind = round(stitch.STITCH_MAX_BLIND_GAP_S * FPS)
    fa, fb = np.arange(0, 20), np.arange(30, 50)
    a = track(fa, *walk(fa), track_id=1)
    b = track(fb, *walk(fb), track_id=2)
    centres, heights = walk(fb)
    c = track(fb, centres + np.array([0.1 * 150.0, 0.0]), heights, track_id=3)
    looks = {1: np.array([1.0, 0.0])}
    assert len(stitch.stitch_fragments([a, b], looks, FPS, 75, blind)) == 1
    assert len(stitch.stitch_fragments([a, b, c], looks, FPS, 75, blind)) == 3
    # with looks on all three, appearance decides: ``b`` looks like ``a``, ``c`` does not
    both = {**looks, 2: np.array([1.0, 0.0]), 3: np.array([0.0, 1.0])}
    joined = stitch.stitch_fragments([a, b, c], both, FPS, 75, blind)
    assert sorted(len(t) for t in joined) == [20, 40]


@pytest.mark.parametrize(
    ("look_off", "feet_drop", "cut_at"),
    [(0.0, 0.0, None), (0.0, 60.0, 30), (0.15, 0.0, 30)],
)
def test_a_shape_change_is_a_pose_only_in_the_same_look_on_the_same_feet(
    look_off, feet_drop, cut_at
):
    """Height 200 -> 120 px at frame 30, the box otherwise in place. Same look and foot line: a
    crouch (one piece). Feet 60 px lower (someone nearer) or a look off by 0.15 (too little for a
    change of look, 0.2, too much for one pose): another person, cut at 30."""
    frames = np.arange(60)
    heights = np.where(frames < 30, 200.0, 120.0)
    bottoms = np.where(frames < 30, 400.0, 400.0 + feet_drop)
    centres = np.stack([300.0 + frames, bottoms - heights / 2], 1)
    angle = np.arccos(1.0 - look_off)
    looks = np.where(
        (frames < 30)[:, None], [1.0, 0.0], [np.cos(angle), np.sin(angle)]
    )  # (60, 2), cosine distance look_off across the change
    pieces = cut(track(frames, centres, heights), looks)
    expected = [60] if cut_at is None else [cut_at, 60 - cut_at]
    assert [len(p) for p in pieces] == expected
