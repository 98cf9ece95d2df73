"""Preview rendering + encoding throughput (frames/s) and memory against video length.

For 720p and 1080p with 1, 3 and 10 synthetic people walking
(:mod:`mocap.testing.preview_scene`) the script prints, per configuration:

* baseline: frames/s of encoding the same footage with :class:`mocap.render.Mp4Writer` and no
  rendering (what any MP4 output costs);
* pose: frames/s of the batched LBS alone (every person's mesh, float32);
* render: frames/s of :func:`mocap.render.render_preview` (pose + overlay + side view, no encode);
* preview: frames/s of the full preview output (render + H.264 encode of both streams);
* ratio: preview time / baseline time;
* cpu ms: CPU time (all threads: LBS, llvmpipe, x264) per preview frame; on a shared machine
  this is steadier than wall time, and ``2000 / cpu_ms`` bounds the frames/s of 2 free cores.

Then peak resident memory of a preview of N and 4N frames, each in a fresh process: flat memory
means the frames are streamed (the long video must not need more).

Finally (``--run-frames``) the extra wall time an ``.mp4`` output adds to a whole run: the same
720p clip with 3 people (box file, rule-filled res50 CLIFF on the CPU, synthetic SMPL) processed
to ``.npz`` alone and to ``.npz`` + ``.mp4``, models loaded once beforehand, alternating, best of
two each; the ratio is the second time over the first.

Run: ``python benchmarks/bench_render.py`` (about a minute on 2 cores; ``--frames`` to change).
Pin the core count with ``taskset -c 0,1`` to measure "on 2 cores".
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SIZES = {"720p": (1280, 720), "1080p": (1920, 1080)}
PEOPLE = (1, 3, 10)


def _rate(frames: int, seconds: float) -> float:
    return frames / seconds if seconds > 0 else float("inf")


def measure(width: int, height: int, people: int, frames: int, side: str) -> dict[str, float]:
    from mocap.render import Mp4Writer, PreviewOptions, render_preview, side_size
    from mocap.render.gl import create_context
    from mocap.render.preview import _pose_batch, _posing_model
    from mocap.testing.preview_scene import frame_batches, synthetic_motion

    motion = synthetic_motion(people, frames, width, height)
    opts = PreviewOptions(side=side)
    ctx = create_context()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "x.mp4"
        t0 = time.perf_counter()
        with Mp4Writer(out, width, height, motion.fps) as writer:
            for batch in frame_batches(motion):
                for k in range(len(batch)):
                    writer.write(float(batch.times[k]), batch.images[k])
        base = time.perf_counter() - t0

        body = _posing_model(motion)
        t0 = time.perf_counter()
        for batch in frame_batches(motion):
            _pose_batch(body, motion.people, batch.indices)
        pose = time.perf_counter() - t0

        t0 = time.perf_counter()
        for _ in render_preview(motion, frame_batches(motion), opts, ctx=ctx):
            pass
        render = time.perf_counter() - t0

        t0, c0 = time.perf_counter(), time.process_time()
        with Mp4Writer(out, width, height, motion.fps, side_size(motion, opts)) as writer:
            for f in render_preview(motion, frame_batches(motion), opts, ctx=ctx):
                writer.write(f.time, f.image, f.side)
        full, cpu = time.perf_counter() - t0, time.process_time() - c0
    ctx.release()
    return {
        "baseline": _rate(frames, base),
        "pose": _rate(frames, pose),
        "render": _rate(frames, render),
        "preview": _rate(frames, full),
        "ratio": full / base,
        "cpu_ms": 1000 * cpu / frames,
    }


def peak_rss_mb(frames: int, width: int, height: int, people: int) -> float:
    """Peak resident memory (MB) of a fresh process that writes a preview of ``frames`` frames."""
    child = [sys.executable, __file__, "--child", f"{frames},{width},{height},{people}"]
    done = subprocess.run(child, capture_output=True, text=True, check=True)
    return int(done.stdout.split()[-1]) / 1024.0


def write_preview(frames: int, width: int, height: int, people: int) -> None:
    from mocap.render import Mp4Writer, PreviewOptions, render_preview, side_size
    from mocap.testing.preview_scene import frame_batches, synthetic_motion

    motion = synthetic_motion(people, frames, width, height)
    opts = PreviewOptions()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "x.mp4"
        with Mp4Writer(out, width, height, motion.fps, side_size(motion, opts)) as writer:
            for f in render_preview(motion, frame_batches(motion), opts):
                writer.write(f.time, f.image, f.side)


def _run_clip(folder: Path, frames: int, width: int, height: int) -> tuple[Path, Path]:
    """A clip of the synthetic scene's background with 3 coloured boxes, and its box file."""
    import av

    from mocap.testing.preview_scene import background

    video, boxes = folder / "clip.mp4", folder / "det.txt"
    rows = []
    with av.open(str(video), "w") as c:
        s = c.add_stream("libx264", rate=30, options={"preset": "ultrafast"})
        s.width, s.height, s.pix_fmt = width, height, "yuv420p"
        for f in range(frames):
            img = background(width, height, f).copy()
            for tid in (1, 2, 3):
                x, y, w, h = 0.2 * width * tid + f, 0.2 * height, 0.12 * width, 0.6 * height
                img[int(y) : int(y + h), int(x) : int(x + w)] = (190, 70 * tid, 40)
                rows.append(f"{f + 1},{tid},{x:.1f},{y:.1f},{w:.1f},{h:.1f},0.95,-1,-1,-1")
            for p in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                c.mux(p)
        for p in s.encode(None):
            c.mux(p)
    boxes.write_text("\n".join(rows) + "\n")
    return video, boxes


