"""Retarget a cliffmocap person onto the user's armature (3D View > Sidebar > cliffmocap).

Pick the imported person (source) and your armature (target), detect the bone map by name
(Rigify metarig, Mixamo, Unity Humanoid and Unreal names), edit it in the panel, save it as a
preset, then bake the motion onto the target: one rotation key per mapped bone per frame and the
hips' location (root motion scaled by the leg length ratio). Maths in ``retarget_math``.
"""

import os

import bpy
from bpy.props import CollectionProperty, EnumProperty, PointerProperty, StringProperty

from . import bone_map
from .retarget_bake import RetargetError, bake, source_frames
from .smpl_model import SMPL_JOINT_NAMES

PRESET_SUBDIR = os.path.join("presets", "cliffmocap_bone_maps")


def _is_armature(_self, obj) -> bool:
    return obj.type == "ARMATURE"


class CliffmocapBoneMapItem(bpy.types.PropertyGroup):
    joint: StringProperty(name="SMPL joint")
    bone: StringProperty(name="Bone", description="Target bone driven by this SMPL joint")


class CliffmocapRetargetSettings(bpy.types.PropertyGroup):
    source: PointerProperty(
        name="Source", type=bpy.types.Object, poll=_is_armature,
        description="The imported cliffmocap person (SMPL bone names)",
    )  # fmt: skip
    target: PointerProperty(
        name="Target", type=bpy.types.Object, poll=_is_armature,
        description="Your armature that receives the motion",
    )  # fmt: skip
    bone_map: CollectionProperty(type=CliffmocapBoneMapItem)
    convention: StringProperty(name="Detected naming", default="")
    preset_name: StringProperty(name="Preset", default="my_rig")


def preset_dir(create: bool = False) -> str:
    return bpy.utils.user_resource("SCRIPTS", path=PRESET_SUBDIR, create=create)


def _preset_items(_self, _context):
    folder = preset_dir()
    names = sorted(f[:-5] for f in os.listdir(folder) if f.endswith(".json")) if os.path.isdir(
        folder
    ) else []  # fmt: skip
    return [(n, n, "") for n in names] or [("", "(no presets)", "")]


def set_map(settings, mapping: dict) -> None:
    """Fill the panel's bone map (one row per SMPL joint) from ``{joint: bone}``."""
    settings.bone_map.clear()
    for joint in SMPL_JOINT_NAMES:
        item = settings.bone_map.add()
        item.joint, item.bone = joint, mapping.get(joint, "")


def get_map(settings) -> dict:
    return {item.joint: item.bone for item in settings.bone_map if item.bone}


class CLIFFMOCAP_OT_detect_bone_map(bpy.types.Operator):
    """Fill the bone map from the target armature's bone names"""

    bl_idname = "cliffmocap.detect_bone_map"
    bl_label = "Detect Bone Map"
    bl_options = {"REGISTER", "UNDO"}  # noqa: RUF012 (Blender reads a set)

    def execute(self, context):
        settings = context.scene.cliffmocap_retarget
        target = settings.target or context.active_object
        if target is None or target.type != "ARMATURE":
            self.report({"ERROR"}, "Choose a target armature first")
            return {"CANCELLED"}
        settings.target = target
        convention, mapping = bone_map.detect_bone_map([b.name for b in target.data.bones])
        set_map(settings, mapping)
        settings.convention = convention
        self.report({"INFO"}, f"{len(mapping)} of 24 joints mapped ({convention or 'no match'})")
        return {"FINISHED"}


class CLIFFMOCAP_OT_save_bone_map(bpy.types.Operator):
    """Save the bone map as a preset (a JSON file in Blender's user presets folder)"""

    bl_idname = "cliffmocap.save_bone_map"
    bl_label = "Save Bone Map Preset"

    def execute(self, context):
        settings = context.scene.cliffmocap_retarget
        name = bpy.path.clean_name(settings.preset_name) or "bone_map"
        path = os.path.join(preset_dir(create=True), name + ".json")
        with open(path, "w", encoding="utf-8") as f:
            f.write(bone_map.map_to_json(get_map(settings), name))
        self.report({"INFO"}, f"Saved {path}")
        return {"FINISHED"}


