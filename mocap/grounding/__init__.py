"""Grounding: floor, gravity and camera pose, foot contacts, depth pinned by the feet, foot locking.

``ground(motion)`` is a pure step on a camera-frame :class:`mocap.types.MotionSet` (static camera);
see :mod:`mocap.grounding.step`. Moving cameras are recognised by
:func:`mocap.grounding.camera_motion.detect_camera_motion` on the video's frames.
"""

from mocap.grounding.camera_motion import CameraMotion, CameraMotionDetector, detect_camera_motion
from mocap.grounding.contacts import ContactLimits
from mocap.grounding.step import GroundingSettings, ground

__all__ = [
    "CameraMotion",
    "CameraMotionDetector",
    "ContactLimits",
    "GroundingSettings",
    "detect_camera_motion",
    "ground",
]
