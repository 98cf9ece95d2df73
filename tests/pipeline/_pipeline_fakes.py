"""Fake stages for pipeline/batch tests: deterministic, tiny, no model files.

Importable by name (``_pipeline_fakes``) so batch worker processes (spawned) can build them too.
"""

from __future__ import annotations

import os
import sys
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mocap.config import PipelineConfig
from mocap.crop import Crops
from mocap.errors import VideoError
from mocap.pipeline import Stages
from mocap.prediction import CropPrediction
from mocap.types import Detections, FrameBatch, Provenance, Track, VideoInfo

H, W = 48, 64


def box_for(track: int, frame: int) -> np.ndarray:
    """The box of fake person ``track`` on ``frame`` (moves right 1 px per frame)."""
    x = 2.0 + 20.0 * (track - 1) + frame
    return np.array([x, 4.0, x + 12.0, 40.0], np.float32)


def predict(boxes: np.ndarray) -> CropPrediction:
    """What the fake regressor answers for ``boxes`` (N, 4): a smooth function of the box."""
    b = np.asarray(boxes, np.float64)
    n = len(b)
    cx = (b[:, 0] + b[:, 2]) / 2
    angle = cx / 40.0  # rotation about z grows with x
    go = np.stack([np.zeros(n), np.zeros(n), angle], 1)
    body = np.repeat((cx / 400.0)[:, None, None], 23, 1) * np.array([1.0, -0.5, 0.25])
    betas = (b[:, :1] / 100.0) * np.arange(1, 11)
    cam = np.stack([b[:, 3] / 40.0, cx / 64.0, b[:, 1] / 48.0], 1)
    transl = np.stack([cx / 100.0, b[:, 1] / 100.0, 3.0 + b[:, 3] / 100.0], 1)
    return CropPrediction(go, body, betas, cam, transl)


@dataclass
class FakeSource:
    info: VideoInfo
    times: np.ndarray
    chunk: int
    log: list[str]
    alive: list[weakref.ref]
    fail_at: int | None = None

    def __iter__(self):
        n = len(self.times)
        for s in range(0, n, self.chunk):
            idx = np.arange(s, min(n, s + self.chunk))
            if self.fail_at is not None and self.fail_at in idx:
                raise VideoError(f"cannot decode frame {self.fail_at} of {self.info.path}")
            imgs = np.zeros((len(idx), H, W, 3), np.uint8)
            batch = FrameBatch(idx, self.times[idx], imgs)
            self.alive.append(weakref.ref(batch))
            self.log.append(f"decode {s}")
            yield batch


@dataclass
class FakeVideo:
    """open_video replacement: ``frames`` black frames, times at ``fps`` (or given ``times``)."""

    frames: int = 12
    fps: float = 10.0
    chunk: int = 4
    times: np.ndarray | None = None
    fail_at: int | None = None
    log: list[str] = field(default_factory=list)
    alive: list[weakref.ref] = field(default_factory=list)

    def __call__(self, path: Path):
        import contextlib

        if not Path(path).exists():
            raise VideoError(f"input video not found: {path}")
        t = self.times if self.times is not None else np.arange(self.frames) / self.fps
        info = VideoInfo(Path(path), W, H, self.fps, self.frames)
        return contextlib.nullcontext(
            FakeSource(info, t, self.chunk, self.log, self.alive, self.fail_at)
        )


@dataclass
class FakeDetector:
    """People ``tracks`` (ids) on every frame except the (track, frame) pairs in ``hidden``."""

    tracks: tuple[int, ...] = (1, 2)
    hidden: frozenset[tuple[int, int]] = frozenset()
    delay_s: float = 0.0
    log: list[str] | None = None

    def detect(self, batch: FrameBatch) -> list[Detections]:
        if self.delay_s:
            time.sleep(self.delay_s)
        if self.log is not None:
            self.log.append(f"detect {int(batch.indices[0])}")
        out = []
        for f in batch.indices:
            ids = [t for t in self.tracks if (t, int(f)) not in self.hidden]
            boxes = np.array([box_for(t, int(f)) for t in ids], np.float32).reshape(-1, 4)
            out.append(
                Detections(
                    int(f), boxes, np.full(len(ids), 0.9, np.float32), np.array(ids, np.int64)
                )
            )
        return out


