"""One video in, one MotionSet out: decode, detect, track, crop, regress, assemble, smooth.

``run`` streams the video once. A prefetch thread decodes chunks of frames into a small bounded
queue while the main thread detects people on the previous chunk, feeds the online tracker, and cuts
the person crops while the frames are still in memory. Crops from many frames and people are
collected into batches of ``config.batch_size`` for CLIFF. Only small per-detection arrays are kept
(pose, shape, camera: a few hundred bytes each), never frames or crops, so memory does not grow
with the length of the video beyond those rows.

After the last frame the tracker's post-processing (short tracks dropped, gaps filled, ids
stitched) decides who is a person; every observed row of a track is joined to the CLIFF result of
the detection it came from (``Track.detection_index``), filled rows get interpolated pose (slerp),
translation and shape, and each person's shape is consolidated over the observed rows.

This module never prints and never writes files; progress goes to the optional callback.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from mocap.camera import make_intrinsics
from mocap.config import (
    DEFAULT_CHECKPOINT_NAME,
    DEFAULT_DETECTOR_NAME,
    DEFAULT_SMPL_NAME,
    PipelineConfig,
)
from mocap.crop import Crops
from mocap.errors import BoxFileError, ModelFileNotFoundError, NoPeopleFoundError
from mocap.pipeline.assemble import (
    BETAS_TRIM as BETAS_TRIM,
)
from mocap.pipeline.assemble import (
    CropPrediction as CropPrediction,
)
from mocap.pipeline.assemble import (
    DetectionTable as DetectionTable,
)
from mocap.pipeline.assemble import (
    assemble_people as assemble_people,
)
from mocap.pipeline.assemble import (
    consolidate_betas as consolidate_betas,
)
from mocap.progress import ProgressCallback, StageClock
from mocap.types import (
    CameraIntrinsics,
    Detections,
    FrameBatch,
    MotionSet,
    Provenance,
    SmplModelData,
    Track,
    VideoInfo,
)

log = logging.getLogger(__name__)

#: Decoded chunks waiting for the compute thread; bounds decode memory to (depth + 2) chunks.
PREFETCH_DEPTH = 2
#: Seconds to wait for the decoder thread to stop when a run ends early.
_STOP_WAIT_S = 5.0


# --- stage seams -------------------------------------------------------------------------------


class VideoSource(Protocol):
    info: VideoInfo

    def __iter__(self) -> Iterator[FrameBatch]: ...


class PersonDetector(Protocol):
    def detect(self, batch: FrameBatch) -> list[Detections]: ...


class OnlineTracker(Protocol):
    def update(self, detections: Detections, embeddings: Any = None) -> Any: ...

    def finish(self) -> list[Track]: ...


class Regressor(Protocol):
    def __call__(self, crops: Crops) -> CropPrediction: ...


def concat_crops(parts: list[Crops]) -> Crops:
    """Rows of several ``Crops`` (numpy) in order."""
    if len(parts) == 1:
        return parts[0]
    return Crops(*(np.concatenate([getattr(p, f) for p in parts]) for f in _CROP_FIELDS))


def take_crops(crops: Crops, rows: slice) -> Crops:
    """A slice of the rows of ``crops``."""
    return Crops(*(getattr(crops, f)[rows] for f in _CROP_FIELDS))


_CROP_FIELDS = ("images", "bbox_info", "center", "scale", "focal", "image_hw", "window")

Cropper = Callable[[np.ndarray, np.ndarray, float], Crops]


@dataclass(frozen=True)
class Stages:
    """Everything ``run`` calls; build the real ones with :func:`load_stages`, or pass fakes.

    Attributes:
        open_video: path -> context manager yielding a ``VideoSource``.
        detector: finds people on a chunk of frames.
        make_tracker: a fresh online tracker for a video (its ``finish`` post-processes).
        cropper: (image (H,W,3) uint8, boxes (N,4), focal) -> ``mocap.crop.Crops`` (numpy).
        regressor: ``Crops`` -> ``CropPrediction`` (batched CLIFF; device and precision inside).
        body: SMPL model data for the exporters (None = none).
        provenance: model variant, checkpoint hash, version.
        detector_for: when set, the detector for one video (box files per video); replaces
            ``detector``.
    """

    open_video: Callable[[Path], AbstractContextManager[VideoSource]]
    detector: PersonDetector | None
    make_tracker: Callable[[VideoInfo], OnlineTracker]
    cropper: Cropper
    regressor: Regressor
    body: SmplModelData | None
    provenance: Provenance
    detector_for: Callable[[Path], PersonDetector] | None = None


# --- model files -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelFiles:
    """Model files of a run, all checked to exist. ``detector`` is None with a box file."""

    checkpoint: Path
    smpl: Path
    detector: str | None


_WHERE = {
    "checkpoint": "download it from the official CLIFF release (huawei-noah/noah-research, "
    "CLIFF/README.md)",
    "smpl": "register at https://smpl.is.tue.mpg.de and download 'SMPL for Python' "
    "(basicmodel_neutral_lbs_10_207_0_v1.1.0.pkl)",
    "detector": "get YOLO detection weights from the Ultralytics releases, or use --boxes FILE",
}


def _missing(
    kind: str, label: str, path: Path, flag: str, model_dir: Path
) -> ModelFileNotFoundError:
    return ModelFileNotFoundError(
        f"{label} not found: {path}. {_WHERE[kind][0].upper()}{_WHERE[kind][1:]}, then put it in "
        f"{model_dir} (or set CLIFFMOCAP_HOME) or pass {flag} PATH.",
        path=path,
    )


def check_model_files(config: PipelineConfig) -> ModelFiles:
    """Resolve every model file of ``config`` and check that it exists (no loading, no decoding).

    Explicit paths are used as given; otherwise the default names are looked up in the model
    folder (``config.model_dir``, else ``CLIFFMOCAP_HOME``, else the user cache dir). A detector
    given as a ``.yaml`` model definition needs no file (random weights; tests and benchmarks).

    Raises:
        ModelFileNotFoundError: naming the file, where to get it and where to put it.
        BoxFileError: the ``--boxes`` file does not exist.
    """
    model_dir = config.resolved_model_dir()
    ckpt = Path(config.checkpoint) if config.checkpoint else model_dir / DEFAULT_CHECKPOINT_NAME
    if not ckpt.is_file():
        raise _missing("checkpoint", "CLIFF checkpoint", ckpt, "--checkpoint", model_dir)
    smpl = Path(config.smpl_model) if config.smpl_model else model_dir / DEFAULT_SMPL_NAME
    if not smpl.is_file():
        raise _missing("smpl", "SMPL model", smpl, "--smpl", model_dir)
    if config.boxes is not None:
        if not Path(config.boxes).exists():
            raise BoxFileError(f"box file not found: {config.boxes}; check the --boxes path.")
        return ModelFiles(ckpt, smpl, None)
    name = config.detector or DEFAULT_DETECTOR_NAME
    if name.endswith((".yaml", ".yml")):
        return ModelFiles(ckpt, smpl, name)
    det = Path(name).expanduser()
    if not det.is_file():
        det = model_dir / name
    if not det.is_file():
        raise _missing("detector", "person detector weights", det, "--detector", model_dir)
    return ModelFiles(ckpt, smpl, str(det))


# --- the run -----------------------------------------------------------------------------------


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
        stages: the stages to use (default: :func:`load_stages`, which checks the model files
            before anything is decoded); pass fakes in tests, or reuse loaded stages across videos.

    Returns:
        One ``SmplSequence`` per person (ordered by track id) with the video, camera and body.

    Raises:
        ModelFileNotFoundError: a model file is missing (raised before decoding).
        VideoError: the video cannot be opened or decoded.
        NoPeopleFoundError: nobody was detected and tracked long enough.
    """
    config = config or PipelineConfig()
    clock = StageClock(progress)
    if stages is None:
        t0 = time.perf_counter()
        stages = load_stages(config)
        clock.add("load", time.perf_counter() - t0, 1, 1)
    path = Path(video)
    if stages.detector_for is not None:
        from dataclasses import replace

        stages = replace(stages, detector=stages.detector_for(path), detector_for=None)
    with stages.open_video(path) as source:
        info = source.info
        camera = intrinsics_for(info, config)
        streamed = _stream(source, info, config, stages, camera, clock)
    t0 = time.perf_counter()
    people = assemble_people(streamed.tracks, streamed.table, streamed.frame_times)
    clock.add("assemble", time.perf_counter() - t0, len(people), len(people))
    if not people:
        raise NoPeopleFoundError(
            f"no people found in {path} ({streamed.num_detections} detections on "
            f"{streamed.frames_with_people} of {len(streamed.frame_times)} frames, none tracked "
            f"for {config.min_track_s} s or more). Try a lower --det-conf, or give boxes with "
            "--boxes FILE."
        )
    from mocap.smoothing import smooth_sequence

    t0 = time.perf_counter()
    people = [smooth_sequence(p, config.smooth) for p in people]
    clock.add("smooth", time.perf_counter() - t0, len(people), len(people))
    return MotionSet(
        video=info,
        camera=camera,
        people=tuple(people),
        frame_times=streamed.frame_times,
        body=stages.body,
        provenance=stages.provenance,
    )


