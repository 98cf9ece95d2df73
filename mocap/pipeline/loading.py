"""The real stages: check the model files, then load the detector, CLIFF and the SMPL body once."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from mocap.config import PipelineConfig
from mocap.errors import BoxFileError
from mocap.modelfiles import check_model_files
from mocap.pipeline.prefetch import PREFETCH_DEPTH
from mocap.pipeline.stages import OnlineTracker, Stages
from mocap.types import Provenance, VideoInfo

if TYPE_CHECKING:
    from mocap.detect import PersonDetector
    from mocap.video import VideoSource


def load_stages(config: PipelineConfig) -> Stages:
    """Check the model files, then load the detector, CLIFF and the SMPL body once.

    The returned stages can process many videos (the batch workers reuse them); a box-file
    detector (``config.boxes`` a file) belongs to one video.

    Raises:
        ModelFileNotFoundError: before anything is loaded or decoded (every missing file named).
        CheckpointError, SmplModelError, DetectorError: a model file exists but is unusable.
    """
    files = check_model_files(config)
    import mocap
    from mocap import body, crop, detect, regress, weights
    from mocap.device import resolve_crop_on_device, resolve_device
    from mocap.pipeline.devicecrop import DeviceCropper

    smpl = body.load_body_model(files.smpl)
    model = weights.load_cliff(files.checkpoint, device="cpu")
    device = resolve_device(config.device)
    regressor = regress.CliffRegressor(
        model,
        device=device,
        precision=config.precision,
        batch_size=config.batch_size,
        torch_compile=config.torch_compile,
    )
    box_folder = Path(config.boxes) if config.boxes is not None else None
    if box_folder is not None and not box_folder.is_dir():
        box_folder = None  # one box file: the detector of one video
    detector = (
        None
        if box_folder is not None
        else detect.make_detector(
            config if files.detector is None else config.with_(detector=files.detector)
        )
    )
    return Stages(
        open_video=open_video_for(config),
        detector=detector,
        make_tracker=functools.partial(_make_tracker, config),
        cropper=crop.prepare_crops,
        regressor=regressor,
        body=smpl.data,
        provenance=Provenance(
            variant=model.variant,
            checkpoint_sha256=model.checkpoint_sha256,
            version=mocap.__version__,
            smpl_model=files.smpl.name,
        ),
        detector_for=(
            functools.partial(box_file_for, box_folder, min_score=config.det_conf)
            if box_folder
            else None
        ),
        chunk_cropper=(
            DeviceCropper(device) if resolve_crop_on_device(config.crop_on_device, device) else None
        ),
    )


def open_video_for(config: PipelineConfig) -> Callable[[Path], VideoSource]:
    """``open_video`` with the config's decoder, chunk size and decode memory budget (the
    prefetch queue's chunks are counted in)."""
    from mocap import video

    return functools.partial(
        video.open_video,
        decoder=config.decoder,
        chunk_frames=config.chunk_frames,
        memory_mb=config.decode_memory_mb,
        in_flight=PREFETCH_DEPTH + 2,
    )


def box_file_for(folder: Path, video: Path, min_score: float = 0.0) -> PersonDetector:
    """The box-file detector of ``video`` from a folder of box files: ``<stem>.txt`` or ``.json``.

    Raises:
        BoxFileError: neither file exists.
    """
    from mocap.detect import BoxFileDetector

    for suffix in (".txt", ".json"):
        candidate = folder / f"{video.stem}{suffix}"
        if candidate.is_file():
            return BoxFileDetector(candidate, min_score=min_score)
    raise BoxFileError(
        f"no box file for {video} in {folder}: expected {video.stem}.txt "
        f"(MOTChallenge) or {video.stem}.json."
    )


def _make_tracker(config: PipelineConfig, info: VideoInfo) -> OnlineTracker:
    from mocap.track import PersonTracker

    return PersonTracker.from_config(config, fps=info.fps)
