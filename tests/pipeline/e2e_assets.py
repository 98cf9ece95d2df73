"""Real inputs for end-to-end tests: a rule-filled CLIFF checkpoint, a synthetic SMPL model,
a small synthetic video and its MOTChallenge box file. No downloaded weights."""

from __future__ import annotations

import math
from collections import OrderedDict
from pathlib import Path

import numpy as np

W, H, FPS = 256, 192, 10


def person_boxes(frame: int) -> dict[int, tuple[float, float, float, float]]:
    """track id -> (left, top, width, height) of the two synthetic people on ``frame``."""
    return {1: (30.0 + 3 * frame, 40.0, 50.0, 120.0), 2: (170.0 - 2 * frame, 50.0, 45.0, 110.0)}


def write_checkpoint(path: Path, variant: str = "res50") -> Path:
    """A CLIFF network with deterministic rule-filled weights, saved as the official container."""
    import torch

    from mocap.cliff import build_model

    model = build_model(variant)
    norm_types = (torch.nn.BatchNorm2d, torch.nn.BatchNorm1d)
    with torch.no_grad():
        norm_params = {
            id(p)
            for m in model.modules()
            if isinstance(m, norm_types)
            for p in m.parameters(recurse=False)
        }
        for i, (_, p) in enumerate(model.named_parameters()):
            if id(p) in norm_params:
                continue  # keep BN at identity (weight 1, bias 0)
            fan_in = p[0].numel() if p.ndim > 1 else p.numel()
            rule = torch.sin(torch.arange(p.numel(), dtype=torch.float64) * 0.7071 + i)
            p.copy_((rule * (0.5 / math.sqrt(fan_in))).reshape(p.shape).to(p.dtype))
    state = OrderedDict((f"module.{k}", v) for k, v in model.state_dict().items())
    torch.save({"model": state, "epoch": 1}, path)
    return path


def write_smpl(path: Path) -> Path:
    from mocap.synthetic import make_synthetic_smpl, write_smpl_pkl

    return write_smpl_pkl(path, make_synthetic_smpl())


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
