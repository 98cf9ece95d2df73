"""The seams of a run: what :func:`mocap.pipeline.run` calls, as one :class:`Stages` value.

Each stage is defined once, where it lives: ``VideoSource`` in :mod:`mocap.video`,
``PersonDetector`` in :mod:`mocap.detect`, ``CropPrediction`` in :mod:`mocap.prediction`. This
module adds the seams that exist only for the pipeline (tracker, cropper, regressor) and the
dataclass bundling them; tests pass fakes, :func:`mocap.pipeline.load_stages` builds the real ones.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from mocap.types import Detections, Provenance, SmplModelData, Track, VideoInfo

if TYPE_CHECKING:
    from mocap.crop import Crops
    from mocap.detect import PersonDetector
    from mocap.prediction import CropPrediction
    from mocap.video import VideoSource


class OnlineTracker(Protocol):
    """Fed one frame's detections at a time; ``finish`` post-processes and returns the tracks.

    ``update`` also gets an appearance vector per detection (``embeddings``, (N, D), from
    :func:`mocap.appearance.embed`; None when the frame has no detections) so that the tracker
    can tell people apart after a gap; other callers may pass the frame as ``image`` instead.
    """

    def update(
        self, detections: Detections, embeddings: Any = None, /, image: Any = None
    ) -> Any: ...

    def finish(self) -> list[Track]: ...


class Regressor(Protocol):
    """Batched CLIFF: person crops in, one prediction row per crop out (device inside)."""

    def __call__(self, crops: Crops) -> CropPrediction: ...


#: (image (H, W, 3) uint8, boxes (N, 4) xyxy pixels, focal in pixels) -> N crops (numpy).
Cropper = Callable[[np.ndarray, np.ndarray, float], "Crops"]
#: (chunk images (F, H, W, 3) uint8, frame index (N,), boxes (N, 4), focal) -> N crops in box
#: order, ``images``/``bbox_info`` on the compute device
#: (:class:`mocap.pipeline.devicecrop.DeviceCropper`).
ChunkCropper = Callable[[np.ndarray, np.ndarray, np.ndarray, float], "Crops"]


@dataclass(frozen=True)
class Stages:
    """Everything ``run`` calls; build the real ones with ``load_stages``, or pass fakes.

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
        chunk_cropper: when set, cuts every crop of a chunk at once on the compute device
            (replaces ``cropper``; the ``crop_on_device`` setting).
    """

    open_video: Callable[[Path], AbstractContextManager[VideoSource]]
    detector: PersonDetector | None
    make_tracker: Callable[[VideoInfo], OnlineTracker]
    cropper: Cropper
    regressor: Regressor
    body: SmplModelData | None
    provenance: Provenance
    detector_for: Callable[[Path], PersonDetector] | None = None
    chunk_cropper: ChunkCropper | None = None
