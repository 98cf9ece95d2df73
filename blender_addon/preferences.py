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

    def draw(self, context):
        self.layout.prop(self, "smpl_model_path")
        self.layout.label(text="Register at smpl.is.tue.mpg.de to download the SMPL model.")


def smpl_model_path(context) -> str:
    addon = context.preferences.addons.get(__package__)
    return addon.preferences.smpl_model_path if addon else ""
