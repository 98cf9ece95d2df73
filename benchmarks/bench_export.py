"""Export time and file size per format for a long multi-person motion.

    python benchmarks/bench_export.py [--people 3] [--frames 9000] [--fbx] [--json OUT]

The motion is synthetic (walk cycle + turning root, ``mocap.testing.demo_motion.walk_pose``) on the
synthetic SMPL-topology body (6890 vertices), so no model files are needed. FBX goes through
Blender in a subprocess and is slow (about 3 ms per person per frame), hence opt-in.
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import time
from pathlib import Path

import numpy as np

import exporters
from mocap.rotations import axis_angle_to_matrix, matrix_to_axis_angle
from mocap.testing.demo_motion import walk_pose
from mocap.testing.synthetic import synthetic_smpl_model_data
from mocap.types import CameraIntrinsics, MotionSet, SmplSequence, VideoInfo

FPS = 30000 / 1001
UPRIGHT = np.diag([1.0, -1.0, -1.0])  # SMPL y-up body standing in the OpenCV y-down camera frame


def long_motion(people: int, frames: int) -> MotionSet:
    rng = np.random.default_rng(0)
    seqs = []
    for i in range(people):
        f = np.arange(frames)
        t = f / FPS
        yaw = 0.3 * t + i
        rot_y = np.zeros((frames, 3))
        rot_y[:, 1] = yaw
        glob = matrix_to_axis_angle(UPRIGHT @ axis_angle_to_matrix(rot_y))
        transl = np.stack([np.sin(0.1 * t) + i - 1, np.full(frames, 0.3), 6 + np.cos(0.1 * t)], 1)
        seqs.append(SmplSequence(
            track_id=i + 1, frames=f, times=t, global_orient=glob, body_pose=walk_pose(t),
            betas=rng.normal(0, 0.5, 10), transl=transl, observed=np.ones(frames, bool),
            boxes=np.zeros((frames, 4)), scores=np.ones(frames),
        ))  # fmt: skip
    video = VideoInfo(path=Path("bench.mp4"), width=1920, height=1080, fps=FPS, num_frames=frames)
    camera = CameraIntrinsics(fx=2203.0, fy=2203.0, cx=960.0, cy=540.0, width=1920, height=1080)
    return MotionSet(video, camera, tuple(seqs), np.arange(frames) / FPS,
                     body=synthetic_smpl_model_data())  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=3)
    parser.add_argument("--frames", type=int, default=9000)
    parser.add_argument("--fbx", action="store_true", help="also time FBX (needs bpy; slow)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    motion = long_motion(args.people, args.frames)
    formats = ["glb", "bvh", "npz", "amass.npz"] + (["fbx"] if args.fbx else [])
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in formats:
            start = time.perf_counter()
            written = exporters.write(motion, Path(tmp) / f"bench.{fmt}")
            seconds = time.perf_counter() - start
            paths = written if isinstance(written, list) else [written]
            size = sum(p.stat().st_size for p in paths)
            rows.append({"format": fmt, "seconds": round(seconds, 3), "bytes": size,
                         "files": len(paths)})  # fmt: skip
    header = f"{args.people} people x {args.frames} frames"
    lines = [header, f"{'format':<10} {'seconds':>8} {'MB':>8} {'files':>5}"]
    for r in rows:
        lines.append(
            f"{r['format']:<10} {r['seconds']:>8.2f} {r['bytes'] / 1e6:>8.2f} {r['files']:>5}"
        )
    print("\n".join(lines))  # a benchmark script reports on stdout
    if args.json:
        args.json.write_text(
            json.dumps({"people": args.people, "frames": args.frames, "rows": rows})
        )


if __name__ == "__main__":
    main()
