"""Decode memory is bounded by bytes, not frames: large frames get short chunks and slice-threaded
decoding; frames beyond the largest supported size are refused in one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from _hostile import H, W, write_video

from mocap import video
from mocap.errors import VideoTooLargeError
from mocap.video import frames_per_chunk, open_video

MIB = 2**20


@pytest.mark.parametrize(
    ("width", "height", "budget", "expected"),
    [
        (640, 480, 1024, 32),  # small frames: the setting decides
        (1920, 1080, 1024, 32),  # 6 MiB frames: 4 x 32 x 6 = 760 MiB fits
        (3840, 2160, 1024, 10),  # 4K: 24 MiB frames, 1024 // (4 x 24)
        (7680, 4320, 1024, 2),  # 8K UHD: 95 MiB frames
        (8192, 8192, 1024, 1),  # 192 MiB frames: one per chunk is the floor
        (8192, 8192, 64, 1),
    ],
)
def test_frames_per_chunk_fit_the_budget(
    width: int, height: int, budget: int, expected: int
) -> None:
    got = frames_per_chunk(width, height, 32, budget, in_flight=4)
    assert got == expected
    if 1 < expected < 32:  # a frame more per chunk would not fit
        assert 4 * got * width * height * 3 <= budget * MIB < 4 * (got + 1) * width * height * 3


def test_no_budget_keeps_the_setting() -> None:
    assert frames_per_chunk(8192, 8192, 32, None, in_flight=4) == 32


def test_open_video_applies_the_budget(tmp_path: Path) -> None:
    clip = write_video(tmp_path / "clip.mp4", frames=9)
    frame_bytes = W * H * 3
    assert MIB // (28 * frame_bytes) == 4  # 1 MiB holds 28 chunks of 4 frames of 64x48
    with open_video(clip, chunk_frames=32, memory_mb=1, in_flight=28) as source:
        assert [len(b) for b in source] == [4, 4, 1]
    with open_video(clip, chunk_frames=32, memory_mb=1, in_flight=200) as source:
        assert [len(b) for b in source] == [1] * 9  # the floor
    with open_video(clip, chunk_frames=32) as source:
        assert [len(b) for b in source] == [9]  # no budget: the setting


def test_frames_beyond_the_largest_size_are_refused_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clip = write_video(tmp_path / "clip.mp4", frames=2)
    monkeypatch.setattr(video, "MAX_FRAME_PIXELS", W * H - 1)
    with pytest.raises(VideoTooLargeError) as caught:
        open_video(clip)
    message = str(caught.value)
    assert message.startswith(f"Video '{clip}' is {W}x{H} ")
    assert "Downscale it first" in message and "\n" not in message


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_run_on_the_largest_frames_stays_under_2_gib(tmp_path: Path) -> None:
    """8192 x 8192 (192 MiB per RGB frame): with the default budget a whole run, torch loaded,
    peaks under 2 GiB (measured 1.46 GiB; 32-frame chunks took 3.7 GiB on 8 frames)."""
    import json
    import os
    import subprocess
    import sys

    from mocap.config import PipelineConfig

    here = Path(__file__).resolve().parent
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(here.parent.parent), str(here)])
    clip = tmp_path / "huge.mp4"
    make = (
        "import _hostile, pathlib; "
        f"_hostile.write_large_video(pathlib.Path({str(clip)!r}), 8192, 8192, 8)"
    )
    subprocess.run([sys.executable, "-c", make], env=env, check=True, timeout=300)
    budget = PipelineConfig().decode_memory_mb
    done = subprocess.run(
        [sys.executable, str(here / "_memory_run.py"), str(clip), str(budget)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    assert measured["frames"] == 8 and measured["people"] == 1
    assert measured["chunk"] == 1
    assert measured["peak_mib"] < 2048, measured
