"""The lossless result file (.npz, schema ``cliffmocap/1``) and its reader.

Long format: one row per person per frame, plus per-person and per-video metadata (DESIGN.md,
"The .npz result"). Strings are stored as unicode arrays so ``np.load(path, allow_pickle=False)``
reads everything. Two keys beyond the DESIGN list make the file self-contained for
``read_npz``: ``frame_times`` (F,) seconds of every decoded frame and ``video_path``.

A grounded motion (``mocap.ground``) adds the world keys of DESIGN.md (``world_from_camera``,
``foot_contact``, ``world_global_orient``, ``world_body_pose``, ``world_transl``) and the fit's
``grounding_confidence``, ``grounding_assumption`` and ``grounding_evidence``; the camera-frame
keys keep their meaning either way.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from exporters._output import atomic_path, write_npz_file
from mocap.errors import NpzReadError
from mocap.types import (
    NUM_BETAS,
    CameraIntrinsics,
    Grounding,
    MotionSet,
    Provenance,
    SmplSequence,
    VideoInfo,
    WorldMotion,
)

SCHEMA = "cliffmocap/1"

ROW_KEYS = ("track_id", "frame", "time", "global_orient", "body_pose", "transl", "frame_betas",
            "cam_crop", "box", "score", "observed")  # fmt: skip
"""Keys with one entry per (person, frame) row."""


def _crop_camera(seq: SmplSequence) -> np.ndarray:
    """(T, 3) weak-perspective crop camera of ``seq``, NaN when it is unknown."""
    return seq.cam_crop if seq.cam_crop is not None else np.full((len(seq), 3), np.nan)


def motion_arrays(motion: MotionSet) -> dict[str, np.ndarray]:
    """The ``cliffmocap/1`` arrays of ``motion`` (rows ordered by person, then frame)."""
    cam, prov, people = motion.camera, motion.provenance, motion.people

    def rows(get, width: tuple[int, ...], dtype) -> np.ndarray:
        parts = [np.asarray(get(p), dtype=dtype).reshape(len(p), *width) for p in people]
        return np.concatenate(parts) if parts else np.zeros((0, *width), dtype)

    return {
        "schema": np.array(SCHEMA),
        "fps": np.array(float(motion.fps)),
        "num_frames": np.array(motion.num_frames, dtype=np.int64),
        "image_size": np.array([cam.width, cam.height], dtype=np.int64),
        "focal_length": np.array([cam.fx, cam.fy]),
        "principal_point": np.array([cam.cx, cam.cy]),
        "variant": np.array(prov.variant),
        "checkpoint_sha256": np.array(prov.checkpoint_sha256),
        "version": np.array(prov.version),
        "video_path": np.array(str(motion.video.path)),
        "frame_times": np.asarray(motion.frame_times, dtype=np.float64),
        "track_id": rows(lambda p: np.full(len(p), p.track_id), (), np.int64),
        "frame": rows(lambda p: p.frames, (), np.int64),
        "time": rows(lambda p: p.times, (), np.float64),
        "global_orient": rows(lambda p: p.global_orient, (3,), np.float64),
        "body_pose": rows(lambda p: p.body_pose, (23, 3), np.float64),
        "transl": rows(lambda p: p.transl, (3,), np.float64),
        "frame_betas": rows(
            lambda p: p.frame_betas if p.frame_betas is not None else np.tile(p.betas, (len(p), 1)),
            (NUM_BETAS,),
            np.float64,
        ),
        "cam_crop": rows(lambda p: _crop_camera(p), (3,), np.float64),
        "box": rows(lambda p: p.boxes, (4,), np.float32),
        "score": rows(lambda p: p.scores, (), np.float32),
        "observed": rows(lambda p: p.observed, (), np.bool_),
        "track_ids": np.array([p.track_id for p in people], dtype=np.int64),
        "betas": np.array([p.betas for p in people], dtype=np.float64).reshape(
            len(people), NUM_BETAS
        ),
        **grounding_arrays(motion, rows),
    }


def grounding_arrays(motion: MotionSet, rows: Any) -> dict[str, np.ndarray]:
    """The grounded world motion's keys (DESIGN.md; empty when the motion is not grounded)."""
    g = motion.grounding
    if g is None:
        return {}

    def world(p: SmplSequence) -> WorldMotion:
        assert p.world is not None  # MotionSet checks that grounded people carry it
        return p.world

    return {
        "world_from_camera": np.asarray(g.world_from_camera, dtype=np.float64),
        "grounding_confidence": np.array(float(g.confidence)),
        "grounding_assumption": np.array(g.assumption),
        "grounding_evidence": np.array(int(g.evidence), dtype=np.int64),
        "foot_contact": rows(lambda p: world(p).foot_contact, (2,), np.bool_),
        "world_global_orient": rows(lambda p: world(p).global_orient, (3,), np.float64),
        "world_body_pose": rows(lambda p: world(p).body_pose, (23, 3), np.float64),
        "world_transl": rows(lambda p: world(p).transl, (3,), np.float64),
    }


