"""Stage types reject wrong shapes naming the field; PipelineConfig validates; model dir lookup."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mocap.config import MODEL_DIR_ENV, PipelineConfig, resolve_model_dir
from mocap.errors import MocapError, UsageError
from mocap.types import (
    CameraIntrinsics,
    Detections,
    FrameBatch,
    MotionSet,
    SmplModelData,
    SmplSequence,
    Track,
    VideoInfo,
)


def _sequence(t: int = 3, track_id: int = 1, **changes):
    fields = dict(
        track_id=track_id,
        frames=np.arange(t),
        times=np.arange(t) / 30.0,
        global_orient=np.zeros((t, 3)),
        body_pose=np.zeros((t, 23, 3)),
        betas=np.zeros(10),
        transl=np.zeros((t, 3)),
        observed=np.ones(t, bool),
        boxes=np.zeros((t, 4)),
        scores=np.ones(t),
    )
    fields.update(changes)
    return SmplSequence(**fields)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"body_pose": np.zeros((3, 24, 3))}, "SmplSequence.body_pose"),
        ({"betas": np.zeros(11)}, "SmplSequence.betas"),
        ({"transl": np.zeros((2, 3))}, "SmplSequence.transl"),
        ({"frame_betas": np.zeros((3, 9))}, "SmplSequence.frame_betas"),
        ({"frames": np.array([0, 2, 1])}, "SmplSequence.frames"),
    ],
)
def test_smpl_sequence_names_the_bad_field(change, field):
    with pytest.raises(ValueError, match=field.replace(".", r"\.")):
        _sequence(**change)


def test_smpl_sequence_converts_dtypes_and_exposes_poses():
    seq = _sequence(boxes=np.zeros((3, 4), np.float64), frames=[0, 1, 5])
    assert seq.boxes.dtype == np.float32 and seq.frames.dtype == np.int64
    assert seq.poses.shape == (3, 24, 3) and len(seq) == 3


def test_other_types_name_their_fields():
    with pytest.raises(ValueError, match=r"Detections\.boxes"):
        Detections(frame=0, boxes=np.zeros((2, 5)), scores=np.zeros(2))
    with pytest.raises(ValueError, match=r"Detections\.scores"):
        Detections(frame=0, boxes=np.zeros((2, 4)), scores=np.zeros(3))
    with pytest.raises(ValueError, match=r"FrameBatch\.images"):
        FrameBatch(indices=[0], times=[0.0], images=np.zeros((1, 4, 4, 4), np.uint8))
    with pytest.raises(ValueError, match=r"Track\.frames"):
        Track(
            track_id=0,
            frames=[3, 3],
            boxes=np.zeros((2, 4)),
            scores=np.zeros(2),
            observed=np.ones(2, bool),
        )
    with pytest.raises(ValueError, match=r"VideoInfo\.fps"):
        VideoInfo(path="a.mp4", width=10, height=10, fps=0.0, num_frames=1)
    with pytest.raises(ValueError, match="CameraIntrinsics"):
        CameraIntrinsics(fx=0.0, fy=1.0, cx=0.0, cy=0.0, width=2, height=2)
    with pytest.raises(ValueError, match=r"SmplModelData\.j_regressor"):
        SmplModelData(
            v_template=np.zeros((5, 3)),
            shapedirs=np.zeros((5, 3, 10)),
            j_regressor=np.zeros((24, 6)),
            weights=np.zeros((5, 24)),
            faces=np.zeros((1, 3)),
            parents=np.zeros(24),
        )


def test_motion_set_checks_people_against_frames():
    video = VideoInfo(path="a.mp4", width=64, height=48, fps=30.0, num_frames=3)
    cam = CameraIntrinsics(fx=80.0, fy=80.0, cx=32.0, cy=24.0, width=64, height=48)
    ok = MotionSet(video=video, camera=cam, people=[_sequence()], frame_times=np.arange(3) / 30)
    assert ok.num_frames == 3 and isinstance(ok.people, tuple)
    with pytest.raises(ValueError, match="unique"):
        MotionSet(
            video=video, camera=cam, people=[_sequence(), _sequence()], frame_times=np.zeros(3)
        )
    with pytest.raises(ValueError, match="outside the 2 decoded frames"):
        MotionSet(video=video, camera=cam, people=[_sequence()], frame_times=np.zeros(2))


@pytest.mark.parametrize(
    ("changes", "needle"),
    [
        ({"focal": 1000.0, "fov": 60.0}, "'focal' and 'fov'"),
        ({"focal": 0.0}, "'focal'"),
        ({"fov": 180.0}, "'fov'"),
        ({"batch_size": 0}, "batch_size"),
        ({"det_conf": 1.5}, "det_conf"),
        ({"max_people": 0}, "max_people"),
        ({"min_observed_share": 1.2}, "'min_observed_share'"),
        ({"min_track_score": -0.1}, "'min_track_score'"),
        ({"max_gap_s": -1.0}, "'max_gap_s'"),
        ({"smooth": "extreme"}, "smooth"),
    ],
)
def test_pipeline_config_rejects_contradictions(changes, needle):
    with pytest.raises(UsageError, match=needle) as err:
        PipelineConfig(**changes)
    assert err.value.exit_code == 2 and isinstance(err.value, MocapError)


def test_pipeline_config_defaults_and_with_revalidates(tmp_path):
    cfg = PipelineConfig()
    assert cfg.smooth == "medium" and cfg.focal is None
    assert cfg.with_(focal=1200.0).focal == 1200.0
    with pytest.raises(UsageError):
        cfg.with_(focal=1200.0).with_(fov=50.0)
    assert PipelineConfig(model_dir=tmp_path).resolved_model_dir() == tmp_path


def test_resolve_model_dir_with_and_without_env(tmp_path):
    assert resolve_model_dir({MODEL_DIR_ENV: str(tmp_path)}) == tmp_path
    assert resolve_model_dir({MODEL_DIR_ENV: "~/models"}) == Path.home() / "models"
    default = resolve_model_dir({})
    assert default.name == "cliffmocap" and default.is_absolute()
    assert resolve_model_dir({MODEL_DIR_ENV: ""}) == default  # empty means unset
