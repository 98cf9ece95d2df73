"""Synthetic grounded scenes with exact ground truth, for grounding tests and benchmarks.

A scene is people of the synthetic SMPL body (``mocap.testing.synthetic``) moving on the floor
y = 0 of a y-up world (metres), seen by a static camera of given height, pitch and roll. Feet are
planted exactly during stance: every foot's ankle follows anchors (fixed during stance, a lifted
arc during swing, constant foot heading while planted) and the legs reach them by two-bone IK; the
ground-truth contact flags are the stance spans. :func:`corrupt` then degrades the camera-frame
motion the way CLIFF errs: a temporally correlated relative depth error along the viewing ray of
the pelvis, per-joint rotation noise and global orientation noise.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from scipy.ndimage import gaussian_filter1d

from mocap.body import SmplBody
from mocap.grounding import footlock
from mocap.grounding.kinematics import ANKLES, foot_heights, posed_joints
from mocap.grounding.world import camera_from_pitch_roll, motion_to_frame
from mocap.rotations import axis_angle_to_matrix, matrix_to_axis_angle
from mocap.types import (
    CameraIntrinsics,
    FloatArray,
    MotionSet,
    SmplModelData,
    SmplSequence,
    VideoInfo,
)

FPS = 30.0
IMAGE_SIZE = (1920, 1080)
FOCAL_PX = float(np.hypot(*IMAGE_SIZE))  # CLIFF's default: the image diagonal
FOOT_HALF_WIDTH = 0.09  # metres from the path to each ankle


@dataclass(frozen=True)
class Gait:
    """A periodic gait: speed (m/s), cycle (s per step of one foot), stance share, swing lift (m),
    pelvis drop below standing height (m, lets the legs reach), pelvis bob (m)."""

    speed: float
    cycle_s: float
    duty: float
    lift: float
    drop: float
    bob: float


GAITS = {
    "walk": Gait(speed=1.1, cycle_s=1.0, duty=0.62, lift=0.10, drop=0.09, bob=0.015),
    "run": Gait(speed=2.4, cycle_s=0.7, duty=0.4, lift=0.18, drop=0.12, bob=0.02),
    "stand": Gait(speed=0.0, cycle_s=1.0, duty=1.0, lift=0.0, drop=0.02, bob=0.0),
}


@dataclass(frozen=True)
class Route:
    """Where a person goes: ``kind`` is ``line`` (from ``start`` along ``heading_deg``) or
    ``arc`` (around ``centre`` with ``radius``, counter-clockwise seen from above when
    ``turn`` > 0); ``jump_every_s`` > 0 adds vertical jumps on the spot (with ``stand``)."""

    gait: str
    start: tuple[float, float]
    heading_deg: float = 0.0
    kind: str = "line"
    centre: tuple[float, float] = (0.0, 0.0)
    radius: float = 1.5
    turn: float = 1.0
    jump_every_s: float = 0.0


@dataclass(frozen=True)
class TruePerson:
    """One ground-truth person (world frame) with contacts (T, 2) left/right."""

    seq: SmplSequence
    contact: np.ndarray


def _path(route: Route, times: FloatArray) -> tuple[FloatArray, FloatArray]:
    """(T, 2) xz positions and (T,) heading angles about +y (SMPL forward +z -> (sin, cos))."""
    v = GAITS[route.gait].speed
    if route.kind == "arc":
        ang0 = np.arctan2(route.start[1] - route.centre[1], route.start[0] - route.centre[0])
        ang = ang0 + route.turn * v * times / route.radius
        xz = np.stack(
            [
                route.centre[0] + route.radius * np.cos(ang),
                route.centre[1] + route.radius * np.sin(ang),
            ],
            axis=1,
        )
        tangent = route.turn * np.stack([-np.sin(ang), np.cos(ang)], axis=1)
        return xz, np.arctan2(tangent[:, 0], tangent[:, 1])
    h = np.radians(route.heading_deg)
    d = np.array([np.sin(h), np.cos(h)])
    return np.asarray(route.start) + v * times[:, None] * d, np.full(len(times), h)


def _left(heading: FloatArray) -> FloatArray:
    """(T, 2) xz of the body's left (SMPL +x) for headings (T,)."""
    return np.stack([np.cos(heading), -np.sin(heading)], axis=1)


def _jump(times: FloatArray, every_s: float) -> tuple[FloatArray, np.ndarray]:
    """Pelvis vertical offset (T,) and flight flags (T,): crouch, 0.45 s ballistic flight, land."""
    if every_s <= 0:
        return np.zeros(len(times)), np.zeros(len(times), dtype=bool)
    flight_s, crouch_s, g = 0.45, 0.3, 9.81
    phase = np.mod(times, every_s) - (every_s - flight_s) / 2
    offset = np.zeros(len(times))
    flight = (phase >= 0) & (phase < flight_s)
    offset[flight] = 0.5 * g * phase[flight] * (flight_s - phase[flight])
    near = np.minimum(np.abs(phase), np.abs(phase - flight_s))
    crouch = ~flight & (near < crouch_s)
    offset[crouch] = -0.12 * np.sin(np.pi * (1 - near[crouch] / crouch_s) / 2) ** 2
    return offset, flight


