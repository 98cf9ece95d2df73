"""The annotator on synthetic scenes: accuracy before/after and images/s, both modes.

Ground truth: N single-person images (640x480) of the synthetic SMPL body with known pose, shape
and translation, projected with CLIFF's full-frame camera; COCO's label mask, 2 dropped and 1
low-confidence keypoint per person, Gaussian pixel noise (``--noise``). Rows:

* ``predict``: the network's forward pass only (the baseline cost, no fitting);
* ``params``: parameter-space mode from the truth perturbed by ~0.15 rad per joint, betas +-0.5,
  depth +15 % (the pose-prior weight is varied: the measurement behind the default);
* ``network``: fine-tuning a small CLIFF-shaped network (real regressor head, tiny backbone)
  whose first prediction is the mean pose, far from the truth; ``all`` layers or ``head`` only;
* ``network res50``: the real ResNet-50 CLIFF (random weights: speed only) with EFT's settings,
  ``--res50-iters`` steps per batch (20 = EFT's default; fewer keeps a CPU run short).

Errors: mean 2D error in px against the noisy labels; MPJPE (root-relative) and PA-MPJPE over the
14 LSP joints in mm. Run: ``python -m benchmarks.bench_annotate`` (about a minute on 2 cores).
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import numpy as np
import torch

from mocap.annotate.fit import NetworkFitter, fit_params
from mocap.annotate.joints import J24Joints
from mocap.annotate.metrics import mpjpe, pa_mpjpe
from mocap.annotate.types import AnnotatorConfig, Fit
from mocap.body import SmplBody
from mocap.cliff import build_model
from mocap.rotations import axis_angle_to_matrix
from mocap.testing.annotate_scenes import Scene, make_scene, tiny_cliff
from mocap.testing.synthetic import synthetic_smpl_model_data


def perturbed(scene: Scene, device: torch.device) -> tuple[torch.Tensor, ...]:
    rng = np.random.default_rng(0)
    n = len(scene.betas)
    turn = np.asarray(axis_angle_to_matrix(rng.normal(0, 0.15, (n, 24, 3))))
    rot = np.einsum("nkij,nkjl->nkil", scene.rotmat, turn)
    betas = scene.betas + rng.normal(0, 0.5, scene.betas.shape)
    transl = scene.transl * [1.0, 1.0, 1.15] + rng.normal(0, 0.05, (n, 3))
    return tuple(
        torch.as_tensor(a, dtype=torch.float32, device=device) for a in (rot, betas, transl)
    )


def row(name: str, fits: list[Fit], scene: Scene, seconds: float) -> str:
    init = np.concatenate([f.initial.joints24 for f in fits])
    final = np.concatenate([f.final.joints24 for f in fits])
    px0 = np.nanmean(np.concatenate([f.initial.px_error for f in fits]))
    px1 = np.nanmean(np.concatenate([f.final.px_error for f in fits]))
    steps = np.mean([f.iterations for f in fits])
    m0, m1 = 1000 * mpjpe(init, scene.joints24).mean(), 1000 * mpjpe(final, scene.joints24).mean()
    p0, p1 = (
        1000 * pa_mpjpe(init, scene.joints24).mean(),
        1000 * pa_mpjpe(final, scene.joints24).mean(),
    )
    return (
        f"{name:<34} {steps:>6.0f} {px0:>7.1f} -> {px1:<5.1f} {m0:>6.0f} -> {m1:<5.0f} "
        f"{p0:>6.0f} -> {p1:<5.0f} {len(init) / seconds:>9.1f}"
    )


def speed_row(name: str, rate: float) -> str:
    return f"{name:<34} {'-':>6} {'':>19} {'':>15} {'':>14} {rate:>9.1f}"


def batches(scene: Scene, size: int, device: torch.device) -> list:
    out = []
    for s in range(0, len(scene.betas), size):
        part = Scene(*(getattr(scene, f.name)[s : s + size] for f in dataclasses.fields(Scene)))
        out.append(part.batch(device))
    return out


def timed(fn) -> tuple[list[Fit], float]:
    t0 = time.perf_counter()
    fits = fn()
    return fits, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--people", type=int, default=16)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--noise", type=float, default=3.0)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--res50-iters", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    dev = torch.device(args.device)
    body = SmplBody(synthetic_smpl_model_data())
    joints = J24Joints(body)
    scene = make_scene(joints, args.people, seed=1, noise_px=args.noise, drop=2, low_conf=1)
    bs = batches(scene, args.batch, dev)
    print(f"{args.people} people, batch {args.batch}, noise {args.noise} px, device {dev}")
    head = ("mode", "steps", "2D px before->after", "MPJPE mm", "PA-MPJPE mm", "images/s")
    print("{:<34} {:>6} {:>19} {:>15} {:>14} {:>9}".format(*head))

    tiny = NetworkFitter(tiny_cliff(0), joints, AnnotatorConfig(), dev)
    _, sec = timed(lambda: [tiny.predict(b) for b in bs])
    print(speed_row("predict (tiny net, baseline)", args.people / sec))
    init = perturbed(scene, dev)
    for pw in (0.0, 0.001, 0.01, 0.1):
        cfg = AnnotatorConfig(mode="params", pose_weight=pw)
        fits, sec = timed(
            lambda cfg=cfg: [
                fit_params(tuple(t[s : s + args.batch] for t in init), b, joints, cfg)
                for s, b in zip(range(0, args.people, args.batch), bs, strict=True)
            ]
        )
        print(row(f"params pose_weight={pw}", fits, scene, sec))
    for ft, lr in (("all", 5e-4), ("head", 1e-4)):
        cfg = AnnotatorConfig(mode="network", finetune=ft, lr=lr, iterations=100)
        fitter = NetworkFitter(tiny_cliff(0), joints, cfg, dev)
        fits, sec = timed(lambda fitter=fitter: [fitter.fit(b) for b in bs])
        print(row(f"network tiny {ft} lr={lr}", fits, scene, sec))
    res50 = build_model("res50")
    for ft in ("all", "head"):
        cfg = AnnotatorConfig(mode="network", finetune=ft, iterations=args.res50_iters, stop_loss=0)
        fitter = NetworkFitter(res50, joints, cfg, dev)
        fits, sec = timed(lambda fitter=fitter: [fitter.fit(b) for b in bs])
        print(row(f"network res50 {ft} ({args.res50_iters} steps)", fits, scene, sec))
    fitter = NetworkFitter(res50, joints, AnnotatorConfig(), dev)
    _, sec = timed(lambda: [fitter.predict(b) for b in bs])
    print(speed_row("predict (res50, baseline)", args.people / sec))


if __name__ == "__main__":
    main()
