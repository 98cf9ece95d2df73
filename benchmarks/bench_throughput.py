"""Throughput of ``mocap.run`` end to end vs CLIFF alone vs the official demo path, one table.

Each row (variant x precision x video size x people) runs in fresh child processes
(``throughput_child.py``), so time to the first regressed batch includes loading and peak RSS is the
row's own:

- ``ours``: a cold ``mocap.run`` (models loaded by the run; time from the call to the first
  regressed batch, torch already imported), a warm-up run with the loaded stages, a timed run
  (end-to-end frames/s and crops/s; on CUDA also peak device memory and mean NVML GPU
  utilisation), then CLIFF alone on the same crops (model-only crops/s; on CUDA the crops are
  the device-cut ones, already on the GPU).
- ``demo``: the official demo path, built from its description (docs/cliff_spec.md §3, §7):
  every frame written to PNG (the demo calls the ffmpeg CLI; here PyAV, the same libav decoders,
  decodes and OpenCV writes), all PNGs read back into RAM with ``cv2.imread``, one crop per box,
  a ``torch.utils.data.DataLoader`` with batch 32 (num_workers 0), the same network, precision
  and device.

Boxes come from a MOTChallenge file (same boxes for both sides); weights are rule-filled
(``mocap.testing.assets``), so the numbers measure speed only. The fixed-cost section compares
start -> first regressed batch of this tree with ``--before`` (a checkout of the code before the
warm start), same inputs, same run. ``--device`` picks the device (``auto``: CUDA when present);
on a GPU machine without a registry, ``benchmarks/device_run.sh`` installs the carried wheels and
runs this script under a time limit.

    python benchmarks/bench_throughput.py --quick [--before /tmp/base]
    python benchmarks/bench_throughput.py --frames 1000 --variants hr48 res50
    python benchmarks/bench_throughput.py --device cuda --frames 600 --max-seconds 400
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

from bench_pipeline import W_H, make_video


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


def child(tree: Path, mode: str, **args: object) -> dict:
    """One measurement (``throughput_child.py``) in a fresh process, importing ``tree``."""
    env = dict(os.environ)
    here = Path(__file__).resolve().parent
    env["PYTHONPATH"] = os.pathsep.join([str(tree), str(here), env.get("PYTHONPATH", "")])
    argv = [sys.executable, str(here / "throughput_child.py"), json.dumps({"mode": mode, **args})]
    out = subprocess.run(argv, env=env, capture_output=True, text=True, cwd=tree)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def has_module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes for a 2-core CPU")
    ap.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    ap.add_argument("--frames", type=int, default=None)
    ap.add_argument("--variants", nargs="+", default=None, choices=["hr48", "res50"])
    ap.add_argument("--precisions", nargs="+", default=None, choices=["fp32", "bf16", "fp16"])
    ap.add_argument("--sizes", nargs="+", default=None, choices=list(W_H))
    ap.add_argument("--people", type=int, nargs="+", default=None)
    ap.add_argument("--batch", type=int, default=None, help="CLIFF batch (default: the device's)")
    ap.add_argument("--decoder", default=None, help="default: auto, pyav where decord is missing")
    ap.add_argument("--compile", action="store_true", help="torch.compile CLIFF's backbone")
    ap.add_argument(
        "--crop-on-device", choices=["on", "off"], default=None, help="default: on with CUDA"
    )
    ap.add_argument("--no-demo", action="store_true", help="skip the official-path baseline")
    ap.add_argument("--max-seconds", type=float, default=None, help="start no row after this")
    ap.add_argument("--before", type=Path, default=None, help="older tree for the fixed cost")
    ap.add_argument("--tries", type=int, default=5, help="fixed-cost runs per tree")
    ap.add_argument(
        "--first-batch",
        type=int,
        default=32,
        help="CLIFF batch of the fixed-cost runs (results are collected only after a full batch)",
    )
    ap.add_argument("--fixed-only", action="store_true", help="only the fixed-cost comparison")
    ap.add_argument(
        "--no-cold", action="store_true", help="skip the cold run (no time to first batch)"
    )
    return ap.parse_args()


HEAD = (
    f"{'variant':<6} {'prec':<5} {'video':<6} {'ppl':>3} {'e2e f/s':>8} {'e2e c/s':>8} "
    f"{'model c/s':>9} {'e2e/model':>9} {'1st batch s':>11} {'RSS MB':>7} {'GPU MB':>7} "
    f"{'GPU %':>5} {'demo f/s':>8} {'demo 1st*':>10} {'demo RSS':>8} {'demo GPU%':>9} "
    f"{'x demo':>6}"
)


def _num(v: float | None, fmt: str) -> str:
    return "-" if v is None else format(v, fmt)


def row(variant: str, prec: str, size: str, n: int, o: dict, d: dict | None) -> str:
    line = (
        f"{variant:<6} {prec:<5} {size:<6} {n:3d} "
        f"{o['frames'] / o['e2e_s']:8.2f} {o['crops'] / o['e2e_s']:8.2f} "
        f"{o['crops'] / o['model_s']:9.2f} {o['e2e_s'] / o['model_s']:9.3f} "
        f"{o['first_s']:11.2f} {o['peak_mb']:7.0f} {_num(o['gpu_mb'], '7.0f'):>7} "
        f"{_num(o['gpu_busy'], '5.0f'):>5} "
    )
    if d is None:
        return line + f"{'-':>8} {'-':>10} {'-':>8} {'-':>9} {'-':>6}"
    return line + (
        f"{d['frames'] / d['e2e_s']:8.2f} {d['first_s']:10.2f} {d['peak_mb']:8.0f} "
        f"{_num(d['gpu_busy'], '9.0f'):>9} {d['e2e_s'] / o['e2e_s']:6.2f}"
    )


def main() -> None:
    args = parse_args()
    quick = args.quick
    frames = args.frames or (32 if quick else 1000)
    variants = args.variants or (["res50"] if quick else ["hr48", "res50"])
    precisions = args.precisions or ["fp32", "bf16"]
    sizes = args.sizes or (["720p"] if quick else ["720p", "1080p"])
    crowd = args.people or ([1, 3] if quick else [1, 3, 10])
    decoder = args.decoder or ("auto" if has_module("decord") else "pyav")
    tree = Path(__file__).resolve().parent.parent
    t_start = time.monotonic()
    import numpy
    import torch

    from mocap.device import resolve_device
    from mocap.testing.assets import write_checkpoint, write_smpl

    device = str(resolve_device(args.device))
    gpu = torch.cuda.get_device_name(device) if device.startswith("cuda") else "-"
    print(
        f"torch {torch.__version__}, numpy {numpy.__version__}, threads {torch.get_num_threads()}, "
        f"cpus {os.cpu_count()}, device {device} ({gpu}), decoder {decoder}, {frames} frames, "
        f"batch {args.batch or 'device default'}, compile {args.compile}, "
        f"crop on device {args.crop_on_device or 'auto'}",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        smpl = write_smpl(work / "smpl.pkl")
        if args.fixed_only:
            w, h = W_H["720p"]
            write_checkpoint(work / "res50.pt", "res50")
            make_video(work / "720p.mp4", w, h, frames)
            write_boxes(work / "720p-1.txt", w, h, frames, 1)
            fixed_cost(args, work, smpl, tree, device, decoder)
            return
        print(HEAD, flush=True)
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
                        if args.max_seconds and time.monotonic() - t_start > args.max_seconds:
                            print(f"(stopped: --max-seconds {args.max_seconds:.0f} reached)")
                            return
                        a = {
                            "video": str(video),
                            "boxes": str(boxes),
                            "ckpt": str(ckpt),
                            "smpl": str(smpl),
                            "precision": prec,
                            "batch": args.batch,
                            "device": device,
                            "decoder": decoder,
                            "compile": args.compile,
                            "cold": not args.no_cold,
                            "crop_on_device": {"on": True, "off": False, None: None}[
                                args.crop_on_device
                            ],
                        }
                        o = child(tree, "ours", **a)
                        d = None if args.no_demo else child(tree, "demo", **a)
                        print(row(variant, prec, size, n, o, d), flush=True)
        print("1st batch: from the run's start (models loaded by it, torch imported before);")
        print("* demo 1st: from after its model load (PNG dump + read + first DataLoader batch).")
        print("GPU MB: peak device memory of the timed run; GPU %: mean NVML utilisation in it.")
        if args.before is not None:
            fixed_cost(args, work, smpl, tree, device, decoder)


def fixed_cost(
    args: argparse.Namespace, work: Path, smpl: Path, tree: Path, device: str, decoder: str
) -> None:
    """Start -> first regressed batch (torch imported before the clock starts), ``--tries`` runs
    of each tree, alternating; the minimum is the least disturbed run (the machine is shared)."""
    if args.before is None:
        raise SystemExit("--fixed-only needs --before TREE (the tree to compare with)")
    print(
        f"\nfixed cost (res50 fp32 720p, 1 person, batch {args.first_batch}): start -> first "
        f"regressed batch, s, {args.tries} runs each; network = the first batch's CLIFF call; "
        "CPU s = the process's user+sys seconds to that point (less sensitive to a shared machine)"
    )
    a = {
        "video": str(work / "720p.mp4"),
        "boxes": str(work / "720p-1.txt"),
        "ckpt": str(work / "res50.pt"),
        "smpl": str(smpl),
        "precision": "fp32",
        "batch": args.first_batch,
        "device": device,
        "decoder": decoder,
    }
    trees = (("before", args.before), ("now", tree))
    runs: dict[str, list[dict]] = {label: [] for label, _ in trees}
    loads = []
    for _ in range(args.tries):
        for label, t in trees:
            loads.append(os.getloadavg()[0])
            runs[label].append(child(t, "first", **a))
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
