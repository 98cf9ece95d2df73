"""Read a cliffmocap ``.npz`` result (schema "cliffmocap/1", DESIGN.md) into per-person arrays.

Loaded with ``np.load(..., allow_pickle=False)``: a file holding object arrays is refused.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import ImportFailed

SCHEMA = "cliffmocap/1"
_ROW_KEYS = ("track_id", "frame", "global_orient", "body_pose", "transl")
_META_KEYS = ("schema", "fps", "num_frames", "image_size", "focal_length", "principal_point")


@dataclass(frozen=True)
class PersonMotion:
    """One tracked person.

    Attributes:
        track_id: the tracker's id.
        frames: (T,) int64 increasing video frame indices.
        pose: (T, 24, 3) axis-angle, radians (global_orient then body_pose), SMPL order.
        transl: (T, 3) metres, OpenCV camera frame.
        betas: (10,) body shape.
    """

    track_id: int
    frames: np.ndarray
    pose: np.ndarray
    transl: np.ndarray
    betas: np.ndarray


@dataclass(frozen=True)
class Motion:
    """Everything the importer needs from the file.

    Attributes:
        fps: frames per second (e.g. 29.97002997).
        num_frames: frames in the video.
        width, height: image size in pixels.
        fx, fy, cx, cy: pinhole intrinsics in pixels (origin at the top-left corner).
        video_path: the source video as written by the pipeline ('' when absent).
        people: one PersonMotion per track, in file order.
    """

    fps: float
    num_frames: int
    width: int
    height: int
    fx: float
    fy: float
    cx: float
    cy: float
    video_path: str
    people: list


def _scalar_str(value) -> str:
    arr = np.asarray(value)
    return str(arr.item()) if arr.size == 1 else ""


def load_motion_npz(path: Path) -> Motion:
    """Parse and check a cliffmocap/1 file.

    Raises:
        ImportFailed: unreadable file, wrong schema, missing keys or inconsistent shapes.
    """
    try:
        with np.load(path, allow_pickle=False) as data:
            raw = {k: data[k] for k in data.files}
    except (OSError, ValueError, EOFError) as exc:
        raise ImportFailed(f"cannot read '{path}' as a cliffmocap .npz: {exc}") from None
    schema = _scalar_str(raw.get("schema", ""))
    if schema != SCHEMA:
        raise ImportFailed(
            f"'{path}' has schema '{schema}', expected '{SCHEMA}' (a cliffmocap .npz)"
        )
    missing = [k for k in _ROW_KEYS + _META_KEYS + ("track_ids", "betas") if k not in raw]
    if missing:
        raise ImportFailed(
            f"'{path}' lacks keys {', '.join(missing)}; re-export it with cliffmocap"
        )
    try:
        track = raw["track_id"].astype(np.int64).reshape(-1)
        frame = raw["frame"].astype(np.int64).reshape(-1)
        n = len(track)
        pose = np.concatenate(
            [raw["global_orient"].reshape(n, 1, 3), raw["body_pose"].reshape(n, 23, 3)], axis=1
        ).astype(np.float64)
        transl = raw["transl"].astype(np.float64).reshape(n, 3)
        ids = raw["track_ids"].astype(np.int64).reshape(-1)
        betas = raw["betas"].astype(np.float64).reshape(len(ids), -1)
        w, h = (int(v) for v in raw["image_size"].reshape(2))
        fx, fy = (float(v) for v in raw["focal_length"].reshape(2))
        cx, cy = (float(v) for v in raw["principal_point"].reshape(2))
        fps = float(np.asarray(raw["fps"]).reshape(()))
        num_frames = int(np.asarray(raw["num_frames"]).reshape(()))
    except (ValueError, TypeError) as exc:
        raise ImportFailed(f"'{path}' has inconsistent array shapes ({exc})") from None
    if len(frame) != n:
        raise ImportFailed(f"'{path}': {n} track_id rows but {len(frame)} frame rows")
    if not (fps > 0 and w > 0 and h > 0 and fx > 0 and fy > 0 and num_frames > 0):
        raise ImportFailed(
            f"'{path}': invalid metadata fps={fps}, size={w}x{h}, focal=({fx}, {fy}), "
            f"num_frames={num_frames}"
        )
    if n and (frame.min() < 0 or frame.max() >= num_frames):
        raise ImportFailed(f"'{path}': frame indices outside 0..{num_frames - 1}")
    people = []
    for i, tid in enumerate(ids):
        rows = np.flatnonzero(track == tid)
        rows = rows[np.argsort(frame[rows], kind="stable")]
        if len(rows) == 0:
            continue
        if np.any(np.diff(frame[rows]) == 0):
            raise ImportFailed(f"'{path}': track {tid} has two rows for the same frame")
        people.append(PersonMotion(int(tid), frame[rows], pose[rows], transl[rows], betas[i]))
    return Motion(
        fps, num_frames, w, h, fx, fy, cx, cy, _scalar_str(raw.get("video_path", "")), people
    )
