"""2D keypoints: the J24 order of CLIFF's pseudo-GT files, mapping tables from COCO-17, MPII-16 and
OpenPose-25 (as data), and the COCO keypoint JSON reader."""

from mocap.keypoints.coco import (
    ImageKeypoints,
    KeypointFileError,
    PersonKeypoints,
    read_coco_keypoints,
)
from mocap.keypoints.mapping import KeypointFormatError, drawing_layout, to_j24, without_hips
from mocap.keypoints.tables import J24_NAMES, KEYPOINT_FORMATS, NUM_J24

__all__ = [
    "J24_NAMES",
    "KEYPOINT_FORMATS",
    "NUM_J24",
    "ImageKeypoints",
    "KeypointFileError",
    "KeypointFormatError",
    "PersonKeypoints",
    "drawing_layout",
    "read_coco_keypoints",
    "to_j24",
    "without_hips",
]