def _grounding(a: dict[str, np.ndarray]) -> Grounding | None:
    if "world_from_camera" not in a:
        return None
    return Grounding(
        world_from_camera=a["world_from_camera"],
        confidence=float(a.get("grounding_confidence", 1.0)),
        assumption=str(a.get("grounding_assumption", "")),
        evidence=int(a.get("grounding_evidence", 0)),
    )


def _world_rows(a: dict[str, np.ndarray], sel: np.ndarray) -> WorldMotion | None:
    if "world_from_camera" not in a:
        return None
    return WorldMotion(
        global_orient=a["world_global_orient"][sel],
        body_pose=a["world_body_pose"][sel],
        transl=a["world_transl"][sel],
        foot_contact=a["foot_contact"][sel],
    )


def write_npz(
    motion: MotionSet, path: str | Path, overwrite: bool = False, compress: bool = True
) -> Path:
    """Write ``motion`` as a ``cliffmocap/1`` .npz (works without the SMPL model).

    Args:
        motion: the result to store.
        path: output ``.npz`` file.
        overwrite: replace an existing file.
        compress: zip-deflate the arrays (smaller, a little slower).

    Returns:
        The path written.
    """
    path = Path(path)
    arrays = motion_arrays(motion)
    with atomic_path(path, overwrite) as tmp:
        write_npz_file(tmp, arrays, compress)
    return path


def read_npz_arrays(path: str | Path) -> dict[str, np.ndarray]:
    """All arrays of a ``cliffmocap/1`` file (loaded with ``allow_pickle=False``).

    Raises:
        NpzReadError: unreadable file, object arrays, another schema, or missing keys.
    """
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise NpzReadError(f"cannot read '{path}' as a cliffmocap .npz: {exc}") from exc
    schema = str(arrays.get("schema", ""))
    if schema != SCHEMA:
        raise NpzReadError(
            f"'{path}' has schema {schema or 'none'!r}, expected {SCHEMA!r}; "
            "write it with cliffmocap (exporters.write(motion, 'out.npz'))"
        )
    missing = [k for k in (*ROW_KEYS, "track_ids", "betas", "fps", "num_frames", "image_size",
                           "focal_length", "principal_point") if k not in arrays]  # fmt: skip
    if missing:
        raise NpzReadError(
            f"'{path}' lacks keys {missing}; the file is truncated or not from cliffmocap"
        )
    return arrays


def read_npz(path: str | Path) -> MotionSet:
    """Read a ``cliffmocap/1`` file back into a ``MotionSet`` (``body`` is None).

    Raises:
        NpzReadError: see ``read_npz_arrays``; also when the rows are inconsistent.
    """
    a = read_npz_arrays(path)
    fps = float(a["fps"])
    num_frames = int(a["num_frames"])
    width, height = (int(v) for v in a["image_size"])
    frame_times = a["frame_times"] if "frame_times" in a else np.arange(num_frames) / fps
    people = []
    try:
        for tid, betas in zip(a["track_ids"], a["betas"], strict=True):
            sel = np.flatnonzero(a["track_id"] == tid)
            people.append(
                SmplSequence(
                    track_id=int(tid),
                    frames=a["frame"][sel],
                    times=a["time"][sel],
                    global_orient=a["global_orient"][sel],
                    body_pose=a["body_pose"][sel],
                    betas=betas,
                    transl=a["transl"][sel],
                    observed=a["observed"][sel],
                    boxes=a["box"][sel],
                    scores=a["score"][sel],
                    frame_betas=a["frame_betas"][sel],
                    cam_crop=None if np.isnan(a["cam_crop"][sel]).all() else a["cam_crop"][sel],
                    world=_world_rows(a, sel),
                )
            )
        video = VideoInfo(
            path=Path(str(a.get("video_path", ""))),
            width=width,
            height=height,
            fps=fps,
            num_frames=num_frames,
        )
        camera = CameraIntrinsics(
            fx=float(a["focal_length"][0]),
            fy=float(a["focal_length"][1]),
            cx=float(a["principal_point"][0]),
            cy=float(a["principal_point"][1]),
            width=width,
            height=height,
        )
        provenance = Provenance(
            variant=str(a.get("variant", "")),
            checkpoint_sha256=str(a.get("checkpoint_sha256", "")),
            version=str(a.get("version", "")),
        )
        return MotionSet(
            video=video,
            camera=camera,
            people=tuple(people),
            frame_times=frame_times,
            provenance=provenance,
            grounding=_grounding(a),
        )
    except (ValueError, KeyError) as exc:
        raise NpzReadError(f"'{path}' holds inconsistent data: {exc}") from exc
