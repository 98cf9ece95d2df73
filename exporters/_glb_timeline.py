"""Animation key times of a .glb: the video's frame timestamps and the STEP visibility keys."""

from __future__ import annotations

import logging

import numpy as np

from mocap.types import MotionSet

logger = logging.getLogger(__name__)


def key_times_of(motion: MotionSet) -> np.ndarray:
    """(F,) animation time of every video frame: the decoded timestamps ``motion.frame_times``.

    glTF needs strictly increasing, non-negative key times (after the float32 cast); a timeline
    that breaks this (broken container timestamps) falls back to ``frame / fps`` with a warning.
    """
    times = np.asarray(motion.frame_times, dtype=np.float64)
    as_f32 = times.astype(np.float32)
    if len(times) and (as_f32[0] < 0 or np.any(np.diff(as_f32) <= 0)):
        logger.warning(
            "%s: frame timestamps are not strictly increasing; animation keys use frame / fps",
            motion.video.path,
        )
        return np.arange(len(times)) / float(motion.fps)
    return times


def visibility_keys(frames: np.ndarray, frame_times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """STEP keys of the root scale: 1 on tracked runs of frames, 0 before, between and after.

    Args:
        frames: (T,) strictly increasing tracked frame indices.
        frame_times: (F,) seconds of every decoded frame.

    Returns:
        times: (K,) float64 key times, strictly increasing.
        scales: (K,) 0.0 or 1.0.
    """
    times: list[float] = []
    scales: list[float] = []
    if frames[0] > 0:
        times.append(float(frame_times[0]))
        scales.append(0.0)
    run_starts = np.concatenate([[0], np.flatnonzero(np.diff(frames) > 1) + 1])
    run_ends = np.concatenate([run_starts[1:] - 1, [len(frames) - 1]])
    for start, end in zip(run_starts, run_ends, strict=True):
        times.append(float(frame_times[frames[start]]))
        scales.append(1.0)
        after = frames[end] + 1
        if after < len(frame_times):
            times.append(float(frame_times[after]))
            scales.append(0.0)
    return np.asarray(times), np.asarray(scales)
