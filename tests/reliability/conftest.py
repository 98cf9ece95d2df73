"""Fixtures of the reliability suite: hostile files made in tmp folders, a batch to run them."""

from __future__ import annotations

from pathlib import Path

import pytest

from mocap.config import PipelineConfig


@pytest.fixture
def cfg() -> PipelineConfig:
    return PipelineConfig(smooth="off", detector="yolo11n.yaml")


@pytest.fixture
def clips(tmp_path: Path) -> Path:
    """A folder of three small valid videos."""
    from _hostile import write_video

    folder = tmp_path / "clips"
    folder.mkdir()
    for name in ("a.mp4", "b.mp4", "c.mp4"):
        write_video(folder / name)
    return folder
