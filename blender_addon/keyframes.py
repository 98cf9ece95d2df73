"""Write F-curves in bulk (``foreach_set``): Blender 4.2 legacy and 4.4+ slotted actions."""

import numpy as np

# Keyframe.interpolation enum values (Blender RNA): CONSTANT = 0, LINEAR = 1.
INTERP_CONSTANT = 0
INTERP_LINEAR = 1


def _fcurve(action, obj, data_path: str, index: int, group: str):
    if hasattr(action, "fcurve_ensure_for_datablock"):  # Blender 4.4+ (slotted actions)
        return action.fcurve_ensure_for_datablock(obj, data_path, index=index, group_name=group)
    return action.fcurves.new(data_path, index=index, action_group=group)  # Blender 4.2/4.3


def add_keys(action, obj, data_path: str, frames, values, group: str, interpolation: int) -> None:
    """Key every component of a vector property at the given frames.

    Args:
        action: the object's assigned action.
        obj: the animated object (the datablock the slot is for).
        data_path: RNA path, e.g. ``pose.bones["pelvis"].rotation_quaternion``.
        frames: (K,) frame numbers.
        values: (K, C) one column per component (C = 3 or 4).
        group: F-curve group name (the bone name).
        interpolation: INTERP_CONSTANT or INTERP_LINEAR.
    """
    frames = np.asarray(frames, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    for c in range(values.shape[1]):
        fc = _fcurve(action, obj, data_path, c, group)
        points = fc.keyframe_points
        points.add(len(frames))
        co = np.stack([frames, values[:, c]], axis=1).astype(np.float32).ravel()
        points.foreach_set("co", co)
        points.foreach_set("interpolation", [interpolation] * len(frames))
        fc.update()


def visibility_keys(frames: np.ndarray, num_frames: int) -> tuple[np.ndarray, np.ndarray]:
    """Scale keys that show a person only on tracked frames (CONSTANT interpolation).

    Args:
        frames: (T,) increasing tracked frame indices.
        num_frames: frames in the video.

    Returns:
        (K,) key frames and (K,) scale values (1 = visible, 0 = collapsed to the root);
        a key on every frame where visibility changes, plus frame 0.
    """
    visible = np.zeros(num_frames, dtype=bool)
    visible[frames] = True
    change = np.flatnonzero(np.diff(visible.astype(np.int8))) + 1
    keys = np.concatenate([[0], change])
    return keys, visible[keys].astype(np.float64)
