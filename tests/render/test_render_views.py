"""View outputs of a result (.mp4 overlay, .html report, .json figures) from one video pass."""

from __future__ import annotations

import json
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import av
import pytest

from mocap.batch.views import ViewSettings, thumbnail_frames, write_view_outputs
from mocap.errors import InputError, OutputExistsError
from mocap.render import PreviewOptions
from mocap.testing.preview_scene import background, synthetic_motion, with_projected_boxes

W, H, N = 192, 144, 10


def _video(path: Path) -> Path:
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=10, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        for i in range(N):
            frame = av.VideoFrame.from_ndarray(background(W, H, i), format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, 10)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


@pytest.fixture()
def result(tmp_path):
    video = _video(tmp_path / "clip.mp4")
    motion = with_projected_boxes(synthetic_motion(2, N, W, H, fps=10.0))
    return replace(motion, video=replace(motion.video, path=video)), video


def test_one_pass_writes_overlay_report_and_figures(tmp_path, result):
    motion, _ = result
    out = [tmp_path / "o" / "run.mp4", tmp_path / "o" / "run.html", tmp_path / "o" / "run.json"]
    out[0].parent.mkdir()
    settings = ViewSettings(preview=PreviewOptions(side="panel"), thumbnails=3)
    written = write_view_outputs(motion, out, timings={"regress": 2.0}, settings=settings)
    assert written == out
    assert sorted(p.name for p in out[0].parent.iterdir()) == ["run.html", "run.json", "run.mp4"]
    with av.open(str(out[0])) as c:
        frames = list(c.decode(video=0))
    assert len(frames) == N and (frames[0].width, frames[0].height) == (2 * W, H)
    html = out[1].read_text(encoding="utf-8")
    assert html.count('alt="overlay frame"') == len(thumbnail_frames(N, 3)) == 3
    figures = json.loads(out[2].read_text(encoding="utf-8"))
    assert [t["frames"] for t in figures["tracks"]] == [N, N]
    assert figures["timings_s"] == {"regress": 2.0}


def test_missing_video_stops_the_overlay_but_not_the_report(tmp_path, result):
    motion, video = result
    video.unlink()
    with pytest.raises(InputError, match="needs the source video"):
        write_view_outputs(motion, [tmp_path / "a.mp4", tmp_path / "a.json"])
    assert not (tmp_path / "a.json").exists()  # nothing half-done
    write_view_outputs(motion, [tmp_path / "a.html"])
    assert 'alt="overlay frame"' not in (tmp_path / "a.html").read_text(encoding="utf-8")


def test_another_video_is_refused_and_existing_outputs_are_kept(tmp_path, result):
    motion, _ = result
    small = replace(motion, camera=replace(motion.camera, width=W // 2))
    with pytest.raises(InputError, match=f"is {W}x{H} but the result was made from"):
        write_view_outputs(small, [tmp_path / "b.mp4"])
    target = tmp_path / "b.json"
    target.write_text("keep")
    with pytest.raises(OutputExistsError):
        write_view_outputs(motion, [target])
    assert target.read_text() == "keep"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
