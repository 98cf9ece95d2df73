"""BVH (Biovision hierarchy): one skeleton file per person.

Conventions (``docs/exporters_spec.md`` §3):

* y-up world, the video camera at the origin looking down -z (the OpenCV -> y-up rotation ``C`` is
  baked into the root), lengths in **centimetres** (import into Blender with scale 0.01);
* root OFFSET 0 with absolute position channels ``C (J_0 + transl)``, joint OFFSETs
  ``J_k - J_parent`` of the person's shaped rest skeleton (betas baked), no rest rotations;
* rotation channels in degrees, ``ZXY`` by default (``order=`` any of the six Tait-Bryan orders,
  or ``"auto"``: per joint, the bone's twist axis in the middle slot, see ``AUTO_ORDERS``);
  channels "Z X Y" mean ``R = Rz Rx Ry``; angles are continuous over time (no 360 degree jumps).
  Keep the vertical axis (Y) out of the middle slot: with ZYX/XYZ a person turning sideways puts
  the root at gimbal lock (exact in the file, but float32 importers lose precision there);
* ``Frame Time`` = 1 / fps written with 12 significant digits (Blender derives the scene rate
  from it).

Frames: a BVH has one pose per frame and no visibility. With ``span="track"`` (default) the file
covers the person's own frames, first to last tracked frame (gaps interpolated), so BVH frame 0 is
video frame ``frame_start`` (given in the .glb/.npz metadata and logged). With ``span="video"``
every file covers the whole video (BVH frame i = video frame i, so several people line up when
imported at the same start frame); before/after the track the first/last pose is held. With
``span="spans"`` each continuous span of a person (:mod:`exporters.spans`: where the person is
known to exist) is its own file ``<stem>_person<id>_from<f>.bvh`` whose frame 0 is video frame
``f``: no file carries motion across a gap where the person was not seen.

Blender's BVH importer puts BVH frame 0 at its **Start Frame** (default 1, clamped to >= 1); the
glb and the add-on put video frame i at Blender frame i, so import with Start Frame = the file's
first video frame to line up with them. A file that starts at video frame 0 cannot: Blender puts it
one frame late (move its action by -1 frame). The cliffmocap add-on does both for you: it imports
a BVH at its first video frame (from the ``_from<f>`` name, or its First Video Frame option),
frame 0 included.
"""

from __future__ import annotations

import io
import logging
from itertools import permutations
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from exporters._output import atomic_paths, per_person_paths
from exporters.rigs import RigSkeleton, build_rig, rig_motion, rig_preset
from exporters.skeleton import (
    CAMERA_TO_YUP,
    METRES_TO_CENTIMETRES,
    dense_track,
    require_body,
    root_in_world,
    select_people,
)
from exporters.space import place
from exporters.spans import SPAN_CHOICES, span_paths, spans_of
from mocap.errors import UsageError
from mocap.rotations import axis_angle_to_matrix
from mocap.smpl_joints import SMPL_JOINT_NAMES, SMPL_PARENTS
from mocap.types import MotionSet, SmplSequence

logger = logging.getLogger(__name__)

ORDERS = tuple("".join(p) for p in permutations("XYZ"))
AUTO = "AUTO"
# order="auto": the middle (gimbal-lock) slot gets the axis a joint rarely turns 90 degrees about.
# Root: yaw (Y) is free, so Y goes last. Spine, legs, neck, head: their bones run along Y, twist
# about Y is small -> Y in the middle. Collars, arms, hands run along X -> X in the middle.
_ARM_JOINTS = frozenset(range(13, 24)) - {15}  # collars, shoulders, elbows, wrists, hands
AUTO_ORDERS: tuple[str, ...] = tuple(
    "ZXY" if j == 0 or j in _ARM_JOINTS else "XYZ" for j in range(24)
)
SPANS = (*SPAN_CHOICES, "video")
END_SITE_LENGTH_M = 0.05  # leaf bone length; only used to draw the last bone of a chain
FRAME_TIME_DIGITS = 12  # >= 10 significant digits, else Blender's fps comes out 30.0000036
VALUE_DECIMALS = 6  # 1e-6 cm = 1e-8 m quantisation


def depth_first(parents: tuple[int, ...] = SMPL_PARENTS) -> list[int]:
    """Joint indices in BVH declaration order (depth first, children in index order)."""
    order: list[int] = []

    def visit(j: int) -> None:
        order.append(j)
        for c, p in enumerate(parents):
            if p == j:
                visit(c)

    visit(parents.index(-1))
    return order


