"""Warm start: a run that loads its own stages decodes the first chunks while the models load."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from _pipeline_fakes import FakeRegressor, FakeVideo, make_stages

from mocap.config import PipelineConfig
from mocap.errors import CheckpointError
from mocap.pipeline import capture, warm

LOAD_S = 0.3


class _Regressor(FakeRegressor):
    def __init__(self) -> None:
        super().__init__()
        self.threads: list[str] = []

    def __call__(self, crops):
        self.threads.append(threading.current_thread().name)
        return super().__call__(crops)


@pytest.fixture
def video(tmp_path: Path) -> Path:
    p = tmp_path / "clip.mp4"
    p.write_bytes(b"fake")
    return p


def _patch(monkeypatch, fv: FakeVideo, load) -> None:
    monkeypatch.setattr(capture, "check_model_files", lambda config: None)
    monkeypatch.setattr(capture, "open_video_for", lambda config: fv)
    monkeypatch.setattr(capture, "load_stages", load)


@pytest.mark.parametrize("device", ["cuda", "cpu"])
def test_first_chunks_decode_while_the_models_load(video: Path, monkeypatch, device) -> None:
    log: list[str] = []
    fv = FakeVideo(frames=24, chunk=4, log=log)
    reg = _Regressor()
    reg.device = device  # type: ignore[attr-defined]
    load_threads: list[str] = []

    def slow_load(config):
        load_threads.append(threading.current_thread().name)
        time.sleep(LOAD_S)
        log.append("loaded")
        return make_stages(video=fv, regressor=reg)

    _patch(monkeypatch, fv, slow_load)
    events: list[str] = []
    out = capture.run(video, PipelineConfig(smooth="off", batch_size=5), events.append)
    assert load_threads and load_threads[0] != threading.main_thread().name
    first_loaded = log.index("loaded")
    assert log[:first_loaded] and all(x.startswith("decode") for x in log[:first_loaded])
    if device == "cuda":  # a warm-up call in the load thread, on a few crops, before real ones
        assert reg.threads[0] == load_threads[0] and reg.calls[0] == warm.WARM_UP_CROPS
        reg.calls.pop(0)
    assert sum(reg.calls) == 24 * 2 and len(out.people) == 2  # on CPU: no warm-up call
    assert "load" in [e.stage for e in events]


def test_a_load_error_reaches_the_caller(video: Path, monkeypatch) -> None:
    def broken(config):
        raise CheckpointError("checkpoint is not a CLIFF state dict")

    _patch(monkeypatch, FakeVideo(), broken)
    with pytest.raises(CheckpointError, match="not a CLIFF"):
        capture.run(video, PipelineConfig(smooth="off"))


def test_streaming_imports_leave_grounding_solvers_and_tracker_library_for_later() -> None:
    """``import mocap.pipeline`` (all a run needs before its first batch) does not pull in scipy's
    sparse solvers (the grounding step, after the stream) nor norfair (imported on a thread)."""
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys, mocap.pipeline, mocap.pipeline.capture; "
        "print(sorted(m for m in ('scipy.sparse', 'norfair', 'pandas') if m in sys.modules))"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stderr
