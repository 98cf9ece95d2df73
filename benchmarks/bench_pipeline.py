"""End-to-end throughput and memory of ``mocap.run`` against the official demo's strategy.

The baseline is measured in the same run on the same inputs and does what CLIFF's ``demo.py``
does: decode every frame into memory first, run the detector over the stored frames, cut every
person crop, then regress the crops in batches of 32. ``mocap.run`` streams instead: decoding in a
prefetch thread, detection per chunk, crops cut while the chunk is in memory and batched across
frames and people, only small per-detection arrays kept.

Inputs are synthetic (no downloads): H.264 clips with two moving "people", a MOTChallenge box file
with their boxes, a CLIFF ResNet-50 with rule-filled weights, the synthetic SMPL model. With
``--yolo`` the detector is also run as a YOLO11n built from its yaml (random weights: it finds
nobody, so that row measures decode + detection only, for both sides).

Memory: peak RSS of a fresh process running ``mocap.run`` on a short and on a 10x longer clip
(small frames, boxes on every 20th frame so the run stays affordable on CPU); flat memory means
the two peaks are close, while the baseline grows with the number of frames.

Run: ``python benchmarks/bench_pipeline.py --quick`` (a few minutes on 2 CPU cores) or without
``--quick`` for longer clips.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

W_H = {"360p": (640, 360), "720p": (1280, 720), "1080p": (1920, 1080)}


def make_video(path: Path, width: int, height: int, frames: int, fps: int = 30) -> None:
    import av

    c = av.open(str(path), "w")
    s = c.add_stream("libx264", rate=fps)
    s.width, s.height, s.pix_fmt = width, height, "yuv420p"
    s.options = {"preset": "ultrafast"}
    rng = np.random.default_rng(0)
    bg = rng.integers(60, 120, (height, width, 3), dtype=np.uint8)
    for f in range(frames):
        img = bg.copy()
        for x, y, w, h in people(f, width, height).values():
            img[int(y) : int(y + h), int(x) : int(x + w)] = (200, 90, 40)
        for p in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
            c.mux(p)
    for p in s.encode():
        c.mux(p)
    c.close()


def people(frame: int, width: int, height: int) -> dict[int, tuple[float, float, float, float]]:
    """Two people: (left, top, width, height) in pixels, moving slowly."""
    h = 0.6 * height
    w = 0.4 * h
    return {
        1: (0.1 * width + (frame % 200), 0.2 * height, w, h),
        2: (0.6 * width - (frame % 200) * 0.5, 0.25 * height, w, h),
    }


def write_boxes(path: Path, width: int, height: int, frames: int, every: int = 1) -> None:
    rows = [
        f"{f + 1},{tid},{x:.1f},{y:.1f},{w:.1f},{h:.1f},0.95,-1,-1,-1"
        for f in range(0, frames, every)
        for tid, (x, y, w, h) in people(f, width, height).items()
    ]
    path.write_text("\n".join(rows) + "\n")


def ours(video: Path, config, stages) -> dict[str, float]:
    import mocap

    stage_s: dict[str, float] = {}
    t0 = time.perf_counter()
    try:
        motion = mocap.run(
            video, config, lambda e: stage_s.__setitem__(e.stage, e.elapsed_s), stages=stages
        )
        frames = motion.num_frames
    except mocap.errors.NoPeopleFoundError:
        frames = None
    wall = time.perf_counter() - t0
    return {"wall_s": wall, "frames": frames, **{f"{k}_s": round(v, 3) for k, v in stage_s.items()}}


def baseline(video: Path, detector, regressor) -> dict[str, float]:
    """The demo's order: all frames in memory, detect all, crop all, regress in batches of 32."""
    from mocap.crop import prepare_crops
    from mocap.pipeline import concat_crops, take_crops
    from mocap.video import open_video

    t0 = time.perf_counter()
    frames, indices, batches = [], [], []
    with open_video(video) as src:
        for b in src:
            frames.extend(np.array(img) for img in b.images)
            indices.extend(int(i) for i in b.indices)
            batches.append(b)
    t_decode = time.perf_counter() - t0
    dets = [d for b in batches for d in detector.detect(b)]
    batches.clear()
    t_detect = time.perf_counter() - t0 - t_decode
    crops = [
        prepare_crops(frames[i], d.boxes) for i, d in zip(indices, dets, strict=True) if len(d)
    ]
    t1 = time.perf_counter()
    n = 0
    if crops:
        allc = concat_crops(crops)
        for s in range(0, len(allc), 32):
            regressor(take_crops(allc, slice(s, s + 32)))
            n += min(32, len(allc) - s)
    t_regress = time.perf_counter() - t1
    wall = time.perf_counter() - t0
    return {
        "wall_s": wall,
        "frames": len(frames),
        "decode_s": round(t_decode, 3),
        "detect_s": round(t_detect, 3),
        "crop_s": round(t1 - t0 - t_decode - t_detect, 3),
        "regress_s": round(t_regress, 3),
        "crops": n,
    }


def warm_up(video: Path, detector, stages) -> None:
    """One detector call and one full regressor batch, so neither side pays first-call costs."""
    from mocap.crop import prepare_crops
    from mocap.pipeline import concat_crops
    from mocap.video import open_video

    with open_video(video) as src:
        batch = next(iter(src))
    detector.detect(batch)
    boxes = np.array([[10, 10, 60, 150]], np.float32)
    stages.regressor(concat_crops([prepare_crops(batch.images[0], boxes)] * 32))


