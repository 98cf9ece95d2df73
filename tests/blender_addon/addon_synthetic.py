"""Synthetic inputs and independent expectations for the add-on tests (numpy + scipy only).

Nothing here imports the add-on: the SMPL look-alike model, the motion, the .npz/.glb/.pkl
writers and the forward kinematics are written separately from ``blender_addon`` so that the
tests compare two independent computations.
"""

import json
import pickle
import struct
import sys
import types
from dataclasses import dataclass

import numpy as np
from scipy.spatial.transform import Rotation

PARENTS = np.array(
    [-1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19, 20, 21]
)
JOINT_NAMES = [
    "pelvis", "left_hip", "right_hip", "spine1", "left_knee", "right_knee", "spine2",
    "left_ankle", "right_ankle", "spine3", "left_foot", "right_foot", "neck", "left_collar",
    "right_collar", "head", "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
    "left_wrist", "right_wrist", "left_hand", "right_hand",
]  # fmt: skip
# Made-up SMPL-like template joints (y up, metres, body facing +z, body-left = +x).
TEMPLATE_JOINTS = np.array([
    [0.00, -0.22, 0.02], [0.06, -0.31, 0.01], [-0.06, -0.31, 0.01], [0.00, -0.11, -0.02],
    [0.11, -0.69, 0.01], [-0.11, -0.69, 0.01], [0.00, 0.03, 0.01], [0.07, -1.09, -0.03],
    [-0.07, -1.09, -0.03], [0.00, 0.08, 0.03], [0.12, -1.15, 0.09], [-0.12, -1.15, 0.09],
    [0.00, 0.29, -0.01], [0.08, 0.19, -0.00], [-0.08, 0.19, -0.00], [0.01, 0.36, 0.04],
    [0.17, 0.23, -0.01], [-0.17, 0.23, -0.01], [0.43, 0.21, -0.03], [-0.43, 0.21, -0.03],
    [0.68, 0.22, -0.03], [-0.68, 0.22, -0.03], [0.77, 0.21, -0.04], [-0.77, 0.21, -0.04],
])  # fmt: skip
# Regular tetrahedron corners (zero mean) scaled to 3 cm: 4 vertices around every joint.
TETRA = 0.03 * np.array([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]], dtype=np.float64)
TETRA_FACES = np.array([[0, 1, 2], [0, 3, 1], [0, 2, 3], [1, 3, 2]])
C = np.diag([1.0, -1.0, -1.0])  # OpenCV camera -> glTF axes (180° about X)
A = np.array([[1.0, 0, 0], [0, 0, -1.0], [0, 1.0, 0]])  # y-up -> Blender z-up (+90° about X)
M = A @ C  # OpenCV camera -> Blender world: (x, y, z) -> (x, z, -y)
NTSC_FPS = 30000 / 1001


def make_model(seed: int = 0) -> dict:
    """An SMPL-format model dict (24 joints, 96 vertices) with the official key names."""
    rng = np.random.default_rng(seed)
    v = (TEMPLATE_JOINTS[:, None, :] + TETRA[None]).reshape(-1, 3)  # (96, 3)
    nv = len(v)
    jreg = np.zeros((24, nv))
    weights = np.zeros((nv, 24))
    for k in range(24):
        jreg[k, 4 * k : 4 * k + 4] = 0.25  # joint = centroid of its tetrahedron
        if PARENTS[k] < 0:
            weights[4 * k : 4 * k + 4, k] = 1.0
        else:
            weights[4 * k : 4 * k + 4, k] = 0.7
            weights[4 * k : 4 * k + 4, PARENTS[k]] = 0.3
    faces = np.concatenate([TETRA_FACES + 4 * k for k in range(24)]).astype(np.uint32)
    kintree = np.stack([PARENTS, np.arange(24)]).astype(np.int64)
    kintree[0, 0] = 2**32 - 1  # as stored in the official files
    return {
        "v_template": v,
        "shapedirs": rng.normal(scale=0.01, size=(nv, 3, 10)),
        "posedirs": np.zeros((nv, 3, 207)),
        "J_regressor": jreg,
        "weights": weights,
        "f": faces,
        "kintree_table": kintree,
    }


