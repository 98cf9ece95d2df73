"""Fixtures of the video front end: synthetic videos, frames and detections made by the tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Name -> path of every synthetic video (see ``synth_video.make_all``).

    Written in a child process: once decord is imported (as the tests do), PyAV's libvpx encoder
    stops working in that process (clashing bundled libraries, measured).
    """
    folder = tmp_path_factory.mktemp("videos")
    done = subprocess.run([sys.executable, str(HERE / "synth_video.py"), str(folder)],
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        pytest.fail(f"making the fixture videos failed:\n{done.stderr[-3000:]}")
    return {p.stem: p for p in folder.iterdir()}
