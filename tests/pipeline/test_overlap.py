"""The overlap machinery: CLIFF runs on a background thread while the next chunk is prepared.

Fake slow stages (``time.sleep`` releases the GIL, as torch kernels do) show that wall time is
about the slower stage's total, not the sum, and that the queue between them stays bounded.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
from _pipeline_fakes import FakeDetector, FakeRegressor, FakeVideo, make_stages

from mocap.config import PipelineConfig
from mocap.pipeline import run
from mocap.pipeline.overlap import BackgroundStage

STEP_S = 0.1  # seconds each fake stage sleeps per item (long enough for a loaded CI box)
N_ITEMS = 12


def test_wall_time_is_the_slower_stage_not_the_sum() -> None:
    def slow(x: int) -> int:
        time.sleep(STEP_S)
        return 2 * x

    t0 = time.perf_counter()
    with BackgroundStage(slow, depth=2) as stage:
        got = []
        for i in range(N_ITEMS):
            time.sleep(STEP_S)  # the producer's own work on the next item
            stage.submit(i)
            got += stage.done()
        got += stage.close()
    wall = time.perf_counter() - t0
    serial = 2 * N_ITEMS * STEP_S
    assert [r for r, _ in got] == [2 * i for i in range(N_ITEMS)]  # all, in order
    assert all(s >= STEP_S * 0.9 for _, s in got)  # seconds measured per item
    assert wall < 0.8 * serial, (wall, serial)  # overlapped: ~(N+1) steps, not 2N


@pytest.mark.parametrize("depth", [1, 3])
def test_waiting_items_are_bounded_by_depth(depth: int) -> None:
    started: list[int] = []
    waiting_max = 0
    submitted = 0

    def slow(x: int) -> int:
        started.append(x)
        time.sleep(STEP_S / 2)
        return x

    with BackgroundStage(slow, depth=depth) as stage:
        for i in range(N_ITEMS):
            stage.submit(i)  # the producer is instant: it must block, not pile up
            submitted += 1
            waiting_max = max(waiting_max, submitted - len(started))
        stage.close()
    # Waiting = submitted but not started; one more may sit between queue and worker.
    assert 1 <= waiting_max <= depth + 1, waiting_max
    assert started == list(range(N_ITEMS))


def test_a_worker_error_is_raised_in_the_caller_and_stops_the_thread() -> None:
    def boom(x: int) -> int:
        if x == 3:
            raise ValueError("bad batch 3")
        return x

    stage = BackgroundStage(boom, depth=1)
    with pytest.raises(ValueError, match="bad batch 3"), stage:
        for i in range(50):
            stage.submit(i)
            time.sleep(0.005)
        stage.close()
    assert not any(t.name == "cliffmocap-stage" and t.is_alive() for t in threading.enumerate())


def test_leaving_early_stops_without_running_the_rest() -> None:
    ran: list[int] = []

    def slow(x: int) -> int:
        time.sleep(STEP_S)
        ran.append(x)
        return x

    with pytest.raises(KeyboardInterrupt), BackgroundStage(slow, depth=4) as stage:
        for i in range(5):
            stage.submit(i)
        raise KeyboardInterrupt
    assert len(ran) < 5


class _SlowRegressor(FakeRegressor):
    def __init__(self, delay_s: float) -> None:
        super().__init__()
        self.delay_s = delay_s
        self.threads: set[str] = set()

    def __call__(self, crops):
        self.threads.add(threading.current_thread().name)
        time.sleep(self.delay_s)
        return super().__call__(crops)


def test_run_overlaps_cliff_with_detection(tmp_path: Path) -> None:
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"fake")
    chunks = 8
    # 1 person, chunk of 4 frames = one CLIFF batch of 4: one detect and one regress per chunk.
    cfg = PipelineConfig(smooth="off", batch_size=4)
    reg = _SlowRegressor(STEP_S)
    stages = make_stages(
        video=FakeVideo(frames=4 * chunks, chunk=4),
        detector=FakeDetector(tracks=(1,), delay_s=STEP_S),
        regressor=reg,
    )
    serial = run(video, cfg, stages=stages)  # warm caches
    t0 = time.perf_counter()
    out = run(video, cfg, stages=stages)
    wall = time.perf_counter() - t0
    assert wall < 0.8 * 2 * chunks * STEP_S, wall  # overlapped: ~(chunks + 1) steps
    assert threading.main_thread().name not in reg.threads
    np.testing.assert_array_equal(out.people[0].betas, serial.people[0].betas)
    assert reg.calls[-chunks:] == [4] * chunks
