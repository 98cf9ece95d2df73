"""Add-on preferences: where the user's licensed SMPL model file is."""

import bpy
from bpy.props import StringProperty


class CliffmocapPreferences(bpy.types.AddonPreferences):
    bl_idname = __package__

    smpl_model_path: StringProperty(
        name="SMPL model",
        description=(
            "SMPL body model (.pkl from 'SMPL for Python', or a converted .npz); needed to import "
            ".npz results. The model is licence-gated and never shipped with the add-on"
        ),
        subtype="FILE_PATH",
        default="",
    )

    cliffmocap_command: StringProperty(
        name="cliffmocap Command",
        description=(
            "How to start the cliffmocap command for 'cliffmocap from Video' (a path or a command "
            "line, e.g. /opt/cliffmocap/.venv/bin/cliffmocap); runs outside Blender's Python"
        ),
        default="cliffmocap",
    )

    def draw(self, context):
        self.layout.prop(self, "smpl_model_path")
        self.layout.prop(self, "cliffmocap_command")
        self.layout.label(text="Register at smpl.is.tue.mpg.de to download the SMPL model.")


def _prefs(context):
    addon = context.preferences.addons.get(__package__)
    return addon.preferences if addon else None


def smpl_model_path(context) -> str:
    prefs = _prefs(context)
    return prefs.smpl_model_path if prefs else ""


def cliffmocap_command(context) -> str:
    prefs = _prefs(context)
    return prefs.cliffmocap_command if prefs else "cliffmocap"
