"""SMPL model files without chumpy or scipy: ``.pkl`` through a restricted unpickler, or ``.npz``.

The official ``.pkl`` files are Python-2 pickles whose arrays may be chumpy ``Ch`` objects and
whose ``J_regressor`` is a ``scipy.sparse.csc_matrix`` (docs/exporters_spec.md §1.4). Neither
package exists in Blender's Python, and a pickle may name any callable, so ``find_class`` only
resolves an allow-list: numpy's array reconstruction, a few harmless builtins, and stubs for
``Ch`` and ``csc_matrix`` that only keep their state. Everything else is refused.

The same restricted-unpickler idea lives in ``mocap/smplfile.py`` for the pipeline; the add-on keeps
its own copy because Blender cannot import ``mocap``.
"""

import copyreg
import importlib
import io
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import ImportFailed

NUM_JOINTS = 24  # SMPL body joints (docs/exporters_spec.md §1.1)
_ROOT_PARENT_UINT32 = 2**32 - 1  # how some files store the root's parent in kintree_table

# Spec §1.1: the SMPL parent array, used when a file has no kintree_table. Blender cannot import
# mocap, so this copies mocap/smpl_joints.py; tests/blender_addon/test_addon_shared_facts.py
# asserts the two are equal.
SMPL_PARENTS = (-1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19, 20, 21)
SMPL_JOINT_NAMES = (
    "pelvis", "left_hip", "right_hip", "spine1", "left_knee", "right_knee", "spine2",
    "left_ankle", "right_ankle", "spine3", "left_foot", "right_foot", "neck", "left_collar",
    "right_collar", "head", "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
    "left_wrist", "right_wrist", "left_hand", "right_hand",
)  # fmt: skip


class _StateOnly:
    """Stand-in for a pickled class: keeps whatever state the pickle gives it."""

    def __init__(self, *args):
        self.args = args
        self.state = {}

    def __setstate__(self, state):
        self.state = state if isinstance(state, dict) else {"state": state}


class _ChumpyCh(_StateOnly):
    """``chumpy.ch.Ch``: the array is ``state['x']``."""


class _CscMatrix(_StateOnly):
    """``scipy.sparse.csc_matrix``: rebuilt densely from data/indices/indptr/shape."""


def _numpy_attr(name: str):
    """numpy's array reconstruction helpers (``numpy._core`` in numpy 2, ``numpy.core`` before)."""
    for module in ("numpy._core.multiarray", "numpy.core.multiarray"):
        try:
            return getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            continue
    raise pickle.UnpicklingError(f"numpy has no multiarray.{name}")


_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"): lambda: _numpy_attr("_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"): lambda: _numpy_attr("_reconstruct"),
    ("numpy.core.multiarray", "scalar"): lambda: _numpy_attr("scalar"),
    ("numpy._core.multiarray", "scalar"): lambda: _numpy_attr("scalar"),
    ("numpy", "ndarray"): lambda: np.ndarray,
    ("numpy", "dtype"): lambda: np.dtype,
    ("copy_reg", "_reconstructor"): lambda: copyreg._reconstructor,
    ("copyreg", "_reconstructor"): lambda: copyreg._reconstructor,
    ("__builtin__", "object"): lambda: object,
    ("builtins", "object"): lambda: object,
    ("__builtin__", "set"): lambda: set,
    ("builtins", "set"): lambda: set,
    ("__builtin__", "frozenset"): lambda: frozenset,
    ("builtins", "frozenset"): lambda: frozenset,
    ("_codecs", "encode"): lambda: _latin1_encode,
    ("chumpy.ch", "Ch"): lambda: _ChumpyCh,
    ("scipy.sparse.csc", "csc_matrix"): lambda: _CscMatrix,
    ("scipy.sparse._csc", "csc_matrix"): lambda: _CscMatrix,
}


def _latin1_encode(text, encoding="latin1"):
    """``_codecs.encode`` as used by Python-3 protocol-2 pickles of bytes (pure, harmless)."""
    return text.encode(encoding)


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        factory = _ALLOWED.get((module, name))
        if factory is None:
            raise pickle.UnpicklingError(f"forbidden global {module}.{name}")
        return factory()


def _plain(value) -> np.ndarray:
    """Turn a loaded value (ndarray, Ch stub, csc stub) into a dense float or int ndarray."""
    if isinstance(value, _ChumpyCh):
        if "x" not in value.state:
            raise ImportFailed(
                "a chumpy value in the SMPL file has no data ('x'); re-save the model as .npz"
            )
        return np.asarray(value.state["x"])
    if isinstance(value, _CscMatrix):
        s = value.state
        shape = tuple(s.get("_shape", s.get("shape", ())))
        data, indices, indptr = (np.asarray(s[k]) for k in ("data", "indices", "indptr"))
        dense = np.zeros(shape, dtype=np.float64)
        for col in range(shape[1]):  # CSC: column c owns data[indptr[c]:indptr[c+1]]
            lo, hi = indptr[col], indptr[col + 1]
            dense[indices[lo:hi], col] = data[lo:hi]
        return dense
    return np.asarray(value)


