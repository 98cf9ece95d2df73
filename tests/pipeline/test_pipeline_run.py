"""run() with fake stages: joining, gap filling, betas, batching, streaming, progress, errors."""

from __future__ import annotations

import gc
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from _pipeline_fakes import FakeDetector, FakeRegressor, FakeVideo, box_for, make_stages, predict

from mocap import rotations
from mocap.config import PipelineConfig
from mocap.errors import ModelFileNotFoundError, NoPeopleFoundError, VideoError
from mocap.pipeline import PREFETCH_DEPTH, run
from mocap.pipeline.assemble import consolidate_betas

OFF = PipelineConfig(smooth="off", batch_size=5)


@pytest.fixture
def video(tmp_path: Path) -> Path:
    p = tmp_path / "clip.mp4"
    p.write_bytes(b"fake")
    return p


def test_observed_rows_equal_the_per_detection_results(video: Path) -> None:
    motion = run(video, OFF, stages=make_stages())
    assert [p.track_id for p in motion.people] == [1, 2]
    for person in motion.people:
        boxes = np.array([box_for(person.track_id, int(f)) for f in person.frames])
        want = predict(boxes)
        assert person.observed.all()
        np.testing.assert_array_equal(person.global_orient, want.global_orient)
        np.testing.assert_array_equal(person.body_pose, want.body_pose)
        np.testing.assert_array_equal(person.transl, want.transl)
        np.testing.assert_array_equal(person.frame_betas, want.betas)
        np.testing.assert_array_equal(person.cam_crop, want.cam_crop)
        np.testing.assert_array_equal(person.boxes, boxes.astype(np.float32))
    assert motion.num_frames == 12
    np.testing.assert_allclose(motion.frame_times, np.arange(12) / 10.0)


def test_filled_rows_are_interpolated_on_the_rotation_manifold(video: Path) -> None:
    # Person 1 is hidden on frames 5-7: rows filled by the tracker, interpolated by the pipeline.
    hidden = frozenset({(1, 5), (1, 6), (1, 7)})
    motion = run(video, OFF, stages=make_stages(detector=FakeDetector(hidden=hidden)))
    p = motion.people[0]
    assert p.track_id == 1
    np.testing.assert_array_equal(p.observed, ~np.isin(p.frames, [5, 6, 7]))
    obs = predict(np.array([box_for(1, 4), box_for(1, 8)]))
    for k, f in enumerate([5, 6, 7]):
        a = (k + 1) / 4.0
        row = int(np.flatnonzero(p.frames == f)[0])
        # rotation about z: slerp = linear in the angle
        np.testing.assert_allclose(
            p.global_orient[row, 2], (1 - a) * obs.global_orient[0, 2] + a * obs.global_orient[1, 2]
        )
        np.testing.assert_allclose(p.transl[row], (1 - a) * obs.transl[0] + a * obs.transl[1])
        np.testing.assert_allclose(p.frame_betas[row], (1 - a) * obs.betas[0] + a * obs.betas[1])
        assert p.scores[row] == 0.0


def test_slerp_goes_the_short_way_across_pi(video: Path) -> None:
    from mocap.interpolate import interp_rotations

    # 170 deg about z, then 190 deg (= -170 deg): the midpoint is 180 deg, not 0 deg.
    a0, a1 = np.radians(170.0), np.radians(-170.0)
    rv = np.array([[[0, 0, a0]], [[0, 0, a1]]])
    out = interp_rotations(np.array([0.0, 0.5, 1.0]), np.array([0.0, 1.0]), rv)
    angle = np.linalg.norm(out[1, 0])
    assert angle == pytest.approx(np.pi, abs=1e-9)


def test_person_betas_are_a_robust_average_of_observed_rows() -> None:
    fb = np.ones((10, 10))
    fb[0] = 100.0  # one wild frame
    np.testing.assert_allclose(consolidate_betas(fb), np.ones(10))
    rng = np.random.default_rng(0)
    fb = rng.normal(size=(50, 10))
    got = consolidate_betas(fb)
    assert np.all(np.abs(got - np.median(fb, 0)) < 0.3)


def test_consolidated_betas_ignore_filled_rows(video: Path) -> None:
    hidden = frozenset({(1, f) for f in range(5, 11)})
    motion = run(video, OFF, stages=make_stages(detector=FakeDetector(hidden=hidden)))
    p = motion.people[0]
    want = consolidate_betas(p.frame_betas[p.observed])
    np.testing.assert_allclose(p.betas, want)
    assert not np.allclose(p.betas, consolidate_betas(p.frame_betas))


def test_crops_are_batched_across_frames_and_people(video: Path) -> None:
    reg = FakeRegressor()
    run(video, PipelineConfig(smooth="off", batch_size=5), stages=make_stages(regressor=reg))
    assert sum(reg.calls) == 24  # 12 frames x 2 people
    assert reg.calls[:-1] == [5] * (len(reg.calls) - 1)
    assert 0 < reg.calls[-1] <= 5


def test_frames_are_not_kept(video: Path) -> None:
    fv = FakeVideo(frames=40, chunk=4)
    run(video, OFF, stages=make_stages(video=fv))
    gc.collect()
    alive = [r for r in fv.alive if r() is not None]
    assert len(fv.alive) == 10 and not alive


def test_decoding_runs_ahead_of_compute_by_a_bounded_amount(video: Path) -> None:
    log: list[str] = []
    fv = FakeVideo(frames=40, chunk=4, log=log)
    det = FakeDetector(delay_s=0.02, log=log)
    run(video, OFF, stages=make_stages(video=fv, detector=det))
    ahead, worst = 0, 0
    for line in log:
        ahead += 1 if line.startswith("decode") else -1
        worst = max(worst, ahead)
    assert 2 <= worst <= PREFETCH_DEPTH + 2  # overlapped, and bounded


