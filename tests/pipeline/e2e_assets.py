"""Real inputs for end-to-end tests: a rule-filled CLIFF checkpoint, a synthetic SMPL model,
a small synthetic video and its MOTChallenge box file. No downloaded weights."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mocap.testing.assets import write_checkpoint, write_smpl

__all__ = [
    "FPS",
    "H",
    "W",
    "person_boxes",
    "write_checkpoint",
    "write_mot",
    "write_run_assets",
    "write_smpl",
    "write_video",
]

W, H, FPS = 256, 192, 10


def person_boxes(frame: int) -> dict[int, tuple[float, float, float, float]]:
    """track id -> (left, top, width, height) of the two synthetic people on ``frame``."""
    return {1: (30.0 + 3 * frame, 40.0, 50.0, 120.0), 2: (170.0 - 2 * frame, 50.0, 45.0, 110.0)}


def write_video(path: Path, frames: int = 12) -> Path:
    """H.264 (or MPEG-4 part 2) clip: grey background, two bright 'people' moving."""
    import av

    container = av.open(str(path), "w")
    try:
        stream = container.add_stream("libx264", rate=FPS)
    except Exception:
        stream = container.add_stream("mpeg4", rate=FPS)
    stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
    for f in range(frames):
        img = np.full((H, W, 3), 90, np.uint8)
        for tid, (x, y, w, h) in person_boxes(f).items():
            img[int(y) : int(y + h), int(x) : int(x + w)] = (200, 60 * tid, 40)
        for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    container.close()
    return path


def write_mot(path: Path, frames: int = 12) -> Path:
    rows = []
    for f in range(frames):
        for tid, (x, y, w, h) in person_boxes(f).items():
            rows.append(f"{f + 1},{tid},{x},{y},{w},{h},0.95,-1,-1,-1")
    path.write_text("\n".join(rows) + "\n")
    return path


def write_run_assets(root: Path, frames: int = 12) -> dict[str, Path]:
    """Everything a real run needs, under ``root``: ``ckpt`` (rule-filled res50), ``smpl``,
    ``video`` (``frames`` frames) and ``boxes`` (its MOTChallenge file)."""
    return {
        "ckpt": write_checkpoint(root / "res50-rule.pt"),
        "smpl": write_smpl(root / "SMPL_NEUTRAL.pkl"),
        "video": write_video(root / "clip.mp4", frames=frames),
        "boxes": write_mot(root / "det.txt", frames=frames),
    }
