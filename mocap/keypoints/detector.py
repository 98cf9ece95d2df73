"""2D keypoints from an Ultralytics pose model (COCO-17 keypoints) brought by the user, mapped to
J24 — for images and videos without keypoint annotations.

Same offline rules as the person detector (:mod:`mocap.detect`): the weights must be a local file
(or a ``.yaml`` model config, which builds random weights for tests), ultralytics never
downloads or installs anything, analytics are off. Keypoints whose confidence is below
``keypoint_conf`` get conf 0 (not used by a fit); the others keep their confidence as the fit's
weight.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from mocap.detect import _import_yolo, resolve_detector_weights
from mocap.device import resolve_device
from mocap.errors import DetectorError
from mocap.keypoints.mapping import to_j24
from mocap.keypoints.tables import COCO17_NAMES
from mocap.modelfiles import YOLO_RELEASES_URL


@dataclass(frozen=True, eq=False)
class PoseDetections:
    """People found on one image.

    Attributes:
        boxes: (N, 4) float32 xyxy pixels; scores: (N,) float32 person confidence.
        part: (N, 24, 3) float64 J24 ``[x, y, conf]`` in pixels (conf 0 below the threshold).
    """

    boxes: npt.NDArray[np.float32]
    scores: npt.NDArray[np.float32]
    part: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.boxes)


class YoloPoseDetector:
    """An Ultralytics pose model (e.g. ``yolo11n-pose.pt``) run on RGB images.

    Args:
        weights: local ``.pt`` file (bare names are looked up in the model dir), or a ``.yaml``
            model config (random weights).
        conf: minimum person confidence; keypoint_conf: minimum keypoint confidence.
        imgsz: network input size (long side); device: ``auto``, ``cpu``, ``cuda[:N]``.
        model_dir: where bare weight names are looked up.

    Raises:
        ModelFileNotFoundError: the weights file is missing.
        DetectorError: not loadable, or not a pose model with COCO's 17 keypoints.
    """

    def __init__(
        self,
        weights: str | Path,
        conf: float = 0.5,
        keypoint_conf: float = 0.3,
        imgsz: int = 640,
        device: str = "auto",
        model_dir: Path | None = None,
    ) -> None:
        self.weights = resolve_detector_weights(weights, model_dir)
        self.conf, self.keypoint_conf, self.imgsz = conf, keypoint_conf, imgsz
        self.device = str(resolve_device(device))
        yolo = _import_yolo()
        try:
            self.model = yolo(self.weights, task="pose")
        except Exception as e:  # ultralytics raises many types for a bad file
            reason = (str(e).strip().splitlines() or [type(e).__name__])[0]
            raise DetectorError(
                f"Cannot load pose weights '{self.weights}' ({reason}). Download a YOLO pose "
                f"model (e.g. yolo11n-pose.pt) from {YOLO_RELEASES_URL}."
            ) from None
        shape = getattr(self.model.model, "kpt_shape", None)
        if self.model.task != "pose" or list(shape or []) != [len(COCO17_NAMES), 3]:
            raise DetectorError(
                f"'{self.weights}' is not a pose model with COCO's 17 keypoints "
                f"(task {self.model.task!r}, keypoints {shape}); use a YOLO *-pose model."
            )

    def detect(self, images: list[npt.NDArray[np.uint8]]) -> list[PoseDetections]:
        """People and their J24 keypoints on each (H, W, 3) uint8 RGB image, in order."""
        frames = [np.ascontiguousarray(img[..., ::-1]) for img in images]  # ultralytics: BGR
        results = self.model.predict(
            source=frames, verbose=False, conf=self.conf, imgsz=self.imgsz, device=self.device
        )
        return [self._convert(r) for r in results]

    def _convert(self, result: Any) -> PoseDetections:
        boxes = result.boxes.xyxy.float().cpu().numpy().reshape(-1, 4)
        scores = result.boxes.conf.float().cpu().numpy().reshape(-1)
        kp = (
            result.keypoints.data.float().cpu().numpy().reshape(-1, len(COCO17_NAMES), 3)
            if result.keypoints is not None
            else np.zeros((0, len(COCO17_NAMES), 3))
        ).astype(np.float64)
        kp[..., 2] = np.where(kp[..., 2] >= self.keypoint_conf, kp[..., 2], 0.0)
        return PoseDetections(boxes, scores, to_j24(kp, "coco17").reshape(-1, 24, 3))