def test_decoder_runs_in_another_thread(video: Path) -> None:
    seen: set[str] = set()

    class Probe(FakeVideo):
        def __call__(self, path):
            cm = super().__call__(path)
            src = cm.__enter__()
            inner = src.__iter__

            def it():
                for b in inner():
                    seen.add(threading.current_thread().name)
                    yield b

            src.__iter__ = it  # type: ignore[method-assign]

            class Wrap:
                info = src.info

                def __iter__(self):
                    return it()

            import contextlib

            return contextlib.nullcontext(Wrap())

    run(video, OFF, stages=make_stages(video=Probe()))
    assert seen and threading.main_thread().name not in seen


def test_decoder_errors_surface_as_video_errors(video: Path) -> None:
    with pytest.raises(VideoError, match="frame 9"):
        run(video, OFF, stages=make_stages(video=FakeVideo(fail_at=9)))


def test_no_people_is_a_clear_error(video: Path) -> None:
    with pytest.raises(NoPeopleFoundError, match=r"no people found in .*clip\.mp4.*'det_conf'"):
        run(video, OFF, stages=make_stages(detector=FakeDetector(tracks=())))


def test_short_tracks_only_is_no_people(video: Path) -> None:
    # Person 1 seen on one frame only: the tracker drops it.
    hidden = frozenset({(1, f) for f in range(1, 12)})
    stages = make_stages(detector=FakeDetector(tracks=(1,), hidden=hidden))
    with pytest.raises(NoPeopleFoundError, match="1 detections on 1 of 12 frames"):
        run(video, OFF, stages=stages)


def test_progress_reports_every_stage_without_printing(video: Path, capsys) -> None:
    events = []
    run(video, PipelineConfig(smooth="medium"), events.append, stages=make_stages())
    stages = {e.stage for e in events}
    assert {"decode", "detect", "regress", "track", "assemble", "smooth"} <= stages
    decode = [e.done for e in events if e.stage == "decode"]
    assert decode == sorted(decode) and decode[-1] == 12
    assert all(e.elapsed_s >= 0 for e in events)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_missing_model_files_stop_before_decoding(tmp_path: Path) -> None:
    cfg = PipelineConfig(model_dir=tmp_path, boxes=None)
    with pytest.raises(ModelFileNotFoundError) as e:
        run(tmp_path / "does-not-exist.mp4", cfg)  # the video is never looked at
    lines = str(e.value).splitlines()  # every missing file named, one line each
    assert len(lines) == 3
    assert "CLIFF checkpoint not found" in lines[0] and str(tmp_path) in lines[0]
    assert "'checkpoint'" in lines[0]
    assert "SMPL model not found" in lines[1] and "'smpl_model'" in lines[1]
    assert "detector weights not found" in lines[2] and "'detector'" in lines[2]


def test_missing_smpl_and_detector_named(tmp_path: Path) -> None:
    from mocap.modelfiles import check_model_files

    ckpt = tmp_path / "c.pt"
    ckpt.write_bytes(b"x")
    with pytest.raises(
        ModelFileNotFoundError, match=r"SMPL model not found: .*SMPL_NEUTRAL\.pkl.*'smpl_model'"
    ):
        check_model_files(PipelineConfig(model_dir=tmp_path, checkpoint=ckpt))
    smpl = tmp_path / "s.pkl"
    smpl.write_bytes(b"x")
    with pytest.raises(ModelFileNotFoundError, match=r"detector weights not found: .*yolo11x\.pt"):
        check_model_files(PipelineConfig(model_dir=tmp_path, checkpoint=ckpt, smpl_model=smpl))
    files = check_model_files(
        PipelineConfig(
            model_dir=tmp_path, checkpoint=ckpt, smpl_model=smpl, detector="yolo11n.yaml"
        )
    )
    assert files.detector == "yolo11n.yaml"


def test_vfr_times_travel_with_the_rows(video: Path) -> None:
    times = np.cumsum(np.r_[0.0, np.where(np.arange(11) < 5, 1 / 30, 1 / 10)])
    motion = run(video, OFF, stages=make_stages(video=FakeVideo(times=times)))
    np.testing.assert_allclose(motion.people[0].times, times)


def test_smoothing_changes_rows_but_not_shape(video: Path) -> None:
    a = run(video, OFF, stages=make_stages())
    b = run(video, replace(OFF, smooth="heavy"), stages=make_stages())
    pa, pb = a.people[0], b.people[0]
    np.testing.assert_array_equal(pa.betas, pb.betas)
    np.testing.assert_array_equal(pa.frame_betas, pb.frame_betas)
    # the fake motion is linear in time, which the quadratic filter keeps (up to rounding)
    np.testing.assert_allclose(pb.transl, pa.transl, atol=1e-6)
    q = rotations.axis_angle_to_quaternion(pb.global_orient)
    assert np.allclose(np.linalg.norm(q, axis=-1), 1.0)


def test_run_is_streaming_fast_enough(video: Path) -> None:
    t0 = time.perf_counter()
    run(video, OFF, stages=make_stages(video=FakeVideo(frames=300, chunk=32)))
    assert time.perf_counter() - t0 < 10


def test_a_failing_stage_stops_the_decoder_thread(video: Path) -> None:
    class Broken(FakeDetector):
        def detect(self, batch):
            if batch.indices[0] >= 8:
                raise VideoError("detector broke on purpose")
            return super().detect(batch)

    with pytest.raises(VideoError, match="on purpose"):
        run(video, OFF, stages=make_stages(video=FakeVideo(frames=400), detector=Broken()))
    time.sleep(0.2)
    assert not [t for t in threading.enumerate() if t.name == "cliffmocap-decode"]
