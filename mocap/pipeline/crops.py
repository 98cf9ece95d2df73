"""Joining and slicing the rows of :class:`mocap.crop.Crops` (crops of many frames in one batch)."""

from __future__ import annotations

from dataclasses import fields

import numpy as np

from mocap.crop import Crops

_CROP_FIELDS = tuple(f.name for f in fields(Crops))


def concat_crops(parts: list[Crops]) -> Crops:
    """Rows of several ``Crops`` (numpy) in order."""
    if len(parts) == 1:
        return parts[0]
    return Crops(*(np.concatenate([getattr(p, f) for p in parts]) for f in _CROP_FIELDS))


def take_crops(crops: Crops, rows: slice) -> Crops:
    """A slice of the rows of ``crops``."""
    return Crops(*(getattr(crops, f)[rows] for f in _CROP_FIELDS))