def continuous_euler(angles: np.ndarray) -> np.ndarray:
    """Make Tait-Bryan angle tracks continuous in time (§3.3).

    Every rotation has two Tait-Bryan solutions, ``(a, b, c)`` and ``(a+180, 180-b, c+180)``; each
    angle is also free up to multiples of 360. Per frame, both solutions are moved to the angles
    nearest the previous frame's and the one with the smaller total change is kept.

    Args:
        angles: (T, J, 3) degrees, principal values from ``Rotation.as_euler``.

    Returns:
        (T, J, 3) degrees describing the same rotations.
    """
    out = np.array(angles, dtype=np.float64, copy=True)
    alt = out + np.array([180.0, 0.0, 180.0])
    alt[..., 1] = 180.0 - out[..., 1]
    for t in range(1, len(out)):
        prev = out[t - 1]
        a = out[t] + 360.0 * np.round((prev - out[t]) / 360.0)
        b = alt[t] + 360.0 * np.round((prev - alt[t]) / 360.0)
        take_b = np.abs(b - prev).sum(axis=-1) < np.abs(a - prev).sum(axis=-1)
        out[t] = np.where(take_b[:, None], b, a)
    return out


def joint_orders(order: str, rig: RigSkeleton | None = None) -> tuple[str, ...]:
    """Rotation channel order of every bone (SMPL's 24 joints, or ``rig``'s bones)."""
    smpl_joint = tuple(range(len(SMPL_JOINT_NAMES))) if rig is None else rig.smpl_joint
    if order != AUTO:
        return (order,) * len(smpl_joint)
    return tuple(AUTO_ORDERS[max(j, 0)] for j in smpl_joint)  # a root bone turns like the pelvis


def _hierarchy(rig: RigSkeleton, orders: tuple[str, ...]) -> str:
    """The HIERARCHY section of ``rig`` (rest frames aligned with the world), channel ``orders``."""
    lines = ["HIERARCHY"]
    offsets_cm = rig.rest_local_translation * METRES_TO_CENTIMETRES
    moving = {0, 1} if rig.has_root_bone else {0}  # bones with position channels

    def joint(j: int, depth: int) -> None:
        pad = "  " * depth
        parent = rig.parents[j]
        offset = np.zeros(3) if parent < 0 else offsets_cm[j]
        kind = "ROOT" if parent < 0 else "JOINT"
        rot = " ".join(f"{axis}rotation" for axis in orders[j])
        lines.append(f"{pad}{kind} {rig.names[j]}")
        lines.append(f"{pad}{{")
        lines.append(f"{pad}  OFFSET {offset[0]:.6f} {offset[1]:.6f} {offset[2]:.6f}")
        if j in moving:
            lines.append(f"{pad}  CHANNELS 6 Xposition Yposition Zposition {rot}")
        else:
            lines.append(f"{pad}  CHANNELS 3 {rot}")
        children = [c for c, p in enumerate(rig.parents) if p == j]
        for c in children:
            joint(c, depth + 1)
        if not children:
            direction = (
                offset if parent >= 0 and np.linalg.norm(offset) > 0 else np.array([0, 1, 0])
            )
            tip = direction / np.linalg.norm(direction) * END_SITE_LENGTH_M * METRES_TO_CENTIMETRES
            lines.append(f"{pad}  End Site")
            lines.append(f"{pad}  {{")
            lines.append(f"{pad}    OFFSET {tip[0]:.6f} {tip[1]:.6f} {tip[2]:.6f}")
            lines.append(f"{pad}  }}")
        lines.append(f"{pad}}}")

    joint(0, 0)
    return "\n".join(lines) + "\n"


def bvh_rig(motion: MotionSet, seq: SmplSequence, rig: str = "smpl") -> RigSkeleton:
    """The skeleton of one person's BVH: preset ``rig`` with world-aligned rest frames."""
    body = require_body(motion, "BVH (.bvh)")
    rest = body.rest_joints(seq.betas)
    mesh = (body.shaped_vertices(seq.betas), body.weights)
    return build_rig(rig_preset(rig), rest, mesh=mesh, bone_axes=False)


