"""Measure the stitching errors on real trajectories (the source of ``mocap.stitch``'s tolerances).

Run from the repository root::

    python -m benchmarks.calibrate_stitch

Every ground-truth person of TUD-Campus and TUD-Stadtmitte is cut at every frame into a fragment
that ends there and a fragment that starts ``gap`` later (rows in between removed). For each gap the
table prints percentiles of :func:`mocap.stitch.join_evidence`'s motion error (box heights) and
scale error (|log height ratio|) for these true joins, the tolerance in ``mocap.stitch``, and for
impostors (the second fragment taken from a different person present at that time) the share that
passes both gates (lower is better; appearance then decides the rest).

Then the box-shape changes that :func:`mocap.trackcut.cut_box_jumps` tolerates: percentiles of
|log height| and |log aspect| change between consecutive rows of one id in the real tracker's output
(``test.txt``) and the ground truth, and the change from a person's box to the box around that
person and a close neighbour (a group box). Last, the error of linear gap filling (box centre, in
box heights) on the ground truth per gap length (``PipelineConfig.max_gap_s``). And the
appearance distances (``mocap.stitch.MAX_APPEARANCE_DISTANCE``, ``mocap.appearance.OCCLUDED_SHARE``)
on frames rendered with every person's clothing colours (:func:`benchmarks.tud_noise.render`):
same person 6 rows before / after a row, same person across 10 frames, different people.
"""

from __future__ import annotations

import numpy as np

from benchmarks import tud_noise
from benchmarks.tud import FPS, SEQUENCES, load
from mocap import appearance, stitch, trackcut
from mocap.types import Track

GAPS_S = (0.2, 0.5, 1.0, 2.0, 3.0)


def _track(frames: np.ndarray, boxes: np.ndarray) -> Track:
    n = len(frames)
    return Track(0, frames.astype(np.int64), boxes.astype(np.float32), np.ones(n), np.ones(n, bool))


def _pieces(seq: str, gap: int):
    """Yield (a, b_same, [b_other, ...]) for every cut of every person."""
    gt = load(seq, "gt")
    people = {int(p): gt.person(int(p)) for p in np.unique(gt.ids)}
    for pid, (frames, boxes) in people.items():
        for k in range(stitch.MIN_FRAGMENT_ROWS, len(frames)):
            end = frames[k - 1]
            rest = frames >= end + gap
            if rest.sum() < stitch.MIN_FRAGMENT_ROWS or frames[rest][0] != end + gap:
                continue
            a = _track(frames[:k], boxes[:k])
            b = _track(frames[rest], boxes[rest])
            others = []
            for qid, (f2, b2) in people.items():
                sel = f2 >= end + gap
                if qid != pid and sel.sum() >= stitch.MIN_FRAGMENT_ROWS and f2[sel][0] == end + gap:
                    others.append(_track(f2[sel], b2[sel]))
            yield a, b, others


def main() -> None:
    print(
        f"{'gap s':>5s} {'n':>5s} | motion p50 p95 p99 max  tol | "
        f"scale p50 p95 p99 max  tol | impostors passing"
    )
    for gap_s in GAPS_S:
        gap = round(gap_s * FPS)
        motion, scale, passed, impostors = [], [], 0, 0
        for seq in SEQUENCES:
            for a, b, others in _pieces(seq, gap):
                ev = stitch.join_evidence(a, b, FPS, None)
                motion.append(ev.motion)
                scale.append(ev.scale)
                for o in others:
                    impostors += 1
                    passed += stitch.join_cost(stitch.join_evidence(a, o, FPS, None)) is not None
        m = np.percentile(motion, [50, 95, 99, 100])
        s = np.percentile(scale, [50, 95, 99, 100])
        print(
            f"{gap_s:5.1f} {len(motion):5d} | {m[0]:10.2f} {m[1]:.2f} {m[2]:.2f} {m[3]:.2f} "
            f"{stitch.motion_tolerance(gap / FPS):.2f} | {s[0]:9.3f} {s[1]:.3f} {s[2]:.3f} "
            f"{s[3]:.3f} {stitch.scale_tolerance(gap / FPS):.3f} | "
            f"{passed}/{impostors} ({passed / max(impostors, 1):.0%})"
        )


def _shape_steps(seq: str, name: str) -> np.ndarray:
    """(K, 2) |change| of [log height, log aspect] between consecutive frames of each id."""
    rows = load(seq, name)
    out = []
    for pid in np.unique(rows.ids).tolist():
        frames, boxes = rows.person(pid)
        shape = trackcut._log_shape(boxes)
        consecutive = np.diff(frames) == 1
        out.append(np.abs(np.diff(shape, axis=0))[consecutive])
    return np.concatenate(out)


def _group_steps(seq: str) -> np.ndarray:
    """(K, 2) |change| of [log height, log aspect] from a person's box to a pair's union box."""
    gt = load(seq, "gt")
    out = []
    for f in range(gt.num_frames):
        sel = gt.frames == f
        boxes = gt.boxes[sel]
        for i in range(len(boxes)):
            for k in range(len(boxes)):
                a, b = boxes[i], boxes[k]
                gap = max(a[0], b[0]) - min(a[2], b[2])
                if i != k and gap < 0.2 * min(a[2] - a[0], b[2] - b[0]):
                    union = np.r_[np.minimum(a[:2], b[:2]), np.maximum(a[2:], b[2:])]
                    pair = trackcut._log_shape(np.stack([a, union]))
                    out.append(np.abs(pair[1] - pair[0]))
    return np.array(out)


