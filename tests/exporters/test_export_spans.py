"""Spans (when a person exists) shared by the writers."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import numpy as np
import pytest

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


def test_amass_marks_observed_and_span_rows(motion, tmp_path):
    from exporters.amass import write_amass

    seq = motion.people[2]  # frames 0..19 and 25..40
    observed = np.ones(len(seq), bool)
    observed[[3, 30]] = False  # two filled rows
    one = dataclasses.replace(motion, people=(dataclasses.replace(seq, observed=observed),))
    (path,) = write_amass(one, tmp_path / "a.amass.npz")
    with np.load(path, allow_pickle=False) as z:
        frames = int(z["frame_start"]) + np.arange(len(z["poses"]))
        np.testing.assert_array_equal(z["in_span"], ~np.isin(frames, range(20, 25)))
        np.testing.assert_array_equal(z["observed"], z["in_span"] & ~np.isin(frames, [3, 35]))


def test_amass_and_bvh_write_one_file_per_span(motion, tmp_path):
    from exporters.amass import write_amass
    from exporters.bvh import write_bvh

    amass = write_amass(motion, tmp_path / "a.amass.npz", span="spans")
    names = [p.name for p in amass]
    assert names == [
        "a_person1_from0.amass.npz",
        "a_person4_from12.amass.npz",
        "a_person7_from0.amass.npz",
        "a_person7_from25.amass.npz",
    ]
    with np.load(amass[3], allow_pickle=False) as z:
        assert int(z["frame_start"]) == 25 and len(z["poses"]) == 16
        assert z["in_span"].all()
    bvh = write_bvh(motion, tmp_path / "b.bvh", person=7, span="spans")
    assert [p.name for p in bvh] == ["b_person7_from0.bvh", "b_person7_from25.bvh"]
    counts = [int(p.read_text().split("Frames:")[1].split()[0]) for p in bvh]
    assert counts == [20, 16]


@pytest.mark.blender
@pytest.mark.slow
def test_blender_puts_a_span_file_at_its_video_frame(motion, tmp_path):
    """README: import a span BVH with Start Frame = its first video frame to match the glb."""
    from export_helpers import has_bpy

    from exporters.bvh import write_bvh

    if not has_bpy():
        pytest.fail("bpy is not installed: pip install 'cliffmocap[blender]'")
    late = write_bvh(motion, tmp_path / "b.bvh", person=7, span="spans")[1]  # from frame 25
    code = (
        "import bpy, sys\n"
        "bpy.ops.wm.read_factory_settings(use_empty=True)\n"
        "bpy.ops.import_anim.bvh(filepath=sys.argv[1], frame_start=25)\n"
        "arm = next(o for o in bpy.data.objects if o.type == 'ARMATURE')\n"
        "print('RANGE', *arm.animation_data.action.frame_range)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(late)], capture_output=True, text=True, timeout=300
    )
    line = next(ln for ln in done.stdout.splitlines() if ln.startswith("RANGE"))
    assert [float(v) for v in line.split()[1:]] == [25.0, 40.0]  # video frames 25..40
