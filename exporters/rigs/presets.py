"""Rig presets: the skeletons animators' tools expect, as data (names, rest pose, bone axes).

Every preset maps each of SMPL's 24 joints (``mocap.smpl_joints``) to one bone of the target
skeleton, so the target hierarchy is SMPL's tree with the target's names (a subset of the target's
full skeleton: bones the target has and SMPL lacks, e.g. fingers or twist bones, are left out and
the target's retargeting tools treat them as absent). Facts and where they come from are written
next to each preset; ``exporters/rigs/checks.py`` turns the Unity and Unreal facts into checks.

Rest pose (what the target's importer expects to see in the bind pose):

* ``T`` — arms straight and horizontal, legs straight down (Mixamo, Unity Humanoid);
* ``A`` — arms straight, ``arm_down_deg`` below horizontal in the body's frontal plane, legs
  straight down (Unreal's mannequins, Blender's Rigify human metarig).

Spine, neck, head, collars and feet keep SMPL's rest directions (the person's own shape).

Bone axes: ``bone_axis`` is the local axis that points from a joint to its child in the rest pose
(``"Y"``: Blender, Mixamo FBX, Rigify; ``"X"``: Unreal). ``roll_axis`` is the local axis kept
closest to the character's forward direction (+z in the SMPL canonical frame, glTF's "front").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mocap.config import RIG_CHOICES
from mocap.errors import UsageError
from mocap.smpl_joints import SMPL_JOINT_NAMES

RestKind = Literal["smpl", "T", "A"]
Axis = Literal["X", "Y", "Z"]


@dataclass(frozen=True)
class RigPreset:
    """One target skeleton.

    Attributes:
        name: the ``rig`` setting's value.
        bone_names: (24,) target bone name of every SMPL joint, in SMPL joint order.
        root_bone: name of an extra top bone carrying the root motion on the floor (below the
            pelvis, under the armature), or None when the hips bone carries it.
        rest: ``smpl`` (SMPL's own rest, today's output), ``T`` or ``A`` (see the module docs).
        arm_down_deg: arm angle below horizontal in the rest pose (0 for ``T``).
        bone_axis: local axis along the bone (None: SMPL's identity rest frames, axes = world).
        roll_axis: local axis kept closest to the character's forward (+z) direction.
        sources: where the names, hierarchy and rest-pose facts come from.
    """

    name: str
    bone_names: tuple[str, ...]
    root_bone: str | None
    rest: RestKind
    arm_down_deg: float
    bone_axis: Axis | None
    roll_axis: Axis | None
    sources: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.bone_names) != len(SMPL_JOINT_NAMES):
            raise ValueError(f"rig {self.name}: one bone name per SMPL joint is needed")
        if len(set(self.bone_names)) != len(self.bone_names) or self.root_bone in self.bone_names:
            raise ValueError(f"rig {self.name}: bone names must be unique")


def _sided(names: tuple[str, ...], left: str, right: str) -> tuple[str, ...]:
    """Expand ``{s}`` in SMPL-ordered templates: SMPL's odd joints are left, even ones right.

    SMPL order alternates left/right from joint 1 on (left_hip, right_hip, ...); the centre
    joints (pelvis, spine*, neck, head) have no ``{s}``.
    """
    out = []
    for j, template in enumerate(names):
        side = left if SMPL_JOINT_NAMES[j].startswith("left_") else right
        out.append(template.format(s=side))
    return tuple(out)


_MIXAMO_TEMPLATE = (
    "Hips", "{s}UpLeg", "{s}UpLeg", "Spine", "{s}Leg", "{s}Leg", "Spine1", "{s}Foot", "{s}Foot",
    "Spine2", "{s}ToeBase", "{s}ToeBase", "Neck", "{s}Shoulder", "{s}Shoulder", "Head", "{s}Arm",
    "{s}Arm", "{s}ForeArm", "{s}ForeArm", "{s}Hand", "{s}Hand", "{s}HandMiddle1",
    "{s}HandMiddle1",
)  # fmt: skip
_UE5_TEMPLATE = (
    "pelvis", "thigh_{s}", "thigh_{s}", "spine_01", "calf_{s}", "calf_{s}", "spine_03",
    "foot_{s}", "foot_{s}", "spine_05", "ball_{s}", "ball_{s}", "neck_01", "clavicle_{s}",
    "clavicle_{s}", "head", "upperarm_{s}", "upperarm_{s}", "lowerarm_{s}", "lowerarm_{s}",
    "hand_{s}", "hand_{s}", "middle_01_{s}", "middle_01_{s}",
)  # fmt: skip
_UNITY_TEMPLATE = (
    "Hips", "{s}UpperLeg", "{s}UpperLeg", "Spine", "{s}LowerLeg", "{s}LowerLeg", "Chest",
    "{s}Foot", "{s}Foot", "UpperChest", "{s}Toes", "{s}Toes", "Neck", "{s}Shoulder",
    "{s}Shoulder", "Head", "{s}UpperArm", "{s}UpperArm", "{s}LowerArm", "{s}LowerArm", "{s}Hand",
    "{s}Hand", "{s}MiddleProximal", "{s}MiddleProximal",
)  # fmt: skip
_RIGIFY_TEMPLATE = (
    "spine", "thigh.{s}", "thigh.{s}", "spine.001", "shin.{s}", "shin.{s}", "spine.002",
    "foot.{s}", "foot.{s}", "spine.003", "toe.{s}", "toe.{s}", "spine.004", "shoulder.{s}",
    "shoulder.{s}", "spine.006", "upper_arm.{s}", "upper_arm.{s}", "forearm.{s}", "forearm.{s}",
    "hand.{s}", "hand.{s}", "f_middle.01.{s}", "f_middle.01.{s}",
)  # fmt: skip
"""Bone name templates in SMPL joint order (``{s}``: the side, filled by ``_sided``)."""


SMPL = RigPreset(
    name="smpl",
    bone_names=SMPL_JOINT_NAMES,
    root_bone=None,
    rest="smpl",
    arm_down_deg=0.0,
    bone_axis=None,
    roll_axis=None,
    sources=("SMPL v1.x kinematic tree and smplx joint names (mocap/smpl_joints.py)",),
)

# Mixamo: every bone is prefixed "mixamorig:" in characters rigged by Mixamo's auto-rigger and in
# the FBX files it exports; names, tree (Hips -> Spine -> Spine1 -> Spine2 -> Neck -> Head,
# Spine2 -> LeftShoulder -> LeftArm -> LeftForeArm -> LeftHand -> LeftHandMiddle1,
# Hips -> LeftUpLeg -> LeftLeg -> LeftFoot -> LeftToeBase) and the T-pose bind pose are those of
# the FBX files Mixamo exports (Mixamo's upload guide asks for a T-pose character). The Hips bone
# carries the root motion (Mixamo has no separate root bone). Bone +Y points to the child.
MIXAMO = RigPreset(
    name="mixamo",
    bone_names=tuple("mixamorig:" + n for n in _sided(_MIXAMO_TEMPLATE, "Left", "Right")),
    root_bone=None,
    rest="T",
    arm_down_deg=0.0,
    bone_axis="Y",
    roll_axis="Z",
    sources=(
        "Mixamo auto-rigger skeleton as exported in its FBX files (mixamorig: prefix, names, tree)",
        "Mixamo upload guide: characters in T-pose",
    ),
)

# Unreal Engine 5 mannequins (SKM_Manny / SKM_Quinn, skeleton SK_Mannequin of the UE5 templates):
# top bone "root" on the floor under the pelvis (root motion: Unreal's "Enable Root Motion" reads
# the root bone), then pelvis -> spine_01 .. spine_05 -> neck_01 -> neck_02 -> head,
# spine_05 -> clavicle_l -> upperarm_l -> lowerarm_l -> hand_l -> middle_metacarpal_l ->
# middle_01_l, pelvis -> thigh_l -> calf_l -> foot_l -> ball_l. SMPL has three spine joints and one
# neck: they map to spine_01, spine_03, spine_05 and neck_01 (the IK Retargeter's spine chain
# spans whatever bones it is given). The mannequins' reference pose is an A-pose; 45 degrees is
# our approximation of the arm angle (the IK Retargeter's retarget pose absorbs the rest). Bones
# point along +X (Unreal's bone convention), Z kept forward.
UE5 = RigPreset(
    name="ue5",
    bone_names=_sided(_UE5_TEMPLATE, "l", "r"),
    root_bone="root",
    rest="A",
    arm_down_deg=45.0,
    bone_axis="X",
    roll_axis="Z",
    sources=(
        "UE5 mannequin skeleton SK_Mannequin (bone names and tree as shipped in UE5 templates)",
        "UE5 docs, IK Rig / IK Retargeter: root bone for root motion, pelvis as retarget root",
        "UE5 mannequin reference pose: A-pose (arm angle approximated here as 45 degrees)",
    ),
)

# Unity Humanoid (Mecanim): bones are matched by Unity's avatar auto-mapping; the names used here
# are HumanBodyBones' own (Hips, Spine, Chest, UpperChest, Neck, Head, LeftShoulder,
# LeftUpperArm, LeftLowerArm, LeftHand, LeftUpperLeg, LeftLowerLeg, LeftFoot, LeftToes,
# LeftMiddleProximal), so auto-mapping finds all of them. Unity manual "Configuring the Avatar":
# all required bones matched and "the model is in T-pose". The Hips carry the root motion (Unity
# derives root motion from the body's centre of mass). Bone +Y points to the child.
UNITY = RigPreset(
    name="unity",
    bone_names=_sided(_UNITY_TEMPLATE, "Left", "Right"),
    root_bone=None,
    rest="T",
    arm_down_deg=0.0,
    bone_axis="Y",
    roll_axis="Z",
    sources=(
        "Unity ScriptReference HumanBodyBones / HumanBone (bone names)",
        "Unity Manual, Configuring the Avatar: required bones matched, model in T-pose",
    ),
)

# Rigify human metarig (Blender's bundled Rigify add-on, Add > Armature > Human (Meta-Rig)):
# spine (the hips bone, head at the hip joint) -> spine.001 -> spine.002 -> spine.003 (chest)
# -> spine.004 (neck) -> spine.005 -> spine.006 (head); spine.003 -> shoulder.L -> upper_arm.L ->
# forearm.L -> hand.L -> (palm.02.L) -> f_middle.01.L; spine -> thigh.L -> shin.L -> foot.L ->
# toe.L. SMPL's head maps to spine.006 (spine.005, the upper neck, is left out) and its hand end
# to f_middle.01.L. Rest: the metarig's arms point about 28 degrees below horizontal (upper_arm.L
# direction (0.856, 0.214, -0.47) measured in Blender 5.0.1), legs straight down. Bone +Y points
# to the child (Blender's bone convention), Z forward.
RIGIFY = RigPreset(
    name="rigify",
    bone_names=_sided(_RIGIFY_TEMPLATE, "L", "R"),
    root_bone=None,
    rest="A",
    arm_down_deg=28.0,
    bone_axis="Y",
    roll_axis="Z",
    sources=("Blender 5.0.1 Rigify add-on, human metarig (names, tree, arm angle measured there)",),
)

PRESETS: dict[str, RigPreset] = {p.name: p for p in (SMPL, MIXAMO, UE5, UNITY, RIGIFY)}
"""Every preset by its ``rig`` setting value; ``smpl`` is today's output."""

RIG_NAMES: tuple[str, ...] = tuple(PRESETS)
if RIG_NAMES != RIG_CHOICES:
    raise AssertionError("exporters.rigs presets must be mocap.config.RIG_CHOICES, in order")


def rig_preset(name: str) -> RigPreset:
    """The preset called ``name``.

    Raises:
        UsageError: unknown name (the message lists the presets).
    """
    try:
        return PRESETS[name.lower()]
    except KeyError:
        raise UsageError(f"'rig' must be one of {', '.join(RIG_NAMES)}, got {name!r}.") from None
