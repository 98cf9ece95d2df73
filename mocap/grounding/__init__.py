"""Grounding: floor, gravity and camera pose, foot contacts, depth pinned by the feet, foot locking.

``ground(motion)`` is a pure step on a camera-frame :class:`mocap.types.MotionSet` (static camera);
see :mod:`mocap.grounding.step`. Moving cameras are recognised by
:func:`mocap.grounding.camera_motion.detect_camera_motion` on the video's frames.

The names below are imported on first use: the pipeline needs only the camera-motion detector
while it streams, and the grounding step's imports (scipy's sparse solvers, about 1 s on a cold
start) would otherwise delay its first batch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mocap.grounding.camera_motion import (
        CameraMotion,
        CameraMotionDetector,
        detect_camera_motion,
    )
    from mocap.grounding.contacts import ContactLimits
    from mocap.grounding.step import GroundingSettings, ground

#: Public name -> the module that defines it.
_HOMES = {
    "CameraMotion": "camera_motion",
    "CameraMotionDetector": "camera_motion",
    "detect_camera_motion": "camera_motion",
    "ContactLimits": "contacts",
    "GroundingSettings": "step",
    "ground": "step",
}

__all__ = [
    "CameraMotion",
    "CameraMotionDetector",
    "ContactLimits",
    "GroundingSettings",
    "detect_camera_motion",
    "ground",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
