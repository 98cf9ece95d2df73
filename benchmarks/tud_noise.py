"""Real-world-like detections made from real trajectories, and frames to see their colours.

:func:`noisy_detections` turns ground truth into what a noisy person detector gives: random
misses, occlusion bursts, box jitter, short false positives and group boxes (one box around two
people who are close, for a few frames, instead of their own boxes). :func:`render` paints every
ground-truth person as a torso and legs of their own clothing colours (nearer people, lower box
bottom, over farther ones) on a textured background, with per-frame lighting change and noise, so
that the tracker's appearance path sees realistic colour evidence on the real trajectories.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from benchmarks.tud import HEIGHT, WIDTH, MotRows
from mocap.types import Detections

GROUP = -2  # truth label of a group box
FALSE_POSITIVE = -1


@dataclass(frozen=True)
class Noise:
    """Detector noise level.

    Attributes:
        miss: chance a visible person is not detected on a frame.
        burst: chance per person-frame that an occlusion burst (0.4..2 s of misses) starts.
        jitter: standard deviation of each box edge, as a share of the box width (left and
            right edges) or height (top and bottom edges).
        false_positive: chance per frame that a false positive run (1..4 frames) starts.
        group: chance per frame and close pair that a group box run (2..8 frames) starts.
    """

    miss: float
    burst: float
    jitter: float
    false_positive: float
    group: float


LEVELS = {
    "low": Noise(miss=0.05, burst=0.01, jitter=0.02, false_positive=0.05, group=0.02),
    "high": Noise(miss=0.15, burst=0.02, jitter=0.05, false_positive=0.15, group=0.05),
}


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    """Boxes of two people near each other (a detector may merge them)."""
    gap = max(a[0], b[0]) - min(a[2], b[2])
    ha, hb = a[3] - a[1], b[3] - b[1]
    return gap < 0.2 * min(a[2] - a[0], b[2] - b[0]) and max(ha, hb) / min(ha, hb) < 1.6


def noisy_detections(
    gt: MotRows, noise: Noise, fps: float, seed: int
) -> tuple[list[Detections], list[np.ndarray]]:
    """Per frame: detections and the truth label of each (person id, FALSE_POSITIVE, GROUP)."""
    rng = np.random.default_rng(seed)
    hidden_until: dict[int, int] = {}
    group_runs: dict[tuple[int, int], int] = {}
    fp_runs: list[tuple[int, np.ndarray]] = []
    dets, truth = [], []
    for f in range(gt.num_frames):
        sel = gt.frames == f
        ids, boxes = gt.ids[sel], gt.boxes[sel]
        rows: list[tuple[np.ndarray, int]] = []
        grouped: set[int] = set()
        for i in range(len(ids)):
            for k in range(i + 1, len(ids)):
                key = (int(ids[i]), int(ids[k]))
                free = group_runs.get(key, -1) < f
                if free and _close(boxes[i], boxes[k]) and rng.random() < noise.group:
                    group_runs[key] = f + int(rng.integers(2, 9))
                if group_runs.get(key, -1) >= f and not {i, k} & grouped:
                    union = np.r_[
                        np.minimum(boxes[i][:2], boxes[k][:2]),
                        np.maximum(boxes[i][2:], boxes[k][2:]),
                    ]
                    rows.append((union, GROUP))
                    grouped |= {i, k}
        for i, (pid, box) in enumerate(zip(ids.tolist(), boxes, strict=True)):
            if rng.random() < noise.burst:
                hidden_until[pid] = f + int(rng.uniform(0.4, 2.0) * fps)
            if i in grouped or hidden_until.get(pid, -1) >= f or rng.random() < noise.miss:
                continue
            rows.append((box, pid))
        if rng.random() < noise.false_positive:
            h = rng.uniform(80, 260)
            x, y = rng.uniform(0, WIDTH - h / 2), rng.uniform(0, HEIGHT - h)
            fp_runs.append((f + int(rng.integers(0, 4)), np.array([x, y, x + h * 0.45, y + h])))
        fp_runs = [(end, b) for end, b in fp_runs if end >= f]
        rows += [(b, FALSE_POSITIVE) for _, b in fp_runs]
        order = rng.permutation(len(rows))
        out = []
        for j in order:
            box = rows[j][0]
            size = np.tile(box[2:] - box[:2], 2)  # (w, h, w, h)
            out.append(box + rng.normal(0, 1, 4) * noise.jitter * size)
        arr = np.asarray(out, np.float32).reshape(-1, 4)
        arr[:, 2:] = np.maximum(arr[:, 2:], arr[:, :2] + 2)
        dets.append(Detections(f, arr, np.full(len(arr), 0.8, np.float32)))
        truth.append(np.array([rows[j][1] for j in order], int))
    return dets, truth


def detections_from_rows(rows: MotRows, num_frames: int) -> list[Detections]:
    """A real tracker's boxes as anonymous detections (ids removed), one per frame."""
    out = []
    for f in range(num_frames):
        sel = rows.frames == f
        boxes = rows.boxes[sel].astype(np.float32)
        out.append(Detections(f, boxes, np.full(len(boxes), 0.8, np.float32)))
    return out


def clothing(gt: MotRows, seed: int) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Person id -> (torso RGB, legs RGB) uint8; random hue, saturation and value per garment."""
    rng = np.random.default_rng(seed)
    out = {}
    for pid in np.unique(gt.ids).tolist():
        hsv = np.stack(
            [rng.integers(0, 180, 2), rng.integers(0, 256, 2), rng.integers(30, 256, 2)], 1
        ).astype(np.uint8)[None]
        rgb = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)[0]
        out[pid] = (rgb[0], rgb[1])
    return out


def render(gt: MotRows, frame: int, colours, rng: np.random.Generator) -> np.ndarray:
    """(HEIGHT, WIDTH, 3) uint8 RGB frame with every ground-truth person of ``frame`` painted."""
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH]
    background = 90 + 40 * np.sin(xx / 23.0) * np.cos(yy / 31.0)
    image = np.repeat(background[..., None], 3, axis=2)
    sel = gt.frames == frame
    for k in np.argsort(gt.boxes[sel][:, 3]):  # far (higher bottom edge) first
        pid = int(gt.ids[sel][k])
        x0, y0, x1, y1 = gt.boxes[sel][k]
        h = y1 - y0
        torso, legs = colours[pid]
        _paint(
            image, x0 + 0.15 * (x1 - x0), y0 + 0.15 * h, x1 - 0.15 * (x1 - x0), y0 + 0.52 * h, torso
        )
        _paint(image, x0 + 0.25 * (x1 - x0), y0 + 0.52 * h, x1 - 0.25 * (x1 - x0), y1, legs)
    image = image * rng.uniform(0.8, 1.2) + rng.normal(0, 6, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def _paint(image: np.ndarray, x0, y0, x1, y1, colour: np.ndarray) -> None:
    r0, r1 = int(max(y0, 0)), int(min(y1, HEIGHT))
    c0, c1 = int(max(x0, 0)), int(min(x1, WIDTH))
    if r1 > r0 and c1 > c0:
        image[r0:r1, c0:c1] = colour
