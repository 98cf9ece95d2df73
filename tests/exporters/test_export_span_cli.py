"""``--span`` on the command line: a result re-exported to .bvh and .amass.npz, one file per person
or one per continuous span, with the right frames in each file."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from typer.testing import CliRunner

import exporters
from mocap.cli import app
from mocap.testing.assets import write_smpl

runner = CliRunner()


@pytest.fixture(scope="module")
def result(motion, tmp_path_factory):
    """The exporter fixture's motion as a .npz result; person 7 (frames 0..19, 25..40) has two
    filled (not observed) rows, at frames 3 and 35."""
    seq = motion.people[2]
    observed = np.ones(len(seq), bool)
    observed[[3, 30]] = False
    people = (*motion.people[:2], dataclasses.replace(seq, observed=observed))
    root = tmp_path_factory.mktemp("span_cli")
    npz = exporters.write(dataclasses.replace(motion, people=people), root / "run.npz")
    return {"npz": npz, "smpl": write_smpl(root / "SMPL_NEUTRAL.pkl")}


def _cli(result, *args: str):
    argv = [str(result["npz"]), *args, "--smpl", str(result["smpl"]), "--quiet"]
    return runner.invoke(app, argv)


def _bvh_frames(path) -> int:
    return int(path.read_text().split("Frames:")[1].split()[0])


def test_span_spans_writes_one_file_per_span(result, tmp_path):
    done = _cli(result, "--out", str(tmp_path / "a.bvh"), "--out", str(tmp_path / "a.amass.npz"),
                "--span", "spans")  # fmt: skip
    assert done.exit_code == 0, done.output
    starts = {1: [0], 4: [12], 7: [0, 25]}
    lengths = {(1, 0): 60, (4, 12): 48, (7, 0): 20, (7, 25): 16}
    want = {f"a_person{t}_from{f}" for t, fs in starts.items() for f in fs}
    names = {p.name for p in tmp_path.iterdir()}
    assert names == {n + ".bvh" for n in want} | {n + ".amass.npz" for n in want}
    for (tid, first), n in lengths.items():
        assert _bvh_frames(tmp_path / f"a_person{tid}_from{first}.bvh") == n
        with np.load(tmp_path / f"a_person{tid}_from{first}.amass.npz", allow_pickle=False) as z:
            assert int(z["frame_start"]) == first and len(z["poses"]) == n
            assert int(z["track_id"]) == tid and z["in_span"].all()
            frames = first + np.arange(n)
            filled = (tid == 7) & np.isin(frames, [3, 35])
            np.testing.assert_array_equal(z["observed"], ~filled)
    assert f"wrote {tmp_path / 'a_person7_from25.bvh'}" in done.output


def test_span_track_is_the_default_one_file_per_person(result, tmp_path):
    done = _cli(result, "--out", str(tmp_path / "a.bvh"), "--out", str(tmp_path / "a.amass.npz"))
    assert done.exit_code == 0, done.output
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(f"a_person{t}{s}" for t in (1, 4, 7) for s in (".bvh", ".amass.npz"))
    assert _bvh_frames(tmp_path / "a_person7.bvh") == 41  # frames 0..40, the gap interpolated
    with np.load(tmp_path / "a_person7.amass.npz", allow_pickle=False) as z:
        np.testing.assert_array_equal(z["in_span"], ~np.isin(np.arange(41), range(20, 25)))


def test_unknown_span_is_one_usage_line(result, tmp_path):
    done = _cli(result, "--out", str(tmp_path / "a.bvh"), "--span", "video")
    assert done.exit_code == 2
    lines = [ln for ln in done.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and "--span" in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_config_and_writers_refuse_an_unknown_span(motion, tmp_path):
    from mocap.cli_run import with_flags
    from mocap.config import PipelineConfig
    from mocap.errors import UsageError

    with pytest.raises(UsageError, match="'span' must be track or spans") as caught:
        PipelineConfig(span="video")  # type: ignore[arg-type]
    assert with_flags(str(caught.value)).startswith("--span must be")
    with pytest.raises(UsageError, match="AMASS span 'video'"):
        exporters.write(motion, tmp_path / "a.amass.npz", span="video")
    assert list(tmp_path.iterdir()) == []
