"""Data passed between pipeline stages (numpy only; this module never imports torch).

Conventions, stated once for every field below:

* frame indices are 0-based in decode order; times are seconds from the first decoded frame;
* pixels have their origin at the top-left corner; boxes are ``(x1, y1, x2, y2)``;
* rotations are axis-angle vectors in radians, in SMPL joint order
  (``mocap.smpl_joints.SMPL_JOINT_NAMES``): joint 0 is ``global_orient``, joints 1..23
  ``body_pose``;
* translations are metres in the OpenCV camera frame of the video (+x right, +y down, +z forward);
* field names of SMPL parameters are smplx's (``global_orient``, ``body_pose``, ``betas``,
  ``transl``).

Every dataclass is frozen and checks its array shapes on construction, raising ``ValueError`` that
names the field, the shape it got and the shape it expects. Arrays are converted to the documented
dtype (a copy is made only when the dtype differs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.floating[Any]]
IntArray = npt.NDArray[np.integer[Any]]
BoolArray = npt.NDArray[np.bool_]

NUM_SMPL_JOINTS = 24
NUM_BODY_JOINTS = 23
NUM_BETAS = 10


def _check(
    owner: str, name: str, value: Any, shape: tuple[int | None, ...], dtype: Any
) -> np.ndarray:
    """Return ``value`` as an array of ``dtype`` whose shape matches ``shape`` (None = any size).

    Raises:
        ValueError: naming ``owner.name`` when the number of dimensions or a fixed size differs.
    """
    arr = np.asarray(value)
    if arr.dtype != dtype:
        arr = arr.astype(dtype)
    ok = arr.ndim == len(shape) and all(
        s is None or s == a for s, a in zip(shape, arr.shape, strict=False)
    )
    if not ok:
        want = "(" + ", ".join("N" if s is None else str(s) for s in shape) + ")"
        raise ValueError(f"{owner}.{name}: expected shape {want}, got {tuple(arr.shape)}")
    return arr


def _same_length(owner: str, length: int, **arrays: np.ndarray) -> None:
    for name, arr in arrays.items():
        if arr.shape[0] != length:
            raise ValueError(
                f"{owner}.{name}: has {arr.shape[0]} rows, expected {length} (one per frame)"
            )


def _set(obj: Any, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)


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
        _set(self, "path", Path(self.path))
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
        _set(self, "indices", _check("FrameBatch", "indices", self.indices, (None,), np.int64))
        _set(self, "times", _check("FrameBatch", "times", self.times, (None,), np.float64))
        _set(
            self,
            "images",
            _check("FrameBatch", "images", self.images, (None, None, None, 3), np.uint8),
        )
        _same_length("FrameBatch", len(self.indices), times=self.times, images=self.images)

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
        _set(self, "boxes", _check("Detections", "boxes", self.boxes, (None, 4), np.float32))
        _set(self, "scores", _check("Detections", "scores", self.scores, (None,), np.float32))
        _same_length("Detections", len(self.boxes), scores=self.scores)
        if self.track_ids is not None:
            ids = _check("Detections", "track_ids", self.track_ids, (None,), np.int64)
            _same_length("Detections", len(self.boxes), track_ids=ids)
            _set(self, "track_ids", ids)

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
        _set(self, "frames", _check("Track", "frames", self.frames, (None,), np.int64))
        _set(self, "boxes", _check("Track", "boxes", self.boxes, (None, 4), np.float32))
        _set(self, "scores", _check("Track", "scores", self.scores, (None,), np.float32))
        _set(self, "observed", _check("Track", "observed", self.observed, (None,), np.bool_))
        n = len(self.frames)
        _same_length("Track", n, boxes=self.boxes, scores=self.scores, observed=self.observed)
        if self.detection_index is not None:
            di = _check("Track", "detection_index", self.detection_index, (None,), np.int64)
            _same_length("Track", n, detection_index=di)
            _set(self, "detection_index", di)
        if n > 1 and not np.all(np.diff(self.frames) > 0):
            raise ValueError("Track.frames: must be strictly increasing")

    def __len__(self) -> int:
        return len(self.frames)


@dataclass(frozen=True, eq=False)
class WorldMotion:
    """One person's grounded motion in the world frame (``mocap.ground``), row for row.

    World frame: gravity-aligned, +y up, the floor at y = 0, metres; the camera at x = z = 0 at its
    height, its forward direction projected on the floor along -z. Rotations keep SMPL's
    convention (``global_orient`` about the rest pelvis ``J_0``, ``transl`` added afterwards).

    Attributes:
        global_orient: (T, 3) axis-angle of the root in the world frame.
        body_pose: (T, 23, 3) axis-angle of joints 1..23 (legs changed by foot locking).
        transl: (T, 3) SMPL ``transl`` in the world frame, metres.
        foot_contact: (T, 2) bool, left then right foot on the floor.
    """

    global_orient: FloatArray
    body_pose: FloatArray
    transl: FloatArray
    foot_contact: BoolArray

    def __post_init__(self) -> None:
        o = "WorldMotion"
        _set(
            self,
            "global_orient",
            _check(o, "global_orient", self.global_orient, (None, 3), np.float64),
        )
        _set(
            self,
            "body_pose",
            _check(o, "body_pose", self.body_pose, (None, NUM_BODY_JOINTS, 3), np.float64),
        )
        _set(self, "transl", _check(o, "transl", self.transl, (None, 3), np.float64))
        _set(
            self, "foot_contact", _check(o, "foot_contact", self.foot_contact, (None, 2), np.bool_)
        )
        _same_length(
            o,
            len(self.transl),
            global_orient=self.global_orient,
            body_pose=self.body_pose,
            foot_contact=self.foot_contact,
        )

    def rows(self, index: Any) -> WorldMotion:
        """The rows selected by ``index`` (a slice or index array), as a new ``WorldMotion``."""
        return WorldMotion(
            global_orient=self.global_orient[index],
            body_pose=self.body_pose[index],
            transl=self.transl[index],
            foot_contact=self.foot_contact[index],
        )

    @property
    def poses(self) -> FloatArray:
        """(T, 24, 3) axis-angle of all joints (world ``global_orient`` first)."""
        return np.concatenate([self.global_orient[:, None, :], self.body_pose], axis=1)


@dataclass(frozen=True, eq=False)
class Grounding:
    """The floor and camera pose found by ``mocap.ground`` (static camera).

    Attributes:
        world_from_camera: (4, 4) float64 rigid transform, camera frame (OpenCV) -> world frame
            (see :class:`WorldMotion`).
        confidence: 0..1, how well the video's evidence (planted feet) fixes the floor; 0 when
            the floor is assumed.
        assumption: empty when the floor was fitted; otherwise the stated assumption used instead
            (e.g. a level camera) and why.
        evidence: number of foot observations (inliers) the floor was fitted to.
    """

    world_from_camera: FloatArray
    confidence: float = 1.0
    assumption: str = ""
    evidence: int = 0

    def __post_init__(self) -> None:
        m = _check("Grounding", "world_from_camera", self.world_from_camera, (4, 4), np.float64)
        rot = m[:3, :3]
        if not np.allclose(rot @ rot.T, np.eye(3), atol=1e-6) or abs(np.linalg.det(rot) - 1) > 1e-6:
            raise ValueError("Grounding.world_from_camera: the 3x3 part must be a rotation")
        _set(self, "world_from_camera", m)

    @property
    def up(self) -> FloatArray:
        """(3,) world up (gravity reversed) in camera coordinates."""
        return self.world_from_camera[1, :3].copy()

    @property
    def camera_height(self) -> float:
        """Metres of the camera above the floor."""
        return float(self.world_from_camera[1, 3])

    @property
    def pitch_deg(self) -> float:
        """Camera pitch in degrees: angle of its optical axis above the horizon (down < 0)."""
        return float(np.degrees(np.arcsin(np.clip(self.up[2], -1.0, 1.0))))

    @property
    def roll_deg(self) -> float:
        """Camera roll in degrees about its optical axis (image +x above the horizon > 0)."""
        u = self.up
        return float(np.degrees(np.arctan2(u[0], -u[1])))


@dataclass(frozen=True, eq=False)
class SmplSequence:
    """One person's SMPL motion (field names are smplx's).

    Attributes:
        track_id: person id (the track's id).
        frames: (T,) int64 strictly increasing frame indices.
        times: (T,) float64 seconds.
        global_orient: (T, 3) axis-angle of the root, camera frame.
        body_pose: (T, 23, 3) axis-angle of joints 1..23, local to their parents.
        betas: (10,) the shape used for this person's exports (consolidated over the track).
        transl: (T, 3) metres; SMPL ``transl`` (the pelvis is at ``J_0(betas) + transl``).
        observed: (T,) bool, False where a row was filled, not detected.
        boxes: (T, 4) float32 xyxy pixels the row was computed from.
        scores: (T,) float32 detector scores.
        frame_betas: (T, 10) per-crop betas predicted on each frame (None = same as ``betas``).
        cam_crop: (T, 3) weak-perspective crop camera (s, tx, ty) (None = unknown).
        world: the grounded motion in the world frame, one row per row here (None = not
            grounded; set by ``mocap.ground``).
    """

    track_id: int
    frames: IntArray
    times: FloatArray
    global_orient: FloatArray
    body_pose: FloatArray
    betas: FloatArray
    transl: FloatArray
    observed: BoolArray
    boxes: FloatArray
    scores: FloatArray
    frame_betas: FloatArray | None = None
    cam_crop: FloatArray | None = None
    world: WorldMotion | None = None

    def __post_init__(self) -> None:
        o = "SmplSequence"
        _set(self, "frames", _check(o, "frames", self.frames, (None,), np.int64))
        _set(self, "times", _check(o, "times", self.times, (None,), np.float64))
        _set(
            self,
            "global_orient",
            _check(o, "global_orient", self.global_orient, (None, 3), np.float64),
        )
        _set(
            self,
            "body_pose",
            _check(o, "body_pose", self.body_pose, (None, NUM_BODY_JOINTS, 3), np.float64),
        )
        _set(self, "betas", _check(o, "betas", self.betas, (NUM_BETAS,), np.float64))
        _set(self, "transl", _check(o, "transl", self.transl, (None, 3), np.float64))
        _set(self, "observed", _check(o, "observed", self.observed, (None,), np.bool_))
        _set(self, "boxes", _check(o, "boxes", self.boxes, (None, 4), np.float32))
        _set(self, "scores", _check(o, "scores", self.scores, (None,), np.float32))
        rows = dict(
            times=self.times,
            global_orient=self.global_orient,
            body_pose=self.body_pose,
            transl=self.transl,
            observed=self.observed,
            boxes=self.boxes,
            scores=self.scores,
        )
        if self.frame_betas is not None:
            fb = _check(o, "frame_betas", self.frame_betas, (None, NUM_BETAS), np.float64)
            _set(self, "frame_betas", fb)
            rows["frame_betas"] = fb
        if self.cam_crop is not None:
            cc = _check(o, "cam_crop", self.cam_crop, (None, 3), np.float64)
            _set(self, "cam_crop", cc)
            rows["cam_crop"] = cc
        if self.world is not None:
            rows["world.transl"] = self.world.transl
        _same_length(o, len(self.frames), **rows)
        if len(self.frames) == 0:
            raise ValueError(f"{o}.frames: a sequence needs at least one frame")
        if len(self.frames) > 1 and not np.all(np.diff(self.frames) > 0):
            raise ValueError(f"{o}.frames: must be strictly increasing")

    def __len__(self) -> int:
        return len(self.frames)

    @property
    def poses(self) -> FloatArray:
        """(T, 24, 3) axis-angle of all joints (global_orient first)."""
        return np.concatenate([self.global_orient[:, None, :], self.body_pose], axis=1)


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


@dataclass(frozen=True, eq=False)
class SmplModelData:
    """The numbers of an SMPL body model that exporters need (numpy; no torch, no smplx).

    Attributes:
        v_template: (V, 3) float64 template vertices in metres (SMPL canonical frame, y up).
        shapedirs: (V, 3, B) float64 shape blend shapes (B >= 10).
        posedirs: (V, 3, 207) float64 pose blend shapes (None when not needed).
        j_regressor: (24, V) float64 dense joint regressor.
        weights: (V, 24) float64 skinning weights (rows sum to 1).
        faces: (F, 3) int64 triangle vertex indices.
        parents: (24,) int64 kinematic tree, parents[0] == -1.
        source: where the model came from (file path or "synthetic"), for messages and provenance.
    """

    v_template: FloatArray
    shapedirs: FloatArray
    j_regressor: FloatArray
    weights: FloatArray
    faces: IntArray
    parents: IntArray
    posedirs: FloatArray | None = None
    source: str = ""

    def __post_init__(self) -> None:
        o = "SmplModelData"
        v = _check(o, "v_template", self.v_template, (None, 3), np.float64)
        nv = v.shape[0]
        _set(self, "v_template", v)
        _set(self, "shapedirs", _check(o, "shapedirs", self.shapedirs, (nv, 3, None), np.float64))
        _set(
            self,
            "j_regressor",
            _check(o, "j_regressor", self.j_regressor, (NUM_SMPL_JOINTS, nv), np.float64),
        )
        _set(self, "weights", _check(o, "weights", self.weights, (nv, NUM_SMPL_JOINTS), np.float64))
        _set(self, "faces", _check(o, "faces", self.faces, (None, 3), np.int64))
        _set(self, "parents", _check(o, "parents", self.parents, (NUM_SMPL_JOINTS,), np.int64))
        if self.posedirs is not None:
            _set(self, "posedirs", _check(o, "posedirs", self.posedirs, (nv, 3, None), np.float64))
        if self.shapedirs.shape[2] < NUM_BETAS:
            raise ValueError(
                f"{o}.shapedirs: needs >= {NUM_BETAS} components, got {self.shapedirs.shape[2]}"
            )

    @property
    def num_vertices(self) -> int:
        return int(self.v_template.shape[0])

    def shaped_vertices(self, betas: FloatArray) -> FloatArray:
        """(V, 3) rest-pose vertices for ``betas`` (B,) (B <= shapedirs components)."""
        b = np.asarray(betas, dtype=np.float64)
        return self.v_template + self.shapedirs[:, :, : b.shape[0]] @ b

    def rest_joints(self, betas: FloatArray) -> FloatArray:
        """(24, 3) rest-pose joint positions in metres for ``betas``; they never depend on pose."""
        return self.j_regressor @ self.shaped_vertices(betas)


@dataclass(frozen=True)
class Provenance:
    """Where a result came from.

    Attributes:
        variant: CLIFF backbone, ``"hr48"`` or ``"res50"`` (empty for synthetic data).
        checkpoint_sha256: sha256 hex digest of the checkpoint file.
        version: cliffmocap version that produced the result.
        smpl_model: SMPL model file used for rest poses and meshes (name only).
    """

    variant: str = ""
    checkpoint_sha256: str = ""
    version: str = ""
    smpl_model: str = ""


@dataclass(frozen=True, eq=False)
class MotionSet:
    """Everything the exporters need for one video.

    Attributes:
        video: the source video.
        camera: intrinsics used to place people in the camera frame.
        people: one sequence per person, ordered by track id.
        frame_times: (F,) float64 time of every decoded frame (F = number of decoded frames).
        body: the SMPL model data for rest poses and meshes (None when no model file was given).
        provenance: model variant, checkpoint hash and version.
        grounding: floor and camera pose when the motion was grounded (``mocap.ground``); then
            every person carries its world motion in ``SmplSequence.world``.
    """

    video: VideoInfo
    camera: CameraIntrinsics
    people: tuple[SmplSequence, ...]
    frame_times: FloatArray
    body: SmplModelData | None = None
    provenance: Provenance = field(default_factory=Provenance)
    grounding: Grounding | None = None

    def __post_init__(self) -> None:
        _set(self, "people", tuple(self.people))
        _set(
            self,
            "frame_times",
            _check("MotionSet", "frame_times", self.frame_times, (None,), np.float64),
        )
        ids = [p.track_id for p in self.people]
        if self.grounding is not None and any(p.world is None for p in self.people):
            raise ValueError("MotionSet.grounding: every person needs its world motion")
        if len(set(ids)) != len(ids):
            raise ValueError(f"MotionSet.people: track ids must be unique, got {ids}")
        n = len(self.frame_times)
        for p in self.people:
            if len(p) and (p.frames[0] < 0 or p.frames[-1] >= n):
                raise ValueError(
                    f"MotionSet.people: track {p.track_id} has frames "
                    f"{p.frames[0]}..{p.frames[-1]} "
                    f"outside the {n} decoded frames"
                )

    @property
    def num_frames(self) -> int:
        return len(self.frame_times)

    @property
    def fps(self) -> float:
        return self.video.fps

    @property
    def world_from_camera(self) -> FloatArray | None:
        """(4, 4) camera -> world transform when grounded, else None."""
        return None if self.grounding is None else self.grounding.world_from_camera
