"""Joining per-detection CLIFF results to tracks: the rows of every person's SmplSequence.

Observed rows of a track are looked up by (frame, detection index); rows the tracker filled get
slerped pose and linearly interpolated translation, crop camera and per-frame betas from their
observed neighbours in time; each person's shape is a trimmed mean of the observed per-frame betas.
"""

from __future__ import annotations

import numpy as np

from mocap.prediction import CropPrediction
from mocap.types import NUM_BETAS, SmplSequence, Track

#: Share of the highest and of the lowest per-frame betas ignored when consolidating a
#: person's shape.
BETAS_TRIM = 0.2


class DetectionTable:
    """CLIFF results of every detection, keyed by (frame, index within the frame's Detections)."""

    def __init__(self) -> None:
        self._keys: list[np.ndarray] = []
        self._parts: list[CropPrediction] = []
        self._n = 0
        self._index: dict[tuple[int, int], int] | None = None
        self._rows: CropPrediction | None = None

    def __len__(self) -> int:
        return self._n

    def add(self, frames: np.ndarray, det_index: np.ndarray, pred: CropPrediction) -> None:
        """Rows of ``pred`` for detections (frames (N,), det_index (N,)); only the SMPL
        parameters are kept (no rotation matrices or features)."""
        self._keys.append(np.stack([frames, det_index], axis=1))
        self._parts.append(pred.smpl_only())
        self._n += len(frames)
        self._index = None

    def _build(self) -> None:
        keys = np.concatenate(self._keys) if self._keys else np.zeros((0, 2), np.int64)
        self._index = {(int(f), int(d)): i for i, (f, d) in enumerate(keys)}
        if self._parts:
            parts = self._parts

            def joined(field: str) -> np.ndarray:
                return np.concatenate([np.asarray(getattr(p, field), np.float64) for p in parts])

            self._rows = CropPrediction(
                global_orient=joined("global_orient"),
                body_pose=joined("body_pose"),
                betas=joined("betas"),
                cam_crop=joined("cam_crop"),
                transl=joined("transl"),
            )
        else:
            self._rows = CropPrediction(
                np.zeros((0, 3)),
                np.zeros((0, 23, 3)),
                np.zeros((0, 10)),
                np.zeros((0, 3)),
                np.zeros((0, 3)),
            )
        self._keys, self._parts = [np.asarray(keys)], [self._rows]

    def lookup(
        self, frames: np.ndarray, det_index: np.ndarray
    ) -> tuple[np.ndarray, CropPrediction]:
        """Rows for (frame, det index) pairs: (found (T,) bool, predictions for the found rows)."""
        if self._index is None:
            self._build()
        assert self._index is not None and self._rows is not None  # for type checkers
        rows = np.array(
            [self._index.get((int(f), int(d)), -1) for f, d in zip(frames, det_index, strict=True)],
            dtype=np.int64,
        )
        found = rows >= 0
        r = rows[found]
        p = self._rows
        return found, CropPrediction(
            p.global_orient[r], p.body_pose[r], p.betas[r], p.cam_crop[r], p.transl[r]
        )


def assemble_people(
    tracks: list[Track], table: DetectionTable, frame_times: np.ndarray
) -> list[SmplSequence]:
    """One ``SmplSequence`` per track: observed rows from ``table``, filled rows interpolated.

    Rows are observed where the track observed a detection that has a CLIFF result; every other
    row (gap filled by the tracker) gets slerped pose and linearly interpolated translation, crop
    camera and per-frame betas from its observed neighbours in time, and ``observed=False``.
    Tracks without any observed row are dropped.
    """
    people = []
    for track in sorted(tracks, key=lambda t: t.track_id):
        det_index = (
            track.detection_index
            if track.detection_index is not None
            else np.full(len(track), -1, np.int64)
        )
        candidate = track.observed & (det_index >= 0)
        found, pred = table.lookup(track.frames[candidate], det_index[candidate])
        observed = np.zeros(len(track), bool)
        observed[np.flatnonzero(candidate)[found]] = True
        if not observed.any():
            continue
        times = frame_times[track.frames]
        poses_obs = np.concatenate([pred.global_orient[:, None], pred.body_pose], axis=1)
        poses = _interp_rotations(times, observed, poses_obs)
        transl = _interp_linear(times, observed, pred.transl)
        frame_betas = _interp_linear(times, observed, pred.betas)
        cam_crop = _interp_linear(times, observed, pred.cam_crop)
        people.append(
            SmplSequence(
                track_id=int(track.track_id),
                frames=track.frames,
                times=times,
                global_orient=poses[:, 0],
                body_pose=poses[:, 1:],
                betas=consolidate_betas(pred.betas),
                transl=transl,
                observed=observed,
                boxes=track.boxes,
                scores=np.where(observed, track.scores, 0.0),
                frame_betas=frame_betas,
                cam_crop=cam_crop,
            )
        )
    return people