class FakeTracker:
    """Uses the given track ids; fills gaps (box interpolated, observed False); drops tracks
    shorter than ``min_len`` frames."""

    def __init__(self, min_len: int = 2) -> None:
        self.rows: dict[int, list[tuple[int, np.ndarray, float, int]]] = {}
        self.min_len = min_len

    def update(self, detections: Detections, embeddings=None, image=None):
        pairs = []
        for j, tid in enumerate(detections.track_ids):
            self.rows.setdefault(int(tid), []).append(
                (detections.frame, detections.boxes[j], float(detections.scores[j]), j)
            )
            pairs.append((int(tid), j))
        return pairs

    def finish(self) -> list[Track]:
        tracks = []
        for tid, rows in self.rows.items():
            if len(rows) < self.min_len:
                continue
            first, last = rows[0][0], rows[-1][0]
            by_frame = {r[0]: r for r in rows}
            frames = np.arange(first, last + 1)
            obs = np.array([f in by_frame for f in frames])
            det = np.array([by_frame[f][3] if f in by_frame else -1 for f in frames])
            boxes = np.array(
                [by_frame[f][1] if f in by_frame else box_for(tid, int(f)) for f in frames]
            )
            scores = np.array([by_frame[f][2] if f in by_frame else 0.0 for f in frames])
            tracks.append(Track(tid, frames, boxes, scores, obs, det))
        return tracks


def fake_cropper(image: np.ndarray, boxes: np.ndarray, focal: float) -> Crops:
    n = len(boxes)
    # The "image" carries the box so the fake regressor can recover it: no real crop needed.
    images = np.zeros((n, 3, 2, 2), np.float32)
    images[:, 0, 0, :] = boxes[:, :2]
    images[:, 0, 1, :] = boxes[:, 2:]
    centre = np.stack([(boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2], 1)
    return Crops(
        images,
        np.zeros((n, 3), np.float32),
        centre,
        np.ones(n),
        np.full(n, focal),
        np.tile([[H, W]], (n, 1)),
        np.zeros((n, 4), np.int64),
    )


class FakeRegressor:
    def __init__(self) -> None:
        self.calls: list[int] = []

    def __call__(self, crops: Crops) -> CropPrediction:
        self.calls.append(len(crops))
        boxes = np.concatenate([crops.images[:, 0, 0, :], crops.images[:, 0, 1, :]], 1)
        return predict(boxes)


def make_stages(
    video: FakeVideo | None = None,
    detector: FakeDetector | None = None,
    regressor: FakeRegressor | None = None,
    min_len: int = 2,
) -> Stages:
    return Stages(
        open_video=video or FakeVideo(),
        detector=detector or FakeDetector(),
        make_tracker=lambda info: FakeTracker(min_len),
        cropper=fake_cropper,
        regressor=regressor or FakeRegressor(),
        body=None,
        provenance=Provenance(variant="fake", checkpoint_sha256="0" * 64, version="test"),
    )


# --- batch worker factories (module level so spawned workers can import them) -----------------


def factory_ok(config: PipelineConfig) -> Stages:
    """Fake stages; a video whose name contains 'crash' kills the worker, 'hang' hangs it,
    'slow' takes 1.5 s, 'nobody' has no people, and a file starting with BAD! is not a video."""
    detector = FakeDetector()
    return Stages(
        open_video=_BatchVideo(detector=detector),
        detector=detector,
        make_tracker=lambda info: FakeTracker(2),
        cropper=fake_cropper,
        regressor=FakeRegressor(),
        body=None,
        provenance=Provenance(variant="fake"),
    )


@dataclass
class _BatchVideo(FakeVideo):
    detector: FakeDetector | None = None

    def __call__(self, path: Path):
        name = Path(path).name
        if "crash" in name:
            os._exit(3)
        if "hang" in name:
            while True:
                time.sleep(1)
        if "slow" in name:
            time.sleep(1.5)
        if Path(path).exists() and Path(path).read_bytes()[:4] == b"BAD!":
            raise VideoError(f"cannot open video {path}: not a video file; check the file.")
        if self.detector is not None:
            self.detector.tracks = () if "nobody" in name else (1, 2)
        return super().__call__(path)


def factory_with_body(config: PipelineConfig) -> Stages:
    """:func:`factory_ok` plus the synthetic SMPL body, so skeleton formats can be written."""
    import dataclasses

    from mocap.testing.synthetic import synthetic_smpl_model_data

    return dataclasses.replace(factory_ok(config), body=synthetic_smpl_model_data())


def factory_fails(config: PipelineConfig) -> Stages:
    from mocap.errors import CheckpointError

    raise CheckpointError("checkpoint is broken: /nowhere/ckpt.pt; download it again.")


def factory_dies(config: PipelineConfig) -> Stages:
    """A worker that dies while loading its models (like a CUDA driver abort), after a last word."""
    sys.stderr.write("loading the models...\nfatal: CUDA driver initialisation failed\n")
    sys.stderr.flush()
    os._exit(134)
