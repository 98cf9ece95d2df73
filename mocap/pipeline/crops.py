"""Joining and slicing the rows of :class:`mocap.crop.Crops` (crops of many frames in one batch).

``images`` and ``bbox_info`` are numpy arrays (CPU crop path) or torch tensors on the compute
device (:mod:`mocap.pipeline.devicecrop`); the other fields are always numpy.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import numpy as np

from mocap.crop import Crops

_CROP_FIELDS = tuple(f.name for f in fields(Crops))


def _join(values: list[Any]) -> Any:
    if isinstance(values[0], np.ndarray):
        return np.concatenate(values)
    import torch

    return torch.cat(values)


def concat_crops(parts: list[Crops]) -> Crops:
    """Rows of several ``Crops`` (all numpy, or all with device tensors) in order."""
    if len(parts) == 1:
        return parts[0]
    return Crops(*(_join([getattr(p, f) for p in parts]) for f in _CROP_FIELDS))


def take_crops(crops: Crops, rows: slice) -> Crops:
    """A slice of the rows of ``crops``."""
    return Crops(*(getattr(crops, f)[rows] for f in _CROP_FIELDS))
