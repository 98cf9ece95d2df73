"""Person detection: the :class:`PersonDetector` protocol, YOLO (ultralytics) and box files.

Every detector maps a :class:`FrameBatch` to one :class:`Detections` per frame, in order::

    detector = make_detector(config)           # YoloDetector, or BoxFileDetector with boxes
    for batch in video:
        for dets in detector.detect(batch):    # dets.boxes (N, 4) xyxy pixels, dets.scores (N,)
            ...

ultralytics is imported only when a :class:`YoloDetector` is built. Runs are offline: weights are
resolved to a file before ultralytics sees the name (it would otherwise try to download into the
working directory), ``YOLO_OFFLINE``/``YOLO_AUTOINSTALL`` forbid downloads and pip installs, and
analytics are switched off.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from mocap.boxfile import BoxTable, load_boxes
from mocap.config import PipelineConfig, resolve_model_dir
from mocap.device import resolve_device
from mocap.errors import DetectorError
from mocap.modelfiles import DETECTOR_BACKENDS, MODEL_CONFIG_SUFFIXES, find_detector_weights
from mocap.types import Detections, FrameBatch

log = logging.getLogger(__name__)

#: COCO class index of "person" in every ultralytics detection model.
COCO_PERSON_CLASS = 0
#: Frames per YOLO call on CPU when none is given (the project's default so far).
CPU_DET_BATCH = 8


@runtime_checkable
class PersonDetector(Protocol):
    """Finds people on frames."""

    def detect(self, batch: FrameBatch) -> list[Detections]:
        """One :class:`Detections` per frame of ``batch`` (same order; ``frame`` = batch index)."""
        ...


# --- YOLO ---------------------------------------------------------------------------------------


def resolve_detector_weights(name: str | Path | None, model_dir: Path | None = None) -> str:
    """Turn the ``detector`` setting into a file ultralytics can load without downloading.

    The lookup order is :mod:`mocap.modelfiles`' (explicit path, then the model folder).

    Args:
        name: a path to a ``.pt`` file, a bare file name (working directory, then the model
            folder), a ``.yaml`` model config (random weights), or None for
            :data:`~mocap.config.DEFAULT_DETECTOR_NAME` in the model folder.
        model_dir: folder of model files (None = :func:`~mocap.config.resolve_model_dir`).

    Returns:
        an absolute path, or the ``.yaml`` name unchanged.

    Raises:
        ModelFileNotFoundError: the weights file does not exist (message says where to get it).
    """
    if name is not None and str(name).lower().endswith(MODEL_CONFIG_SUFFIXES):
        return str(name)
    folder = model_dir if model_dir is not None else resolve_model_dir()
    return str(find_detector_weights(name, folder).require().resolve())


def _import_yolo() -> Any:
    """Import ultralytics' YOLO class with downloads, pip installs and analytics switched off.

    Ultralytics keeps its settings file in ``<user cache>/cliffmocap/ultralytics`` (not in the
    user's global config folder, which another tool's settings could change), and its banner and
    info messages are silenced: a first run on a new machine prints only our own output.
    """
    import platformdirs

    # ultralytics reads these when it is first imported; setdefault keeps a user's explicit choice.
    os.environ.setdefault("YOLO_OFFLINE", "1")
    os.environ.setdefault("YOLO_AUTOINSTALL", "false")
    os.environ.setdefault("YOLO_VERBOSE", "false")
    cache = Path(platformdirs.user_cache_dir("cliffmocap"))
    os.environ.setdefault("YOLO_CONFIG_DIR", str(cache / "ultralytics"))
    try:
        from ultralytics import YOLO, settings
    except ImportError as e:
        raise DetectorError(f"ultralytics cannot be imported ({e}); reinstall.") from None
    if settings.get("sync", False):
        settings.update({"sync": False})
    return YOLO


def _half_precision_args() -> dict[str, Any]:
    """predict() arguments for fp16: ``quantize=16`` (ultralytics >= 8.4), else ``half=True``."""
    from ultralytics.cfg import DEFAULT_CFG_DICT  # pyright: ignore[reportPrivateImportUsage]

    return {"quantize": 16} if "quantize" in DEFAULT_CFG_DICT else {"half": True}


#: Ultralytics tasks whose results carry xyxy boxes (classify has none, obb rotated ones).
BOX_TASKS = frozenset({"detect", "segment", "pose"})


class YoloDetector:
    """ultralytics YOLO restricted to the person class, run on batched lists of frames.

    Args:
        weights: see :func:`resolve_detector_weights` (``"yolo11n.yaml"`` builds random weights).
        conf: minimum person confidence in [0, 1].
        imgsz: network input size in pixels (long side; frames are letterboxed, boxes come back
            in frame pixels).
        batch_size: frames per forward pass; None = :data:`CPU_DET_BATCH` on CPU and every
            frame of the batch given to :meth:`detect` (one decoded chunk) on CUDA.
        device: ``auto``, ``cpu``, ``cuda`` or ``cuda:N``; half precision is used on CUDA.
        model_dir: where bare weight names are looked up.

    Raises:
        ModelFileNotFoundError: the weights file is missing.
        DetectorError: the file exists but is not a YOLO model ultralytics can load.
    """

    def __init__(
        self,
        weights: str | Path | None = None,
        conf: float = 0.5,
        imgsz: int = 640,
        batch_size: int | None = None,
        device: str = "auto",
        model_dir: Path | None = None,
    ) -> None:
        self.weights = resolve_detector_weights(weights, model_dir)
        self.conf = conf
        self.imgsz = imgsz
        self.device = str(resolve_device(device))
        self.half = self.device.startswith("cuda")
        if batch_size is None and not self.half:
            batch_size = CPU_DET_BATCH
        self.batch_size = None if batch_size is None else max(1, batch_size)
        yolo = _import_yolo()
        self._precision = _half_precision_args() if self.half else {}
        try:
            self.model = yolo(self.weights, task="detect")
        except Exception as e:  # ultralytics raises many types for a bad file
            reason = (str(e).strip().splitlines() or [type(e).__name__])[0]
            reason = reason.removeprefix("ERROR").strip(" ❌️").split(". Use an official")[0]
            reason = reason.rstrip(".")
            raise DetectorError(
                f"Cannot load detector weights '{self.weights}' ({reason}). "
                f"{DETECTOR_BACKENDS['yolo'].advice}."
            ) from None
        task = getattr(self.model, "task", "detect")
        if task not in BOX_TASKS:
            raise DetectorError(
                f"'{self.weights}' is a YOLO {task} model, not a detector: it gives no person "
                f"boxes. {DETECTOR_BACKENDS['yolo'].advice}."
            )

    def detect(self, batch: FrameBatch) -> list[Detections]:
        """Detect people on every frame of ``batch``.

        Args:
            batch: frames, images (B, H, W, 3) uint8 RGB.

        Returns:
            B :class:`Detections`, boxes (N, 4) float32 xyxy in frame pixels, scores (N,).
        """
        import torch

        # ultralytics treats numpy frames as BGR (OpenCV order); ours are RGB.
        frames = [np.ascontiguousarray(img[..., ::-1]) for img in batch.images]
        out: list[Detections] = []
        step = self.batch_size or max(1, len(frames))
        for start in range(0, len(frames), step):
            chunk = frames[start : start + step]
            try:
                out.extend(self._predict(chunk, batch.indices[start : start + len(chunk)]))
            except torch.OutOfMemoryError:
                raise DetectorError(
                    f"Out of GPU memory detecting {len(chunk)} frames at once on {self.device}; "
                    "lower 'det_batch' or use a smaller 'detector' model."
                ) from None
        return out

    def _predict(self, frames: list[np.ndarray], indices: np.ndarray) -> list[Detections]:
        results = self.model.predict(
            source=frames,
            stream=True,
            verbose=False,
            classes=[COCO_PERSON_CLASS],
            conf=self.conf,
            imgsz=self.imgsz,
            device=self.device,
            **self._precision,
        )
        return [
            Detections(
                int(index),
                result.boxes.xyxy.float().cpu().numpy().reshape(-1, 4),
                result.boxes.conf.float().cpu().numpy().reshape(-1),
            )
            for index, result in zip(indices, results, strict=True)
        ]


# --- box files ----------------------------------------------------------------------------------


class BoxFileDetector:
    """Serves boxes read from a JSON or MOTChallenge file (see :mod:`mocap.boxfile`).

    Boxes scoring below ``min_score`` are dropped, as the detector drops boxes below ``det_conf``
    (a run passes ``det_conf``; box files without scores count as 1). The boxes are checked
    against the frame size on the first frames (boxes far outside the video are refused).

    Attributes:
        table: the parsed :class:`~mocap.boxfile.BoxTable` (``has_track_ids``, ``last_frame``).
        min_score: the lowest score kept.

    Raises:
        BoxFileError: the file is missing or malformed (on construction), or its boxes lie far
            outside the frames (on the first :meth:`detect`).
    """

    def __init__(self, path: str | Path, min_score: float = 0.0) -> None:
        self.table: BoxTable = load_boxes(path)
        self.min_score = min_score
        self._size_checked = False

    def detect(self, batch: FrameBatch) -> list[Detections]:
        """The file's :class:`Detections` for each frame of ``batch`` (empty where none)."""
        if not self._size_checked:
            height, width = batch.images.shape[1:3]
            self.table.check_frame_size(int(width), int(height))
            self._size_checked = True
        return [_keep_scores(self.table.get(int(i)), self.min_score) for i in batch.indices]


def _keep_scores(d: Detections, min_score: float) -> Detections:
    keep = d.scores >= min_score
    if keep.all():
        return d
    ids = d.track_ids[keep] if d.track_ids is not None else None
    return Detections(d.frame, d.boxes[keep], d.scores[keep], ids)


def make_detector(config: PipelineConfig) -> PersonDetector:
    """The detector a run uses: a :class:`BoxFileDetector` when ``config.boxes`` is set, else YOLO.

    Raises:
        BoxFileError, ModelFileNotFoundError, DetectorError: see the classes.
    """
    if config.boxes is not None:
        return BoxFileDetector(config.boxes, min_score=config.det_conf)
    return YoloDetector(
        config.detector,
        conf=config.det_conf,
        imgsz=config.det_imgsz,
        batch_size=config.det_batch,
        device=config.device,
        model_dir=config.resolved_model_dir(),
    )
