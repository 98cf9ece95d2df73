"""The official CLIFF pseudo-GT file format (``*.cliffgt.npz``; released as
``coco2014part_cliffGT.npz`` / ``mpii_cliffGT.npz``), read and written
(docs/cliff_annotator.md §3).

One row per person instance. The camera is the full-image OpenCV camera (x right, y down,
z forward) with fx = fy = ``focal_l`` and the principal point at the image centre.

``global_t`` is SMPL's ``transl`` (what the official viewers pass as ``transl=``), not the
pelvis position: the pelvis lands at J_0(shape) + global_t. ``S`` is written as J24 of the fitted
SMPL body (J24 slots from :data:`mocap.annotate.joints.J24_SOURCES`) minus J24 slot 14 (MPII
pelvis), conf 1 for every joint. The released files' dtypes are unknown, so reading casts: floats
to float64, ``annot_id`` to int64, ``has_smpl`` to bool. We write floats as float64 and
``has_smpl`` as 1.0 (SPIN's convention for its dataset files).
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from mocap.errors import OutputError, PseudoGTFileError

#: The file suffix of a pseudo-GT file written by this module.
CLIFFGT_SUFFIX = ".cliffgt.npz"

F64 = npt.NDArray[np.float64]

#: Row shapes of every key (after the row dimension N).
ROW_SHAPES: dict[str, tuple[int, ...]] = {
    "imgname": (),
    "center": (2,),
    "scale": (),
    "part": (24, 3),
    "annot_id": (),
    "pose": (72,),
    "shape": (10,),
    "has_smpl": (),
    "global_t": (3,),
    "focal_l": (),
    "S": (24, 4),
}
#: Keys a file must have to be usable (the official viewers read exactly these).
REQUIRED = ("imgname", "pose", "shape", "global_t", "focal_l")


@dataclass(frozen=True, eq=False)
class PseudoGT:
    """Pseudo-GT rows (numpy; N rows; units as in the module docstring).

    Attributes:
        imgname: (N,) str image path as stored (e.g. ``train2014/COCO_train2014_...jpg``).
        center: (N, 2) box centre, px. scale: (N,) box size / 200.
        part: (N, 24, 3) J24 2D labels ``[x, y, conf]``, full-image px.
        annot_id: (N,) int64 COCO annotation id (-1 where there is none).
        pose: (N, 72) axis-angle, [0:3] global orientation in the full-image camera.
        shape: (N, 10) betas. has_smpl: (N,) bool.
        global_t: (N, 3) SMPL ``transl``, metres. focal_l: (N,) focal length, px.
        S: (N, 24, 4) ``[x, y, z, conf]`` J24 minus the pelvis, metres.
    """

    imgname: npt.NDArray[np.str_]
    center: F64
    scale: F64
    part: F64
    annot_id: npt.NDArray[np.int64]
    pose: F64
    shape: F64
    has_smpl: npt.NDArray[np.bool_]
    global_t: F64
    focal_l: F64
    S: F64

    def __post_init__(self) -> None:
        n = len(self.imgname)
        for f in fields(self):
            value = np.asarray(getattr(self, f.name))
            want = (n, *ROW_SHAPES[f.name])
            if value.shape != want:
                raise ValueError(f"PseudoGT.{f.name}: expected shape {want}, got {value.shape}")

    def __len__(self) -> int:
        return len(self.imgname)

    @staticmethod
    def concat(parts: list[PseudoGT]) -> PseudoGT:
        """Rows of several tables, in order (an empty table for an empty list)."""
        if not parts:
            return _empty()
        return PseudoGT(**{k: np.concatenate([getattr(p, k) for p in parts]) for k in ROW_SHAPES})


def _empty() -> PseudoGT:
    return PseudoGT(
        **{
            k: np.zeros((0, *s), dtype=str if k == "imgname" else np.float64)
            for k, s in ROW_SHAPES.items()
        }
    )


def relative_to_pelvis(joints24: Any, pelvis_slot: int = 14) -> F64:
    """``S`` from camera-frame J24 (N, 24, 3): (N, 24, 4) joints minus the pelvis, conf 1."""
    j = np.asarray(joints24, dtype=np.float64)
    rel = j - j[:, pelvis_slot : pelvis_slot + 1]
    return np.concatenate([rel, np.ones((*rel.shape[:2], 1))], -1)


def to_arrays(gt: PseudoGT) -> dict[str, np.ndarray]:
    """The arrays as written (floats float64, annot_id int64, has_smpl float64 1/0)."""
    out = {"imgname": np.asarray(gt.imgname).astype(str)}
    out["annot_id"] = np.asarray(gt.annot_id, dtype=np.int64)
    for key in ROW_SHAPES:
        if key not in out:
            out[key] = np.asarray(getattr(gt, key), dtype=np.float64)
    return out


def write_cliffgt(path: str | os.PathLike[str], gt: PseudoGT) -> Path:
    """Write ``gt`` to ``path`` atomically (a temp file in the same folder, then rename).

    Raises:
        OutputError: the folder does not exist or is not writable.
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise OutputError(f"cannot write '{path}': folder '{path.parent}' does not exist")
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise OutputError(f"cannot write '{path}': {e.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **to_arrays(gt))  # type: ignore[arg-type]
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_cliffgt(path: str | os.PathLike[str]) -> PseudoGT:
    """Read a pseudo-GT file (ours or an official release), ``allow_pickle=False``.

    Missing optional keys are filled: ``center``/``scale``/``part``/``S`` with zeros (``S`` conf
    0), ``annot_id`` with -1, ``has_smpl`` with True.

    Raises:
        PseudoGTFileError: missing file, not an npz, a required key missing, or a wrong shape.
    """
    path = Path(path)
    if not path.is_file():
        raise PseudoGTFileError(f"pseudo-GT file '{path}' does not exist")
    try:
        with np.load(path, allow_pickle=False) as z:
            raw = {k: z[k] for k in z.files if k in ROW_SHAPES}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as e:
        raise PseudoGTFileError(
            f"pseudo-GT file '{path}' cannot be read as .npz ({type(e).__name__}: {e})"
        ) from None
    missing = [k for k in REQUIRED if k not in raw]
    if missing:
        raise PseudoGTFileError(
            f"pseudo-GT file '{path}' lacks {', '.join(missing)}; not a CLIFF pseudo-GT file"
        )
    n = len(raw["imgname"])
    defaults = {"annot_id": -1, "has_smpl": 1}
    values: dict[str, Any] = {}
    for key, shape in ROW_SHAPES.items():
        value = raw.get(key, np.full((n, *shape), defaults.get(key, 0)))
        if np.shape(value) != (n, *shape):
            raise PseudoGTFileError(
                f"pseudo-GT file '{path}': '{key}' has shape {np.shape(value)}, "
                f"expected {(n, *shape)}"
            )
        values[key] = value
    try:
        return PseudoGT(
            imgname=values["imgname"].astype(str),
            annot_id=values["annot_id"].astype(np.int64),
            has_smpl=values["has_smpl"].astype(bool),
            **{
                k: values[k].astype(np.float64)
                for k in ROW_SHAPES
                if k not in ("imgname", "annot_id", "has_smpl")
            },
        )
    except (TypeError, ValueError) as e:
        raise PseudoGTFileError(f"pseudo-GT file '{path}' holds non-numeric values ({e})") from None
