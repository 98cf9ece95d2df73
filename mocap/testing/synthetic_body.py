"""Geometry of the synthetic SMPL-format body: designed rest joints and the closed mesh.

Units: metres, SMPL's canonical frame (y up, facing +z, body-left = +x, T-pose). The mesh is one
closed, consistently oriented genus-0 surface of ``NUM_VERTICES`` vertices and ``NUM_FACES``
triangles (``F = 2V - 4``), built for the left half and mirrored; see :mod:`mocap.testing.synthetic`
for how the model around it (regressor, weights, blend shapes) is made.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from mocap.types import NUM_SMPL_JOINTS

#: SMPL v1.x model sizes (docs/exporters_spec.md §1.1).
NUM_VERTICES = 6890
NUM_FACES = 13776

#: Designed rest joints (metres, SMPL frame), close to SMPL's neutral template. Left/right pairs are
#: mirror images in x; right joints are built by mirroring the left ones.
_JOINTS_LEFT_AND_CENTRE: dict[int, tuple[float, float, float]] = {
    0: (0.0, -0.22, 0.02),  # pelvis
    1: (0.075, -0.31, 0.02),  # left hip
    3: (0.0, -0.11, 0.0),  # spine1
    4: (0.095, -0.70, 0.02),  # left knee
    6: (0.0, 0.03, 0.01),  # spine2
    7: (0.09, -1.09, -0.02),  # left ankle
    9: (0.0, 0.08, 0.02),  # spine3
    10: (0.105, -1.16, 0.10),  # left foot
    12: (0.0, 0.29, -0.01),  # neck
    13: (0.075, 0.195, -0.01),  # left collar
    15: (0.0, 0.36, 0.02),  # head
    16: (0.17, 0.225, -0.015),  # left shoulder
    18: (0.42, 0.21, -0.03),  # left elbow
    20: (0.67, 0.215, -0.03),  # left wrist
    22: (0.75, 0.21, -0.04),  # left hand
}
_RIGHT_OF = {2: 1, 5: 4, 8: 7, 11: 10, 14: 13, 17: 16, 19: 18, 21: 20, 23: 22}


#: Body dimensions (metres).
_RING = 40  # vertices per torso/neck/head ring (multiple of 4: front, back and both sides on it)
_TORSO_Y = (-0.40, 0.30)
_TORSO_ROWS = 50
# (y, half-width x, half-depth z) of the torso's elliptic cross-sections
_TORSO_PROFILE = np.array(
    [
        (-0.40, 0.150, 0.095),
        (-0.32, 0.170, 0.105),
        (-0.22, 0.165, 0.100),
        (-0.10, 0.140, 0.090),
        (0.05, 0.150, 0.100),
        (0.15, 0.170, 0.105),
        (0.24, 0.180, 0.095),
        (0.29, 0.150, 0.080),
        (0.30, 0.080, 0.060),
    ]
)
_NECK_Y = (0.31, 0.335)
_NECK_ROWS = 3
_NECK_RADIUS = (0.055, 0.058)
_HEAD_CENTRE = (0.0, 0.425, 0.02)
_HEAD_RADIUS = 0.098
_HEAD_ROWS = 14
_ARM_HOLE_Y = (0.17, 0.28)
_ARM_HOLE_HALF_ANGLE = np.deg2rad(28.0)
_CROTCH_POINTS = 3
# arm: (x, radius along y, radius along z)
_ARM_PROFILE = np.array(
    [
        (0.20, 0.055, 0.055),
        (0.30, 0.048, 0.048),
        (0.42, 0.040, 0.040),
        (0.55, 0.037, 0.037),
        (0.67, 0.028, 0.030),
        (0.72, 0.022, 0.045),
        (0.80, 0.018, 0.040),
        (0.835, 0.010, 0.025),
    ]
)
_ARM_TIP_X = 0.84
_ARM_RINGS = 36
# leg above the foot: (y, radius)
_LEG_PROFILE = np.array(
    [
        (-0.42, 0.085),
        (-0.55, 0.075),
        (-0.70, 0.055),
        (-0.80, 0.058),
        (-1.00, 0.042),
        (-1.07, 0.038),
    ]
)
_LEG_RINGS = 38
# foot: (y, half-width x, half-length z, centre-z offset from the ankle's z)
_FOOT_PROFILE = np.array(
    [
        (-1.09, 0.038, 0.040, 0.0),
        (-1.12, 0.042, 0.075, 0.035),
        (-1.15, 0.045, 0.105, 0.065),
        (-1.175, 0.045, 0.115, 0.075),
        (-1.18, 0.040, 0.105, 0.075),
    ]
)
_FOOT_RINGS = 8
_SOLE_Y = -1.18


def designed_joints() -> np.ndarray:
    """(24, 3) float64 rest joints of the synthetic body (before regression), metres."""
    j = np.zeros((NUM_SMPL_JOINTS, 3))
    for k, p in _JOINTS_LEFT_AND_CENTRE.items():
        j[k] = p
    for right, left in _RIGHT_OF.items():
        j[right] = j[left] * (-1.0, 1.0, 1.0)
    return j


class _MeshBuilder:
    def __init__(self) -> None:
        self.points: list[np.ndarray] = []
        self.count = 0
        self.faces: list[np.ndarray] = []

    def add(self, pts: npt.ArrayLike) -> np.ndarray:
        pts = np.asarray(pts, dtype=np.float64).reshape(-1, 3)
        idx = np.arange(self.count, self.count + len(pts))
        self.points.append(pts)
        self.count += len(pts)
        return idx

    def strip(self, a: np.ndarray, b: np.ndarray) -> None:
        """Quads between two corresponding closed loops, two triangles each."""
        a1, b1 = np.roll(a, -1), np.roll(b, -1)
        self.faces.append(np.stack([a, a1, b1], 1))
        self.faces.append(np.stack([a, b1, b], 1))

    def fan(self, loop: np.ndarray, centre: int) -> None:
        self.faces.append(np.stack([loop, np.roll(loop, -1), np.full_like(loop, centre)], 1))

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return np.concatenate(self.points), np.concatenate(self.faces)


def _interp_rows(profile: np.ndarray, at: np.ndarray) -> np.ndarray:
    return np.stack(
        [np.interp(at, profile[:, 0], profile[:, c]) for c in range(1, profile.shape[1])], 1
    )


def _loop_angles(loop_pts: np.ndarray, rings: int) -> list[np.ndarray]:
    """Per-ring angles that start at the loop's own angles and relax to uniform spacing."""
    phi = np.unwrap(loop_pts)
    n = len(phi)
    direction = np.sign(phi[-1] - phi[0]) or 1.0
    uniform = phi[0] + direction * 2 * np.pi * np.arange(n) / n
    return [(1 - min(1.0, k / 3)) * phi + min(1.0, k / 3) * uniform for k in range(1, rings + 1)]


