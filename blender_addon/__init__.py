"""cliffmocap importer for Blender 4.2+: File > Import > cliffmocap (.glb/.npz).

Imports the results of the ``cliffmocap`` command: one animated, shaped SMPL character per
tracked person, the video's frame rate and frame range, and a camera with the video's
intrinsics (the video itself as the camera background when it is found).
"""

import bpy

from .operator_import import IMPORT_SCENE_OT_cliffmocap, menu_import
from .preferences import CliffmocapPreferences

_CLASSES = (CliffmocapPreferences, IMPORT_SCENE_OT_cliffmocap)


def register():
    for cls in _CLASSES:
        bpy.utils.register_class(cls)
    bpy.types.TOPBAR_MT_file_import.append(menu_import)


def unregister():
    bpy.types.TOPBAR_MT_file_import.remove(menu_import)
    for cls in reversed(_CLASSES):
        bpy.utils.unregister_class(cls)
