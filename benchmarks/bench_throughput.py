"""Throughput of ``mocap.run`` end to end vs CLIFF alone vs the official demo path, one table.

Each row (variant x precision x video size x people) runs in fresh child processes, so time to the
first regressed batch includes loading and peak RSS is the row's own:

- ``ours``: a cold ``mocap.run`` (models loaded by the run; time from the call to the first
  regressed batch, torch already imported), then a second run with the loaded stages (end-to-end
  frames/s and crops/s), then CLIFF alone on the same crops (model-only crops/s).
- ``demo``: the official demo path, built from its description (docs/cliff_spec.md §3, §7):
  every frame written to PNG (the demo calls the ffmpeg CLI; here PyAV, the same libav decoders,
  decodes and OpenCV writes), all PNGs read back into RAM with ``cv2.imread``, one crop per box,
  a ``torch.utils.data.DataLoader`` with batch 32 (num_workers 0), the same network and precision.

Boxes come from a MOTChallenge file (same boxes for both sides); weights are rule-filled
(``mocap.testing.assets``), so the numbers measure speed only. The fixed-cost section compares
start -> first regressed batch of this tree with ``--before`` (a checkout of the code before the
warm start), same inputs, same run.

    python benchmarks/bench_throughput.py --quick [--before /tmp/base]
    python benchmarks/bench_throughput.py --frames 1000 --variants hr48 res50
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_pipeline import W_H, make_video

_CHILD = r"""
import json, sys, time, resource
from pathlib import Path
import numpy as np
import torch
mode, video, boxes, ckpt, smpl, precision, batch = sys.argv[1:8]
batch = int(batch)
cold_run = sys.argv[8:] != ["no-cold"]

def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

def gpu():
    if not torch.cuda.is_available():
        return {}
    return {"gpu_mb": torch.cuda.max_memory_allocated() / 2**20}

if mode == "ours":
    t0 = time.perf_counter()
    import mocap
    from mocap.config import PipelineConfig
    first = []
    cb = lambda e: first.append(time.perf_counter() - t0) if e.stage == "regress" else None
    cfg = PipelineConfig(checkpoint=Path(ckpt), smpl_model=Path(smpl), boxes=Path(boxes),
                         device="auto", precision=precision, batch_size=batch, smooth="off")
    if cold_run:
        mocap.run(video, cfg, cb)
    else:
        first.append(float("nan"))
    cold = time.perf_counter() - t0
    from mocap.pipeline import load_stages
    stages = load_stages(cfg)
    if not cold_run:  # the first call's one-time set-up stays out of the end-to-end pass
        from mocap.pipeline.warm import warm_up
        warm_up(stages.regressor, batch)
    crops = []
    real = stages.regressor
    def keep(c):
        crops.append(c)
        return real(c)
    from dataclasses import replace
    t = time.perf_counter()
    n = mocap.run(video, cfg, stages=replace(stages, regressor=keep)).num_frames
    e2e = time.perf_counter() - t
    t = time.perf_counter()
    for c in crops:
        real(c)
    model = time.perf_counter() - t
    print(json.dumps({"first_s": first[0], "cold_s": cold, "frames": n, "e2e_s": e2e,
                      "model_s": model, "crops": sum(len(c) for c in crops),
                      "peak_mb": peak_mb(), **gpu()}))
elif mode == "first":
    t0 = time.perf_counter()
    import mocap
    from mocap.config import PipelineConfig
    first = []
    def cpu():
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime
    c0 = cpu()
    def cb(e):
        if e.stage == "regress":
            first.append((time.perf_counter() - t0, e.elapsed_s, cpu() - c0))
    cfg = PipelineConfig(checkpoint=Path(ckpt), smpl_model=Path(smpl), boxes=Path(boxes),
                         device="auto", precision=precision, batch_size=batch, smooth="off")
    mocap.run(video, cfg, cb)
    print(json.dumps({"first_s": first[0][0], "network_s": first[0][1], "cpu_s": first[0][2]}))