def build_mesh() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The closed body surface: (V, 3) f64 vertices, (F, 3) int64 faces, (V,) mirror indices."""
    b = _MeshBuilder()
    ty = np.linspace(*_TORSO_Y, _TORSO_ROWS)
    grid_pts = _trunk_rows(ty)
    n_rows = len(grid_pts)
    grid = b.add(grid_pts).reshape(n_rows, _RING)
    hc = np.array(_HEAD_CENTRE)
    top = b.add([hc[0], hc[1] + _HEAD_RADIUS, hc[2]])[0]
    ra, rb, ca, cb = _add_trunk_faces(b, grid, ty)
    b.fan(grid[-1], top)

    n_fixed = b.count  # vertices that are their own structure's mirror (grid, pole, crotch)
    crotch_z = np.linspace(-1, 1, _CROTCH_POINTS + 2)[1:-1] * _interp_rows(_TORSO_PROFILE, ty)[0, 1]
    crotch = b.add(np.stack([0 * crotch_z, np.full_like(crotch_z, ty[0]), crotch_z], 1))
    n_fixed = b.count
    first_new = b.count

    joints = designed_joints()
    # left leg: split the bottom ring at the crotch
    leg_loop = np.concatenate([grid[0, : _RING // 2 + 1], crotch])
    _grow_leg(b, leg_loop, joints)
    # left arm: out of the hole's boundary loop
    arm_loop = np.concatenate(
        [
            grid[ra, ca : cb + 1],
            grid[ra + 1 : rb + 1, cb],
            grid[rb, ca:cb][::-1],
            grid[ra + 1 : rb, ca][::-1],
        ]
    )
    _grow_arm(b, arm_loop, joints)

    verts, faces = b.arrays()
    verts, faces, mirror = _mirror_left_side(verts, faces, grid, first_new, n_fixed)
    verts, faces, mirror = _fill_vertex_count(verts, faces, mirror)
    faces = _orient_outward(verts, faces)
    return verts, faces, mirror


def _trunk_rows(ty: np.ndarray) -> np.ndarray:
    """(rows, _RING, 3) rings of the torso (at heights ``ty``), neck and head, bottom to top."""
    theta = 2 * np.pi * np.arange(_RING) / _RING  # 0 = front (+z), pi/2 = body-left (+x)
    tprof = _interp_rows(_TORSO_PROFILE, ty)
    rows = [
        np.stack(
            [
                tprof[:, 0:1] * np.sin(theta),
                np.repeat(ty[:, None], _RING, 1),
                tprof[:, 1:2] * np.cos(theta),
            ],
            -1,
        )
    ]
    ny = np.linspace(*_NECK_Y, _NECK_ROWS)
    rows.append(
        np.stack(
            [
                _NECK_RADIUS[0] * np.sin(theta) + 0 * ny[:, None],
                np.repeat(ny[:, None], _RING, 1),
                _NECK_RADIUS[1] * np.cos(theta) + 0 * ny[:, None],
            ],
            -1,
        )
    )
    hc = np.array(_HEAD_CENTRE)
    hy = np.linspace(hc[1] - 0.8 * _HEAD_RADIUS, hc[1] + 0.97 * _HEAD_RADIUS, _HEAD_ROWS)
    hr = np.sqrt(_HEAD_RADIUS**2 - (hy - hc[1]) ** 2)[:, None]
    rows.append(
        np.stack(
            [
                0.92 * hr * np.sin(theta),
                np.repeat(hy[:, None], _RING, 1),
                hc[2] + 1.08 * hr * np.cos(theta),
            ],
            -1,
        )
    )
    return np.concatenate(rows)


def _add_trunk_faces(
    b: _MeshBuilder, grid: np.ndarray, ty: np.ndarray
) -> tuple[int, int, int, int]:
    """Quads of the trunk grid except the two arm holes; returns the left hole's row range
    ``ra..rb`` and column range ``ca..cb`` (around theta = pi/2, the +x side)."""
    quarter = _RING // 4
    half_cols = round(float(_ARM_HOLE_HALF_ANGLE) / (2 * np.pi / _RING))
    ca, cb = quarter - half_cols, quarter + half_cols
    ra = int(np.searchsorted(ty, _ARM_HOLE_Y[0]))
    rb = int(np.searchsorted(ty, _ARM_HOLE_Y[1]))
    hole_left = np.zeros((len(grid) - 1, _RING), bool)
    hole_left[ra:rb, ca:cb] = True
    hole = hole_left | hole_left[:, ::-1]  # quad column s spans s..s+1; its mirror is R-1-s
    r_idx, s_idx = np.nonzero(~hole)
    a0, a1 = grid[r_idx, s_idx], grid[r_idx, (s_idx + 1) % _RING]
    c0, c1 = grid[r_idx + 1, s_idx], grid[r_idx + 1, (s_idx + 1) % _RING]
    b.faces.append(np.stack([a0, a1, c1], 1))
    b.faces.append(np.stack([a0, c1, c0], 1))
    return ra, rb, ca, cb


def _mirror_left_side(
    verts: np.ndarray, faces: np.ndarray, grid: np.ndarray, first_new: int, n_fixed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Add the right leg and arm as mirrors (x -> -x) of the left ones built from ``first_new``
    on, then drop the vertices left unused inside the arm holes.

    Returns:
        (V, 3) vertices, (F, 3) faces and (V,) mirror index of every vertex.
    """
    n_left = len(verts) - first_new
    # mirror map of the fixed part: grid column s <-> (-s) mod R, pole and crotch onto themselves
    mirror = np.arange(len(verts) + n_left)
    mirror[grid] = grid[:, (-np.arange(_RING)) % _RING]
    mirror[first_new : len(verts)] = np.arange(len(verts), len(verts) + n_left)
    mirror[len(verts) :] = np.arange(first_new, len(verts))
    left_faces = faces[faces.max(1) >= first_new] if n_fixed else faces
    mirrored_faces = mirror[left_faces][:, ::-1]
    verts = np.concatenate([verts, verts[first_new:] * (-1.0, 1.0, 1.0)])
    faces = np.concatenate([faces, mirrored_faces])
    used = np.zeros(len(verts), bool)
    used[faces] = True
    remap = np.cumsum(used) - 1
    return verts[used], remap[faces], remap[mirror[used]]


