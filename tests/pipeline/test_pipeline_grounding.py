"""The run grounds the motion for space='world' (the default), not for 'camera'."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import pytest
from _pipeline_fakes import make_stages

from mocap.config import PipelineConfig
from mocap.errors import UsageError
from mocap.pipeline import run
from mocap.testing.synthetic import synthetic_smpl_model_data


@pytest.fixture
def video(tmp_path: Path) -> Path:
    p = tmp_path / "clip.mp4"
    p.write_bytes(b"fake")
    return p


@pytest.fixture(scope="module")
def body():
    return synthetic_smpl_model_data()


def test_default_run_is_grounded(video: Path, body) -> None:
    motion = run(video, PipelineConfig(), stages=replace(make_stages(), body=body))
    assert motion.grounding is not None
    for person in motion.people:
        assert person.world is not None and person.world.foot_contact.shape == (len(person), 2)


def test_camera_space_run_is_not_grounded(video: Path, body) -> None:
    config = PipelineConfig(space="camera")
    motion = run(video, config, stages=replace(make_stages(), body=body))
    assert motion.grounding is None
    assert all(p.world is None for p in motion.people)


def test_without_the_body_model_the_run_stays_in_the_camera_frame(video: Path, caplog) -> None:
    with caplog.at_level(logging.INFO, logger="mocap.pipeline"):
        motion = run(video, PipelineConfig(), stages=make_stages())
    assert motion.grounding is None
    assert any("camera frame" in r.getMessage() for r in caplog.records)


def test_space_is_checked() -> None:
    with pytest.raises(UsageError, match="'space'"):
        PipelineConfig(space="floor")  # type: ignore[arg-type]
