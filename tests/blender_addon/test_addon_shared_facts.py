"""The standalone add-on's copies of library facts equal the library's single definitions.

Blender cannot import ``mocap``, so the add-on keeps its own SMPL joint table and axis changes;
these tests fail as soon as either side changes without the other.
"""

import addon_synthetic as syn
import numpy as np
from addon_harness import load_addon_module

from exporters.skeleton import CAMERA_TO_YUP, CAMERA_TO_ZUP, YUP_TO_ZUP
from mocap.smpl_joints import SMPL_JOINT_NAMES, SMPL_PARENTS

smpl_model = load_addon_module("smpl_model")
addon_rotations = load_addon_module("rotations")


def test_addon_smpl_joint_table_equals_the_library():
    assert tuple(smpl_model.SMPL_JOINT_NAMES) == SMPL_JOINT_NAMES
    assert tuple(smpl_model.SMPL_PARENTS) == SMPL_PARENTS
    assert len(SMPL_JOINT_NAMES) == smpl_model.NUM_JOINTS


def test_library_smpl_joint_table_equals_the_independent_test_copy():
    assert list(SMPL_JOINT_NAMES) == syn.JOINT_NAMES
    assert list(SMPL_PARENTS) == syn.PARENTS.tolist()


def test_addon_axis_changes_equal_the_library():
    np.testing.assert_array_equal(addon_rotations.CV_TO_GLTF, CAMERA_TO_YUP)
    np.testing.assert_array_equal(addon_rotations.Y_UP_TO_Z_UP, YUP_TO_ZUP)
    np.testing.assert_array_equal(addon_rotations.CV_TO_BLENDER, CAMERA_TO_ZUP)
