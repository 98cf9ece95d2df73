"""Joining per-detection CLIFF results to tracks: the rows of every person's SmplSequence.

Observed rows of a track are looked up by (frame, detection index); rows the tracker filled get
slerped pose and linearly interpolated translation, crop camera and per-frame betas from their
observed neighbours in time; each person's shape is a trimmed mean of the observed per-frame betas.
"""

from __future__ import annotations

import numpy as np

from mocap.interpolate import interp_linear, interp_rotations
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
        keys = times[observed]
        poses_obs = np.concatenate([pred.global_orient[:, None], pred.body_pose], axis=1)
        poses = _keep_observed(interp_rotations(times, keys, poses_obs), observed, poses_obs)
        transl = _keep_observed(interp_linear(times, keys, pred.transl), observed, pred.transl)
        frame_betas = _keep_observed(interp_linear(times, keys, pred.betas), observed, pred.betas)
        cam_crop = _keep_observed(
            interp_linear(times, keys, pred.cam_crop), observed, pred.cam_crop
        )
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


def _keep_observed(filled: np.ndarray, observed: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``filled`` (T, ...) with the observed rows set to exact copies of ``values``."""
    filled[observed] = values
    return filled
