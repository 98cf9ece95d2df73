"""Reading SMPL body model files (``.pkl`` as downloaded, or ``.npz``) into :class:`SmplModelData`.

Loading never runs arbitrary code: ``.pkl`` files (as downloaded, written by Python 2 with chumpy
objects inside) go through a restricted unpickler that only knows the few globals SMPL files
contain (``docs/exporters_spec.md`` §1.4); ``.npz`` files are read with ``allow_pickle=False``.
Numpy only: importing this module does not import torch.
"""

from __future__ import annotations

import copyreg
import logging
import os
import pickle
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from mocap.config import resolve_model_dir
from mocap.errors import ModelFileNotFoundError, OutputError, SmplModelError
from mocap.modelfiles import SMPL, missing_message
from mocap.types import NUM_BETAS, NUM_BODY_JOINTS, NUM_SMPL_JOINTS, SmplModelData

logger = logging.getLogger(__name__)

#: Keys every SMPL model file must have (pkl and npz alike).
REQUIRED_KEYS = (
    "v_template",
    "shapedirs",
    "posedirs",
    "J_regressor",
    "weights",
    "f",
    "kintree_table",
)

NUM_POSE_BASIS = NUM_BODY_JOINTS * 9  # 207: entries of (R_k - I) for joints 1..23
_KINTREE_ROOT_IN_FILES = 4294967295  # 2**32 - 1, stored as the root's parent


# --- restricted unpickling ------------------------------------------------------------------------


class _ChStub:
    """Takes the place of ``chumpy.ch.Ch``: keeps the pickled state; the value is ``state['x']``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.state: dict[str, Any] = {}

    def __setstate__(self, state: Any) -> None:
        self.state = state if isinstance(state, dict) else {"x": state}


class _CscStub:
    """Takes the place of ``scipy.sparse.csc_matrix``; densified with :func:`_csc_to_dense`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.state: dict[str, Any] = {}

    def __setstate__(self, state: Any) -> None:
        self.state = state if isinstance(state, dict) else {}


def _numpy_global(name: str) -> Any:
    try:
        from numpy._core import multiarray  # numpy >= 2
    except ImportError:
        from numpy.core import multiarray  # numpy 1.x
    return getattr(multiarray, name)


_ALLOWED: dict[tuple[str, str], Any] = {
    ("numpy.core.multiarray", "_reconstruct"): lambda: _numpy_global("_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"): lambda: _numpy_global("_reconstruct"),
    ("numpy.core.multiarray", "scalar"): lambda: _numpy_global("scalar"),
    ("numpy._core.multiarray", "scalar"): lambda: _numpy_global("scalar"),
    ("numpy", "ndarray"): lambda: np.ndarray,
    ("numpy", "dtype"): lambda: np.dtype,
    ("copy_reg", "_reconstructor"): lambda: copyreg._reconstructor,  # pyright: ignore[reportAttributeAccessIssue]
    ("copyreg", "_reconstructor"): lambda: copyreg._reconstructor,  # pyright: ignore[reportAttributeAccessIssue]
    ("__builtin__", "object"): lambda: object,
    ("builtins", "object"): lambda: object,
    ("__builtin__", "set"): lambda: set,
    ("builtins", "set"): lambda: set,
    ("__builtin__", "frozenset"): lambda: frozenset,
    ("builtins", "frozenset"): lambda: frozenset,
    ("_codecs", "encode"): lambda: _latin1_encode,
    ("chumpy.ch", "Ch"): lambda: _ChStub,
    ("scipy.sparse.csc", "csc_matrix"): lambda: _CscStub,
    ("scipy.sparse._csc", "csc_matrix"): lambda: _CscStub,
}


def _latin1_encode(text: str, encoding: str = "latin1", errors: str = "strict") -> bytes:
    """What protocol-2 pickles written by Python 3 call to rebuild ``bytes`` (``_codecs.encode``),
    limited to the latin-1 codec they use."""
    if encoding.replace("-", "").lower() not in ("latin1", "iso88591"):
        raise pickle.UnpicklingError(f"_codecs.encode with codec {encoding!r} is not allowed")
    return text.encode("latin1", errors)


class _SmplUnpickler(pickle.Unpickler):
    def __init__(self, fh: Any, path: Path) -> None:
        super().__init__(fh, encoding="latin1")
        self._path = path

    def find_class(self, module: str, name: str) -> Any:
        factory = _ALLOWED.get((module, name))
        if factory is not None:
            return factory()
        if module.split(".")[0] == "chumpy":
            raise SmplModelError(
                f"SMPL model '{self._path}' contains the chumpy object {module}.{name}, which "
                "cannot be read without chumpy (only plain chumpy.ch.Ch values can); convert it "
                "once to .npz in an environment with chumpy (e.g. smplx's tools/clean_ch.py)"
            )
        raise SmplModelError(
            f"SMPL model '{self._path}' refers to the forbidden global {module}.{name}; an SMPL "
            "file only holds arrays, so this file was refused unread (it may be unsafe or not an "
            "SMPL model)"
        )

    def persistent_load(self, pid: Any) -> Any:
        raise SmplModelError(
            f"SMPL model '{self._path}' uses pickle persistent ids; not an SMPL file"
        )


