"""Model files for end-to-end tests and benchmarks, without downloaded weights.

A CLIFF checkpoint with deterministic rule-filled weights in the official container and the
synthetic SMPL-format body written as a ``.pkl``. (The CLIFF golden tests use their own,
key-seeded fill rule, tests/cliff/conftest.py; this one only needs to be cheap and deterministic.)
"""

from __future__ import annotations

import math
from collections import OrderedDict
from pathlib import Path


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
    """The synthetic SMPL-format body as a py2-style ``.pkl`` like the SMPL downloads."""
    from mocap.testing.synthetic import make_synthetic_smpl, write_smpl_pkl

    return write_smpl_pkl(path, make_synthetic_smpl())