else:
    import tempfile, cv2, av
    from mocap.config import PipelineConfig
    from mocap.crop import prepare_crops
    from mocap.detect import BoxFileDetector
    from mocap.pipeline import load_stages
    from mocap.types import FrameBatch
    cfg = PipelineConfig(checkpoint=Path(ckpt), smpl_model=Path(smpl), boxes=Path(boxes),
                         device="auto", precision=precision, smooth="off")
    regressor = load_stages(cfg).regressor
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as d, av.open(video) as c:
        for i, f in enumerate(c.decode(video=0)):
            cv2.imwrite(f"{d}/{i + 1:06d}.png", f.to_ndarray(format="bgr24"))
        frames = [cv2.imread(str(p)) for p in sorted(Path(d).glob("*.png"))]
    det = BoxFileDetector(Path(boxes))
    idx = np.arange(len(frames))
    dets = det.detect(FrameBatch(idx, idx / 30.0, np.stack(frames)))
    items = [(i, b) for i, dd in enumerate(dets) for b in dd.boxes]

    class Items(torch.utils.data.Dataset):
        def __len__(self):
            return len(items)
        def __getitem__(self, k):
            i, b = items[k]
            c = prepare_crops(frames[i][:, :, ::-1], b[None])
            return c.images[0], c.bbox_info[0]

    first = None
    for img, info in torch.utils.data.DataLoader(Items(), batch_size=32, num_workers=0):
        regressor.predict(img, info)
        first = first or time.perf_counter() - t0
    print(json.dumps({"e2e_s": time.perf_counter() - t0, "first_s": first, "crops": len(items),
                      "frames": len(frames), "peak_mb": peak_mb(), **gpu()}))