def _csc_to_dense(stub: _CscStub, key: str, path: Path) -> np.ndarray:
    """CSC: column c owns ``data[indptr[c]:indptr[c+1]]`` at rows ``indices[...]``."""
    st = stub.state
    try:
        shape = tuple(int(s) for s in st.get("_shape", st.get("shape")))  # pyright: ignore[reportOptionalIterable]
        data = np.asarray(st["data"], dtype=np.float64)
        indices = np.asarray(st["indices"], dtype=np.int64)
        indptr = np.asarray(st["indptr"], dtype=np.int64)
        dense = np.zeros(shape)
        cols = np.repeat(np.arange(shape[1]), np.diff(indptr))
        dense[indices, cols] = data
    except (KeyError, TypeError, ValueError, IndexError) as e:
        raise SmplModelError(
            f"SMPL model '{path}': '{key}' is a sparse matrix that cannot be rebuilt ({e})"
        ) from None
    return dense


def _plain(value: Any, key: str, path: Path) -> Any:
    if isinstance(value, _ChStub):
        if "x" not in value.state:
            raise SmplModelError(f"SMPL model '{path}': chumpy value '{key}' has no data ('x')")
        return np.asarray(value.state["x"])
    if isinstance(value, _CscStub):
        return _csc_to_dense(value, key, path)
    return value


def read_smpl_pkl(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read an SMPL ``.pkl`` with the restricted unpickler; chumpy and sparse values become arrays.

    Raises:
        ModelFileNotFoundError: the file does not exist.
        SmplModelError: not a pickle, truncated, refers to a global SMPL files never contain, or
            is not a dict.
    """
    path = Path(path)
    _require_file(path)
    try:
        with path.open("rb") as fh:
            raw = _SmplUnpickler(fh, path).load()
    except SmplModelError:
        raise
    except (
        pickle.UnpicklingError,
        EOFError,
        ValueError,
        TypeError,
        AttributeError,
        IndexError,
        KeyError,
        UnicodeDecodeError,
        OverflowError,
        MemoryError,
    ) as e:
        raise SmplModelError(
            f"SMPL model '{path}' cannot be read as an SMPL pickle ({type(e).__name__}: {e}); "
            "the file may be truncated or not an SMPL model — download it again"
        ) from None
    if not isinstance(raw, dict):
        raise SmplModelError(
            f"SMPL model '{path}' holds a {type(raw).__name__}, not a dict of arrays"
        )
    return {str(k): _plain(v, str(k), path) for k, v in raw.items()}


def read_smpl_npz(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read an SMPL ``.npz`` (``np.load(allow_pickle=False)``) into a dict of arrays.

    Raises:
        ModelFileNotFoundError: the file does not exist.
        SmplModelError: not a valid npz, truncated, or holds object arrays.
    """
    path = Path(path)
    _require_file(path)
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError) as e:
        raise SmplModelError(
            f"SMPL model '{path}' cannot be read as .npz ({type(e).__name__}: {e}); "
            "the file may be truncated, or it holds pickled objects (not allowed)"
        ) from None


def _require_file(path: Path) -> None:
    if not path.is_file():
        raise ModelFileNotFoundError(missing_message(SMPL, (path,), resolve_model_dir()), path)


def _numeric_arrays(raw: dict[str, Any], source: str) -> dict[str, np.ndarray]:
    """The required keys as int64 (faces, kinematic tree) or float64 arrays."""
    arr: dict[str, np.ndarray] = {}
    for key in REQUIRED_KEYS:
        try:
            arr[key] = np.asarray(
                raw[key], dtype=np.int64 if key in ("f", "kintree_table") else np.float64
            )
        except (TypeError, ValueError) as e:
            raise SmplModelError(f"SMPL model '{source}': '{key}' is not numeric ({e})") from None
    return arr