def shape_table() -> None:
    print("\nbox shape change | |dlog h| p50 p99 p99.9 | |dlog aspect| p50 p99 p99.9")
    for label, steps in (
        ("real tracker, consecutive", np.concatenate([_shape_steps(s, "test") for s in SEQUENCES])),
        ("ground truth, consecutive", np.concatenate([_shape_steps(s, "gt") for s in SEQUENCES])),
        ("person -> group box", np.concatenate([_group_steps(s) for s in SEQUENCES])),
    ):
        h = np.percentile(steps[:, 0], [50, 99, 99.9])
        a = np.percentile(steps[:, 1], [50, 99, 99.9])
        print(
            f"{label:26s} n={len(steps):5d} | {h[0]:.3f} {h[1]:.3f} {h[2]:.3f} | "
            f"{a[0]:.3f} {a[1]:.3f} {a[2]:.3f}"
        )
    print(f"limits: log height {trackcut.JUMP_LOG_HEIGHT}, log aspect {trackcut.JUMP_LOG_ASPECT}")
    group = np.concatenate([_group_steps(s) for s in SEQUENCES])
    caught = np.mean(
        (group[:, 0] > trackcut.JUMP_LOG_HEIGHT) | (group[:, 1] > trackcut.JUMP_LOG_ASPECT)
    )
    print(f"group boxes beyond a limit: {caught:.0%}")


def fill_table() -> None:
    print("\ngap fill s | centre error (box heights) p50 p95 p99")
    for gap_s in (0.2, 0.5, 1.0, 1.5, 2.0):
        gap = round(gap_s * FPS)
        errs = []
        for seq in SEQUENCES:
            gt = load(seq, "gt")
            for pid in np.unique(gt.ids).tolist():
                frames, boxes = gt.person(pid)
                centre = (boxes[:, :2] + boxes[:, 2:]) / 2
                h = boxes[:, 3] - boxes[:, 1]
                for k in range(len(frames) - gap - 1):
                    if frames[k + gap + 1] != frames[k] + gap + 1:
                        continue
                    w = np.arange(1, gap + 1)[:, None] / (gap + 1)
                    interp = (1 - w) * centre[k] + w * centre[k + gap + 1]
                    errs.append(
                        np.max(np.linalg.norm(interp - centre[k + 1 : k + gap + 1], axis=1)) / h[k]
                    )
        p = np.percentile(errs, [50, 95, 99])
        print(f"{gap_s:10.1f} | {p[0]:.3f} {p[1]:.3f} {p[2]:.3f}  (n={len(errs)})")


def _embeddings(seq: str, hide_covered: bool) -> dict[tuple[int, int], np.ndarray]:
    """(person, frame) -> embedding of the ground-truth box on the rendered frame."""
    gt = load(seq, "gt")
    colours = tud_noise.clothing(gt, seed=11)
    out = {}
    for f in range(gt.num_frames):
        image = tud_noise.render(gt, f, colours, np.random.default_rng(1000 + f))
        sel = gt.frames == f
        covered = appearance.occluded(gt.boxes[sel]) if hide_covered else np.zeros(sel.sum(), bool)
        for pid, vec, hide in zip(
            gt.ids[sel].tolist(), appearance.embed(image, gt.boxes[sel]), covered, strict=True
        ):
            if not hide:
                out[pid, f] = vec
    return out


def _mean(rows: np.ndarray) -> np.ndarray | None:
    rows = rows[np.all(np.isfinite(rows), axis=1)]
    return rows.mean(axis=0) if len(rows) else None


def _distances(seq: str, hide_covered: bool) -> tuple[list[float], list[float], list[float]]:
    emb = _embeddings(seq, hide_covered)
    gt = load(seq, "gt")
    step, apart, other = [], [], []
    means: dict[int, list[np.ndarray]] = {}
    nan = np.full(appearance.DIM, np.nan)
    for pid in np.unique(gt.ids).tolist():
        frames, _ = gt.person(pid)
        rows = np.array([emb.get((pid, f), nan) for f in frames.tolist()])
        pairs = [(rows[i - 6 : i], rows[i : i + 6], step) for i in range(6, len(rows) - 6)]
        pairs += [
            (rows[i : i + 15], rows[i + 25 : i + 40], apart) for i in range(0, len(rows) - 40, 5)
        ]
        for u, v, out in pairs:
            mu, mv = _mean(u), _mean(v)
            if mu is not None and mv is not None:
                out.append(appearance.cosine_distance(mu, mv))
        chunks = (_mean(rows[i : i + 15]) for i in range(0, max(1, len(rows) - 15), 15))
        means[pid] = [m for m in chunks if m is not None]
    for a, ma in means.items():
        for b, mb in means.items():
            if a < b:
                other += [appearance.cosine_distance(u, v) for u in ma for v in mb]
    return step, apart, other


def appearance_table() -> None:
    print("\nappearance distance            | p1 p5 p50 p95 p99")
    for hide in (False, True):
        print(f"boxes covered > {appearance.OCCLUDED_SHARE:.0%} ignored: {hide}")
        parts = [_distances(s, hide) for s in SEQUENCES]
        for k, label in enumerate(
            ("same, 6 rows before/after", "same, 10 frames apart", "different")
        ):
            p = np.percentile(np.concatenate([x[k] for x in parts]), [1, 5, 50, 95, 99])
            print(f"  {label:28s} | " + " ".join(f"{v:.3f}" for v in p))
    print(f"gate: {stitch.MAX_APPEARANCE_DISTANCE}")


if __name__ == "__main__":
    main()
    shape_table()
    fill_table()
    appearance_table()
