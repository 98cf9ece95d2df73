"""Where the camera height error of the floor fit comes from: one noise source at a time.

The scenes and noise draws of ``benchmarks/bench_ground.py`` (8 scenes x 2 draws), each corrupted
with a subset of its CLIFF-like errors: none, the depth error along the viewing ray only, the pose
errors only (per-joint and global orientation noise), the global orientation noise with the depth
error, and all of them (the bench's input). Every input is smoothed as there and grounded by
``mocap.ground`` (foot lock off: the camera fit does not depend on it).

Columns (mean over runs): |camera height error| and its signed mean (bias); |error of the floor
under the people| (the fitted floor's height at the true contact points: what depth pinning
sees); |pitch| and |roll| errors. A camera height error much larger than the floor error under
the people is a tilt error seen from afar (height error ~ distance x tilt), not a depth-scale
error.

Run: ``python -m benchmarks.bench_ground_height`` (about two minutes on two cores; ``--quick``:
the first four scenes, one draw).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import numpy as np

from benchmarks.bench_ground import DEPTH_NOISE, DURATION_S, SCENES, SEEDS, routes, scene_distance
from mocap.body import SmplBody
from mocap.grounding import ground
from mocap.grounding.kinematics import TOES, posed_joints
from mocap.smoothing import smooth_sequence
from mocap.testing.grounding_scenes import Noise, Scene, corrupt, make_scene
from mocap.testing.synthetic import synthetic_smpl_model_data
from mocap.types import Grounding, SmplModelData

SOURCES = {  # name -> which errors of the bench's Noise are kept
    "none (exact input)": dict(depth=False, joint=False, orient=False),
    "depth along the ray": dict(depth=True, joint=False, orient=False),
    "pose (joints + orientation)": dict(depth=False, joint=True, orient=True),
    "depth + orientation": dict(depth=True, joint=False, orient=True),
    "all (bench input)": dict(depth=True, joint=True, orient=True),
}


def noise_of(depth: float, keep: dict[str, bool]) -> Noise:
    full = Noise(depth=depth)
    return replace(
        full,
        depth=full.depth if keep["depth"] else 0.0,
        joint_deg=full.joint_deg if keep["joint"] else 0.0,
        orient_deg=full.orient_deg if keep["orient"] else 0.0,
    )


def floor_error_under_people(data: SmplModelData, scene: Scene, fit: Grounding) -> float:
    """Mean over people of |mean height of the true contact points above the fitted floor| (m)."""
    body = SmplBody(data)
    c_from_w = np.linalg.inv(scene.world_from_camera)
    fitted = fit.world_from_camera
    out = []
    for person in scene.people:
        s = person.seq
        joints = posed_joints(body, s.betas, s.global_orient, s.body_pose, s.transl)
        floor = joints[:, TOES][person.contact]
        floor[:, 1] = 0.0
        cam = floor @ c_from_w[:3, :3].T + c_from_w[:3, 3]
        out.append(abs(float((cam @ fitted[:3, :3].T + fitted[:3, 3])[:, 1].mean())))
    return float(np.mean(out))


def run(quick: bool) -> None:
    data = synthetic_smpl_model_data()
    rows: dict[str, list[tuple[float, float, float, float]]] = {k: [] for k in SOURCES}
    started = time.perf_counter()
    runs = [(i, s) for s in SEEDS for i in range(len(SCENES))]
    for i, seed in runs[:4] if quick else runs:
        height, pitch, roll, kinds = SCENES[i]
        dist = scene_distance(height, pitch)
        rs = [routes(k, dist, lateral) for k, lateral in zip(kinds, (-1.0, 1.2), strict=True)]
        scene = make_scene(data, rs, height, pitch, roll, DURATION_S, seed=i)
        truth = Grounding(world_from_camera=scene.world_from_camera)
        depth = DEPTH_NOISE[(i + seed) % len(DEPTH_NOISE)]
        for name, keep in SOURCES.items():
            noisy = corrupt(scene.motion, noise_of(depth, keep), seed=100 * (seed + 1) + i)
            smoothed = replace(
                noisy, people=tuple(smooth_sequence(p, "medium") for p in noisy.people)
            )
            g = ground(smoothed, foot_lock=False).grounding
            assert g is not None
            rows[name].append(
                (
                    100 * (g.camera_height - truth.camera_height),
                    100 * floor_error_under_people(data, scene, g),
                    abs(g.pitch_deg - truth.pitch_deg),
                    abs(g.roll_deg - truth.roll_deg),
                )
            )
    print_table(rows)
    print(
        f"\n{len(runs[:4] if quick else runs)} runs x {len(SOURCES)} inputs in "
        f"{time.perf_counter() - started:.0f} s"
    )


def print_table(rows: dict[str, list[tuple[float, float, float, float]]]) -> None:
    print(
        f"{'errors in the input':<30} {'|height|':>9} {'bias':>7} {'|floor at people|':>18} "
        f"{'|pitch|':>8} {'|roll|':>7}"
    )
    for name, vals in rows.items():
        v = np.array(vals)
        print(
            f"{name:<30} {np.abs(v[:, 0]).mean():>7.2f}cm {v[:, 0].mean():>+5.2f}cm "
            f"{v[:, 1].mean():>16.2f}cm {v[:, 2].mean():>7.2f}° {v[:, 3].mean():>6.2f}°"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="four runs only")
    run(parser.parse_args().quick)


if __name__ == "__main__":
    main()