def intrinsics_for(info: VideoInfo, config: PipelineConfig) -> CameraIntrinsics:
    """Camera of the video: ``--focal``, else ``--fov`` (vertical), else CLIFF's sqrt(w^2 + h^2)."""
    return make_intrinsics(info.width, info.height, focal=config.focal, fov=config.fov)


@dataclass
class _Streamed:
    tracks: list[Track]
    table: DetectionTable
    frame_times: np.ndarray
    num_detections: int
    frames_with_people: int


def _stream(
    source: VideoSource,
    info: VideoInfo,
    config: PipelineConfig,
    stages: Stages,
    camera: CameraIntrinsics,
    clock: StageClock,
) -> _Streamed:
    tracker = stages.make_tracker(info)
    table = DetectionTable()
    pending: list[tuple[np.ndarray, np.ndarray, Crops]] = []  # (frames, det indices, crops)
    n_pending = 0
    times: list[np.ndarray] = []
    total = info.num_frames or None
    n_frames = n_dets = with_people = 0

    def flush(limit: int) -> int:
        nonlocal pending, n_pending
        while n_pending >= limit and n_pending > 0:
            t0 = time.perf_counter()
            frames = np.concatenate([p[0] for p in pending])
            dets = np.concatenate([p[1] for p in pending])
            crops = concat_crops([p[2] for p in pending])
            take = min(config.batch_size, len(crops))
            pred = stages.regressor(take_crops(crops, slice(0, take)))
            table.add(frames[:take], dets[:take], pred)
            rest = slice(take, None)
            pending = (
                [(frames[rest], dets[rest], take_crops(crops, rest))] if take < len(crops) else []
            )
            n_pending = len(crops) - take
            clock.add("regress", time.perf_counter() - t0, len(table), None)
        return n_pending

    with _Prefetcher(source, PREFETCH_DEPTH) as batches:
        for batch, decode_s in batches:
            n_frames += len(batch)
            times.append(batch.times)
            clock.add("decode", decode_s, n_frames, total)
            t0 = time.perf_counter()
            detections = stages.detector.detect(batch)
            for image, det in zip(batch.images, detections, strict=True):
                tracker.update(det)
                if len(det) == 0:
                    continue
                n_dets += len(det)
                with_people += 1
                crops = stages.cropper(image, det.boxes, camera.fx)
                pending.append((np.full(len(det), det.frame, np.int64), np.arange(len(det)), crops))
                n_pending += len(det)
            clock.add("detect", time.perf_counter() - t0, n_frames, total)
            flush(config.batch_size)
    flush(1)
    t0 = time.perf_counter()
    tracks = tracker.finish()
    clock.add("track", time.perf_counter() - t0, len(tracks), len(tracks))
    frame_times = np.concatenate(times) if times else np.zeros(0)
    return _Streamed(tracks, table, frame_times, n_dets, with_people)