"""


#: Stands in for the demo's row when ``--no-demo`` (printed as nan).
_NO_DEMO = {
    "frames": float("nan"),
    "e2e_s": float("nan"),
    "first_s": float("nan"),
    "peak_mb": float("nan"),
}


def people(frame: int, width: int, height: int, n: int) -> list[tuple[float, float, float, float]]:
    """``n`` people side by side: (left, top, width, height) pixels, drifting 1 px per frame."""
    h = 0.6 * height
    w = min(0.4 * h, width / (n + 1))
    return [(w * (k + 0.5) + frame % 50, 0.2 * height, w, h) for k in range(n)]


def write_boxes(path: Path, width: int, height: int, frames: int, n: int) -> None:
    rows = [
        f"{f + 1},{k + 1},{x:.1f},{y:.1f},{w:.1f},{h:.1f},0.95,-1,-1,-1"
        for f in range(frames)
        for k, (x, y, w, h) in enumerate(people(f, width, height, n))
    ]
    path.write_text("\n".join(rows) + "\n")


def child(tree: Path, *argv: str) -> dict:
    env = dict(os.environ)
    here = str(Path(__file__).resolve().parent)
    env["PYTHONPATH"] = os.pathsep.join([str(tree), here])
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, *argv], env=env, capture_output=True, text=True, cwd=tree
    )  # cwd: ``python -c`` puts the working directory first on sys.path
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes for a 2-core CPU")
    ap.add_argument("--frames", type=int, default=None)
    ap.add_argument("--variants", nargs="+", default=None, choices=["hr48", "res50"])
    ap.add_argument("--precisions", nargs="+", default=None, choices=["fp32", "bf16", "fp16"])
    ap.add_argument("--sizes", nargs="+", default=None, choices=list(W_H))
    ap.add_argument("--people", type=int, nargs="+", default=None)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--before", type=Path, default=None, help="older tree for the fixed cost")
    ap.add_argument("--tries", type=int, default=5, help="fixed-cost runs per tree")
    ap.add_argument(
        "--first-batch",
        type=int,
        default=4,
        help="batch size of the fixed-cost runs (small: the network's own time is not fixed cost)",
    )
    ap.add_argument("--fixed-only", action="store_true", help="only the fixed-cost comparison")
    ap.add_argument("--no-demo", action="store_true", help="skip the official demo path")
    ap.add_argument(
        "--no-cold", action="store_true", help="skip the cold run (no time to first batch)"
    )
    args = ap.parse_args()
    quick = args.quick
    frames = args.frames or (32 if quick else 1000)
    variants = args.variants or (["res50"] if quick else ["hr48", "res50"])
    precisions = args.precisions or ["fp32", "bf16"]
    sizes = args.sizes or (["720p"] if quick else ["720p", "1080p"])
    crowd = args.people or ([1, 3] if quick else [1, 3, 10])
    tree = Path(__file__).resolve().parent.parent
    import torch

    from mocap.testing.assets import write_checkpoint, write_smpl

    print(
        f"torch {torch.__version__}, threads {torch.get_num_threads()}, cpus {os.cpu_count()}, "
        f"cuda {torch.cuda.is_available()}, {frames} frames, batch {args.batch}"
    )
    head = (
        f"{'variant':<6} {'prec':<5} {'video':<6} {'ppl':>3} {'e2e f/s':>8} {'e2e c/s':>8} "
        f"{'model c/s':>9} {'e2e/model':>9} {'1st batch s':>11} {'RSS MB':>7} "
        f"{'demo f/s':>8} {'demo 1st*':>10} {'demo RSS':>8} {'x demo':>6}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        smpl = write_smpl(work / "smpl.pkl")
        if args.fixed_only:
            w, h = W_H["720p"]
            write_checkpoint(work / "res50.pt", "res50")
            make_video(work / "720p.mp4", w, h, frames)
            write_boxes(work / "720p-1.txt", w, h, frames, 1)
            fixed_cost(args, work, smpl, tree)
            return
        print(head)
        for variant in variants:
            ckpt = write_checkpoint(work / f"{variant}.pt", variant)
            for size in sizes:
                w, h = W_H[size]
                video = work / f"{size}.mp4"
                make_video(video, w, h, frames)
                for n in crowd:
                    boxes = work / f"{size}-{n}.txt"
                    write_boxes(boxes, w, h, frames, n)
                    for prec in precisions:
                        a = [str(video), str(boxes), str(ckpt), str(smpl), prec, str(args.batch)]
                        o = child(tree, "ours", *a, *(["no-cold"] if args.no_cold else []))
                        d = _NO_DEMO if args.no_demo else child(tree, "demo", *a)
                        print(
                            f"{variant:<6} {prec:<5} {size:<6} {n:3d} "
                            f"{o['frames'] / o['e2e_s']:8.2f} {o['crops'] / o['e2e_s']:8.2f} "
                            f"{o['crops'] / o['model_s']:9.2f} {o['e2e_s'] / o['model_s']:9.3f} "
                            f"{o['first_s']:11.2f} {o['peak_mb']:7.0f} "
                            f"{d['frames'] / d['e2e_s']:8.2f} {d['first_s']:10.2f} "
                            f"{d['peak_mb']:8.0f} {d['e2e_s'] / o['e2e_s']:6.2f}"
                            + (f" gpu {o.get('gpu_mb', 0):.0f} MB" if "gpu_mb" in o else ""),
                            flush=True,
                        )
        print("1st batch: from the run's start (models loaded by it, torch imported before);")
        print("* demo 1st: from after its model load (PNG dump + read + first DataLoader batch).")
        if args.before is not None:
            fixed_cost(args, work, smpl, tree)


def fixed_cost(args: argparse.Namespace, work: Path, smpl: Path, tree: Path) -> None:
    """Start -> first regressed batch (torch imported before the clock starts), ``--tries`` runs
    of each tree, alternating; the minimum is the least disturbed run (the machine is shared)."""
    video, boxes = work / "720p.mp4", work / "720p-1.txt"
    ckpt = work / "res50.pt"
    batch = str(args.first_batch)
    print(
        f"\nfixed cost (res50 fp32 720p, 1 person, batch {batch}): start -> first regressed "
        f"batch, s, {args.tries} runs each; network = the first batch's CLIFF call; CPU s = the "
        "process's user+sys seconds to that point (work done, less sensitive to a shared machine)"
    )
    trees = (("before", args.before), ("now", tree))
    runs: dict[str, list[dict]] = {label: [] for label, _ in trees}
    loads = []
    for _ in range(args.tries):
        for label, t in trees:
            loads.append(os.getloadavg()[0])
            a = [str(video), str(boxes), str(ckpt), str(smpl), "fp32", batch]
            runs[label].append(child(t, "first", *a))
    for label, t in trees:
        firsts = sorted(r["first_s"] for r in runs[label])
        net = min(r["network_s"] for r in runs[label])
        cpu = sorted(r["cpu_s"] for r in runs[label])
        print(
            f"{label:<7} min {firsts[0]:6.2f}  median {firsts[len(firsts) // 2]:6.2f}  "
            f"network min {net:5.2f}  CPU s min {cpu[0]:5.2f} median {cpu[len(cpu) // 2]:5.2f}"
            f"  ({t})",
            flush=True,
        )
    print(
        f"load average during the runs: {min(loads):.1f}-{max(loads):.1f} on {os.cpu_count()} CPUs"
    )


if __name__ == "__main__":
    main()
