"""Fixtures of the pipeline/CLI/batch tests (fakes live in _pipeline_fakes.py)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def model_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A CLIFFMOCAP_HOME holding placeholder model files (the stages themselves are faked)."""
    home = tmp_path / "models"
    home.mkdir()
    for name in ("hr48-PA43.0_MJE69.0_MVE81.2_3dpw.pt", "SMPL_NEUTRAL.pkl", "yolo11x.pt"):
        (home / name).write_bytes(b"placeholder")
    monkeypatch.setenv("CLIFFMOCAP_HOME", str(home))
    monkeypatch.delenv("CLIFFMOCAP_DEBUG", raising=False)
    return home


@pytest.fixture
def fake_stages(monkeypatch: pytest.MonkeyPatch):
    """Make the real-stage loaders return fakes, in this process and in batch workers."""
    import _pipeline_fakes

    import mocap.batch.worker
    import mocap.pipeline.capture

    # run() opens the video first, then loads the stages (warm start): one fake set per run.
    made: list = []

    def opener(config):
        made.append(_pipeline_fakes.factory_ok(config))
        return made[-1].open_video

    monkeypatch.setattr(mocap.pipeline.capture, "open_video_for", opener)
    monkeypatch.setattr(mocap.pipeline.capture, "load_stages", lambda config: made.pop())
    monkeypatch.setattr(mocap.batch.worker, "default_stages_factory", _pipeline_fakes.factory_ok)
    return _pipeline_fakes


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    p = tmp_path / "in" / "clip.mp4"
    p.parent.mkdir()
    p.write_bytes(b"fake video")
    return p


@pytest.fixture
def single_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run a single-video command in this process, as before the watchdog, so that monkeypatches
    of the pipeline or the writers apply (the watchdog is tested in tests/reliability)."""
    import mocap.batch

    def in_process(job, config, *, timeout_s, overwrite=False, progress=None, **kw):
        return mocap.batch.process_video(job, config, progress=progress, overwrite=overwrite)

    monkeypatch.setattr(mocap.batch, "run_single", in_process)
