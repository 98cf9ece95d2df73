"""CLIFF inference throughput on this machine's CPU, and what bf16 costs in accuracy.

Throughput: crops/s of both variants at several batch sizes, float32 vs bf16 (resident weights),
NCHW vs channels_last, each configuration in a fresh subprocess (so its peak RSS is its own).
Achieved GFLOP/s (FLOP per crop counted by ``torch.utils.flop_counter``, printed next to the
hr48 33.87 / res50 8.03 of docs/cliff_spec.md §10) is set against the float32 and bf16 matmul
ceilings measured in the same run; "x vs fp32 same layout" is bf16 over fp32 at the same layout,
batch and mode. ``--modes plain`` adds eager runs without the regressor's inference rewrites
(:mod:`mocap.cliff.inference`: folded BatchNorms, bf16 sign-bit ReLUs); ``--modes compiled``
adds ``torch.compile`` (inductor with freezing: batch norm folded, oneDNN weights prepacked) of
the backbone, with its compile seconds (the first call).

Accuracy (``--accuracy``): bf16 vs float32 outputs on the same crops, as rotation error (degrees),
joint-position error through forward kinematics of the rotations over a fixed skeleton (mm), and
betas / crop-camera differences. With ``--checkpoint`` the released weights are used; without,
a deterministic damped random fill (no checkpoints can be downloaded here).

    python benchmarks/bench_regress.py --quick
    python benchmarks/bench_regress.py --variants res50 --layouts channels_last --batches 16 \
        --modes eager compiled
    python benchmarks/bench_regress.py --variants hr48 --batches 1 16 64 --repeats 3
    python benchmarks/bench_regress.py --accuracy [--checkpoint hr48-...pt]
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time

import numpy as np
import torch

#: FLOP per 256x192 crop (conv + matmul, 2 FLOP per MAC; docs/cliff_spec.md §1.3/§1.4).
GFLOP_PER_CROP = {"hr48": 33.87, "res50": 8.03}
MATMUL_N = 2048
#: Depth (metres) at which the relative translation error is shown in mm (a person in a room).
TYPICAL_DEPTH_M = 4.0


def matmul_ceiling(dtype: torch.dtype, repeats: int = 5) -> float:
    """Best GFLOP/s of an N x N x N matmul in ``dtype`` (the machine's practical peak)."""
    a = torch.randn(MATMUL_N, MATMUL_N).to(dtype)
    b = torch.randn(MATMUL_N, MATMUL_N).to(dtype)
    torch.mm(a, b)
    best = math.inf
    for _ in range(repeats):
        t = time.perf_counter()
        torch.mm(a, b)
        best = min(best, time.perf_counter() - t)
    return 2 * MATMUL_N**3 / best / 1e9


def counted_gflop_per_crop(variant: str) -> float:
    """GFLOP of one 256x192 crop through CLIFF, counted by ``torch.utils.flop_counter`` (conv
    and matmul, 2 FLOP per multiply-add; elementwise ops not counted)."""
    from torch.utils.flop_counter import FlopCounterMode

    from mocap.cliff import build_model
    from mocap.regress import CliffRegressor

    reg = CliffRegressor(build_model(variant), device="cpu", precision="fp32", batch_size=1)
    counter = FlopCounterMode(display=False)
    with counter:
        reg.predict(torch.zeros(1, 3, 256, 192), torch.zeros(1, 3))
    return counter.get_total_flops() / 1e9


def damped_fill(model: torch.nn.Module, seed: int = 0) -> None:
    """Deterministic weights that keep activations O(1) (random init makes HRNet degenerate):
    convs/linears randn/sqrt(fan_in), BN scale 1 (0.25 on the last BN of a residual branch and in
    fuse paths), small biases and BN statistics."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for key, t in model.state_dict().items():
            leaf = key.rsplit(".", 1)[-1]
            shape = t.shape
            if leaf == "num_batches_tracked":
                continue
            if leaf == "running_var":
                v = 1 + 0.1 * torch.rand(shape, generator=gen)
            elif leaf == "weight" and len(shape) >= 2:
                v = torch.randn(shape, generator=gen) / math.sqrt(math.prod(shape[1:]))
            elif leaf == "weight":
                damp = (
                    key.endswith("bn3.weight")
                    or ".fuse_layers." in key
                    or (".branches." in key and key.endswith("bn2.weight"))
                )
                v = (0.25 if damp else 1.0) * (1 + 0.1 * torch.randn(shape, generator=gen))
            elif key == "init_cam":
                v = torch.tensor([[0.9, 0.0, 0.0]]) + 0.1 * torch.randn(shape, generator=gen)
            else:  # biases, running means, init_pose / init_shape
                v = (0.5 if key.startswith("init_") else 0.1) * torch.randn(shape, generator=gen)
            t.copy_(v)


def smooth_crops(n: int, seed: int = 0) -> torch.Tensor:
    """(n, 3, 256, 192) normalised crops with image-like structure (blobs + fine noise)."""
    gen = torch.Generator().manual_seed(seed)
    coarse = torch.rand(n, 3, 8, 6, generator=gen)
    img = torch.nn.functional.interpolate(
        coarse, size=(256, 192), mode="bilinear", align_corners=False
    )
    img = (img + 0.05 * torch.rand(n, 3, 256, 192, generator=gen)).clamp(0, 1)
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    return (img - mean) / std


def worker(args: argparse.Namespace) -> None:
    """Time one configuration; print one JSON line."""
    from mocap.cliff import build_model
    from mocap.regress import CliffRegressor

    torch.set_num_threads(args.threads)
    model = build_model(args.variant)
    damped_fill(model)
    reg = CliffRegressor(
        model,
        device="cpu",
        precision=args.precision,
        batch_size=args.batch,
        channels_last=args.layout == "channels_last",
        rewrite=args.mode != "plain",
    )
    images = smooth_crops(args.batch)
    info = torch.zeros(args.batch, 3)
    dtype = torch.float32 if args.precision == "fp32" else torch.bfloat16
    ceiling = matmul_ceiling(dtype)
    compile_s = 0.0
    if args.mode == "compiled":
        # inductor with freezing: weights become constants (BN folded, oneDNN weights prepacked)
        import torch._inductor.config as inductor

        inductor.freezing = True
        reg.model.encoder = torch.compile(reg.model.encoder)
        t = time.perf_counter()
        reg.predict(images, info)  # compiles (C++ kernels built by the system compiler)
        compile_s = time.perf_counter() - t
    reg.predict(images, info)  # warm-up (oneDNN primitive creation)
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < args.repeats or (
        time.perf_counter() - start < args.min_time and len(times) < 20
    ):
        t = time.perf_counter()
        reg.predict(images, info)
        times.append(time.perf_counter() - t)
    # the machine is shared: the ceiling is re-measured around the timing, best value kept
    ceiling = max(ceiling, matmul_ceiling(dtype))
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "best": min(times),
                "median": float(np.median(times)),
                "calls": len(times),
                "ceiling": ceiling,
                "peak_mib": peak_mib,
                "compile_s": compile_s,
            }
        )
    )


def run_throughput(args: argparse.Namespace) -> None:
    torch.set_num_threads(args.threads)
    ceil32 = matmul_ceiling(torch.float32)
    ceil16 = matmul_ceiling(torch.bfloat16)
    print(
        f"threads {args.threads}; matmul {MATMUL_N}^3 ceiling: fp32 {ceil32:.0f} GFLOP/s, "
        f"bf16 {ceil16:.0f} GFLOP/s"
    )
    header = (
        "variant",
        "mode",
        "prec",
        "layout",
        "batch",
        "compile s",
        "calls",
        "best s/call",
        "median s/call",
        "crops/s",
        "GFLOP/s",
        "local ceil GFLOP/s",
        "% ceil",
        "x vs fp32 NCHW",
        "x vs fp32 same layout",
        "peak MiB",
    )
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    counted = {v: counted_gflop_per_crop(v) for v in args.variants}
    print(
        "GFLOP per crop, counted (torch.utils.flop_counter) vs docs/cliff_spec.md: "
        + ", ".join(f"{v} {counted[v]:.2f} vs {GFLOP_PER_CROP[v]:.2f}" for v in args.variants)
    )
    for variant in args.variants:
        base: dict[int, float] = {}
        same: dict[tuple[str, int], float] = {}
        for mode, precision in [(m, p) for m in args.modes for p in args.precisions]:
            for layout in args.layouts:
                for batch in args.batches:
                    cmd = [
                        sys.executable,
                        __file__,
                        "--worker",
                        "--variant",
                        variant,
                        "--precision",
                        precision,
                        "--layout",
                        layout,
                        "--batch",
                        str(batch),
                        "--repeats",
                        str(args.repeats),
                        "--threads",
                        str(args.threads),
                        "--min-time",
                        str(args.min_time),
                        "--mode",
                        mode,
                    ]
                    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
                    r = json.loads(out.stdout.strip().splitlines()[-1])
                    cps = batch / r["best"]
                    gflops = cps * counted[variant]
                    ceil = max(r["ceiling"], ceil32 if precision == "fp32" else ceil16)
                    if precision == "fp32" and layout == "nchw" and mode == "eager":
                        base[batch] = cps
                    if precision == "fp32":
                        same[mode, layout, batch] = cps
                    ratio = f"{cps / base[batch]:.2f}" if batch in base else "-"
                    key = (mode, layout, batch)
                    ratio_same = f"{cps / same[key]:.2f}" if key in same else "-"
                    print(
                        f"| {variant} | {mode} | {precision} | {layout} | {batch} | "
                        f"{r['compile_s']:.1f} | {r['calls']} | "
                        f"{r['best']:.3f} | {r['median']:.3f} | {cps:.1f} | {gflops:.0f} | "
                        f"{ceil:.0f} | {100 * gflops / ceil:.0f} | {ratio} | {ratio_same} | "
                        f"{r['peak_mib']:.0f} |",
                        flush=True,
                    )


def forward_kinematics(
    rotmat: np.ndarray, rest: np.ndarray, parents: tuple[int, ...]
) -> np.ndarray:
    """(N, 24, 3, 3) local rotations over rest joints (24, 3) -> (N, 24, 3) joint positions."""
    n = len(rotmat)
    glob = np.zeros_like(rotmat)
    pos = np.zeros((n, len(parents), 3))
    for j, p in enumerate(parents):
        if p < 0:
            glob[:, j] = rotmat[:, j]
            pos[:, j] = rest[j]
        else:
            glob[:, j] = glob[:, p] @ rotmat[:, j]
            pos[:, j] = pos[:, p] + glob[:, p] @ (rest[j] - rest[p])
    return pos


def _angle_deg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Geodesic angle in degrees between rotation matrices (..., 3, 3) (broadcasting)."""
    rel = np.swapaxes(a, -1, -2) @ b
    cos = np.clip((np.trace(rel, axis1=-2, axis2=-1) - 1) / 2, -1, 1)
    return np.degrees(np.arccos(cos))


def synthetic_crops(n: int, seed: int = 1):
    """``n`` person crops (mocap.crop.Crops) cut from a smooth synthetic 1280 x 720 image with
    random boxes, so the translation is placed through the real camera geometry."""
    from mocap.crop import prepare_crops

    rng = np.random.default_rng(seed)
    coarse = torch.rand(1, 3, 18, 32, generator=torch.Generator().manual_seed(seed))
    img = torch.nn.functional.interpolate(coarse, size=(720, 1280), mode="bilinear")
    image = (255 * img[0].permute(1, 2, 0)).to(torch.uint8).numpy()
    h = rng.uniform(150, 650, n)
    x0, y0 = rng.uniform(0, 1280 - 0.4 * h), rng.uniform(0, 720 - h)
    boxes = np.stack([x0, y0, x0 + 0.4 * h, y0 + h], 1).astype(np.float32)
    return prepare_crops(image, boxes)


def run_accuracy(args: argparse.Namespace) -> None:
    from mocap.cliff import build_model
    from mocap.regress import CliffRegressor
    from mocap.smpl_joints import SMPL_PARENTS
    from mocap.testing.synthetic import designed_joints
    from mocap.weights import load_cliff

    torch.set_num_threads(args.threads)
    rest = designed_joints()
    crops = synthetic_crops(args.crops)
    print(
        f"bf16 (resident backbone weights) vs float32 on {args.crops} crops (random boxes on a "
        f"synthetic 1280x720 image); skeleton: synthetic SMPL joints (height "
        f"{np.ptp(rest[:, 1]):.2f} m). Random weights: NOT the accuracy of the released weights."
    )
    print(
        "| variant | weights | rot err deg mean | max | joint err mm mean | max | "
        "transl err % mean | max | at 4 m, mm mean | max | betas max abs | cam max abs | "
        "fp32 crop-to-crop rot spread deg |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for variant in args.variants:
        if args.checkpoint:
            model32 = load_cliff(args.checkpoint)
            if model32.variant != variant:
                continue
            weights = "checkpoint"
            model16 = load_cliff(args.checkpoint)
        else:
            model32, model16 = build_model(variant), build_model(variant)
            damped_fill(model32)
            damped_fill(model16)
            weights = "damped random"
        out = {}
        for name, model, prec in (("fp32", model32, "fp32"), ("bf16", model16, "bf16")):
            out[name] = CliffRegressor(model, device="cpu", precision=prec, batch_size=16)(crops)
        a, b = out["fp32"], out["bf16"]
        r32, r16 = a.rotmat.astype(np.float64), b.rotmat.astype(np.float64)
        ang = _angle_deg(r32, r16)
        j32 = forward_kinematics(r32, rest, SMPL_PARENTS)
        j16 = forward_kinematics(r16, rest, SMPL_PARENTS)
        jerr = 1000 * np.linalg.norm(j32 - j16, axis=-1)
        # random weights can predict a near-zero crop scale s, placing the person far away
        # (depth 2f / (b s)), where mm differences mean nothing: the translation error is
        # relative, and shown in mm for a person TYPICAL_DEPTH_M away
        trel = np.linalg.norm(a.transl - b.transl, axis=-1) / np.linalg.norm(a.transl, axis=-1)
        terr = 1000 * TYPICAL_DEPTH_M * trel
        db = np.abs(a.betas - b.betas).max()
        dc = np.abs(a.cam_crop - b.cam_crop).max()
        # how much the fp32 predictions differ between crops: the signal the error competes with
        spread = _angle_deg(r32[:1], r32[1:]).mean()
        print(
            f"| {variant} | {weights} | {ang.mean():.3f} | {ang.max():.3f} | "
            f"{jerr.mean():.2f} | {jerr.max():.2f} | {100 * trel.mean():.2f} | "
            f"{100 * trel.max():.2f} | {terr.mean():.1f} | {terr.max():.1f} | "
            f"{db:.4f} | {dc:.4f} | {spread:.2f} |",
            flush=True,
        )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--quick", action="store_true", help="batches 1 and 16, one timed call (more within 1 s)"
    )
    p.add_argument("--accuracy", action="store_true", help="bf16 vs fp32 accuracy instead")
    p.add_argument("--checkpoint", help="real CLIFF checkpoint for --accuracy")
    p.add_argument("--crops", type=int, default=16, help="crops for --accuracy")
    p.add_argument("--variants", nargs="+", default=["res50", "hr48"])
    p.add_argument("--precisions", nargs="+", default=["fp32", "bf16"])
    p.add_argument("--layouts", nargs="+", default=["nchw", "channels_last"])
    p.add_argument(
        "--modes",
        nargs="+",
        default=["eager"],
        choices=["eager", "plain", "compiled"],
        help="eager: the product (inference rewrites); plain: eager without them; "
        "compiled: torch.compile (inductor, freezing) of the backbone; its compile time shown",
    )
    p.add_argument("--mode", default="eager", help=argparse.SUPPRESS)
    p.add_argument("--batches", nargs="+", type=int, default=[1, 16, 64])
    p.add_argument("--repeats", type=int, default=2, help="timed calls at least")
    p.add_argument(
        "--min-time",
        type=float,
        default=3.0,
        help="keep timing (up to 20 calls) until this many seconds passed",
    )
    p.add_argument("--threads", type=int, default=torch.get_num_threads())
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--variant", help=argparse.SUPPRESS)
    p.add_argument("--precision", help=argparse.SUPPRESS)
    p.add_argument("--layout", help=argparse.SUPPRESS)
    p.add_argument("--batch", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.quick:
        args.batches, args.repeats, args.min_time = [1, 16], 1, 1.0
    if args.worker:
        worker(args)
    elif args.accuracy:
        run_accuracy(args)
    else:
        run_throughput(args)


if __name__ == "__main__":
    main()
