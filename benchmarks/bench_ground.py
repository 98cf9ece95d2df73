"""Grounding (floor, world frame, contacts, pinned depth, foot lock) against smoothing only.

Synthetic scenes with exact ground truth (``mocap.testing.grounding_scenes``): two people of the
synthetic SMPL body per scene (walking across, diagonally and towards the camera, turning on an arc,
standing, running, jumping on the spot) on a known floor, seen by static cameras 0.8-2.5 m high,
pitched -35..+10 degrees and rolled -5..+5 degrees. The camera-frame motion is corrupted the way
CLIFF errs: relative depth error along the viewing ray (5, 7.5 or 10 % std, correlated over
0.4 s), 3 degrees of white rotation noise per joint, 3 degrees of global orientation noise
(correlated over 0.3 s). Both methods get the same noisy input, smoothed with the default preset:

* **baseline** - today's output (smoothing only), put into the world with the *true* camera pose
  (the most favourable placement it could have);
* **grounded** - ``mocap.ground`` on the same input (its own floor, contacts, pinning, foot lock).

Metrics (mean over scenes): camera pitch/roll error (deg), height error (cm); world pelvis error
(cm); foot skate (horizontal motion of the ball of the foot between consecutive frames of true
contact, mm/frame); penetration (mean depth of feet below the floor over all frames, mm) and float
(mean height of planted feet above their flat height, mm); contact F1 (the same contact detector
on the baseline's world motion); jitter (mean joint acceleration, m/s^2; the truth's is printed).

Every scene runs with two noise draws (16 runs). Run: ``python benchmarks/bench_ground.py`` (about
a minute on two cores; ``--quick`` for three runs).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, replace

import numpy as np

from mocap.body import SmplBody
from mocap.grounding import ground
from mocap.grounding.contacts import ContactLimits, detect_contacts
from mocap.grounding.kinematics import (
    ANKLES,
    FOOT_POINTS,
    TOES,
    flat_offsets,
    foot_heights,
    posed_joints,
)
from mocap.grounding.world import motion_to_frame
from mocap.smoothing import smooth_sequence
from mocap.testing.grounding_scenes import FPS, Noise, Route, corrupt, make_scene
from mocap.testing.synthetic import synthetic_smpl_model_data
from mocap.types import MotionSet, SmplModelData

DURATION_S = 8.0
TOWARD_START_Z = -10.8  # a person walking towards the camera stops ~2 m before it


def routes(kind: str, dist: float, lateral: float) -> Route:
    """A route named ``kind`` around the point ``dist`` metres in front of the camera."""
    half = 0.5 * 1.1 * DURATION_S
    table = {
        "walk across": Route("walk", start=(lateral - half, -dist), heading_deg=90),
        "walk diagonal": Route("walk", start=(lateral - 3, -dist + 2), heading_deg=135),
        "walk towards": Route("walk", start=(lateral, TOWARD_START_Z), heading_deg=0),
        "turn": Route(
            "walk", start=(lateral + 2.0, -dist), kind="arc", centre=(lateral, -dist), radius=2.0
        ),
        "stand": Route("stand", start=(lateral, -dist)),
        "run": Route(
            "run", start=(lateral + 2.5, -dist), kind="arc", centre=(lateral, -dist), radius=2.5
        ),
        "jump": Route("stand", start=(lateral, -dist), jump_every_s=2.5),
    }
    return table[kind]  # "walk towards": heading 0 is world +z, towards the camera


SCENES = [  # (height m, pitch deg, roll deg, motions)
    (1.6, -15.0, 2.0, ("walk across", "turn")),
    (0.8, 0.0, -3.0, ("walk towards", "stand")),
    (2.5, -35.0, 5.0, ("run", "walk diagonal")),
    (1.2, -5.0, 0.0, ("jump", "walk across")),
    (2.0, -25.0, -5.0, ("turn", "walk towards")),
    (1.0, 10.0, 3.0, ("walk diagonal", "stand")),
    (1.8, -10.0, -2.0, ("run", "jump")),
    (1.4, -20.0, 4.0, ("walk across", "walk towards")),
]
DEPTH_NOISE = (0.05, 0.075, 0.10)
SEEDS = (0, 1)
"""Noise draws per scene (the second one also changes the scene's depth-noise level)."""


def scene_distance(height: float, pitch: float) -> float:
    """Where the optical axis passes pelvis height (0.9 m), clipped to 3..8 m."""
    if pitch >= -1.0:
        return 6.0
    return float(np.clip((height - 0.9) / np.tan(np.radians(-pitch)), 3.0, 8.0))


@dataclass
class Scores:
    root_cm: list[float]
    skate_mm: list[float]
    penetration_mm: list[float]
    float_mm: list[float]
    f1: list[float]
    jitter: list[float]

    @staticmethod
    def empty() -> Scores:
        return Scores([], [], [], [], [], [])


def world_motion(data: SmplModelData, motion: MotionSet, w_from_c: np.ndarray | None) -> list:
    """Per person (joints (T,24,3), contacts (T,2)) in the world: the grounded result's own world
    motion (``w_from_c`` None) or the camera-frame rows moved by ``w_from_c``."""
    body = SmplBody(data)
    out = []
    for seq in motion.people:
        if w_from_c is None:
            assert seq.world is not None
            w = seq.world
            joints = posed_joints(body, seq.betas, w.global_orient, w.body_pose, w.transl)
            out.append((joints, w.foot_contact))
            continue
        orient, transl = motion_to_frame(
            w_from_c, seq.global_orient, seq.transl, body.rest_joints(seq.betas)[0]
        )
        joints = posed_joints(body, seq.betas, orient, seq.body_pose, transl)
        eye = w_from_c[:3, 3]
        out.append((joints, contacts_of(data, seq.betas, seq.times, joints, eye)))
    return out


def contacts_of(
    data: SmplModelData, betas: np.ndarray, times: np.ndarray, joints: np.ndarray, eye: np.ndarray
) -> np.ndarray:
    """(T, 2) contacts of world joints (T, 24, 3) by the grounding's detector."""
    feet = joints[:, FOOT_POINTS]
    heights = feet[..., 1] - flat_offsets(foot_heights(data, betas))
    return detect_contacts(times, heights, feet, eye, ContactLimits())


def score(data, truth, est, scores: Scores) -> None:
    body = SmplBody(data)
    for person, (joints, contact) in zip(truth, est, strict=True):
        s = person.seq
        gt = posed_joints(body, s.betas, s.global_orient, s.body_pose, s.transl)
        h = foot_heights(data, s.betas)
        scores.root_cm.append(100 * np.linalg.norm(joints[:, 0] - gt[:, 0], axis=1).mean())
        skate, flt, pen = [], [], []
        for side in range(2):
            toe = joints[:, TOES[side]]
            c = person.contact[:, side]
            both = c[1:] & c[:-1]
            step = np.linalg.norm(np.diff(toe[:, [0, 2]], axis=0), axis=1)
            skate.extend(step[both])
            flt.extend(np.abs(toe[c, 1] - h.toe))
            low = np.minimum(joints[:, ANKLES[side], 1] - h.ankle, toe[:, 1] - h.toe)
            pen.extend(np.maximum(-low, 0.0))
        scores.skate_mm.append(1000 * float(np.mean(skate)))
        scores.float_mm.append(1000 * float(np.mean(flt)))
        scores.penetration_mm.append(1000 * float(np.mean(pen)))
        tp = np.sum(contact & person.contact)
        prec = tp / max(contact.sum(), 1)
        rec = tp / max(person.contact.sum(), 1)
        scores.f1.append(2 * prec * rec / max(prec + rec, 1e-9))
        acc = np.diff(joints, n=2, axis=0) * FPS**2
        scores.jitter.append(float(np.linalg.norm(acc, axis=-1).mean()))


def jitter_of_truth(data, truth) -> float:
    body = SmplBody(data)
    vals = []
    for person in truth:
        s = person.seq
        gt = posed_joints(body, s.betas, s.global_orient, s.body_pose, s.transl)
        vals.append(np.linalg.norm(np.diff(gt, n=2, axis=0) * FPS**2, axis=-1).mean())
    return float(np.mean(vals))


def run(quick: bool) -> None:
    data = synthetic_smpl_model_data()
    base, ours = Scores.empty(), Scores.empty()
    camera_rows, truth_jitter = [], []
    started = time.perf_counter()
    runs = [(i, s) for s in (SEEDS[:1] if quick else SEEDS) for i in range(len(SCENES))]
    for i, seed in runs[:3] if quick else runs:
        height, pitch, roll, kinds = SCENES[i]
        dist = scene_distance(height, pitch)
        rs = [routes(k, dist, lateral) for k, lateral in zip(kinds, (-1.0, 1.2), strict=True)]
        scene = make_scene(data, rs, height, pitch, roll, DURATION_S, seed=i)
        noise = Noise(depth=DEPTH_NOISE[(i + seed) % len(DEPTH_NOISE)])
        noisy = corrupt(scene.motion, noise, seed=100 * (seed + 1) + i)
        smoothed = replace(noisy, people=tuple(smooth_sequence(p, "medium") for p in noisy.people))
        grounded = ground(smoothed)
        g = grounded.grounding
        assert g is not None
        true_g = replace(g, world_from_camera=scene.world_from_camera)
        camera_rows.append(
            (
                f"{height:.1f} m {pitch:+.0f}/{roll:+.0f} deg {'+'.join(kinds)}",
                noise.depth,
                abs(g.pitch_deg - true_g.pitch_deg),
                abs(g.roll_deg - true_g.roll_deg),
                100 * abs(g.camera_height - true_g.camera_height),
                g.confidence,
                g.assumption,
            )
        )
        score(data, scene.people, world_motion(data, smoothed, scene.world_from_camera), base)
        score(data, scene.people, world_motion(data, grounded, None), ours)
        k = len(scene.people)
        camera_rows[-1] += (np.mean(base.root_cm[-k:]), np.mean(ours.root_cm[-k:]))
        truth_jitter.append(jitter_of_truth(data, scene.people))
    print_tables(camera_rows, base, ours, float(np.mean(truth_jitter)))
    print(f"\n{len(camera_rows)} runs in {time.perf_counter() - started:.0f} s")


def print_tables(camera_rows, base: Scores, ours: Scores, truth_jitter: float) -> None:
    print("Camera fit per scene (grounded)")
    print(
        f"{'scene':<48} {'depth':>6} {'pitch':>6} {'roll':>6} {'height':>7} {'conf':>5} "
        f"{'root cm base/ours':>18}"
    )
    for name, depth, dp, dr, dh, conf, assumption, rb, ro in camera_rows:
        note = "  (assumed: " + assumption + ")" if assumption else ""
        print(
            f"{name:<48} {depth:>5.1%} {dp:>5.2f}° {dr:>5.2f}° {dh:>5.1f}cm {conf:>5.2f} "
            f"{rb:>8.1f} / {ro:<7.1f}{note}"
        )
    cams = np.array([r[2:5] for r in camera_rows])
    print(
        f"{'mean':<48} {'':>6} {cams[:, 0].mean():>5.2f}° {cams[:, 1].mean():>5.2f}° "
        f"{cams[:, 2].mean():>5.1f}cm"
    )
    print(
        f"{'max':<48} {'':>6} {cams[:, 0].max():>5.2f}° {cams[:, 1].max():>5.2f}° "
        f"{cams[:, 2].max():>5.1f}cm"
    )
    print("\nMotion (mean over people and scenes)")
    print(f"{'metric':<34} {'baseline':>10} {'grounded':>10} {'ratio':>7}")
    rows = [
        ("world root error (cm)", base.root_cm, ours.root_cm),
        ("foot skate in contact (mm/frame)", base.skate_mm, ours.skate_mm),
        ("penetration (mm)", base.penetration_mm, ours.penetration_mm),
        ("float of planted feet (mm)", base.float_mm, ours.float_mm),
        ("contact F1", base.f1, ours.f1),
        ("jitter (m/s^2)", base.jitter, ours.jitter),
    ]
    for name, b, o in rows:
        bm, om = float(np.mean(b)), float(np.mean(o))
        print(f"{name:<34} {bm:>10.3f} {om:>10.3f} {bm / max(om, 1e-9):>6.1f}x")
    print(f"{'jitter of the truth (m/s^2)':<34} {truth_jitter:>10.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="three scenes only")
    run(parser.parse_args().quick)


if __name__ == "__main__":
    main()
