"""Spans (when a person exists) shared by the writers."""

from __future__ import annotations

import dataclasses

import numpy as np

from exporters.spans import observed_on, runs, split_spans


def test_runs_are_the_consecutive_stretches():
    frames = np.array([3, 4, 5, 9, 10, 20])
    assert [(s.start, s.stop) for s in runs(frames)] == [(0, 3), (3, 5), (5, 6)]
    assert runs(np.zeros(0, np.int64)) == []


def test_split_spans_keeps_rows_and_person_fields(motion):
    seq = motion.people[2]  # frames 0..19 and 25..40
    observed = np.ones(len(seq), bool)
    observed[[3, 30]] = False
    seq = dataclasses.replace(seq, observed=observed)
    a, b = split_spans(seq)
    assert list(a.frames) == list(range(20)) and list(b.frames) == list(range(25, 41))
    assert a.track_id == b.track_id == seq.track_id
    np.testing.assert_array_equal(b.transl, seq.transl[20:])
    np.testing.assert_array_equal(np.concatenate([a.observed, b.observed]), observed)


def test_observed_on_any_frames(motion):
    seq = motion.people[2]
    observed = np.ones(len(seq), bool)
    observed[3] = False
    seq = dataclasses.replace(seq, observed=observed)
    got = observed_on(seq, np.arange(-1, 45))
    want = np.isin(np.arange(-1, 45), seq.frames[observed])
    np.testing.assert_array_equal(got, want)