def throughput(args: argparse.Namespace, work: Path, ckpt: Path, smpl: Path) -> None:
    from mocap import detect
    from mocap.config import PipelineConfig
    from mocap.pipeline import load_stages

    print(f"\n== throughput ({args.frames} frames, CLIFF res50 rule-filled, batch 32, CPU) ==")
    print(
        f"{'video':<7} {'detector':<10} {'ours fps':>9} {'demo fps':>9} {'ratio':>6}   "
        "ours per-stage s | demo per-stage s"
    )
    for res in args.sizes:
        w, h = W_H[res]
        video = work / f"{res}.mp4"
        make_video(video, w, h, args.frames)
        boxes = work / f"{res}.txt"
        write_boxes(boxes, w, h, args.frames)
        detectors = [("boxes", {"boxes": boxes})]
        if args.yolo:
            detectors.append(("yolo11n*", {"detector": "yolo11n.yaml"}))
        for label, extra in detectors:
            cfg = PipelineConfig(
                checkpoint=ckpt,
                smpl_model=smpl,
                device="cpu",
                batch_size=32,
                smooth="medium",
                **extra,
            )
            stages = load_stages(cfg)
            det = detect.BoxFileDetector(boxes) if "boxes" in extra else stages.detector
            warm_up(video, det, stages)
            base = baseline(video, det, stages.regressor)
            mine = ours(video, cfg, stages)
            f_ours = args.frames / mine["wall_s"]
            f_base = args.frames / base["wall_s"]
            so = {k[:-2]: v for k, v in mine.items() if k.endswith("_s") and k != "wall_s"}
            sb = {k[:-2]: v for k, v in base.items() if k.endswith("_s") and k != "wall_s"}
            print(
                f"{res:<7} {label:<10} {f_ours:9.2f} {f_base:9.2f} {f_ours / f_base:6.2f}   "
                f"{json.dumps(so)} | {json.dumps(sb)}"
            )
    if args.yolo:
        print("* yolo11n from yaml has random weights and finds nobody: decode + detection only.")


_CHILD = """
import gc, json, sys, threading, time
from pathlib import Path
mode, video, boxes, ckpt, smpl = sys.argv[1:6]

def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

from mocap.config import PipelineConfig
cfg = PipelineConfig(checkpoint=Path(ckpt), smpl_model=Path(smpl), boxes=Path(boxes), device="cpu",
                     smooth="medium")
from mocap.pipeline import load_stages
stages = load_stages(cfg)
gc.collect()
base = rss_mb()
peak = [base]
done = threading.Event()

def sample():
    while not done.is_set():
        peak[0] = max(peak[0], rss_mb())
        time.sleep(0.005)

threading.Thread(target=sample, daemon=True).start()
t0 = time.perf_counter()
if mode == "ours":
    import mocap
    n = mocap.run(video, cfg, stages=stages).num_frames
else:
    from bench_pipeline import baseline
    from mocap.detect import BoxFileDetector
    n = baseline(Path(video), BoxFileDetector(boxes), stages.regressor)["frames"]
done.set()
peak[0] = max(peak[0], rss_mb())
print(json.dumps({"frames": n, "after_load_mb": base, "peak_mb": peak[0],
                  "s": time.perf_counter() - t0}))
"""


def memory(args: argparse.Namespace, work: Path, ckpt: Path, smpl: Path) -> None:
    w, h = 320, 240
    print(
        f"\n== RSS during the run (VmRSS sampled every 5 ms) over RSS after loading the models, "
        f"{w}x{h}, boxes on every 20th frame (gaps filled), fresh process each =="
    )
    print(
        f"{'frames':>7} {'mode':<6} {'after load MB':>14} {'peak MB':>9} {'growth MB':>10} {'s':>7}"
    )
    env = dict(os.environ)
    here = str(Path(__file__).resolve().parent)
    env["PYTHONPATH"] = os.pathsep.join([str(Path(here).parent), here, env.get("PYTHONPATH", "")])
    for n in args.rss_frames:
        video = work / f"rss{n}.mp4"
        make_video(video, w, h, n)
        boxes = work / f"rss{n}.txt"
        write_boxes(boxes, w, h, n, every=20)
        for mode in args.rss_modes:
            out = subprocess.run(
                [sys.executable, "-c", _CHILD, mode, str(video), str(boxes), str(ckpt), str(smpl)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(
                f"{r['frames']:7d} {mode:<6} {r['after_load_mb']:14.0f} {r['peak_mb']:9.0f} "
                f"{r['peak_mb'] - r['after_load_mb']:10.0f} {r['s']:7.1f}"
            )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small clips (CI-sized)")
    ap.add_argument("--frames", type=int, default=None, help="frames per throughput clip")
    ap.add_argument("--yolo", action="store_true", help="also run the YOLO11n (yaml) detector")
    ap.add_argument("--no-memory", action="store_true", help="skip the RSS part")
    ap.add_argument("--no-throughput", action="store_true", help="skip the throughput part")
    ap.add_argument(
        "--rss-frames",
        type=int,
        nargs="+",
        default=[300, 3000],
        help="clip lengths of the RSS part",
    )
    ap.add_argument("--rss-modes", nargs="+", default=["ours", "demo"], choices=["ours", "demo"])
    args = ap.parse_args()
    args.frames = args.frames or (24 if args.quick else 120)
    args.sizes = ["720p", "1080p"]
    import torch

    from mocap.testing.assets import write_checkpoint, write_smpl

    print(f"torch threads {torch.get_num_threads()}, cpus {os.cpu_count()}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        ckpt = write_checkpoint(work / "res50.pt")
        smpl = write_smpl(work / "SMPL_NEUTRAL.pkl")
        if not args.no_throughput:
            throughput(args, work, ckpt, smpl)
        if not args.no_memory:
            memory(args, work, ckpt, smpl)


if __name__ == "__main__":
    main()
