"""Jitter reduction and lag of each smoothing preset on synthetic noisy motion.

Ground truth: one person walking past the camera for 10 s (joint rotations as sums of sinusoids
at 0.5-3 Hz, translation with a slow depth change), sampled at 30 fps and, separately, with
variable frame times (VFR). Noise like CLIFF's per-frame error is added: 3 deg per joint, 1 cm in
x/y and 6 cm in depth. For every preset the script prints

* accel error: mean |second difference of (estimate) - second difference of (truth)| per second^2,
  for rotations (deg/s^2, geodesic on the quaternions is not needed at this scale) and translation
  (m/s^2); the usual "jitter" measure of video mocap papers;
* mean error against the truth (deg, cm);
* lag: the time shift (ms) that best aligns the smoothed noise-free signal with the truth (a
  causal filter would show a positive lag; ours is zero-phase);
* cost: milliseconds to smooth one 10 s person track.

Run: ``python benchmarks/bench_smoothing.py`` (a few seconds).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from mocap import rotations
from mocap.smoothing import PRESETS, smooth_sequence
from mocap.types import SmplSequence


def truth(times: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(T, 24, 3) axis-angle and (T, 3) translation of a smooth synthetic motion."""
    freqs = rng.uniform(0.5, 3.0, (24, 3))
    amps = rng.uniform(0.1, 0.6, (24, 3))
    phases = rng.uniform(0, 2 * np.pi, (24, 3))
    poses = amps * np.sin(2 * np.pi * freqs * times[:, None, None] + phases)
    transl = np.stack(
        [
            -1.0 + 0.2 * times,
            0.1 * np.sin(2 * np.pi * 1.8 * times),
            4.0 + 0.5 * np.sin(2 * np.pi * 0.2 * times),
        ],
        1,
    )
    return poses, transl


def seq(times: np.ndarray, poses: np.ndarray, transl: np.ndarray) -> SmplSequence:
    n = len(times)
    return SmplSequence(
        1,
        np.arange(n),
        times,
        poses[:, 0],
        poses[:, 1:],
        np.zeros(10),
        transl,
        np.ones(n, bool),
        np.zeros((n, 4)),
        np.ones(n),
    )


def accel(times: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Second derivative by finite differences on irregular times (axis 0)."""
    dt1 = np.diff(times)
    v = np.diff(x, axis=0) / dt1.reshape(-1, *[1] * (x.ndim - 1))
    dt2 = (times[2:] - times[:-2]) / 2
    return np.diff(v, axis=0) / dt2.reshape(-1, *[1] * (x.ndim - 1))


def rot_err_deg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    qa, qb = rotations.axis_angle_to_quaternion(a), rotations.axis_angle_to_quaternion(b)
    dot = np.abs(np.sum(qa * qb, -1)).clip(0, 1)
    return np.degrees(2 * np.arccos(dot))


def lag_ms(times: np.ndarray, est: np.ndarray, ref: np.ndarray) -> float:
    """Shift of ``est`` (ms, positive = behind) that best matches ``ref``, by resampling."""
    shifts = np.arange(-100, 101) / 1000.0
    inner = slice(30, -30)
    errs = [np.abs(np.interp(times[inner] + s, times, est) - ref[inner]).mean() for s in shifts]
    return float(-shifts[int(np.argmin(errs))] * 1000) + 0.0


def run(times: np.ndarray, label: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    poses, transl = truth(times, rng)
    noisy_q = rotations.quaternion_to_axis_angle(
        rotations.axis_angle_to_quaternion(poses)
        + rng.normal(0, np.radians(3) / 2, (*poses.shape[:2], 4))
    )
    noisy_t = transl + rng.normal(0, [0.01, 0.01, 0.06], transl.shape)
    noisy = seq(times, noisy_q, noisy_t)
    clean = seq(times, poses, transl)
    acc_true_r = accel(times, np.degrees(poses))
    acc_true_t = accel(times, transl)
    print(f"\n{label}: {len(times)} frames over {times[-1]:.1f} s")
    print(
        f"{'preset':<7} {'rot accel err':>14} {'transl accel err':>17} {'depth accel err':>16} "
        f"{'rot err':>8} {'xy err':>7} {'z err':>6} {'lag':>6} {'cost':>7}"
    )
    print(
        f"{'':<7} {'deg/s^2':>14} {'m/s^2':>17} {'m/s^2':>16} {'deg':>8} {'cm':>7} {'cm':>6} "
        f"{'ms':>6} {'ms':>7}"
    )
    for name in PRESETS:
        t0 = time.perf_counter()
        out = smooth_sequence(noisy, name)
        cost = (time.perf_counter() - t0) * 1000
        # keep the axis-angle of the estimate on the truth's branch for finite differences
        q_est = rotations.continuous_quaternions(rotations.axis_angle_to_quaternion(out.poses))
        q_true = rotations.axis_angle_to_quaternion(poses)
        q_est = np.where(np.sum(q_est * q_true, -1, keepdims=True) < 0, -q_est, q_est)
        est_deg = np.degrees(rotations.quaternion_to_axis_angle(q_est))
        acc_r = np.abs(accel(times, est_deg) - acc_true_r).mean()
        acc_t = np.abs(accel(times, out.transl[:, :2]) - acc_true_t[:, :2]).mean()
        acc_z = np.abs(accel(times, out.transl[:, 2]) - acc_true_t[:, 2]).mean()
        rerr = rot_err_deg(out.poses, poses).mean()
        xy = np.linalg.norm(out.transl[:, :2] - transl[:, :2], axis=1).mean() * 100
        z = np.abs(out.transl[:, 2] - transl[:, 2]).mean() * 100
        smooth_clean = smooth_sequence(clean, name)
        lag = lag_ms(times, smooth_clean.transl[:, 1], transl[:, 1])
        print(
            f"{name:<7} {acc_r:14.0f} {acc_t:17.2f} {acc_z:16.2f} {rerr:8.2f} {xy:7.2f} {z:6.2f} "
            f"{lag:6.0f} {cost:7.1f}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    n = int(args.seconds * 30)
    run(np.arange(n) / 30.0, "30 fps", args.seed)
    rng = np.random.default_rng(args.seed + 1)
    vfr = np.cumsum(np.r_[0.0, rng.choice([1 / 60, 1 / 30, 1 / 20], n - 1)])
    run(vfr, "VFR (frame intervals 1/60, 1/30, 1/20 s at random)", args.seed)


if __name__ == "__main__":
    main()
