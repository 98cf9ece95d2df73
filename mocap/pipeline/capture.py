"""The run: one video in, one MotionSet out (decode, detect, track, crop, regress, assemble,
smooth, ground).

The video is streamed once; see :mod:`mocap.pipeline` for the design. This module never prints and
never writes files; progress goes to the optional callback.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from mocap import appearance
from mocap.camera import make_intrinsics
from mocap.config import PipelineConfig
from mocap.device import CPU_BATCH_SIZE
from mocap.errors import NoPeopleFoundError
from mocap.grounding.camera_motion import CameraMotion, CameraMotionDetector
from mocap.modelfiles import check_model_files
from mocap.pipeline.assemble import DetectionTable, assemble_people
from mocap.pipeline.crops import concat_crops, take_crops
from mocap.pipeline.loading import load_stages, open_video_for
from mocap.pipeline.overlap import OVERLAP_DEPTH, BackgroundStage
from mocap.pipeline.prefetch import PREFETCH_DEPTH, Prefetcher
from mocap.pipeline.stages import OnlineTracker, Regressor, Stages
from mocap.pipeline.warm import BackgroundLoad, TrackerImport
from mocap.progress import ProgressCallback, StageClock
from mocap.types import CameraIntrinsics, Detections, MotionSet, Track, VideoInfo

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from mocap.crop import Crops
    from mocap.prediction import CropPrediction
    from mocap.video import VideoSource


def run(
    video: str | Path,
    config: PipelineConfig | None = None,
    progress: ProgressCallback | None = None,
    *,
    stages: Stages | None = None,
) -> MotionSet:
    """Capture the SMPL motion of every person in ``video``.

    Args:
        video: the video file.
        config: settings (default: ``PipelineConfig()``).
        progress: called with a ``ProgressEvent`` whenever a stage advances.
        stages: the stages to use (default: :func:`load_stages` on a background thread, after
            the model files are checked, while the first chunks decode); pass fakes in tests,
            or reuse loaded stages across videos.

    Returns:
        One ``SmplSequence`` per person (ordered by track id) with the video, camera and body.

    Raises:
        ModelFileNotFoundError: a model file is missing (raised before decoding).
        VideoError: the video cannot be opened or decoded.
        NoPeopleFoundError: nobody was detected and tracked long enough.
    """
    config = config or PipelineConfig()
    clock = StageClock(progress)
    path = Path(video)
    imports: TrackerImport | None = None
    if stages is None:
        check_model_files(config)  # a missing file stops the run before anything is decoded
        open_video = open_video_for(config)
        pending = BackgroundLoad(config, load_stages)
        imports = TrackerImport()

        def ready() -> Stages:
            loaded, seconds = pending.result()
            clock.add("load", seconds, 1, 1)
            return loaded
    else:
        open_video, given = stages.open_video, stages

        def ready() -> Stages:
            return given

    try:
        with open_video(path) as source:
            info = source.info
            camera = intrinsics_for(info, config)
            streamed = _stream(source, path, config, ready, camera, clock, imports)
    finally:
        if imports is not None:
            imports.start()  # its thread ends (at once when the library is already imported)
    stages = streamed.stages
    t0 = time.perf_counter()
    people = assemble_people(streamed.tracks, streamed.table, streamed.frame_times)
    clock.add("assemble", time.perf_counter() - t0, len(people), len(people))
    if not people:
        raise NoPeopleFoundError(
            f"no people found in {path} ({streamed.num_detections} detections on "
            f"{streamed.frames_with_people} of {len(streamed.frame_times)} frames, none tracked "
            f"for {config.min_track_s} s or more). Try a lower 'det_conf', or give the boxes in a "
            "file with 'boxes'."
        )
    from mocap.smoothing import smooth_sequence

    t0 = time.perf_counter()
    people = [smooth_sequence(p, config.smooth) for p in people]
    clock.add("smooth", time.perf_counter() - t0, len(people), len(people))
    motion = MotionSet(
        video=info,
        camera=camera,
        people=tuple(people),
        frame_times=streamed.frame_times,
        body=stages.body,
        provenance=stages.provenance,
    )
    return _ground(motion, config, streamed.camera_motion, clock)


def _ground(
    motion: MotionSet,
    config: PipelineConfig,
    camera_motion: CameraMotion | None,
    clock: StageClock,
) -> MotionSet:
    """The grounding step for ``space='world'`` (needs the SMPL model; a moving camera keeps the
    camera frame, with the warning ``mocap.ground`` logs)."""
    if config.space != "world":
        return motion
    if motion.body is None:
        # npz-only runs need no body model; every other format says so itself
        logger.info("no SMPL model: the motion stays in the camera frame (grounding needs it)")
        return motion
    from mocap.grounding import ground

    t0 = time.perf_counter()
    grounded = ground(motion, foot_lock=config.foot_lock, camera_motion=camera_motion)
    n = len(motion.people)
    clock.add("ground", time.perf_counter() - t0, n, n)
    return grounded


def intrinsics_for(info: VideoInfo, config: PipelineConfig) -> CameraIntrinsics:
    """Camera of the video: ``focal``, else ``fov`` (vertical), else CLIFF's sqrt(w^2 + h^2)."""
    return make_intrinsics(info.width, info.height, focal=config.focal, fov=config.fov)