def _anchor(
    route: Route, cycle: FloatArray, phase0: float, sign: float
) -> tuple[FloatArray, FloatArray]:
    """Planted ankle xz (T, 2) and heading (T,) of a foot during stance number ``cycle``."""
    gait = GAITS[route.gait]
    t_mid = (cycle + gait.duty / 2 - phase0) * gait.cycle_s
    xz, head = _path(route, t_mid)
    return xz + sign * FOOT_HALF_WIDTH * _left(head), head


def _feet(
    route: Route, times: FloatArray, ankle_h: float
) -> tuple[FloatArray, FloatArray, np.ndarray]:
    """Ankle targets (T, 2, 3), foot headings (T, 2) and stance flags (T, 2) of both feet."""
    gait = GAITS[route.gait]
    targets = np.zeros((len(times), 2, 3))
    headings = np.zeros((len(times), 2))
    stance = np.zeros((len(times), 2), dtype=bool)
    for side, (sign, phase0) in enumerate(((1.0, 0.0), (-1.0, 0.5))):
        u = times / gait.cycle_s + phase0
        k, c = np.floor(u), u - np.floor(u)
        here, head_here = _anchor(route, k, phase0, sign)
        nxt, head_next = _anchor(route, k + 1.0, phase0, sign)
        swing = np.clip((c - gait.duty) / max(1 - gait.duty, 1e-9), 0.0, 1.0)
        s = swing * swing * (3 - 2 * swing)
        xz = here + s[:, None] * (nxt - here)
        targets[:, side, 0], targets[:, side, 2] = xz[:, 0], xz[:, 1]
        targets[:, side, 1] = ankle_h + gait.lift * np.sin(np.pi * swing)
        headings[:, side] = head_here + s * np.angle(np.exp(1j * (head_next - head_here)))
        stance[:, side] = c < gait.duty
    offset, flight = _jump(times, route.jump_every_s)
    targets[:, :, 1] += np.where(flight, offset, 0.0)[:, None]
    stance &= ~flight[:, None]
    return targets, headings, stance


def _ry(angle: FloatArray) -> FloatArray:
    return axis_angle_to_matrix(np.stack([np.zeros_like(angle), angle, np.zeros_like(angle)], 1))


def true_person(
    body: SmplBody, route: Route, track_id: int, times: FloatArray, betas: FloatArray
) -> TruePerson:
    """A ground-truth person in the world frame (y up, floor y = 0)."""
    gait = GAITS[route.gait]
    heights = foot_heights(body.data, betas)
    rest = body.rest_joints(betas)
    sole = float(body.data.shaped_vertices(betas)[:, 1].min())
    xz, heading = _path(route, times)
    jump, _ = _jump(times, route.jump_every_s)
    pelvis_y = rest[0, 1] - sole - gait.drop + jump
    if gait.speed > 0:
        pelvis_y = pelvis_y - gait.bob * np.cos(4 * np.pi * times / gait.cycle_s)
    pelvis = np.stack([xz[:, 0], pelvis_y * np.ones(len(times)), xz[:, 1]], axis=1)
    root = _ry(heading)
    poses = np.zeros((len(times), 24, 3))
    poses[:, 0] = matrix_to_axis_angle(root)
    targets, foot_heading, stance = _feet(route, times, heights.ankle)
    for side in range(2):  # ankle global rotation = the foot's heading (foot flat)
        rel = np.swapaxes(root, 1, 2) @ _ry(foot_heading[:, side])
        poses[:, ANKLES[side]] = matrix_to_axis_angle(rel)
    transl = pelvis - rest[0]
    joints = posed_joints(body, betas, poses[:, 0], poses[:, 1:], transl)
    for side in range(2):
        edit = footlock.LegEdit(target=targets[:, side], active=np.ones(len(times), bool))
        poses = footlock.apply_leg_ik(poses, joints, side, edit, body.parents)
    n = len(times)
    seq = SmplSequence(
        track_id=track_id,
        frames=np.arange(n),
        times=times,
        global_orient=poses[:, 0],
        body_pose=poses[:, 1:],
        betas=betas,
        transl=transl,
        observed=np.ones(n, bool),
        boxes=np.zeros((n, 4)),
        scores=np.ones(n),
    )
    return TruePerson(seq=seq, contact=stance)


@dataclass(frozen=True)
class Scene:
    """Ground truth of one scene and its camera-frame observation (exact, before corruption)."""

    world_from_camera: FloatArray
    people: tuple[TruePerson, ...]
    motion: MotionSet  # camera frame, exact