@dataclass(frozen=True)
class SmplModel:
    """The parts of SMPL the add-on needs (float64, SMPL canonical frame: y up, metres).

    Attributes:
        v_template: (V, 3) template vertices.
        shapedirs: (V, 3, B) shape blend shapes.
        j_regressor: (24, V) dense joint regressor.
        weights: (V, 24) skinning weights.
        faces: (F, 3) int triangle indices.
        parents: (24,) parent joint index, -1 for the root.
    """

    v_template: np.ndarray
    shapedirs: np.ndarray
    j_regressor: np.ndarray
    weights: np.ndarray
    faces: np.ndarray
    parents: np.ndarray

    def shaped(self, betas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rest vertices and joints for a body shape.

        Args:
            betas: (B',) shape coefficients; only the first min(B', B) are used.

        Returns:
            (V, 3) shaped rest vertices and (24, 3) rest joints, metres, SMPL frame.
        """
        b = np.asarray(betas, dtype=np.float64).reshape(-1)
        n = min(len(b), self.shapedirs.shape[2])
        verts = self.v_template + self.shapedirs[:, :, :n] @ b[:n]  # (V,3,n)@(n,) -> (V,3)
        return verts, self.j_regressor @ verts  # (24,V)@(V,3) -> (24,3)


_REQUIRED = ("v_template", "shapedirs", "J_regressor", "weights", "f")


def _from_dict(raw: dict, path: Path) -> SmplModel:
    missing = [k for k in _REQUIRED if k not in raw]
    if missing:
        raise ImportFailed(
            f"SMPL model '{path}' lacks {', '.join(missing)}; is it an SMPL model file?"
        )
    try:
        v = _plain(raw["v_template"]).astype(np.float64)
        shapedirs = _plain(raw["shapedirs"]).astype(np.float64)
        jreg = _plain(raw["J_regressor"]).astype(np.float64)
        weights = _plain(raw["weights"]).astype(np.float64)
        faces = _plain(raw["f"]).astype(np.int64)
        if "kintree_table" in raw:
            parents = _plain(raw["kintree_table"]).astype(np.int64)[0].copy()
            parents[parents == _ROOT_PARENT_UINT32] = -1
        else:
            parents = np.array(SMPL_PARENTS)
    except (KeyError, ValueError, TypeError, IndexError) as exc:
        raise ImportFailed(f"SMPL model '{path}' has malformed arrays ({exc})") from None
    nv = v.shape[0] if v.ndim == 2 else -1
    ok = (
        v.ndim == 2 and v.shape[1] == 3
        and shapedirs.ndim == 3 and shapedirs.shape[:2] == (nv, 3)
        and jreg.shape == (NUM_JOINTS, nv) and weights.shape == (nv, NUM_JOINTS)
        and faces.ndim == 2 and faces.shape[1] == 3
        and parents.shape == (NUM_JOINTS,) and parents[0] == -1
        and all(0 <= parents[k] < k for k in range(1, NUM_JOINTS))
    )  # fmt: skip
    if not ok:
        raise ImportFailed(
            f"SMPL model '{path}' has unexpected shapes (v_template {v.shape}, shapedirs "
            f"{shapedirs.shape}, J_regressor {jreg.shape}, weights {weights.shape}); only the "
            "24-joint SMPL body model is supported"
        )
    return SmplModel(v, shapedirs, jreg, weights, faces, parents)


def load_smpl_model(path: str | Path) -> SmplModel:
    """Read an SMPL model from ``.pkl`` (restricted unpickler, no chumpy) or ``.npz``.

    Raises:
        ImportFailed: missing file, forbidden pickle content, or not an SMPL model.
    """
    where = (
        "Set it in Edit > Preferences > Add-ons > cliffmocap importer (SMPL is licence-gated: "
        "download 'SMPL for Python' from https://smpl.is.tue.mpg.de)"
    )
    if not str(path).strip():
        raise ImportFailed(f"no SMPL model file is set; importing a .npz needs one. {where}")
    path = Path(path)
    if not path.is_file():
        raise ImportFailed(f"SMPL model file not found: '{path}'. {where}")
    suffix = path.suffix.lower()
    if suffix == ".npz":
        try:
            with np.load(path, allow_pickle=False) as data:
                raw = {k: data[k] for k in data.files}
        except (OSError, ValueError) as exc:
            raise ImportFailed(f"cannot read SMPL model '{path}': {exc}") from None
    elif suffix == ".pkl":
        try:
            raw = _RestrictedUnpickler(io.BytesIO(path.read_bytes()), encoding="latin1").load()
        except pickle.UnpicklingError as exc:
            raise ImportFailed(f"refused to load SMPL model '{path}': {exc}") from None
        except (EOFError, ValueError, TypeError, AttributeError, IndexError, OSError) as exc:
            raise ImportFailed(f"cannot read SMPL model '{path}': {exc}") from None
        if not isinstance(raw, dict):
            raise ImportFailed(
                f"SMPL model '{path}' is not a dict pickle; is it an SMPL model file?"
            )
    else:
        raise ImportFailed(f"SMPL model '{path}': unsupported suffix '{suffix}'. Use .pkl or .npz")
    return _from_dict(raw, path)