class _Prefetcher:
    """Iterate a VideoSource in a background thread through a bounded queue.

    Yields ``(FrameBatch, decode seconds)``; an exception raised by the decoder is re-raised in
    the consuming thread. Leaving the ``with`` block stops the thread before the source closes.
    """

    _END = object()

    def __init__(self, source: VideoSource, depth: int) -> None:
        self._source = source
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._work, name="cliffmocap-decode", daemon=True)

    def __enter__(self) -> Iterator[tuple[FrameBatch, float]]:
        self._thread.start()
        return self._iterate()

    def __exit__(self, *exc: object) -> None:
        # Unblock the decoder (it may wait on a full queue) and wait for it, but not forever: a
        # decoder stuck in native code is left behind (daemon thread); batch workers are killed.
        self._stop.set()
        deadline = time.monotonic() + _STOP_WAIT_S
        while self._thread.is_alive() and time.monotonic() < deadline:
            with suppress(queue.Empty):
                self._queue.get(timeout=0.05)

    def _put(self, item: Any) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _work(self) -> None:
        try:
            it = iter(self._source)
            while not self._stop.is_set():
                t0 = time.perf_counter()
                try:
                    batch = next(it)
                except StopIteration:
                    break
                if not self._put((batch, time.perf_counter() - t0)):
                    return
        except BaseException as e:  # handed to the consumer, which re-raises it
            self._put(e)
            return
        self._put(self._END)

    def _iterate(self) -> Iterator[tuple[FrameBatch, float]]:
        while True:
            item = self._queue.get()
            if item is self._END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item


