"""Keypoint orders as data: the 24-keypoint order of CLIFF's pseudo-GT files (J24) and the tables
that map COCO-17, MPII-16 and OpenPose BODY-25 onto it (docs/cliff_annotator.md §4).

J24 is SPIN's ``JOINT_NAMES[25:49]`` (the order of ``part`` and ``S`` in ``*_cliffGT.npz``). Each
source table lists, for every source keypoint in the source's own order, the J24 slot it fills, or
``None`` when J24 has no slot for it. Nothing here computes; :mod:`mocap.keypoints.mapping` applies
the tables.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

#: The 24 keypoint names in J24 order (SPIN constants.JOINT_NAMES[25:49]).
J24_NAMES: Final[tuple[str, ...]] = (
    "right_ankle",
    "right_knee",
    "right_hip",
    "left_hip",
    "left_knee",
    "left_ankle",
    "right_wrist",
    "right_elbow",
    "right_shoulder",
    "left_shoulder",
    "left_elbow",
    "left_wrist",
    "neck_lsp",
    "head_top_lsp",
    "pelvis_mpii",
    "thorax_mpii",
    "spine_h36m",
    "jaw_h36m",
    "head_h36m",
    "nose",
    "left_eye",
    "right_eye",
    "left_ear",
    "right_ear",
)
NUM_J24: Final = len(J24_NAMES)

#: COCO-17 keypoint names in COCO's order (the ``categories[0].keypoints`` of person_keypoints).
COCO17_NAMES: Final[tuple[str, ...]] = (
    "nose",
    "left_eye",
    "right_eye",
    "left_ear",
    "right_ear",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
)

#: MPII-16 joint names in MPII's order (joint ids 0..15 of the MPII annotation).
MPII16_NAMES: Final[tuple[str, ...]] = (
    "right_ankle",
    "right_knee",
    "right_hip",
    "left_hip",
    "left_knee",
    "left_ankle",
    "pelvis",
    "thorax",
    "upper_neck",
    "head_top",
    "right_wrist",
    "right_elbow",
    "right_shoulder",
    "left_shoulder",
    "left_elbow",
    "left_wrist",
)

#: OpenPose BODY_25 names in OpenPose's order.
OPENPOSE25_NAMES: Final[tuple[str, ...]] = (
    "nose",
    "neck",
    "right_shoulder",
    "right_elbow",
    "right_wrist",
    "left_shoulder",
    "left_elbow",
    "left_wrist",
    "mid_hip",
    "right_hip",
    "right_knee",
    "right_ankle",
    "left_hip",
    "left_knee",
    "left_ankle",
    "right_eye",
    "left_eye",
    "right_ear",
    "left_ear",
    "left_big_toe",
    "left_small_toe",
    "left_heel",
    "right_big_toe",
    "right_small_toe",
    "right_heel",
)

#: COCO-17 index -> J24 slot (SPIN datasets/preprocess/coco.py: part[[19,20,21,22,23,9,8,10,7,11,
#: 6,3,2,4,1,5,0]] = coco17).
COCO17_TO_J24: Final[tuple[int | None, ...]] = (
    19,
    20,
    21,
    22,
    23,
    9,
    8,
    10,
    7,
    11,
    6,
    3,
    2,
    4,
    1,
    5,
    0,
)

#: MPII-16 index -> J24 slot (SPIN datasets/preprocess/mpii.py: part[[0,1,2,3,4,5,14,15,12,13,6,7,
#: 8,9,10,11]] = mpii16). MPII's "upper neck" fills LSP's neck slot 12, "head top" slot 13.
MPII16_TO_J24: Final[tuple[int | None, ...]] = (
    0,
    1,
    2,
    3,
    4,
    5,
    14,
    15,
    12,
    13,
    6,
    7,
    8,
    9,
    10,
    11,
)

#: OpenPose BODY_25 index -> J24 slot, exact correspondences only (SPIN read_openpose op_to_12 for
#: the limbs; nose/eyes/ears are the same model points in SPIN's JOINT_MAP). OpenPose's neck and
#: mid-hip are different joints from LSP's neck and MPII's pelvis (SPIN maps them to SMPL 12 and
#: SMPL 0), so they get no slot here; feet have no J24 slot.
OPENPOSE25_TO_J24: Final[tuple[int | None, ...]] = (
    19,  # nose
    None,  # neck (approximately LSP neck 12; not the same joint)
    8,
    7,
    6,
    9,
    10,
    11,
    None,  # mid-hip (approximately MPII pelvis 14; not the same joint)
    2,
    1,
    0,
    3,
    4,
    5,
    21,  # right eye
    20,  # left eye
    23,  # right ear
    22,  # left ear
    None,
    None,
    None,
    None,
    None,
    None,
)

#: Known source orders: name -> (source keypoint names, source index -> J24 slot).
KEYPOINT_FORMATS: Final = MappingProxyType(
    {
        "coco17": (COCO17_NAMES, COCO17_TO_J24),
        "mpii16": (MPII16_NAMES, MPII16_TO_J24),
        "openpose25": (OPENPOSE25_NAMES, OPENPOSE25_TO_J24),
    }
)

#: J24 slots whose 2D labels EFT ignores because COCO's hips are not SMPL's hips
#: (eft/train/eftFitter.py, ``eft_withHip2D`` off): right hip, left hip, MPII pelvis.
HIP_SLOTS: Final[tuple[int, ...]] = (2, 3, 14)

#: J24 slot whose label decides the drawing layout of CLIFF's common/skeleton_drawer.py: the MPII
#: limb layout when ``part[HEAD_TOP_SLOT, 2] > 0`` (only MPII labels the head top), else COCO's.
HEAD_TOP_SLOT: Final = 13
