"""Fixtures of the video front end: synthetic videos, frames and detections made by the tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


class Videos(dict[str, Path]):
    """Fixture videos by name; a video this PyAV build could not encode skips the test."""

    def __missing__(self, name: str) -> Path:
        pytest.skip(f"fixture video {name!r} could not be written (encoder missing in PyAV)")


@pytest.fixture(scope="session")
def videos(tmp_path_factory: pytest.TempPathFactory) -> Videos:
    """Name -> path of every synthetic video (see ``synth_video.make_all``).

    Written in a child process: once decord is imported (as the tests do), PyAV's libvpx encoder
    stops working in that process (clashing bundled libraries, measured).
    """
    folder = tmp_path_factory.mktemp("videos")
    done = subprocess.run(
        [sys.executable, str(HERE / "synth_video.py"), str(folder)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        pytest.fail(f"making the fixture videos failed:\n{done.stderr[-3000:]}")
    return Videos({p.stem: p for p in folder.iterdir()})