def _grow_leg(b: _MeshBuilder, loop: np.ndarray, joints: np.ndarray) -> None:
    hip, knee, ankle = joints[1], joints[4], joints[7]
    axis_y = np.array([hip[1], knee[1], ankle[1], _SOLE_Y])[::-1]
    axis_x = np.array([hip[0], knee[0], ankle[0], ankle[0]])[::-1]
    axis_z = np.array([hip[2], knee[2], ankle[2], ankle[2]])[::-1]
    loop_pts = np.concatenate(b.points)[loop]
    cx, cz = np.interp(loop_pts[0, 1], axis_y, axis_x), np.interp(loop_pts[0, 1], axis_y, axis_z)
    angles = _loop_angles(
        np.arctan2(loop_pts[:, 0] - cx, loop_pts[:, 2] - cz), _LEG_RINGS + _FOOT_RINGS
    )
    ly = np.linspace(_LEG_PROFILE[0, 0], _LEG_PROFILE[-1, 0], _LEG_RINGS)
    lr = np.interp(ly, _LEG_PROFILE[::-1, 0], _LEG_PROFILE[::-1, 1])
    fy = np.linspace(_FOOT_PROFILE[0, 0], _FOOT_PROFILE[-1, 0], _FOOT_RINGS)
    fp = _interp_rows(_FOOT_PROFILE[::-1], fy)
    prev = loop
    for k, phi in enumerate(angles):
        if k < _LEG_RINGS:
            y, rx, rz, dz = ly[k], lr[k], lr[k], 0.0
        else:
            y = fy[k - _LEG_RINGS]
            rx, rz, dz = fp[k - _LEG_RINGS]
        x0, z0 = np.interp(y, axis_y, axis_x), np.interp(y, axis_y, axis_z) + dz
        ring = b.add(
            np.stack([x0 + rx * np.sin(phi), np.full_like(phi, y), z0 + rz * np.cos(phi)], 1)
        )
        b.strip(prev, ring)
        prev = ring
    sole = b.add([ankle[0], _SOLE_Y, ankle[2] + _FOOT_PROFILE[-1, 3]])[0]
    b.fan(prev, sole)