def consolidate_betas(frame_betas: np.ndarray) -> np.ndarray:
    """(10,) one shape for a person: trimmed mean of the per-frame betas (robust to outliers).

    For every coefficient the lowest and highest :data:`BETAS_TRIM` share of the frames are
    ignored and the rest averaged (with fewer than 1 / BETAS_TRIM frames nothing is trimmed).

    Args:
        frame_betas: (T, 10) betas predicted on the observed frames (T >= 1).
    """
    fb = np.sort(np.asarray(frame_betas, np.float64).reshape(-1, NUM_BETAS), axis=0)
    cut = int(BETAS_TRIM * len(fb))
    return fb[cut : len(fb) - cut].mean(axis=0)


def _neighbours(
    times: np.ndarray, observed: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For every row: index (into observed rows) of the previous and next observed row, and the
    interpolation weight of the next one (0 on observed rows and beyond the ends)."""
    t_obs = times[observed]
    nxt = np.searchsorted(t_obs, times, side="left").clip(0, len(t_obs) - 1)
    prv = (np.searchsorted(t_obs, times, side="right") - 1).clip(0, len(t_obs) - 1)
    span = t_obs[nxt] - t_obs[prv]
    alpha = np.where(span > 0, (times - t_obs[prv]) / np.where(span > 0, span, 1.0), 0.0)
    return prv, nxt, alpha.clip(0.0, 1.0)


def _interp_linear(times: np.ndarray, observed: np.ndarray, values: np.ndarray) -> np.ndarray:
    """(T, ...) rows of ``values`` (one per observed row) with the other rows interpolated."""
    prv, nxt, a = _neighbours(times, observed)
    a = a.reshape((-1,) + (1,) * (values.ndim - 1))
    out = (1.0 - a) * values[prv] + a * values[nxt]
    out[observed] = values  # exact copies, not (1 - 0) * x + 0 * y
    return out


def _interp_rotations(times: np.ndarray, observed: np.ndarray, rotvecs: np.ndarray) -> np.ndarray:
    """(T, J, 3) axis-angle: observed rows copied, the others slerped between observed
    neighbours."""
    out = np.empty((len(times), *rotvecs.shape[1:]), np.float64)
    out[observed] = rotvecs
    if observed.all():
        return out
    from mocap import rotations

    prv, nxt, a = _neighbours(times, observed)
    fill = ~observed
    q0 = rotations.axis_angle_to_quaternion(rotvecs[prv[fill]])
    q1 = rotations.axis_angle_to_quaternion(rotvecs[nxt[fill]])
    out[fill] = rotations.quaternion_to_axis_angle(_slerp(q0, q1, a[fill]))
    return out


def _slerp(q0: np.ndarray, q1: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Spherical interpolation of unit quaternions (..., 4) with weights ``a`` (N,) on axis 0."""
    dot = np.sum(q0 * q1, axis=-1, keepdims=True)
    q1 = np.where(dot < 0, -q1, q1)  # shortest arc
    dot = np.abs(dot).clip(0.0, 1.0)
    theta = np.arccos(dot)
    a = a.reshape((-1,) + (1,) * (q0.ndim - 1))
    sin = np.sin(theta)
    small = sin < 1e-6
    w0 = np.where(small, 1.0 - a, np.sin((1.0 - a) * theta) / np.where(small, 1.0, sin))
    w1 = np.where(small, a, np.sin(a * theta) / np.where(small, 1.0, sin))
    q = w0 * q0 + w1 * q1
    return q / np.linalg.norm(q, axis=-1, keepdims=True)
