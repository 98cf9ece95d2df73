"""cliffmocap importer for Blender 4.2+: File > Import > cliffmocap (.glb/.npz/.fbx/.bvh).

Imports the results of the ``cliffmocap`` command: one animated, shaped SMPL character per
tracked person, the video's frame rate and frame range, and a camera with the video's
intrinsics (the video itself as the camera background when it is found).
3D View > Sidebar > cliffmocap > Retarget puts an imported person's motion on your own armature.
"""

import bpy

from . import operator_retarget
from .operator_capture import IMPORT_SCENE_OT_cliffmocap_video, menu_capture
from .operator_import import IMPORT_SCENE_OT_cliffmocap, menu_import
from .preferences import CliffmocapPreferences

_CLASSES = (CliffmocapPreferences, IMPORT_SCENE_OT_cliffmocap, IMPORT_SCENE_OT_cliffmocap_video)
_MENUS = (menu_import, menu_capture)


def register():
    for cls in _CLASSES:
        bpy.utils.register_class(cls)
    for menu in _MENUS:
        bpy.types.TOPBAR_MT_file_import.append(menu)
    operator_retarget.register()


def unregister():
    operator_retarget.unregister()
    for menu in reversed(_MENUS):
        bpy.types.TOPBAR_MT_file_import.remove(menu)
    for cls in reversed(_CLASSES):
        bpy.utils.unregister_class(cls)