def _check_shapes(arr: dict[str, np.ndarray], source: str) -> None:
    """Every array has SMPL's shape for the vertex count of ``v_template`` (V, 3)."""
    nv = arr["v_template"].shape[0] if arr["v_template"].ndim == 2 else -1
    expected = {
        "v_template": (nv, 3),
        "shapedirs": (nv, 3, None),
        "posedirs": (nv, 3, NUM_POSE_BASIS),
        "J_regressor": (NUM_SMPL_JOINTS, nv),
        "weights": (nv, NUM_SMPL_JOINTS),
        "f": (None, 3),
        "kintree_table": (2, NUM_SMPL_JOINTS),
    }
    for key, shape in expected.items():
        got = arr[key].shape
        fits = len(got) == len(shape) and all(
            s is None or s == g for s, g in zip(shape, got, strict=True)
        )
        if not fits:
            want = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
            raise SmplModelError(
                f"SMPL model '{source}': '{key}' has shape {got}, expected {want} with V = "
                f"{nv} vertices; the file is damaged or not an SMPL model"
            )
    if arr["shapedirs"].shape[2] < NUM_BETAS:
        raise SmplModelError(
            f"SMPL model '{source}': 'shapedirs' has {arr['shapedirs'].shape[2]} "
            f"shape components, need at least {NUM_BETAS}"
        )


def model_data_from_dict(raw: dict[str, Any], source: str) -> SmplModelData:
    """Check an SMPL dict (keys as in the files) and turn it into :class:`SmplModelData`.

    Raises:
        SmplModelError: naming the missing key or the array with the wrong shape, and ``source``.
    """
    missing = [k for k in REQUIRED_KEYS if k not in raw]
    if missing:
        raise SmplModelError(
            f"SMPL model '{source}' lacks the key(s) {', '.join(missing)}; not an SMPL model file "
            f"(it has: {', '.join(sorted(raw)) or 'nothing'})"
        )
    arr = _numeric_arrays(raw, source)
    _check_shapes(arr, source)
    nv = arr["v_template"].shape[0]
    faces = arr["f"]
    if faces.size and (faces.min() < 0 or faces.max() >= nv):
        raise SmplModelError(f"SMPL model '{source}': 'f' indexes vertices outside 0..{nv - 1}")
    parents = arr["kintree_table"][0].copy()
    parents[0] = -1  # stored as 2**32 - 1 (or -1)
    if np.any(parents[1:] < 0) or np.any(parents[1:] >= np.arange(1, NUM_SMPL_JOINTS)):
        raise SmplModelError(
            f"SMPL model '{source}': 'kintree_table' is not a kinematic tree "
            "with parents before children"
        )
    if not np.all(np.isfinite(arr["v_template"])):
        raise SmplModelError(f"SMPL model '{source}': 'v_template' has non-finite values")
    return SmplModelData(
        v_template=arr["v_template"],
        shapedirs=arr["shapedirs"],
        j_regressor=arr["J_regressor"],
        weights=arr["weights"],
        faces=faces,
        parents=parents,
        posedirs=arr["posedirs"],
        source=source,
    )


def read_body_model_data(path: str | os.PathLike[str]) -> SmplModelData:
    """Read an SMPL ``.pkl`` or ``.npz`` into checked :class:`SmplModelData` (numpy only).

    Raises:
        ModelFileNotFoundError: the file is absent (message says where to get SMPL).
        SmplModelError: unknown suffix, unreadable, unsafe or malformed content.
    """
    path = Path(path).expanduser()
    suffix = path.suffix.lower()
    if suffix == ".pkl":
        raw = read_smpl_pkl(path)
    elif suffix == ".npz":
        raw = read_smpl_npz(path)
    else:
        _require_file(path)
        raise SmplModelError(
            f"SMPL model '{path}': unknown suffix '{path.suffix}'; "
            "expected the downloaded .pkl or a converted .npz"
        )
    return model_data_from_dict(raw, str(path))


def convert_smpl_to_npz(pkl_path: str | os.PathLike[str], npz_path: str | os.PathLike[str]) -> Path:
    """Convert a downloaded SMPL ``.pkl`` once into an ``.npz`` (plain arrays, loads faster).

    Keeps every numeric array and string of the file (sparse regressors densified); the result
    loads with ``allow_pickle=False``. Written atomically: a temp file in the target folder, then
    ``os.replace``. The SMPL licence still applies to the converted file.

    Returns:
        the written path.
    """
    pkl_path, npz_path = Path(pkl_path), Path(npz_path)
    raw = read_smpl_pkl(pkl_path)
    model_data_from_dict(raw, str(pkl_path))  # refuse to write a broken model
    arrays: dict[str, np.ndarray] = {}
    for key, value in raw.items():
        if isinstance(value, str):
            arrays[key] = np.array(value)
        elif isinstance(value, bytes):
            arrays[key] = np.array(value.decode("latin1"))
        elif isinstance(value, np.ndarray) and value.dtype != object:
            arrays[key] = value
    if not npz_path.parent.is_dir():
        raise OutputError(f"cannot write '{npz_path}': folder '{npz_path.parent}' does not exist")
    fd, tmp = tempfile.mkstemp(dir=npz_path.parent, prefix=f".{npz_path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, npz_path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return npz_path