def _grow_arm(b: _MeshBuilder, loop: np.ndarray, joints: np.ndarray) -> None:
    shoulder, elbow, wrist, hand = joints[16], joints[18], joints[20], joints[22]
    axis_x = np.array([shoulder[0], elbow[0], wrist[0], hand[0], _ARM_TIP_X])
    axis_y = np.array([shoulder[1], elbow[1], wrist[1], hand[1], hand[1]])
    axis_z = np.array([shoulder[2], elbow[2], wrist[2], hand[2], hand[2]])
    loop_pts = np.concatenate(b.points)[loop]
    angles = _loop_angles(
        np.arctan2(loop_pts[:, 1] - shoulder[1], loop_pts[:, 2] - shoulder[2]), _ARM_RINGS
    )
    ax = np.linspace(_ARM_PROFILE[0, 0], _ARM_PROFILE[-1, 0], _ARM_RINGS)
    radii = _interp_rows(_ARM_PROFILE, ax)
    prev = loop
    for k, phi in enumerate(angles):
        x = ax[k]
        y0, z0 = np.interp(x, axis_x, axis_y), np.interp(x, axis_x, axis_z)
        ry, rz = radii[k]
        ring = b.add(
            np.stack([np.full_like(phi, x), y0 + ry * np.sin(phi), z0 + rz * np.cos(phi)], 1)
        )
        b.strip(prev, ring)
        prev = ring
    tip = b.add([_ARM_TIP_X, hand[1], hand[2]])[0]
    b.fan(prev, tip)