def shaped(model: dict, betas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(V,3) shaped vertices and (24,3) rest joints for betas (10,)."""
    v = model["v_template"] + np.einsum("vcb,b->vc", model["shapedirs"], betas)
    return v, model["J_regressor"] @ v


def write_model_npz(model: dict, path) -> None:
    np.savez(path, **model)


def write_model_pkl(model: dict, path) -> None:
    """A py2-style SMPL pickle: shapedirs as a chumpy ``Ch``, J_regressor as scipy csc."""
    from scipy.sparse import csc_matrix

    fake_pkg, fake_mod = types.ModuleType("chumpy"), types.ModuleType("chumpy.ch")

    class Ch:  # the state a plain chumpy Ch pickles: its __dict__ with the value in 'x'
        def __init__(self, x):
            self.x = x

    Ch.__module__, Ch.__qualname__ = "chumpy.ch", "Ch"
    fake_mod.Ch = Ch
    saved = {k: sys.modules.get(k) for k in ("chumpy", "chumpy.ch")}
    sys.modules.update({"chumpy": fake_pkg, "chumpy.ch": fake_mod})
    try:
        data = dict(model)
        data["shapedirs"] = Ch(model["shapedirs"])
        data["J_regressor"] = csc_matrix(model["J_regressor"])
        data["bs_style"] = "lbs"
        with open(path, "wb") as f:
            pickle.dump(data, f, protocol=2)
    finally:
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v


class _Evil:
    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        import os

        return (os.system, (f"touch '{self.marker}'",))


def write_evil_pkl(path, marker) -> None:
    """A pickle that would create ``marker`` through os.system if unpickled unrestricted."""
    with open(path, "wb") as f:
        pickle.dump({"v_template": _Evil(marker)}, f, protocol=2)


@dataclass
class Person:
    track_id: int
    frames: np.ndarray  # (T,)
    pose: np.ndarray  # (T, 24, 3) axis-angle
    transl: np.ndarray  # (T, 3) OpenCV camera metres
    betas: np.ndarray  # (10,)


@dataclass
class Case:
    fps: float
    num_frames: int
    width: int
    height: int
    fx: float
    fy: float
    cx: float
    cy: float
    people: list


def make_case(spans, num_frames=60, fps=NTSC_FPS, seed=1) -> Case:
    """People tracked on ``spans`` [(track_id, first, last)], smooth motion 4-5 m in front."""
    rng = np.random.default_rng(seed)
    people = []
    for tid, first, last in spans:
        frames = np.arange(first, last + 1)
        t = frames / fps
        amp = rng.uniform(0.1, 0.5, size=(24, 3))
        phase = rng.uniform(0, 2 * np.pi, size=(24, 3))
        pose = amp[None] * np.sin(2.0 * t[:, None, None] + phase[None])
        # Root: upright in OpenCV (180° about X) times a yaw sweeping 2.5 turns over the clip.
        yaw = Rotation.from_rotvec(np.outer(2.5 * 2 * np.pi * frames / num_frames, [0, 1, 0]))
        pose[:, 0] = (Rotation.from_rotvec([np.pi, 0, 0]) * yaw).as_rotvec()
        transl = np.stack(
            [
                rng.uniform(-1, 1) + 0.3 * np.sin(t),
                0.3 + 0.05 * np.cos(3 * t),
                4.5 + 0.4 * np.sin(t),
            ],
            axis=1,
        )
        people.append(Person(tid, frames, pose, transl, rng.normal(scale=1.0, size=10)))
    return Case(fps, num_frames, 640, 360, 520.0, 500.0, 330.5, 170.25, people)


def camera_joints(model: dict, person: Person) -> np.ndarray:
    """Posed joints (T, 24, 3) in the OpenCV camera frame (SMPL FK, spec §1.2 step 5)."""
    _, joints = shaped(model, person.betas)
    rot = Rotation.from_rotvec(person.pose.reshape(-1, 3)).as_matrix().reshape(-1, 24, 3, 3)
    out = np.zeros((len(person.frames), 24, 3))
    for t in range(len(person.frames)):
        g_rot, g_pos = [None] * 24, np.zeros((24, 3))
        for k in range(24):
            p = PARENTS[k]
            if p < 0:
                g_rot[k], g_pos[k] = rot[t, 0], joints[0]
            else:
                g_rot[k] = g_rot[p] @ rot[t, k]
                g_pos[k] = g_pos[p] + g_rot[p] @ (joints[k] - joints[p])
        out[t] = g_pos + person.transl[t]
    return out


def project(case: Case, points: np.ndarray) -> np.ndarray:
    """OpenCV pinhole projection of (..., 3) camera points to (..., 2) pixels."""
    x, y, z = points[..., 0], points[..., 1], points[..., 2]
    return np.stack([case.fx * x / z + case.cx, case.fy * y / z + case.cy], axis=-1)


def write_motion_npz(case: Case, path, video_path: str = "") -> None:
    """A cliffmocap/1 result (DESIGN.md, long format: one row per person per frame)."""
    rows = [(p, i) for p in case.people for i in range(len(p.frames))]
    n = len(rows)
    np.savez(
        path,
        schema=np.array("cliffmocap/1"),
        fps=np.array(case.fps),
        num_frames=np.array(case.num_frames),
        image_size=np.array([case.width, case.height]),
        focal_length=np.array([case.fx, case.fy]),
        principal_point=np.array([case.cx, case.cy]),
        variant=np.array("hr48"),
        checkpoint_sha256=np.array("0" * 64),
        version=np.array("0.1.0"),
        video_path=np.array(video_path),
        track_id=np.array([p.track_id for p, _ in rows]),
        frame=np.array([p.frames[i] for p, i in rows]),
        time=np.array([p.frames[i] / case.fps for p, i in rows]),
        global_orient=np.array([p.pose[i, 0] for p, i in rows]),
        body_pose=np.array([p.pose[i, 1:] for p, i in rows]),
        transl=np.array([p.transl[i] for p, i in rows]),
        frame_betas=np.array([p.betas for p, _ in rows]),
        cam_crop=np.zeros((n, 3)),
        box=np.zeros((n, 4)),
        score=np.ones(n),
        observed=np.ones(n, dtype=bool),
        track_ids=np.array([p.track_id for p in case.people]),
        betas=np.array([p.betas for p in case.people]),
    )


class _Glb:
    """Minimal glTF 2.0 binary builder: one buffer, one bufferView per accessor, 4-byte aligned."""

    def __init__(self):
        self.blob = bytearray()
        self.views, self.accessors = [], []

    def add(self, arr, gl_type, component, target=None, minmax=False) -> int:
        arr = np.ascontiguousarray(arr)
        self.blob += b"\0" * (-len(self.blob) % 4)
        view = {"buffer": 0, "byteOffset": len(self.blob), "byteLength": arr.nbytes}
        if target:
            view["target"] = target
        self.blob += arr.tobytes()
        self.views.append(view)
        acc = {"bufferView": len(self.views) - 1, "componentType": component,
               "count": int(arr.shape[0]), "type": gl_type}  # fmt: skip
        if minmax:
            flat = arr.reshape(arr.shape[0], -1)
            acc["min"], acc["max"] = flat.min(0).tolist(), flat.max(0).tolist()
        self.accessors.append(acc)
        return len(self.accessors) - 1


def write_glb(case: Case, model: dict, path, video_path: str = "", world_from_camera=None) -> None:
    """The exporter layout of docs/exporters_spec.md §2 with cliffmocap scene extras.

    ``world_from_camera`` (4x4, OpenCV camera -> a y-up world) writes the scene as a grounded
    export does: people in that world, the camera node at its pose (glTF camera axes) and the
    ``space``/``camera_pose`` extras; None writes the camera-frame scene.
    """
    w = np.eye(4) if world_from_camera is None else np.asarray(world_from_camera, float)
    to_yup = C if world_from_camera is None else w[:3, :3]
    cam_pose = np.eye(4)
    if world_from_camera is not None:
        cam_pose[:3, :3], cam_pose[:3, 3] = w[:3, :3] @ C, w[:3, 3]
    g = _Glb()
    nodes, meshes, skins, channels, samplers, scene_nodes, people = [], [], [], [], [], [], []
    float_, u8, u16 = 5126, 5121, 5123
    for person in case.people:
        verts, joints = shaped(model, person.betas)
        base = len(nodes)
        root_node = base + 1
        nodes.append({"name": f"person_{person.track_id}", "children": [root_node]})
        for k in range(24):
            p = PARENTS[k]
            offset = joints[k] - (joints[p] if p >= 0 else 0.0)
            kids = [root_node + c for c in np.flatnonzero(np.equal(PARENTS, k))]
            node = {"name": JOINT_NAMES[k], "translation": offset.tolist()}
            if kids:
                node["children"] = [int(c) for c in kids]
            nodes.append(node)
        ibm = np.tile(np.eye(4), (24, 1, 1))
        ibm[:, :3, 3] = -joints
        ibm_acc = g.add(
            np.transpose(ibm, (0, 2, 1)).reshape(24, 16).astype(np.float32), "MAT4", float_
        )
        skins.append({"joints": list(range(root_node, root_node + 24)),
                      "inverseBindMatrices": ibm_acc, "skeleton": root_node})  # fmt: skip
        order = np.argsort(-model["weights"], axis=1)[:, :4]
        w4 = np.take_along_axis(model["weights"], order, axis=1)
        w4 = (w4 / w4.sum(1, keepdims=True)).astype(np.float32)
        prim = {
            "attributes": {
                "POSITION": g.add(verts.astype(np.float32), "VEC3", float_, 34962, minmax=True),
                "JOINTS_0": g.add(np.where(w4 > 0, order, 0).astype(np.uint8), "VEC4", u8, 34962),
                "WEIGHTS_0": g.add(w4, "VEC4", float_, 34962),
            },
            "indices": g.add(model["f"].astype(np.uint16).reshape(-1), "SCALAR", u16, 34963),
        }
        meshes.append({"name": f"person_{person.track_id}_body", "primitives": [prim]})
        nodes.append({"name": f"person_{person.track_id}_body", "mesh": len(meshes) - 1,
                      "skin": len(skins) - 1})  # fmt: skip
        scene_nodes += [base, len(nodes) - 1]
        # Animation: times, rotations (x, y, z, w) sign-continuous, root C·R_0 and C·(J_0 + t).
        times = g.add((person.frames / case.fps).astype(np.float32), "SCALAR", float_, minmax=True)
        rots = Rotation.from_rotvec(person.pose.reshape(-1, 3)).as_matrix().reshape(-1, 24, 3, 3)
        rots[:, 0] = to_yup @ rots[:, 0]
        quat = Rotation.from_matrix(rots.reshape(-1, 3, 3)).as_quat().reshape(-1, 24, 4)
        for t in range(1, len(quat)):
            quat[t] *= np.where((quat[t] * quat[t - 1]).sum(-1, keepdims=True) < 0, -1, 1)
        for k in range(24):
            out = g.add(quat[:, k].astype(np.float32), "VEC4", float_)
            samplers.append({"input": times, "output": out, "interpolation": "LINEAR"})
            channels.append({"sampler": len(samplers) - 1,
                             "target": {"node": root_node + k, "path": "rotation"}})  # fmt: skip
        root_t = (joints[0] + person.transl) @ to_yup.T
        root_t = (root_t + (0.0 if world_from_camera is None else w[:3, 3])).astype(np.float32)
        samplers.append({"input": times, "output": g.add(root_t, "VEC3", float_),
                         "interpolation": "LINEAR"})  # fmt: skip
        channels.append({"sampler": len(samplers) - 1,
                         "target": {"node": root_node, "path": "translation"}})  # fmt: skip
        first, last = int(person.frames[0]), int(person.frames[-1])
        key_t, key_s = [first], [1.0]
        if first > 0:
            key_t, key_s = [0, *key_t], [0.0, *key_s]
        if last < case.num_frames - 1:
            key_t, key_s = [*key_t, last + 1], [*key_s, 0.0]
        s_in = g.add((np.array(key_t) / case.fps).astype(np.float32), "SCALAR", float_, minmax=True)
        s_out = g.add(np.repeat(np.array(key_s)[:, None], 3, 1).astype(np.float32), "VEC3", float_)
        samplers.append({"input": s_in, "output": s_out, "interpolation": "STEP"})
        channels.append({"sampler": len(samplers) - 1,
                         "target": {"node": root_node, "path": "scale"}})  # fmt: skip
        people.append({"track_id": person.track_id, "node": f"person_{person.track_id}",
                       "frame_start": first, "frame_end": last,
                       "betas": person.betas.tolist()})  # fmt: skip
    camera_node = {"name": "video_camera", "camera": 0}
    if world_from_camera is not None:
        camera_node["translation"] = cam_pose[:3, 3].tolist()
        camera_node["rotation"] = Rotation.from_matrix(cam_pose[:3, :3]).as_quat().tolist()
    nodes.append(camera_node)
    scene_nodes.append(len(nodes) - 1)
    extras = {
        "generator": "cliffmocap", "cliffmocap_version": "0.1.0", "schema": "cliffmocap-gltf/1",
        "fps": case.fps, "num_frames": case.num_frames, "image_width": case.width,
        "image_height": case.height, "fx": case.fx, "fy": case.fy, "cx": case.cx, "cy": case.cy,
        "video_path": video_path, "people": people,
    }  # fmt: skip
    if world_from_camera is not None:
        extras["space"] = "world"
        extras["camera_pose"] = cam_pose.ravel().tolist()
    doc = {
        "asset": {"version": "2.0", "generator": "cliffmocap tests"},
        "scene": 0,
        "scenes": [{"nodes": scene_nodes, "extras": extras}],
        "nodes": nodes, "meshes": meshes, "skins": skins,
        "animations": [{"name": "motion", "channels": channels, "samplers": samplers}],
        "cameras": [{"type": "perspective", "perspective": {
            "yfov": 2 * np.arctan(case.height / (2 * case.fy)),
            "aspectRatio": case.width / case.height, "znear": 0.01, "zfar": 100.0}}],
        "accessors": g.accessors, "bufferViews": g.views,
    }  # fmt: skip
    g.blob += b"\0" * (-len(g.blob) % 4)
    doc["buffers"] = [{"byteLength": len(g.blob)}]
    js = json.dumps(doc).encode()
    js += b" " * (-len(js) % 4)
    total = 12 + 8 + len(js) + 8 + len(g.blob)
    with open(path, "wb") as f:
        f.write(struct.pack("<4sII", b"glTF", 2, total))
        f.write(struct.pack("<II", len(js), 0x4E4F534A) + js)
        f.write(struct.pack("<II", len(g.blob), 0x004E4942) + bytes(g.blob))