@dataclass
class _Streamed:
    stages: Stages
    tracks: list[Track]
    table: DetectionTable
    frame_times: np.ndarray
    num_detections: int
    frames_with_people: int
    camera_motion: CameraMotion | None


_Batch = tuple[np.ndarray, np.ndarray, "Crops"]  # (frames (N,), detection index (N,), crops)


class _CropQueue:
    """Crops waiting for CLIFF, regressed in batches of ``batch_size`` rows into ``table``.

    Full batches run on a background thread (:class:`BackgroundStage`) so the caller decodes,
    detects and crops the next chunk meanwhile; at most ``OVERLAP_DEPTH`` batches wait for it.
    """

    def __init__(self, regressor: Regressor, batch_size: int, clock: StageClock) -> None:
        self.table = DetectionTable()
        self._batch_size = batch_size
        self._clock = clock
        self._parts: list[_Batch] = []
        self._rows = 0

        def regress(batch: _Batch) -> tuple[np.ndarray, np.ndarray, CropPrediction]:
            return batch[0], batch[1], regressor(batch[2])

        self.stage = BackgroundStage(regress, OVERLAP_DEPTH, name="regress")

    def add(self, frames: np.ndarray, dets: np.ndarray, crops: Crops) -> None:
        """Crops of detections (frame (N,), index within the frame's detections (N,))."""
        self._parts.append((frames, dets, crops))
        self._rows += len(crops)

    def flush(self, limit: int) -> None:
        """Hand full batches to CLIFF while at least ``limit`` (>= 1) rows wait."""
        if self._rows >= limit and self._rows > 0:
            # joined once, then sliced: the batches are views of one array (re-joining the rest
            # after each batch copied a chunk's crops up to chunk / batch times)
            frames = np.concatenate([p[0] for p in self._parts])
            dets = np.concatenate([p[1] for p in self._parts])
            crops = concat_crops([p[2] for p in self._parts])
            start = 0
            while self._rows - start >= limit and self._rows > start:
                take = slice(start, min(start + self._batch_size, self._rows))
                self.stage.submit((frames[take], dets[take], take_crops(crops, take)))
                start = take.stop
            rest = slice(start, None)
            self._parts = (
                [(frames[rest], dets[rest], take_crops(crops, rest))] if start < self._rows else []
            )
            self._rows -= start
        self._collect(self.stage.done())

    def finish(self) -> DetectionTable:
        """Regress what still waits and wait for CLIFF; the table of every detection."""
        self.flush(1)
        self._collect(self.stage.close())
        return self.table

    def _collect(self, results: list[tuple[tuple[np.ndarray, np.ndarray, CropPrediction], float]]):
        for (frames, dets, pred), seconds in results:
            self.table.add(frames, dets, pred)
            self._clock.add("regress", seconds, len(self.table), None)


#: Frames whose detections may wait for the tracker before it is made regardless (its import
#: then blocks the run): bounds the wait when CLIFF gets no batch for a while (nobody in view).
#: The rows are small (a box and an ``appearance.DIM``-value vector per person).
TRACKER_BACKLOG_FRAMES = 256


