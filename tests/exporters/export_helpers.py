"""Helpers of the exporter tests: synthetic inputs, independent numpy SMPL FK, external clients.

Imported by the tests as ``export_helpers`` (a unique name: several test folders have a
``conftest.py``, so ``from conftest import ...`` could pick another folder's).

Nothing here calls the exporters' own math: the expected joint positions come from plain SMPL FK
(``G_k = G_parent [R_k | J_k - J_parent]``, posed joint = translation of ``G_k`` + transl).
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from mocap.types import (
    CameraIntrinsics,
    MotionSet,
    Provenance,
    SmplModelData,
    SmplSequence,
    VideoInfo,
)

NTSC_FPS = 30000.0 / 1001.0
TESTS_DIR = Path(__file__).resolve().parent
REPO_ROOT = TESTS_DIR.parents[1]

# SMPL tree written out here on purpose (not imported from exporters.skeleton).
PARENTS = [-1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19, 20, 21]
# Made-up humanoid rest joints (metres, y up, facing +z, body-left = +x).
REST = np.array([
    [0.0, 0.0, 0.0], [0.09, -0.08, 0.0], [-0.09, -0.08, 0.0], [0.0, 0.1, -0.01],
    [0.1, -0.48, 0.0], [-0.1, -0.48, 0.0], [0.0, 0.23, 0.0], [0.1, -0.88, -0.03],
    [-0.1, -0.88, -0.03], [0.0, 0.29, 0.02], [0.11, -0.94, 0.1], [-0.11, -0.94, 0.1],
    [0.0, 0.5, 0.0], [0.07, 0.4, 0.0], [-0.07, 0.4, 0.0], [0.0, 0.6, 0.03],
    [0.18, 0.42, 0.0], [-0.18, 0.42, 0.0], [0.44, 0.42, 0.0], [-0.44, 0.42, 0.0],
    [0.69, 0.42, 0.0], [-0.69, 0.42, 0.0], [0.77, 0.42, 0.0], [-0.77, 0.42, 0.0],
])  # fmt: skip
# OpenCV camera -> Blender z-up world, written as a literal: (x, y, z) -> (x, z, -y).
CV_TO_BLENDER = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])
# OpenCV camera -> y-up (glTF/BVH): (x, y, z) -> (x, -y, -z).
CV_TO_YUP = np.diag([1.0, -1.0, -1.0])


def make_body(seed: int = 0) -> SmplModelData:
    """A 24-joint body: a tetrahedron around every joint, 2-6 random influences per vertex."""
    rng = np.random.default_rng(seed)
    tet = 0.03 * np.array([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]], dtype=float)
    verts = (REST[:, None, :] + tet[None]).reshape(-1, 3)  # (96, 3), tetra centred on the joint
    faces = np.concatenate(
        [4 * j + np.array([[0, 1, 2], [0, 3, 1], [0, 2, 3], [1, 3, 2]]) for j in range(24)]
    )
    weights = np.zeros((96, 24))
    for v in range(96):
        own = v // 4
        others = rng.choice(
            [j for j in range(24) if j != own], size=rng.integers(1, 6), replace=False
        )
        weights[v, own] = 1.0
        weights[v, others] = rng.uniform(0.05, 0.6, size=len(others))
    weights /= weights.sum(axis=1, keepdims=True)
    regressor = np.zeros((24, 96))
    for j in range(24):
        regressor[j, 4 * j : 4 * j + 4] = 0.25
    shapedirs = rng.normal(scale=0.01, size=(96, 3, 10))
    return SmplModelData(
        v_template=verts,
        shapedirs=shapedirs,
        j_regressor=regressor,
        weights=weights,
        faces=faces,
        parents=np.array(PARENTS),
        source="synthetic-test",
    )


def make_sequence(
    track_id: int,
    frames: np.ndarray,
    fps: float,
    seed: int,
    turns: float = 2.5,
    x_offset: float = 0.0,
) -> SmplSequence:
    """Smooth random motion: upright in OpenCV (180 deg about x) with a yaw sweeping ``turns``."""
    rng = np.random.default_rng(seed)
    t = frames / fps
    n = len(frames)
    phase = rng.uniform(0, 2 * np.pi, size=(23, 3))
    freq = rng.uniform(0.3, 1.5, size=(23, 3))
    amp = rng.uniform(0.1, 0.8, size=(23, 3))
    body_pose = amp * np.sin(freq * t[:, None, None] * 2 * np.pi + phase)
    span = max(t[-1] - t[0], 1e-9)
    yaw = 2 * np.pi * turns * (t - t[0]) / span
    upright = Rotation.from_euler("x", np.pi)
    glob = (Rotation.from_euler("y", yaw[:, None]) * upright).as_rotvec()
    transl = np.stack(
        [x_offset + 0.3 * np.sin(t), 0.2 + 0.05 * np.cos(2 * t), 4.5 + 0.5 * np.sin(0.5 * t)],
        axis=1,
    )
    betas = rng.normal(scale=1.0, size=10)
    return SmplSequence(
        track_id=track_id,
        frames=frames,
        times=t,
        global_orient=glob,
        body_pose=body_pose,
        betas=betas,
        transl=transl,
        observed=np.ones(n, bool),
        boxes=np.tile([10.0, 20.0, 110.0, 220.0], (n, 1)),
        scores=np.full(n, 0.9),
        frame_betas=np.tile(betas, (n, 1)) + 0.01,
        cam_crop=np.tile([0.9, 0.01, 0.02], (n, 1)),
    )


def make_motion(
    tracks: list[tuple[int, np.ndarray]],
    num_frames: int,
    fps: float = NTSC_FPS,
    body: SmplModelData | None = None,
    seed: int = 0,
) -> MotionSet:
    """A MotionSet of ``tracks`` = [(track_id, frames), ...] on a 640x480 video."""
    people = [
        make_sequence(tid, np.asarray(fr), fps, seed + i, x_offset=1.2 * (i - 1))
        for i, (tid, fr) in enumerate(tracks)
    ]
    video = VideoInfo(path=Path("clip.mp4"), width=640, height=480, fps=fps, num_frames=num_frames)
    camera = CameraIntrinsics(fx=700.0, fy=700.0, cx=322.5, cy=236.0, width=640, height=480)
    return MotionSet(
        video=video,
        camera=camera,
        people=tuple(people),
        frame_times=np.arange(num_frames) / fps,
        body=body,
        provenance=Provenance(variant="hr48", checkpoint_sha256="ab" * 32, version="0.1.0"),
    )


def fk_camera_full(body: SmplModelData, seq: SmplSequence) -> tuple[np.ndarray, np.ndarray]:
    """Plain SMPL FK in the OpenCV camera frame.

    Returns:
        positions: (T, 24, 3) posed joints in metres (transl included).
        rotations: (T, 24, 3, 3) world rotations of the joints.
    """
    rest = body.j_regressor @ (body.v_template + body.shapedirs[:, :, :10] @ seq.betas)
    poses = np.concatenate([seq.global_orient[:, None], seq.body_pose], axis=1)
    out = np.zeros((len(seq), 24, 3))
    world = np.zeros((len(seq), 24, 3, 3))
    for t in range(len(seq)):
        rot = Rotation.from_rotvec(poses[t]).as_matrix()
        for k in range(24):
            p = int(body.parents[k])
            if p < 0:
                world[t, k], out[t, k] = rot[k], rest[k]
            else:
                world[t, k] = world[t, p] @ rot[k]
                out[t, k] = out[t, p] + world[t, p] @ (rest[k] - rest[p])
        out[t] += seq.transl[t]
    return out, world


def fk_camera(body: SmplModelData, seq: SmplSequence) -> np.ndarray:
    """(T, 24, 3) posed joint positions in the OpenCV camera frame (plain SMPL FK, metres)."""
    return fk_camera_full(body, seq)[0]


def lbs_camera(body: SmplModelData, seq: SmplSequence, rows: np.ndarray) -> np.ndarray:
    """(K, V, 3) skinned vertices (camera frame) on ``rows`` (K,) of ``seq``.

    The 4 largest weights per vertex are kept and renormalised.

    Linear blend skinning without pose correctives, which is what glTF can carry.
    """
    shaped = body.v_template + body.shapedirs[:, :, :10] @ seq.betas
    rest = body.j_regressor @ shaped
    w = body.weights.copy()
    drop = np.argsort(w, axis=1)[:, :-4]  # all but the 4 largest per vertex
    np.put_along_axis(w, drop, 0.0, axis=1)
    w /= w.sum(axis=1, keepdims=True)
    pos, rot = fk_camera_full(body, seq)
    out = np.zeros((len(rows), len(shaped), 3))
    for i, t in enumerate(rows):  # per frame: a (T, J, V, 3) intermediate would not fit in memory
        # joint k moves rest point v to rot_k (v - J_k) + pos_k
        moved = np.einsum("kij,vkj->vki", rot[t], shaped[:, None, :] - rest[None]) + pos[t][None]
        out[i] = np.einsum("vk,vki->vi", w, moved)
    return out


# --- external clients ---------------------------------------------------------------------------


def read_glb_json(path: Path) -> dict:
    """The JSON chunk of a .glb file (12-byte header, then the chunk length, type and JSON)."""
    data = Path(path).read_bytes()
    (json_len,) = struct.unpack("<I", data[12:16])
    return json.loads(data[20 : 20 + json_len])


def node_validator() -> tuple[str, Path] | None:
    """(node executable, gltf-validator package folder) or None when either is absent."""
    node = shutil.which("node")
    pkg = REPO_ROOT / "node_modules" / "gltf-validator"
    if node is None or not pkg.is_dir():
        return None
    return node, pkg


VALIDATE_JS = """
const fs = require('fs');
const validator = require(process.argv[1]);
const data = new Uint8Array(fs.readFileSync(process.argv[2]));
validator.validateBytes(data, {maxIssues: 0}).then(
  (r) => { console.log(JSON.stringify(r)); },
  (e) => { console.error(String(e)); process.exit(2); });
