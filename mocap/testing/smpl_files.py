# pyright: reportAttributeAccessIssue=false, reportArgumentType=false
# (the pure-Python pickler's internals and copyreg.__newobj__ are not in the stubs)
"""Writers of SMPL-format model files as the SMPL downloads store them (``.pkl``) and as ``.npz``.

Used by tests and samples with the dict of :func:`mocap.testing.synthetic.make_synthetic_smpl`.
"""

from __future__ import annotations

import copyreg
import io
import os
import pickle
import struct
import tempfile
from pathlib import Path
from typing import Any

import numpy as np


def write_smpl_pkl(path: str | os.PathLike[str], data: dict[str, Any]) -> Path:
    """Write ``data`` as the downloaded SMPL ``.pkl`` files are: a Python-2 style protocol-2 pickle.

    Float arrays are wrapped in objects pickled under the global ``chumpy.ch.Ch`` (state
    ``{'x': array}``), ``J_regressor``/``J_regressor_prior`` as ``scipy.sparse.csc.csc_matrix``,
    byte and text strings as py2 ``str`` (load with ``encoding='latin1'``). chumpy is not needed.
    The file is written atomically.

    Returns:
        the path written.
    """
    wrapped: dict[str, Any] = {}
    for key, value in data.items():
        if key in ("J_regressor", "J_regressor_prior"):
            dense = value.toarray() if hasattr(value, "toarray") else value  # scipy sparse given
            wrapped[key] = _CscProxy(np.asarray(dense, dtype=np.float64))
        elif isinstance(value, np.ndarray) and value.dtype.kind == "f":
            wrapped[key] = _ChProxy(value)
        else:
            wrapped[key] = value
    buf = io.BytesIO()
    _Py2Pickler(buf, protocol=2).dump(wrapped)
    return _atomic_write(Path(path), buf.getvalue())


def write_smpl_npz(path: str | os.PathLike[str], data: dict[str, Any]) -> Path:
    """Write the numeric arrays and strings of ``data`` as an ``.npz`` loadable with
    ``allow_pickle=False`` (dicts such as ``pose_training_info`` are left out). Atomic.

    Returns:
        the path written.
    """
    arrays: dict[str, np.ndarray] = {}
    for key, value in data.items():
        if isinstance(value, str):
            arrays[key] = np.array(value)
        elif hasattr(value, "toarray"):  # scipy sparse
            arrays[key] = np.asarray(value.toarray())
        elif isinstance(value, np.ndarray) and value.dtype != object:
            arrays[key] = value
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return _atomic_write(Path(path), buf.getvalue())


def _atomic_write(path: Path, payload: bytes) -> Path:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


class _ChProxy:
    """Pickled as an instance of ``chumpy.ch.Ch`` (see ``_GLOBAL_NAMES``)."""

    def __init__(self, x: np.ndarray) -> None:
        self.x = x

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        # what protocol 2 emits for a new-style object: NEWOBJ(cls) then BUILD(state)
        return copyreg.__newobj__, (type(self),), {"x": self.x}


class _CscProxy:
    """Pickled as ``scipy.sparse.csc.csc_matrix`` (the module name of the py2-era files)."""

    def __init__(self, dense: np.ndarray) -> None:
        self.dense = dense

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        cols = [np.nonzero(self.dense[:, c])[0] for c in range(self.dense.shape[1])]
        indptr = np.concatenate([[0], np.cumsum([len(r) for r in cols])]).astype(np.int32)
        indices = np.concatenate(cols).astype(np.int32)
        data = self.dense[indices, np.repeat(np.arange(self.dense.shape[1]), np.diff(indptr))]
        state = {
            "_shape": tuple(self.dense.shape),
            "data": data,
            "indices": indices,
            "indptr": indptr,
            "maxprint": 50,
            "format": "csc",
        }
        return copyreg.__newobj__, (type(self),), state


_GLOBAL_NAMES = {_ChProxy: ("chumpy.ch", "Ch"), _CscProxy: ("scipy.sparse.csc", "csc_matrix")}


class _Py2Pickler(pickle._Pickler):  # the pure-Python pickler lets us control single opcodes
    """Protocol-2 pickler that writes bytes and str as py2 ``str`` and names chosen globals."""

    dispatch = pickle._Pickler.dispatch.copy()

    def save_global(self, obj: Any, name: str | None = None) -> None:
        if obj in _GLOBAL_NAMES:
            module, qualname = _GLOBAL_NAMES[obj]
            self.write(pickle.GLOBAL + f"{module}\n{qualname}\n".encode("ascii"))
            self.memoize(obj)
            return
        super().save_global(obj, name)

    def _save_py2_str(self, obj: bytes | str) -> None:
        raw = obj.encode("latin1") if isinstance(obj, str) else obj
        if len(raw) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(raw)]) + raw)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(raw)) + raw)
        self.memoize(obj)

    dispatch[bytes] = _save_py2_str
    dispatch[str] = _save_py2_str