class _TrackerFeed:
    """Feeds the online tracker each frame's detections with their appearance
    (:func:`mocap.appearance.embed`). With ``imports`` (a run that loads its own stages) the
    tracker is made once its library is imported, which :meth:`poll` starts when CLIFF has
    returned its first batch; frames before wait here."""

    def __init__(self, make: Callable[[], OnlineTracker], imports: TrackerImport | None) -> None:
        self._make = make
        self._imports = imports
        self._tracker: OnlineTracker | None = make() if imports is None else None
        self._waiting: list[tuple[Detections, np.ndarray | None]] = []

    def add(self, det: Detections, image: np.ndarray) -> None:
        embeddings = appearance.embed(image, det.boxes) if len(det) else None
        if self._tracker is None:
            self._waiting.append((det, embeddings))
        else:
            self._tracker.update(det, embeddings)

    def poll(self, first_batch_back: bool) -> None:
        """Start the import once CLIFF has a batch back; make the tracker once it is done (or
        when ``TRACKER_BACKLOG_FRAMES`` frames wait)."""
        if self._tracker is not None or self._imports is None:
            return
        full = len(self._waiting) >= TRACKER_BACKLOG_FRAMES
        if first_batch_back or full:
            self._imports.start()
        if self._imports.done or full:
            self._flush()

    def finish(self) -> list[Track]:
        if self._tracker is None:
            self._flush()
        assert self._tracker is not None
        return self._tracker.finish()

    def _flush(self) -> None:
        self._tracker = self._make()
        for det, embeddings in self._waiting:
            self._tracker.update(det, embeddings)
        self._waiting.clear()


def _stream(
    source: VideoSource,
    path: Path,
    config: PipelineConfig,
    ready: Callable[[], Stages],
    camera: CameraIntrinsics,
    clock: StageClock,
    imports: TrackerImport | None = None,
) -> _Streamed:
    info = source.info
    times: list[np.ndarray] = []
    total = info.num_frames or None
    n_frames = n_dets = with_people = 0
    still = CameraMotionDetector() if config.space == "world" else None
    with Prefetcher(source, PREFETCH_DEPTH) as batches:
        stages = ready()  # the first chunks decode meanwhile (warm start)
        if stages.detector_for is not None:
            stages = replace(stages, detector=stages.detector_for(path), detector_for=None)
        assert stages.detector is not None
        tracker = _TrackerFeed(functools.partial(stages.make_tracker, info), imports)
        batch_size = config.batch_size or getattr(stages.regressor, "batch_size", CPU_BATCH_SIZE)
        waiting = _CropQueue(stages.regressor, batch_size, clock)
        with waiting.stage:
            for batch, decode_s in batches:
                n_frames += len(batch)
                times.append(batch.times)
                clock.add("decode", decode_s, n_frames, total)
                t0 = time.perf_counter()
                detections = stages.detector.detect(batch)
                for det in detections:
                    n_dets += len(det)
                    with_people += len(det) > 0
                _crop_chunk(stages, batch.images, detections, camera.fx, waiting)
                waiting.flush(batch_size)
                for when, image, det in zip(batch.times, batch.images, detections, strict=True):
                    tracker.add(det, image)
                    if still is not None:
                        still.update(float(when), image, det.boxes)
                tracker.poll(first_batch_back=len(waiting.table) > 0)
                clock.add("detect", time.perf_counter() - t0, n_frames, total)
            table = waiting.finish()
    t0 = time.perf_counter()
    tracks = tracker.finish()
    clock.add("track", time.perf_counter() - t0, len(tracks), len(tracks))
    frame_times = np.concatenate(times) if times else np.zeros(0)
    verdict = still.result() if still is not None else None
    return _Streamed(stages, tracks, table, frame_times, n_dets, with_people, verdict)


def _crop_chunk(
    stages: Stages,
    images: np.ndarray,
    detections: list[Detections],
    focal: float,
    waiting: _CropQueue,
) -> None:
    """Cut the crops of one chunk's detections into ``waiting``, rows in (frame, detection)
    order: per frame on the CPU, or all at once on the compute device (``chunk_cropper``)."""
    found = [(k, d) for k, d in enumerate(detections) if len(d)]
    if not found:
        return
    if stages.chunk_cropper is None:
        for k, det in found:
            n = len(det)
            crops = stages.cropper(images[k], det.boxes, focal)
            waiting.add(np.full(n, det.frame, np.int64), np.arange(n), crops)
        return
    frames = np.concatenate([np.full(len(d), d.frame, np.int64) for _, d in found])
    dets = np.concatenate([np.arange(len(d)) for _, d in found])
    index = np.concatenate([np.full(len(d), k, np.int64) for k, d in found])
    boxes = np.concatenate([d.boxes for _, d in found])
    waiting.add(frames, dets, stages.chunk_cropper(images, index, boxes, focal))