def run_ratio(frames: int) -> tuple[float, float]:
    """Seconds of a whole run to .npz, and to .npz + .mp4 (same clip, models loaded once)."""
    from mocap.batch import Job, process_video
    from mocap.config import PipelineConfig
    from mocap.pipeline.loading import load_stages
    from mocap.testing.assets import write_checkpoint, write_smpl

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        video, boxes = _run_clip(folder, frames, 1280, 720)
        config = PipelineConfig(
            checkpoint=write_checkpoint(folder / "res50.pt"),
            smpl_model=write_smpl(folder / "SMPL_NEUTRAL.pkl"),
            boxes=boxes,
            device="cpu",
        )
        stages = load_stages(config)
        best = {0: float("inf"), 1: float("inf")}
        # alternate (warm-up effects hit both) and keep the best of two runs each
        for k, outs in enumerate([("a.npz",), ("b.npz", "b.mp4")] * 2):
            job = Job(video, tuple(folder / f"{k}{o}" for o in outs), Path(video.name))
            t0 = time.perf_counter()
            process_video(job, config, stages=stages)
            best[k % 2] = min(best[k % 2], time.perf_counter() - t0)
    return best[0], best[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--frames", type=int, default=60, help="frames per configuration")
    parser.add_argument("--side", default="stream", choices=("stream", "panel", "none"))
    parser.add_argument("--sizes", default="720p,1080p")
    parser.add_argument("--people", default=",".join(map(str, PEOPLE)))
    parser.add_argument("--memory-frames", type=int, default=150, help="0 skips the memory check")
    parser.add_argument("--run-frames", type=int, default=90, help="0 skips the run ratio")
    parser.add_argument("--json", action="store_true", help="also print the results as JSON")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # frames,width,height,people
    args = parser.parse_args()
    if args.child:
        frames, width, height, people = map(int, args.child.split(","))
        write_preview(frames, width, height, people)
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux
        return
    from mocap.render.gl import create_context

    ctx = create_context()
    renderer = ctx.info.get("GL_RENDERER", "?")
    ctx.release()
    measure(320, 240, 2, 20, args.side)  # warm-up: imports, torch kernels, shader compilation
    print(f"renderer: {renderer}; cpus available: {len(os.sched_getaffinity(0))}")
    print(f"side view: {args.side}; {args.frames} frames per row; frames/s (higher is better)")
    print(
        f"{'size':>6} {'people':>6} {'baseline':>9} {'pose':>7} {'render':>7} "
        f"{'preview':>8} {'ratio':>6} {'cpu ms':>7}"
    )
    results = []
    for size in args.sizes.split(","):
        w, h = SIZES[size]
        for people in map(int, args.people.split(",")):
            r = measure(w, h, people, args.frames, args.side)
            results.append({"size": size, "people": people, **r})
            print(
                f"{size:>6} {people:>6} {r['baseline']:>9.1f} {r['pose']:>7.1f} "
                f"{r['render']:>7.1f} {r['preview']:>8.1f} {r['ratio']:>6.2f} {r['cpu_ms']:>7.1f}"
            )
    if args.memory_frames:
        n = args.memory_frames
        short, long = peak_rss_mb(n, 1280, 720, 3), peak_rss_mb(4 * n, 1280, 720, 3)
        print(f"peak RSS, 720p 3 people: {n} frames {short:.0f} MB, {4 * n} frames {long:.0f} MB")
        results.append({"memory_mb": {str(n): short, str(4 * n): long}})
    if args.run_frames:
        plain, with_mp4 = run_ratio(args.run_frames)
        print(
            f"whole run, 720p, 3 people, {args.run_frames} frames: .npz {plain:.1f} s, "
            f".npz + .mp4 {with_mp4:.1f} s (x{with_mp4 / plain:.2f})"
        )
        results.append({"run_s": {"npz": plain, "npz+mp4": with_mp4}})
    if args.json:
        print(json.dumps(results, indent=1))


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
