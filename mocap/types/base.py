"""Array aliases, SMPL sizes and the shape checks every stage type uses."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.floating[Any]]
IntArray = npt.NDArray[np.integer[Any]]
BoolArray = npt.NDArray[np.bool_]

NUM_SMPL_JOINTS = 24
NUM_BODY_JOINTS = 23
NUM_BETAS = 10


def check_array(
    owner: str, name: str, value: Any, shape: tuple[int | None, ...], dtype: Any
) -> np.ndarray:
    """Return ``value`` as an array of ``dtype`` whose shape matches ``shape`` (None = any size).

    Raises:
        ValueError: naming ``owner.name`` when the number of dimensions or a fixed size differs.
    """
    arr = np.asarray(value)
    if arr.dtype != dtype:
        arr = arr.astype(dtype)
    ok = arr.ndim == len(shape) and all(
        s is None or s == a for s, a in zip(shape, arr.shape, strict=False)
    )
    if not ok:
        want = "(" + ", ".join("N" if s is None else str(s) for s in shape) + ")"
        raise ValueError(f"{owner}.{name}: expected shape {want}, got {tuple(arr.shape)}")
    return arr


def check_same_length(owner: str, length: int, **arrays: np.ndarray) -> None:
    for name, arr in arrays.items():
        if arr.shape[0] != length:
            raise ValueError(
                f"{owner}.{name}: has {arr.shape[0]} rows, expected {length} (one per frame)"
            )


def set_frozen(obj: Any, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)
