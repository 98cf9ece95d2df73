"""CLIFF network (HRNet-W48 / ResNet-50 backbone + iterative regressor). No I/O here.

``build_model(variant)`` gives a randomly initialised network whose state-dict keys and shapes
equal the official checkpoints'; ``mocap.weights.load_cliff`` loads one.
"""

from mocap.cliff.model import (
    BACKBONES,
    CROP_HW,
    Cliff,
    CliffInputError,
    CliffOutput,
    build_model,
)

__all__ = ["BACKBONES", "CROP_HW", "Cliff", "CliffInputError", "CliffOutput", "build_model"]