def bvh_channels(
    motion: MotionSet,
    seq: SmplSequence,
    order: str = "ZXY",
    span: str = "track",
    rig: str = "smpl",
    to_yup: np.ndarray = CAMERA_TO_YUP,
    skeleton: RigSkeleton | None = None,
) -> np.ndarray:
    """(N, C) BVH channel values of one person, one row per BVH frame.

    Columns, bones in ``depth_first(parents)`` order: positions (cm, y-up) of the moving bones
    (the root; with a root bone also the pelvis, relative to it), then per bone its Euler angles
    (degrees, in the bone's ``joint_orders(order, rig)`` order) after its position if it has one.
    ``to_yup`` (3, 3) turns the rows' frame into the y-up world (``exporters.space``: the camera
    frame or the grounded world). ``skeleton``: :func:`bvh_rig`'s result when the caller has it
    (``rig`` is then not used).
    """
    body = require_body(motion, "BVH (.bvh)")
    rest = body.rest_joints(seq.betas)
    if skeleton is None:
        skeleton = bvh_rig(motion, seq, rig)
    frames, rotvecs, transl = dense_track(seq, motion.frame_times)
    if span == "video":  # hold the first/last pose outside the track
        before, after = int(frames[0]), motion.num_frames - 1 - int(frames[-1])
        rotvecs = np.pad(rotvecs, ((before, after), (0, 0), (0, 0)), mode="edge")
        transl = np.pad(transl, ((before, after), (0, 0)), mode="edge")
        frames = np.arange(motion.num_frames)
    n = len(frames)
    mats = axis_angle_to_matrix(rotvecs)  # (N, 24, 3, 3)
    mats[:, 0], pelvis = root_in_world(rotvecs[:, 0], transl, rest[0], to_yup)
    keys = rig_motion(skeleton, mats, pelvis)
    # Euler angles are BVH-only; mocap.rotations has no Euler conversion, scipy's is exact.
    orders = joint_orders(order, skeleton)
    columns = []
    for j in depth_first(skeleton.parents):
        if j in keys.moving:
            columns.append(keys.translations[:, j] * METRES_TO_CENTIMETRES)
        euler = Rotation.from_matrix(keys.rotations[:, j]).as_euler(orders[j], degrees=True)
        columns.append(continuous_euler(euler[:, None])[:, 0])
    return np.concatenate(columns, axis=1).reshape(n, -1)


def bvh_text(
    motion: MotionSet,
    seq: SmplSequence,
    order: str = "ZXY",
    span: str = "track",
    rig: str = "smpl",
    to_yup: np.ndarray = CAMERA_TO_YUP,
) -> str:
    """The complete BVH file of one person (see the module docstring)."""
    skeleton = bvh_rig(motion, seq, rig)
    values = bvh_channels(motion, seq, order, span, rig, to_yup, skeleton)
    out = io.StringIO()
    out.write(_hierarchy(skeleton, joint_orders(order, skeleton)))
    out.write(f"MOTION\nFrames: {len(values)}\n")
    out.write(f"Frame Time: {1.0 / motion.fps:.{FRAME_TIME_DIGITS}g}\n")
    np.savetxt(out, values, fmt=f"%.{VALUE_DECIMALS}f", delimiter=" ")
    return out.getvalue()


def write_bvh(
    motion: MotionSet,
    path: str | Path,
    person: int | None = None,
    order: str = "ZXY",
    span: str = "track",
    overwrite: bool = False,
    rig: str = "smpl",
    space: str | None = None,
) -> list[Path]:
    """Write one BVH file per person.

    Args:
        motion: the result; ``motion.body`` must hold the SMPL model (rest skeleton).
        path: ``<stem>.bvh``; with several people the files are ``<stem>_person<id>.bvh``.
        person: write only this track id (to ``path`` itself).
        order: rotation channel order, one of XYZ, XZY, YXZ, YZX, ZXY, ZYX, or ``"auto"``
            (per joint, see ``AUTO_ORDERS``).
        span: ``"track"`` (the person's frames), ``"video"`` (every video frame) or
            ``"spans"`` (one file per continuous span, ``<stem>_person<id>_from<f>.bvh``).
        overwrite: replace existing files.
        rig: skeleton preset (``exporters.rigs``): its bone names, hierarchy and rest pose
            (BVH has no rest rotations, so bone axes stay aligned with the world).
        space: ``world`` (default when grounded: y up, floor at y = 0) or ``camera``.

    Returns:
        The paths written.

    Raises:
        SmplModelRequiredError: no SMPL model in ``motion``.
        UsageError: unknown ``order``, ``span`` or ``rig``.
        OutputExistsError: a target exists (checked for every file before any is written).
    """
    order = order.upper()
    if order not in (*ORDERS, AUTO):
        raise UsageError(f"BVH rotation order {order!r} is not one of {', '.join(ORDERS)} or auto")
    if span not in SPANS:
        raise UsageError(f"BVH span {span!r} is not one of {', '.join(SPANS)}")
    rig_preset(rig)
    require_body(motion, "BVH (.bvh)")
    placed = place(motion, select_people(motion, person, str(path)), space)
    people = list(placed.people)
    if span == "spans":
        people = spans_of(people)
        paths = span_paths(Path(path), people, ".bvh")
        span = "track"  # each span is written as its own track
    else:
        ids = [p.track_id for p in people]
        paths = per_person_paths(Path(path), ids, ".bvh", one_file=person is not None)
    with atomic_paths(paths, overwrite) as temps:
        for seq, tmp, target in zip(people, temps, paths, strict=True):
            text = bvh_text(motion, seq, order, span, rig, placed.to_yup)
            tmp.write_text(text, encoding="ascii")
            first = 0 if span == "video" else int(seq.frames[0])
            logger.info("%s: person %d, BVH frame 0 = video frame %d", target, seq.track_id, first)
    return paths
