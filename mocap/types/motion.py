"""Types of the result: SMPL sequences, world motion and grounding, the body model data, the
motion set of a video with its provenance."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mocap.types.base import (
    NUM_BETAS,
    NUM_BODY_JOINTS,
    NUM_SMPL_JOINTS,
    BoolArray,
    FloatArray,
    IntArray,
    check_array,
    check_same_length,
    set_frozen,
)
from mocap.types.frames import CameraIntrinsics, VideoInfo


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
        set_frozen(
            self,
            "global_orient",
            check_array(o, "global_orient", self.global_orient, (None, 3), np.float64),
        )
        set_frozen(
            self,
            "body_pose",
            check_array(o, "body_pose", self.body_pose, (None, NUM_BODY_JOINTS, 3), np.float64),
        )
        set_frozen(self, "transl", check_array(o, "transl", self.transl, (None, 3), np.float64))
        set_frozen(
            self,
            "foot_contact",
            check_array(o, "foot_contact", self.foot_contact, (None, 2), np.bool_),
        )
        check_same_length(
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
        m = check_array(
            "Grounding", "world_from_camera", self.world_from_camera, (4, 4), np.float64
        )
        rot = m[:3, :3]
        if not np.allclose(rot @ rot.T, np.eye(3), atol=1e-6) or abs(np.linalg.det(rot) - 1) > 1e-6:
            raise ValueError("Grounding.world_from_camera: the 3x3 part must be a rotation")
        set_frozen(self, "world_from_camera", m)

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
        set_frozen(self, "frames", check_array(o, "frames", self.frames, (None,), np.int64))
        set_frozen(self, "times", check_array(o, "times", self.times, (None,), np.float64))
        set_frozen(
            self,
            "global_orient",
            check_array(o, "global_orient", self.global_orient, (None, 3), np.float64),
        )
        set_frozen(
            self,
            "body_pose",
            check_array(o, "body_pose", self.body_pose, (None, NUM_BODY_JOINTS, 3), np.float64),
        )
        set_frozen(self, "betas", check_array(o, "betas", self.betas, (NUM_BETAS,), np.float64))
        set_frozen(self, "transl", check_array(o, "transl", self.transl, (None, 3), np.float64))
        set_frozen(self, "observed", check_array(o, "observed", self.observed, (None,), np.bool_))
        set_frozen(self, "boxes", check_array(o, "boxes", self.boxes, (None, 4), np.float32))
        set_frozen(self, "scores", check_array(o, "scores", self.scores, (None,), np.float32))
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
            fb = check_array(o, "frame_betas", self.frame_betas, (None, NUM_BETAS), np.float64)
            set_frozen(self, "frame_betas", fb)
            rows["frame_betas"] = fb
        if self.cam_crop is not None:
            cc = check_array(o, "cam_crop", self.cam_crop, (None, 3), np.float64)
            set_frozen(self, "cam_crop", cc)
            rows["cam_crop"] = cc
        if self.world is not None:
            rows["world.transl"] = self.world.transl
        check_same_length(o, len(self.frames), **rows)
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
        v = check_array(o, "v_template", self.v_template, (None, 3), np.float64)
        nv = v.shape[0]
        set_frozen(self, "v_template", v)
        set_frozen(
            self,
            "shapedirs",
            check_array(o, "shapedirs", self.shapedirs, (nv, 3, None), np.float64),
        )
        set_frozen(
            self,
            "j_regressor",
            check_array(o, "j_regressor", self.j_regressor, (NUM_SMPL_JOINTS, nv), np.float64),
        )
        set_frozen(
            self,
            "weights",
            check_array(o, "weights", self.weights, (nv, NUM_SMPL_JOINTS), np.float64),
        )
        set_frozen(self, "faces", check_array(o, "faces", self.faces, (None, 3), np.int64))
        set_frozen(
            self, "parents", check_array(o, "parents", self.parents, (NUM_SMPL_JOINTS,), np.int64)
        )
        if self.posedirs is not None:
            set_frozen(
                self,
                "posedirs",
                check_array(o, "posedirs", self.posedirs, (nv, 3, None), np.float64),
            )
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
        set_frozen(self, "people", tuple(self.people))
        set_frozen(
            self,
            "frame_times",
            check_array("MotionSet", "frame_times", self.frame_times, (None,), np.float64),
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