# --- joining results to tracks -----------------------------------------------------------------


# --- the real stages ---------------------------------------------------------------------------


class _CliffStage:
    """Adapts :class:`mocap.regress.CliffRegressor` to the pipeline's ``Regressor`` seam."""

    def __init__(self, regressor: Any) -> None:
        self._regressor = regressor

    def __call__(self, crops: Crops) -> CropPrediction:
        r = self._regressor(crops)
        aa = np.asarray(r.pose_aa, np.float64)
        return CropPrediction(
            aa[:, 0],
            aa[:, 1:],
            np.asarray(r.betas, np.float64),
            np.asarray(r.cam_crop, np.float64),
            np.asarray(r.transl, np.float64),
        )


def load_stages(config: PipelineConfig) -> Stages:
    """Check the model files, then load the detector, CLIFF and the SMPL body once.

    The returned stages can process many videos (the batch workers reuse them); a ``--boxes``
    detector belongs to one video.

    Raises:
        ModelFileNotFoundError: before anything is loaded or decoded.
        CheckpointError, SmplModelError, DetectorError: a model file exists but is unusable.
    """
    files = check_model_files(config)
    import functools

    import mocap
    from mocap import body, crop, detect, regress, video, weights

    smpl = body.load_body_model(files.smpl)
    model = weights.load_cliff(files.checkpoint, device="cpu")
    regressor = regress.CliffRegressor(
        model, device=config.device, precision=config.precision, batch_size=config.batch_size
    )
    box_folder = config.boxes is not None and Path(config.boxes).is_dir()
    detector = (
        None
        if box_folder
        else detect.make_detector(
            config if files.detector is None else config.with_(detector=files.detector)
        )
    )
    return Stages(
        open_video=functools.partial(
            video.open_video, decoder=config.decoder, chunk_frames=config.chunk_frames
        ),
        detector=detector,
        make_tracker=functools.partial(_make_tracker, config),
        cropper=crop.prepare_crops,
        regressor=_CliffStage(regressor),
        body=smpl.data,
        provenance=Provenance(
            variant=model.variant,
            checkpoint_sha256=model.checkpoint_sha256,
            version=mocap.__version__,
            smpl_model=files.smpl.name,
        ),
        detector_for=functools.partial(box_file_for, Path(config.boxes)) if box_folder else None,
    )


def box_file_for(folder: Path, video: Path) -> PersonDetector:
    """The box-file detector of ``video`` from a ``--boxes`` folder: ``<stem>.txt`` or ``.json``.

    Raises:
        BoxFileError: neither file exists.
    """
    from mocap.detect import BoxFileDetector

    for suffix in (".txt", ".json"):
        candidate = folder / f"{video.stem}{suffix}"
        if candidate.is_file():
            return BoxFileDetector(candidate)
    raise BoxFileError(
        f"no box file for {video} in {folder}: expected {video.stem}.txt "
        f"(MOTChallenge) or {video.stem}.json."
    )


def _make_tracker(config: PipelineConfig, info: VideoInfo) -> OnlineTracker:
    from mocap.track import PersonTracker

    return PersonTracker.from_config(config, fps=info.fps)
