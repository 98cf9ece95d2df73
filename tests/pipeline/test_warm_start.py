"""Warm start: a run that loads its own stages decodes the first chunks while the models load."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from _pipeline_fakes import FakeDetector, FakeRegressor, FakeTracker, FakeVideo, make_stages

from mocap import appearance
from mocap.config import PipelineConfig
from mocap.errors import CheckpointError, NoPeopleFoundError
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


class _LoggingTracker(FakeTracker):
    """FakeTracker that logs what it is fed (frame, appearance rows) into a shared log."""

    def __init__(self, log: list[str]) -> None:
        super().__init__(2)
        self.fed: list[tuple[int, object]] = []
        log.append("tracker made")

    def update(self, detections, embeddings=None, image=None):
        self.fed.append((detections.frame, embeddings))
        return super().update(detections, embeddings, image)


def _own_load(monkeypatch, fv: FakeVideo, stages) -> list[str]:
    """Patch ``run`` to load ``stages`` itself, with a tracker import that only records when it
    ran (into ``fv.log``); returns the CLIFF call counts seen by that import."""
    log = fv.log
    reg = stages.regressor
    calls_at_import: list[str] = []

    def record_import() -> None:
        calls_at_import.append(f"import after {len(reg.calls)} CLIFF calls")
        log.append("tracker import")

    _patch(monkeypatch, fv, lambda config: stages)
    monkeypatch.setattr(warm, "_import_tracker", record_import)
    return calls_at_import


def test_the_tracker_library_is_imported_after_the_first_batch_and_misses_no_frame(
    video: Path, monkeypatch
) -> None:
    fv = FakeVideo(frames=24, chunk=4)
    trackers: list[_LoggingTracker] = []

    def make(info):
        trackers.append(_LoggingTracker(fv.log))
        return trackers[-1]

    reg = FakeRegressor()
    detector = FakeDetector(log=fv.log)
    stages = replace(make_stages(fv, detector, reg), make_tracker=make)
    imports = _own_load(monkeypatch, fv, stages)
    out = capture.run(video, PipelineConfig(smooth="off", batch_size=4), None)
    # The import began only once CLIFF had returned a batch, and the tracker was made after it,
    # while the video was still decoding (not at the end).
    assert imports and imports[0] != "import after 0 CLIFF calls"
    made = fv.log.index("tracker made")
    assert fv.log.index("tracker import") < made < fv.log.index("detect 20")
    # Every frame reached the tracker once, in order, with one appearance row per person.
    fed = trackers[0].fed
    assert [f for f, _ in fed] == list(range(24))
    assert all(np.shape(e) == (2, appearance.DIM) for _, e in fed)
    # Same people as a run with given stages (tracker made at once).
    given_stages = make_stages(FakeVideo(frames=24, chunk=4))
    given = capture.run(video, PipelineConfig(smooth="off", batch_size=4), stages=given_stages)
    assert [p.track_id for p in out.people] == [p.track_id for p in given.people]
    for a, b in zip(out.people, given.people, strict=True):
        np.testing.assert_array_equal(a.frames, b.frames)
        np.testing.assert_array_equal(a.transl, b.transl)


def test_frames_wait_for_the_tracker_only_up_to_a_bound(video: Path, monkeypatch) -> None:
    """Nobody in view, so CLIFF returns no batch: the tracker is still made after
    ``TRACKER_BACKLOG_FRAMES`` frames instead of holding every frame's detections."""
    fv = FakeVideo(frames=40, chunk=4)
    stages = replace(
        make_stages(video=fv, detector=FakeDetector(tracks=(), log=fv.log)),
        make_tracker=lambda info: _LoggingTracker(fv.log),
    )
    _own_load(monkeypatch, fv, stages)
    monkeypatch.setattr(capture, "TRACKER_BACKLOG_FRAMES", 8)
    with pytest.raises(NoPeopleFoundError):
        capture.run(video, PipelineConfig(smooth="off"))
    assert fv.log.index("detect 4") < fv.log.index("tracker made") < fv.log.index("detect 8")
