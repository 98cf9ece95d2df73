"""Comparisons between what Blender shows and the independent numpy expectations."""

import addon_synthetic as syn
import numpy as np

POSITION_TOL_M = 1e-5  # docs/exporters_spec.md §7.1
PIXEL_TOL = 1e-3


def person_errors(job: dict, index: int, case, model, person) -> dict:
    """Max errors for one imported person: joints (m), vertices (m), pixels; hidden spread (m)."""
    arrays = job["arrays"]
    names = job["bones"][index]
    order = [names.index(n) for n in syn.JOINT_NAMES]
    heads = arrays[f"heads_{index}"][:, order]  # (num_frames, 24, 3) Blender world
    pixels = arrays[f"pixels_{index}"][:, order]
    cam_joints = syn.camera_joints(model, person)  # (T, 24, 3) OpenCV camera
    expected = cam_joints @ syn.M.T
    hidden = np.setdiff1d(np.arange(case.num_frames), person.frames)
    out = {
        "joints": float(np.abs(heads[person.frames] - expected).max()),
        "pixels": float(np.abs(pixels[person.frames] - syn.project(case, cam_joints)).max()),
        "hidden_spread": float(np.ptp(heads[hidden], axis=1).max()) if len(hidden) else 0.0,
        "hidden_frames": len(hidden),
    }
    verts = arrays.get(f"verts_{index}")
    if verts is not None and verts.size:
        out["vertices"] = float(
            np.abs(verts[person.frames] - expected_vertices(model, person)).max()
        )
    return out


def expected_vertices(model, person) -> np.ndarray:
    """(T, V, 3) Blender-world vertices by linear blend skinning (no pose correctives)."""
    verts, joints = syn.shaped(model, person.betas)
    cam_joints = syn.camera_joints(model, person) - person.transl[:, None]  # FK without transl
    rots = syn.Rotation.from_rotvec(person.pose.reshape(-1, 3)).as_matrix().reshape(-1, 24, 3, 3)
    out = np.zeros((len(person.frames), len(verts), 3))
    for t in range(len(person.frames)):
        world = [None] * 24
        for k in range(24):
            p = syn.PARENTS[k]
            world[k] = rots[t, 0] if p < 0 else world[p] @ rots[t, k]
        posed = np.zeros((len(verts), 3))
        for k in range(24):
            moved = (verts - joints[k]) @ world[k].T + cam_joints[t, k]
            posed += model["weights"][:, k : k + 1] * moved
        out[t] = (posed + person.transl[t]) @ syn.M.T
    return out