def intrinsics() -> CameraIntrinsics:
    w, h = IMAGE_SIZE
    return CameraIntrinsics(fx=FOCAL_PX, fy=FOCAL_PX, cx=w / 2, cy=h / 2, width=w, height=h)


def _boxes(body: SmplBody, seq: SmplSequence, cam: CameraIntrinsics) -> FloatArray:
    joints = posed_joints(body, seq.betas, seq.global_orient, seq.body_pose, seq.transl)
    z = np.maximum(joints[..., 2], 1e-3)
    u = cam.fx * joints[..., 0] / z + cam.cx
    v = cam.fy * joints[..., 1] / z + cam.cy
    lo = np.stack([u.min(1), v.min(1)], 1)
    hi = np.stack([u.max(1), v.max(1)], 1)
    pad = 0.1 * (hi - lo)
    return np.concatenate([lo - pad, hi + pad], 1)


def make_scene(
    data: SmplModelData,
    routes: list[Route],
    height: float,
    pitch_deg: float,
    roll_deg: float,
    duration_s: float = 8.0,
    seed: int = 0,
) -> Scene:
    """People on ``routes`` (world xz, metres; the camera looks along -z from x = z = 0)."""
    body = SmplBody(data)
    rng = np.random.default_rng(seed)
    times = np.arange(round(duration_s * FPS)) / FPS
    w_from_c = camera_from_pitch_roll(pitch_deg, roll_deg, height)
    c_from_w = np.linalg.inv(w_from_c)
    cam = intrinsics()
    truth, observed = [], []
    for i, route in enumerate(routes):
        betas = np.concatenate([rng.normal(0, 0.8, 2), np.zeros(8)])
        person = true_person(body, route, i + 1, times, betas)
        truth.append(person)
        pelvis = body.rest_joints(betas)[0]
        orient, transl = motion_to_frame(
            c_from_w, person.seq.global_orient, person.seq.transl, pelvis
        )
        seq = replace(person.seq, global_orient=orient, transl=transl)
        observed.append(replace(seq, boxes=_boxes(body, seq, cam)))
    video = VideoInfo(
        path=Path("synthetic.mp4"),
        width=cam.width,
        height=cam.height,
        fps=FPS,
        num_frames=len(times),
    )
    motion = MotionSet(
        video=video, camera=cam, people=tuple(observed), frame_times=times, body=data
    )
    return Scene(world_from_camera=w_from_c, people=tuple(truth), motion=motion)


@dataclass(frozen=True)
class Noise:
    """CLIFF-like errors: relative depth std and its correlation time (s), per-joint rotation std
    (degrees, white), global orientation std (degrees) and its correlation time (s)."""

    depth: float = 0.07
    depth_corr_s: float = 0.4
    joint_deg: float = 3.0
    orient_deg: float = 3.0
    orient_corr_s: float = 0.3


def _correlated(
    rng: np.random.Generator, times: FloatArray, shape: tuple[int, ...], corr_s: float
) -> FloatArray:
    """Zero-mean unit-std noise (T, *shape): white noise through a Gaussian filter of
    ``corr_s / 2`` seconds (stationary up to the ends: the filter reflects at the borders)."""
    white = rng.normal(size=(len(times), *shape))
    if corr_s <= 0 or len(times) < 2:
        return white
    sigma_rows = corr_s / 2 / float(np.median(np.diff(times)))
    smooth = gaussian_filter1d(white, sigma_rows, axis=0, mode="reflect")
    return smooth / max(float(smooth.std()), 1e-9)


def corrupt(motion: MotionSet, noise: Noise, seed: int = 0) -> MotionSet:
    """The camera-frame motion with CLIFF-like errors (see :class:`Noise`)."""
    rng = np.random.default_rng(seed)
    body = SmplBody(motion.body) if motion.body is not None else None
    people = []
    for seq in motion.people:
        t = seq.times
        e = noise.depth * _correlated(rng, t, (), noise.depth_corr_s)
        pelvis_rest = body.rest_joints(seq.betas)[0] if body else np.zeros(3)
        transl = (seq.transl + pelvis_rest) * (1 + e)[:, None] - pelvis_rest
        jn = np.radians(noise.joint_deg) * rng.normal(size=seq.body_pose.shape)
        body_pose = matrix_to_axis_angle(
            axis_angle_to_matrix(jn) @ axis_angle_to_matrix(seq.body_pose)
        )
        on = np.radians(noise.orient_deg) * _correlated(rng, t, (3,), noise.orient_corr_s)
        orient = matrix_to_axis_angle(
            axis_angle_to_matrix(on) @ axis_angle_to_matrix(seq.global_orient)
        )
        people.append(replace(seq, global_orient=orient, body_pose=body_pose, transl=transl))
    return replace(motion, people=tuple(people))