"""


def validate_glb(path: Path) -> dict:
    """Khronos gltf-validator report (``issues.numErrors`` etc.) for ``path``."""
    found = node_validator()
    if found is None:
        pytest.skip("node or node_modules/gltf-validator absent: run `npm ci` in the repo root")
    node, pkg = found
    res = subprocess.run(
        [node, "-e", VALIDATE_JS, str(pkg), str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if res.returncode != 0:
        raise AssertionError(f"gltf-validator failed: {res.stderr}")
    return json.loads(res.stdout)


def has_bpy() -> bool:
    res = subprocess.run(
        [sys.executable, "-c", "import importlib.util as u; print(u.find_spec('bpy') is not None)"],
        capture_output=True,
        text=True,
        check=False,
    )
    return res.stdout.strip() == "True"


def run_blender_check(
    jobs: list[dict], workdir: Path, script: str = "blender_check.py"
) -> list[dict]:
    """Run ``blender_check.py`` on ``jobs`` in one fresh bpy process; return its per-job results."""
    if not has_bpy():
        pytest.skip("bpy is not installed: pip install 'cliffmocap[blender]'")
    spec = workdir / "jobs.json"
    spec.write_text(json.dumps(jobs))
    home = workdir / "home"
    home.mkdir(exist_ok=True)
    env = dict(os.environ, HOME=str(home), PYTHONPATH=str(REPO_ROOT))
    res = subprocess.run(
        [sys.executable, str(TESTS_DIR / script), str(spec)],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        cwd=workdir,
        check=False,
    )
    lines = [ln for ln in res.stdout.splitlines() if ln.startswith("RESULT ")]
    if res.returncode != 0 or not lines:
        raise AssertionError(
            f"Blender check failed (rc {res.returncode}):\n"
            f"{res.stdout[-3000:]}\n{res.stderr[-3000:]}"
        )
    (workdir / "results.json").write_text(lines[-1][len("RESULT ") :])  # kept for inspection
    return json.loads(lines[-1][len("RESULT ") :])


JOINT_NAMES = [
    "pelvis", "left_hip", "right_hip", "spine1", "left_knee", "right_knee", "spine2",
    "left_ankle", "right_ankle", "spine3", "left_foot", "right_foot", "neck", "left_collar",
    "right_collar", "head", "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
    "left_wrist", "right_wrist", "left_hand", "right_hand",
]  # fmt: skip


def scene_expectations(motion: MotionSet, out: Path, vertex_frames: int = 0) -> Path:
    """Expected Blender world joints for a whole-scene file (glb/fbx), NaN where a person is hidden.

    Also stores camera-check points: visible joints (Blender world) and their OpenCV pixels, and
    the skinned mesh ``verts_<track_id>`` (K, V, 3) on about ``vertex_frames`` of each person's
    frames (video frames ``vframes_<track_id>`` (K,)).
    """
    arrays: dict[str, np.ndarray] = {"names": np.array(JOINT_NAMES)}
    cam_pts, pixels = [], []
    k = motion.camera.matrix
    for seq in motion.people:
        cv = fk_camera(motion.body, seq)  # (T, 24, 3)
        full = np.full((motion.num_frames, 24, 3), np.nan)
        full[seq.frames] = cv @ CV_TO_BLENDER.T
        arrays[f"pos_{seq.track_id}"] = full
        if vertex_frames:
            keep = np.arange(0, len(seq), max(1, len(seq) // vertex_frames))
            arrays[f"vframes_{seq.track_id}"] = seq.frames[keep]
            arrays[f"verts_{seq.track_id}"] = lbs_camera(motion.body, seq, keep) @ CV_TO_BLENDER.T
        sample = cv[:: max(1, len(seq) // 5)].reshape(-1, 3)
        cam_pts.append(sample @ CV_TO_BLENDER.T)
        proj = sample @ k.T
        pixels.append(proj[:, :2] / proj[:, 2:])
    arrays["cam_points"] = np.concatenate(cam_pts)
    arrays["cam_pixels"] = np.concatenate(pixels)
    np.savez(out, **arrays)
    return out


def track_expectations(motion: MotionSet, seq: SmplSequence, out: Path) -> Path:
    """Expected Blender world joints (T, 24, 3) of one gap-free person file (BVH frame i)."""
    if len(seq) != seq.frames[-1] - seq.frames[0] + 1:
        raise ValueError("track_expectations needs a gap-free track")
    cv = fk_camera(motion.body, seq)
    np.savez(out, names=np.array(JOINT_NAMES), **{f"pos_{seq.track_id}": cv @ CV_TO_BLENDER.T})
    return out
