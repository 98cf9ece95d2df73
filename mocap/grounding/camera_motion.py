"""Is the camera still? Background motion outside the person boxes, by OpenCV feature tracking.

Frames are sampled every ``SAMPLE_S`` seconds and shrunk to ``WORK_WIDTH`` pixels. On each sampled
pair, corners (Shi-Tomasi) found outside the dilated person boxes are tracked (pyramidal
Lucas-Kanade) and a similarity transform (rotation, uniform scale, translation) is fitted to them
with RANSAC; the transforms are chained from the first sampled frame. The camera counts as moving
when the chained transform ever displaces the image corners by more than ``MAX_DRIFT`` of the image
diagonal (a pan, tilt, roll or zoom of a couple of degrees is enough to tilt a fitted floor).

The detector is incremental (``update`` per decoded frame) so a streaming pipeline can feed it
while frames pass by once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import cv2
import numpy as np

from mocap.types import FloatArray

SAMPLE_S = 0.2
"""Seconds between analysed frames (five pairs a second)."""
WORK_WIDTH = 320
"""Frames are shrunk to this width before tracking (background motion is coarse)."""
MAX_DRIFT = 0.03
"""Largest corner displacement of the chained background motion, as a share of the image
diagonal, still called a static camera (~2 degrees of view for a 70-degree diagonal)."""
MIN_FEATURES = 12
"""A pair with fewer tracked background corners gives no evidence (textureless or all people)."""
BOX_MARGIN = 0.15
"""Person boxes are grown by this share of their size before masking (limbs outside the box)."""
MAX_CORNERS = 300


@dataclass(frozen=True)
class CameraMotion:
    """Verdict on the camera.

    Attributes:
        moving: the background moved more than ``MAX_DRIFT``.
        max_drift: largest chained corner displacement seen, share of the image diagonal.
        pairs: sampled frame pairs with enough background corners.
        at_time: time (seconds) of the largest drift.
    """

    moving: bool
    max_drift: float
    pairs: int
    at_time: float

    def describe(self) -> str:
        """One line for logs: how far the background moved and when."""
        return (
            f"the background shifts by {100 * self.max_drift:.1f} % of the image diagonal by "
            f"{self.at_time:.1f} s, measured on {self.pairs} frame pairs"
        )


def background_mask(shape: tuple[int, int], boxes: FloatArray, scale: float) -> np.ndarray:
    """(H, W) uint8 mask, 255 outside the person boxes (N, 4) given in full-size pixels."""
    h, w = shape
    mask = np.full((h, w), 255, dtype=np.uint8)
    for x1, y1, x2, y2 in np.asarray(boxes, dtype=np.float64).reshape(-1, 4) * scale:
        mx, my = BOX_MARGIN * (x2 - x1), BOX_MARGIN * (y2 - y1)
        c1, r1 = int(max(x1 - mx, 0)), int(max(y1 - my, 0))
        c2, r2 = int(min(x2 + mx + 1, w)), int(min(y2 + my + 1, h))
        mask[r1:r2, c1:c2] = 0
    return mask


def _similarity(prev: np.ndarray, cur: np.ndarray, mask: np.ndarray) -> np.ndarray | None:
    """(2, 3) similarity transform prev -> cur fitted to background corners; None if too few."""
    corners = cv2.goodFeaturesToTrack(prev, MAX_CORNERS, 0.01, 7, mask=mask)
    if corners is None or len(corners) < MIN_FEATURES:
        return None
    moved, status, _ = cv2.calcOpticalFlowPyrLK(prev, cur, corners, corners.copy())
    ok = status.reshape(-1) == 1
    if ok.sum() < MIN_FEATURES:
        return None
    fit, _ = cv2.estimateAffinePartial2D(
        corners[ok], moved[ok], method=cv2.RANSAC, ransacReprojThreshold=1.5
    )
    return fit


class CameraMotionDetector:
    """Feed every decoded frame (in order) with its person boxes; read :meth:`result` at the end."""

    def __init__(self) -> None:
        self._prev: np.ndarray | None = None
        self._prev_mask: np.ndarray | None = None
        self._next_time = -np.inf
        self._chain = np.eye(3)
        self._corners: np.ndarray | None = None
        self._max_drift = 0.0
        self._at_time = 0.0
        self._pairs = 0

    def update(self, time: float, image: np.ndarray, boxes: FloatArray) -> None:
        """Take one frame: ``image`` (H, W, 3) uint8 RGB, ``boxes`` (N, 4) xyxy pixels."""
        if time < self._next_time:
            return
        self._next_time = time + SAMPLE_S
        h, w = image.shape[:2]
        scale = WORK_WIDTH / w
        small = cv2.resize(image, (WORK_WIDTH, max(1, round(h * scale))))
        gray = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
        mask = background_mask((gray.shape[0], gray.shape[1]), boxes, scale)
        if self._prev is not None and self._prev_mask is not None:
            fit = _similarity(self._prev, gray, cv2.bitwise_and(mask, self._prev_mask))
            if fit is not None:
                self._pairs += 1
                self._chain = np.vstack([fit, [0.0, 0.0, 1.0]]) @ self._chain
                self._track_drift(time, gray.shape)
        self._prev, self._prev_mask = gray, mask

    def _track_drift(self, time: float, shape: tuple[int, ...]) -> None:
        h, w = shape[:2]
        corners = np.array([[0, 0, 1], [w, 0, 1], [0, h, 1], [w, h, 1]], dtype=np.float64)
        moved = corners @ self._chain.T
        drift = float(np.linalg.norm(moved[:, :2] - corners[:, :2], axis=1).max()) / np.hypot(w, h)
        if drift > self._max_drift:
            self._max_drift, self._at_time = drift, time

    def result(self) -> CameraMotion:
        return CameraMotion(
            moving=self._max_drift > MAX_DRIFT,
            max_drift=self._max_drift,
            pairs=self._pairs,
            at_time=self._at_time,
        )


def detect_camera_motion(frames: Iterable[tuple[float, np.ndarray, FloatArray]]) -> CameraMotion:
    """Verdict for a whole video given ``(time, image, person_boxes)`` per frame, in order."""
    detector = CameraMotionDetector()
    for time, image, boxes in frames:
        detector.update(time, image, boxes)
    return detector.result()