class CLIFFMOCAP_OT_load_bone_map(bpy.types.Operator):
    """Load a saved bone map preset"""

    bl_idname = "cliffmocap.load_bone_map"
    bl_label = "Load Bone Map Preset"
    bl_options = {"REGISTER", "UNDO"}  # noqa: RUF012 (Blender reads a set)

    preset: EnumProperty(name="Preset", items=_preset_items)

    def execute(self, context):
        path = os.path.join(preset_dir(), self.preset + ".json")
        try:
            with open(path, encoding="utf-8") as f:
                mapping = bone_map.map_from_json(f.read())
        except (OSError, ValueError) as e:
            self.report({"ERROR"}, f"Cannot load bone map {path}: {e}")
            return {"CANCELLED"}
        set_map(context.scene.cliffmocap_retarget, mapping)
        return {"FINISHED"}


class CLIFFMOCAP_OT_retarget(bpy.types.Operator):
    """Bake the source person's motion onto the target armature with the bone map"""

    bl_idname = "cliffmocap.retarget"
    bl_label = "Retarget Motion"
    bl_options = {"REGISTER", "UNDO"}  # noqa: RUF012 (Blender reads a set)

    def execute(self, context):
        settings = context.scene.cliffmocap_retarget
        source, target = settings.source, settings.target or context.active_object
        if source is None or target is None or source == target:
            self.report({"ERROR"}, "Choose the cliffmocap person (source) and your armature")
            return {"CANCELLED"}
        if not settings.bone_map:
            convention, mapping = bone_map.detect_bone_map([b.name for b in target.data.bones])
            set_map(settings, mapping)
            settings.convention = convention
        start, end = source_frames(source)
        try:
            keyed = bake(source, target, get_map(settings), range(start, end + 1))
        except RetargetError as e:
            self.report({"ERROR"}, str(e))
            return {"CANCELLED"}
        self.report({"INFO"}, f"Retargeted {keyed} frames onto {target.name}")
        return {"FINISHED"}


class VIEW3D_PT_cliffmocap_retarget(bpy.types.Panel):
    bl_label = "Retarget"
    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "cliffmocap"

    def draw(self, context):
        layout = self.layout
        settings = context.scene.cliffmocap_retarget
        layout.prop(settings, "source")
        layout.prop(settings, "target")
        layout.operator(CLIFFMOCAP_OT_detect_bone_map.bl_idname)
        if settings.convention:
            layout.label(text=f"Naming: {settings.convention}")
        target = settings.target
        box = layout.box()
        for item in settings.bone_map:
            row = box.row()
            row.label(text=item.joint)
            if target is not None and target.type == "ARMATURE":
                row.prop_search(item, "bone", target.data, "bones", text="")
            else:
                row.prop(item, "bone", text="")
        row = layout.row(align=True)
        row.prop(settings, "preset_name", text="")
        row.operator(CLIFFMOCAP_OT_save_bone_map.bl_idname, text="Save")
        layout.operator_menu_enum(CLIFFMOCAP_OT_load_bone_map.bl_idname, "preset")
        layout.operator(CLIFFMOCAP_OT_retarget.bl_idname, icon="ARMATURE_DATA")


CLASSES = (
    CliffmocapBoneMapItem,
    CliffmocapRetargetSettings,
    CLIFFMOCAP_OT_detect_bone_map,
    CLIFFMOCAP_OT_save_bone_map,
    CLIFFMOCAP_OT_load_bone_map,
    CLIFFMOCAP_OT_retarget,
    VIEW3D_PT_cliffmocap_retarget,
)


def register() -> None:
    for cls in CLASSES:
        bpy.utils.register_class(cls)
    bpy.types.Scene.cliffmocap_retarget = PointerProperty(type=CliffmocapRetargetSettings)


def unregister() -> None:
    del bpy.types.Scene.cliffmocap_retarget
    for cls in reversed(CLASSES):
        bpy.utils.unregister_class(cls)