def _fill_vertex_count(
    verts: np.ndarray, faces: np.ndarray, mirror: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split edges on the front/back midline until there are exactly NUM_VERTICES vertices.

    Splitting one edge of a closed surface adds one vertex and two triangles, so ``F = 2V - 4``
    still holds; midline edges keep the body symmetric (the new vertex is its own mirror).
    """
    missing = NUM_VERTICES - len(verts)
    if missing < 0:
        raise RuntimeError(f"synthetic mesh has {len(verts)} vertices, more than {NUM_VERTICES}")
    on_mid = np.abs(verts[:, 0]) < 1e-12
    # candidate edges: vertical midline edges (same x = 0, different heights), each face edge once
    e = np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]])
    e = e[on_mid[e[:, 0]] & on_mid[e[:, 1]] & (e[:, 0] < e[:, 1])]
    e = e[np.abs(verts[e[:, 0], 1] - verts[e[:, 1], 1]) > 1e-9]
    e = e[np.argsort(verts[e[:, 0], 1] + verts[e[:, 1], 1], kind="stable")]
    chosen: list[np.ndarray] = []
    touched: set[int] = set()
    for a, c in e:  # keep edges whose faces do not overlap, so splits are independent
        if len(chosen) == missing:
            break
        if a in touched or c in touched:
            continue
        chosen.append(np.array([a, c]))
        touched.update((int(a), int(c)))
    if len(chosen) < missing:
        raise RuntimeError(
            f"synthetic mesh: only {len(chosen)} midline edges to split, need {missing}"
        )
    faces = faces.copy()
    new_pts = []
    for n, (a, c) in enumerate(chosen):
        m = len(verts) + n
        new_pts.append((verts[a] + verts[c]) / 2)
        for fi in np.nonzero(((faces == a) | (faces == c)).sum(1) == 2)[0]:
            f = faces[fi]
            k = int(np.nonzero((f != a) & (f != c))[0][0])
            # f = (p, q, opposite) cyclically; split into (p, m, opp) and (m, q, opp)
            p, q, opp = f[(k + 1) % 3], f[(k + 2) % 3], f[k]
            faces[fi] = (p, m, opp)
            faces = np.concatenate([faces, [[m, q, opp]]])
    verts = np.concatenate([verts, np.array(new_pts).reshape(-1, 3)])
    mirror = np.concatenate([mirror, np.arange(len(verts) - len(chosen), len(verts))])
    return verts, faces, mirror


def _orient_outward(verts: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Make all triangles agree (each edge used once in each direction), normals pointing out.

    Walks the face adjacency breadth-first; a neighbour that traverses the shared edge in the same
    direction as its visited neighbour gets the opposite flip state.
    """
    n = len(faces)
    directed = np.stack([faces, np.roll(faces, -1, axis=1)], -1).reshape(-1, 2)  # (3F, 2)
    key = np.sort(directed, 1) @ np.array([len(verts), 1])
    order = np.argsort(key, kind="stable")
    if np.any(key[order[0::2]] != key[order[1::2]]):
        raise RuntimeError("synthetic mesh is not a closed manifold")
    partner = np.empty(3 * n, dtype=np.int64)
    partner[order[0::2]], partner[order[1::2]] = order[1::2], order[0::2]
    same_dir = (directed[:, 0] == directed[partner, 0]).tolist()
    neighbour = (partner // 3).tolist()
    flip = [-1] * n
    flip[0] = 0
    queue = [0]
    for fi in queue:  # the list grows while we walk it
        for e in range(3 * fi, 3 * fi + 3):
            g = neighbour[e]
            if flip[g] < 0:
                flip[g] = flip[fi] ^ int(same_dir[e])
                queue.append(g)
    out = np.where(np.array(flip, bool)[:, None], faces[:, ::-1], faces)
    tri = verts[out]
    signed_volume = np.einsum("ij,ij->i", tri[:, 0], np.cross(tri[:, 1], tri[:, 2])).sum() / 6
    return out if signed_volume > 0 else out[:, ::-1].copy()
