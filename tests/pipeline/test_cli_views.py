"""The command line's view outputs and re-export, end to end with the real stages (rule-filled
CLIFF res50, synthetic SMPL model, synthetic clip, MOTChallenge boxes):

* ``--out run.mp4/.html/.json`` next to the animation formats, from one run;
* a ``.npz`` result as input writes the other formats again without CLIFF, equal to the direct
  exports (byte for byte where the writer is deterministic, else to float tolerance);
* a folder run with ``--out-format ...,html,json`` writes ``index.html`` linking every report.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import av
import numpy as np
import pytest
from e2e_assets import write_run_assets
from typer.testing import CliRunner

from mocap.cli import app

pytestmark = pytest.mark.slow
runner = CliRunner()
FRAMES = 12


@pytest.fixture(scope="module")
def assets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_run_assets(tmp_path_factory.mktemp("views"), frames=FRAMES)


def _models(assets: dict[str, Path]) -> list[str]:
    return ["--checkpoint", str(assets["ckpt"]), "--smpl", str(assets["smpl"])]


@pytest.fixture(scope="module")
def direct_run(assets, tmp_path_factory):
    out = tmp_path_factory.mktemp("direct")
    names = ["run.npz", "run.glb", "run.bvh", "run.mp4", "run.html", "run.json"]
    outs = [a for n in names for a in ("--out", str(out / n))]
    args = [str(assets["video"]), *outs, "--boxes", str(assets["boxes"]), "--device", "cpu"]
    result = runner.invoke(app, [*args, *_models(assets)])
    assert result.exit_code == 0, result.output
    return out


def _frames(path: Path) -> list[av.VideoFrame]:
    with av.open(str(path)) as c:
        return list(c.decode(video=0))


def test_one_run_writes_overlay_report_and_figures(assets, direct_run):
    video, overlay = _frames(assets["video"]), _frames(direct_run / "run.mp4")
    assert len(overlay) == len(video) == FRAMES
    assert (overlay[0].width, overlay[0].height) == (video[0].width, video[0].height)
    np.testing.assert_allclose([f.time for f in overlay], [f.time for f in video], atol=1e-4)
    figures = json.loads((direct_run / "run.json").read_text(encoding="utf-8"))
    assert [t["track_id"] for t in figures["tracks"]] == [1, 2]
    assert set(figures["timings_s"]) >= {"decode", "regress"}
    html = (direct_run / "run.html").read_text(encoding="utf-8")
    assert html.count("<svg") == 3 and 'alt="overlay frame"' in html


def test_reexport_from_npz_equals_the_direct_exports(assets, direct_run, tmp_path):
    names = ["re.glb", "re.bvh", "re.mp4", "re.json"]
    outs = [a for n in names for a in ("--out", str(tmp_path / n))]
    args = [str(direct_run / "run.npz"), *outs, "--smpl", str(assets["smpl"])]
    result = runner.invoke(app, args)  # no checkpoint, no boxes: CLIFF does not run
    assert result.exit_code == 0, result.output
    assert (tmp_path / "re.glb").read_bytes() == (direct_run / "run.glb").read_bytes()
    direct_bvh = sorted(direct_run.glob("run*.bvh"))
    again_bvh = sorted(tmp_path.glob("re*.bvh"))
    assert len(direct_bvh) == len(again_bvh) == 2
    for a, b in zip(direct_bvh, again_bvh, strict=True):
        assert a.read_bytes() == b.read_bytes()
    a = json.loads((direct_run / "run.json").read_text(encoding="utf-8"))
    b = json.loads((tmp_path / "re.json").read_text(encoding="utf-8"))
    assert a["tracks"] == b["tracks"] and a["floor"] == b["floor"]
    first = [f.to_ndarray(format="rgb24").astype(int) for f in _frames(tmp_path / "re.mp4")]
    again = [f.to_ndarray(format="rgb24").astype(int) for f in _frames(direct_run / "run.mp4")]
    assert len(first) == len(again) == FRAMES
    assert max(np.abs(x - y).mean() for x, y in zip(first, again, strict=True)) < 1.0


def test_reexport_needs_the_video_for_an_overlay(assets, direct_run, tmp_path):
    moved = tmp_path / "moved.mp4"
    result = tmp_path / "copy.npz"
    shutil.copy(direct_run / "run.npz", result)
    shutil.copy(assets["video"], moved)
    stored = str(np.load(result, allow_pickle=False)["video_path"])
    assert Path(stored) == assets["video"]
    hidden = assets["video"].with_name("hidden.mp4")
    assets["video"].rename(hidden)
    try:
        args = [str(result), "--out", str(tmp_path / "x.mp4"), "--smpl", str(assets["smpl"])]
        failed = runner.invoke(app, args)
        assert failed.exit_code == 1
        assert "needs the source video" in failed.output and "--video" in failed.output
        ok = runner.invoke(app, [*args, "--video", str(moved)])
        assert ok.exit_code == 0, ok.output
        assert len(_frames(tmp_path / "x.mp4")) == FRAMES
    finally:
        hidden.rename(assets["video"])


def test_folder_run_writes_a_sorted_index(assets, tmp_path):
    clips = tmp_path / "clips"
    (clips / "sub").mkdir(parents=True)
    shutil.copy(assets["video"], clips / "a.mp4")
    shutil.copy(assets["video"], clips / "sub" / "b.mp4")
    (clips / "broken.mp4").write_bytes(b"not a video")
    boxes = tmp_path / "boxes"
    boxes.mkdir()
    for stem in ("a", "b", "broken"):
        shutil.copy(assets["boxes"], boxes / f"{stem}.txt")
    out = tmp_path / "out"
    args = [str(clips), "--out", str(out), "--out-format", "npz,html,json", "--boxes", str(boxes)]
    result = runner.invoke(app, [*args, "--device", "cpu", *_models(assets)])
    assert result.exit_code == 1, result.output  # one input failed
    index = (out / "index.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr class="(\w+)"><td class="l" data-v="([^"]+)"', index)
    assert rows[0] == ("failed", "broken.mp4")
    assert sorted(rows[1:]) == [("ok", "a.mp4"), ("ok", "sub/b.mp4")]
    assert 'href="sub/b.html"' in index and 'href="a.html"' in index
    assert index.count("data:image/jpeg;base64,") == 2  # a thumbnail per report


def test_reexport_onto_a_rig_preset(assets, direct_run, tmp_path):
    from exporters.rigs.checks import skeleton_from_glb, unreal_mannequin_problems

    args = [str(direct_run / "run.npz"), "--out", str(tmp_path / "ue.glb"), "--rig", "ue5"]
    result = runner.invoke(app, [*args, "--smpl", str(assets["smpl"])])
    assert result.exit_code == 0, result.output
    for tid in (1, 2):
        skeleton = skeleton_from_glb(tmp_path / "ue.glb", f"person_{tid}")
        assert skeleton.names[:2] == ("root", "pelvis")
        assert unreal_mannequin_problems(skeleton) == []
