"""Types of the front end: the video, frame batches, detections, tracks, camera intrinsics."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from mocap.types.base import (
    BoolArray,
    FloatArray,
    IntArray,
    check_array,
    check_same_length,
    set_frozen,
)


@dataclass(frozen=True)
class VideoInfo:
    """What a video is, read before decoding.

    Attributes:
        path: the video file.
        width, height: frame size in pixels *after* the rotation metadata is applied.
        fps: average frame rate (frames per second); per-frame times travel with the frames.
        num_frames: frames the container reports (an estimate; 0 when unknown).
        rotation: clockwise display rotation in degrees (0, 90, 180 or 270) applied to frames.
        codec: FFmpeg codec name of the video stream (e.g. ``"h264"``).
    """

    path: Path
    width: int
    height: int
    fps: float
    num_frames: int
    rotation: int = 0
    codec: str = ""

    def __post_init__(self) -> None:
        set_frozen(self, "path", Path(self.path))
        if self.width <= 0 or self.height <= 0:
            raise ValueError(
                f"VideoInfo: frame size must be positive, got {self.width}x{self.height}"
            )
        if not self.fps > 0:
            raise ValueError(f"VideoInfo.fps: must be > 0, got {self.fps}")
        if self.rotation % 90 != 0:
            raise ValueError(f"VideoInfo.rotation: must be a multiple of 90, got {self.rotation}")


@dataclass(frozen=True, eq=False)
class FrameBatch:
    """Consecutive decoded frames.

    Attributes:
        indices: (B,) int64 frame indices in decode order.
        times: (B,) float64 presentation times in seconds (true timestamps; VFR safe).
        images: (B, H, W, 3) uint8 RGB; may be a read-only view of the decoder's buffer.
    """

    indices: IntArray
    times: FloatArray
    images: npt.NDArray[np.uint8]

    def __post_init__(self) -> None:
        set_frozen(
            self, "indices", check_array("FrameBatch", "indices", self.indices, (None,), np.int64)
        )
        set_frozen(
            self, "times", check_array("FrameBatch", "times", self.times, (None,), np.float64)
        )
        set_frozen(
            self,
            "images",
            check_array("FrameBatch", "images", self.images, (None, None, None, 3), np.uint8),
        )
        check_same_length("FrameBatch", len(self.indices), times=self.times, images=self.images)

    def __len__(self) -> int:
        return len(self.indices)


@dataclass(frozen=True, eq=False)
class Detections:
    """People found on one frame.

    Attributes:
        frame: frame index.
        boxes: (N, 4) float32 xyxy pixels.
        scores: (N,) float32 detector confidence in [0, 1].
        track_ids: optional (N,) int64 ids given by a box file (-1 = not given).
    """

    frame: int
    boxes: FloatArray
    scores: FloatArray
    track_ids: IntArray | None = None

    def __post_init__(self) -> None:
        set_frozen(
            self, "boxes", check_array("Detections", "boxes", self.boxes, (None, 4), np.float32)
        )
        set_frozen(
            self, "scores", check_array("Detections", "scores", self.scores, (None,), np.float32)
        )
        check_same_length("Detections", len(self.boxes), scores=self.scores)
        if self.track_ids is not None:
            ids = check_array("Detections", "track_ids", self.track_ids, (None,), np.int64)
            check_same_length("Detections", len(self.boxes), track_ids=ids)
            set_frozen(self, "track_ids", ids)

    def __len__(self) -> int:
        return len(self.boxes)


@dataclass(frozen=True, eq=False)
class Track:
    """One person's boxes over time.

    Attributes:
        track_id: stable id of the person in this video.
        frames: (T,) int64 strictly increasing frame indices (gaps allowed).
        boxes: (T, 4) float32 xyxy pixels.
        scores: (T,) float32 detector scores (0 where filled).
        observed: (T,) bool, False where the box was interpolated, not detected.
        detection_index: (T,) int64 index of the row's box within that frame's ``Detections``
            (-1 where filled); links every observed row to the detection it came from.
    """

    track_id: int
    frames: IntArray
    boxes: FloatArray
    scores: FloatArray
    observed: BoolArray
    detection_index: IntArray | None = None

    def __post_init__(self) -> None:
        set_frozen(self, "frames", check_array("Track", "frames", self.frames, (None,), np.int64))
        set_frozen(self, "boxes", check_array("Track", "boxes", self.boxes, (None, 4), np.float32))
        set_frozen(self, "scores", check_array("Track", "scores", self.scores, (None,), np.float32))
        set_frozen(
            self, "observed", check_array("Track", "observed", self.observed, (None,), np.bool_)
        )
        n = len(self.frames)
        check_same_length("Track", n, boxes=self.boxes, scores=self.scores, observed=self.observed)
        if self.detection_index is not None:
            di = check_array("Track", "detection_index", self.detection_index, (None,), np.int64)
            check_same_length("Track", n, detection_index=di)
            set_frozen(self, "detection_index", di)
        if n > 1 and not np.all(np.diff(self.frames) > 0):
            raise ValueError("Track.frames: must be strictly increasing")

    def __len__(self) -> int:
        return len(self.frames)

    def take(self, rows: IntArray | slice) -> Track:
        """The rows ``rows`` (increasing indices or a slice) of this track, under the same id."""
        di = self.detection_index
        return Track(
            self.track_id,
            self.frames[rows],
            self.boxes[rows],
            self.scores[rows],
            self.observed[rows],
            None if di is None else di[rows],
        )


@dataclass(frozen=True)
class CameraIntrinsics:
    """Pinhole intrinsics of the video camera in pixels (OpenCV convention).

    Attributes:
        fx, fy: focal lengths in pixels.
        cx, cy: principal point in pixels (CLIFF uses the exact image centre ``w/2, h/2``).
        width, height: image size in pixels.
    """

    fx: float
    fy: float
    cx: float
    cy: float
    width: int
    height: int

    def __post_init__(self) -> None:
        if not (self.fx > 0 and self.fy > 0):
            raise ValueError(
                f"CameraIntrinsics: focal lengths must be > 0, got {self.fx}, {self.fy}"
            )

    @property
    def matrix(self) -> FloatArray:
        """(3, 3) float64 K."""
        return np.array([[self.fx, 0.0, self.cx], [0.0, self.fy, self.cy], [0.0, 0.0, 1.0]])
