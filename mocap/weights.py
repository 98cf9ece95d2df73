"""Loading CLIFF checkpoints: safe (``weights_only`` unpickling only), strict, clear errors.

Accepted files: the official container (``{"model": state_dict, ...}``, keys possibly prefixed
``module.``, extra entries such as optimizer state, epoch or numpy scalars ignored), a
``{"state_dict": ...}`` container, or a plain state dict saved with ``torch.save``. The variant
(``hr48`` / ``res50``) is read from the keys. Nothing in the file is ever executed: its pickle
globals are inspected first and only the allow-list below (numpy scalars/arrays/dtypes,
``argparse.Namespace``) is admitted to ``torch.load(weights_only=True)``.

Provenance: the returned model carries ``model.variant``, ``model.checkpoint_path`` and
``model.checkpoint_sha256`` (hex digest of the file's bytes).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import logging
import pickle
import warnings
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from mocap.cliff import Cliff, build_model
from mocap.config import resolve_model_dir
from mocap.errors import (
    CheckpointCorruptError,
    CheckpointMismatchError,
    CheckpointNotFoundError,
    UnsafeCheckpointError,
)
from mocap.modelfiles import CHECKPOINT, CHECKPOINT_SOURCE, find_model_file

log = logging.getLogger(__name__)

#: DataParallel prefix the official demo strips (``strip_prefix_if_present``).
DATAPARALLEL_PREFIX = "module."
#: A key that only the given variant has (checked in this order).
VARIANT_MARKERS = (("hr48", "encoder.stage2."), ("res50", "encoder.layer4."))
_HASH_CHUNK = 1 << 20

# Pickle globals a training checkpoint may legitimately contain (docs/ecosystem.md §6): numpy
# scalars/arrays (numpy-1 and numpy-2 module paths) and argparse.Namespace; nothing else.


def _multiarray() -> Any:
    """numpy's multiarray: ``numpy._core`` (numpy 2; 1.26 aliases it), else ``numpy.core``."""
    try:
        return importlib.import_module("numpy._core.multiarray")
    except ImportError:  # pragma: no cover - numpy < 1.26
        return importlib.import_module("numpy.core.multiarray")


_NP_MA = _multiarray()
_DTYPE_CLASSES = tuple(
    type(np.dtype(t)) for t in (np.float64, np.float32, np.float16, np.int64, np.int32, np.bool_)
)
_SAFE_GLOBALS = [
    np.dtype,
    np.ndarray,
    argparse.Namespace,
    _NP_MA.scalar,
    (_NP_MA.scalar, "numpy._core.multiarray.scalar"),
    _NP_MA._reconstruct,
    (_NP_MA._reconstruct, "numpy._core.multiarray._reconstruct"),
    *_DTYPE_CLASSES,
]
_ALLOWED_NAMES = frozenset(
    {
        "numpy.dtype",
        "numpy.ndarray",
        "argparse.Namespace",
        "numpy.core.multiarray.scalar",
        "numpy._core.multiarray.scalar",
        "numpy.core.multiarray._reconstruct",
        "numpy._core.multiarray._reconstruct",
    }
)


def find_checkpoint(checkpoint: str | Path | None = None, model_dir: Path | None = None) -> Path:
    """The checkpoint to use, in :mod:`mocap.modelfiles`' order: ``checkpoint`` if given (a bare
    file name not in the working directory is looked up in the model folder), else the default
    name in the model folder.

    Args:
        checkpoint: explicit path (the ``checkpoint`` setting), or None.
        model_dir: folder of model files (default: :func:`mocap.config.resolve_model_dir`).

    Raises:
        CheckpointNotFoundError: the file does not exist (the message says where to get it).
    """
    folder = resolve_model_dir() if model_dir is None else Path(model_dir)
    return find_model_file(CHECKPOINT, checkpoint, folder).require(CheckpointNotFoundError)


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes (read in 1 MiB chunks)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _check_globals(path: Path) -> None:
    """Refuse a file whose pickle needs globals outside the allow-list (inspected, not run)."""
    try:
        needed = set(torch.serialization.get_unsafe_globals_in_checkpoint(str(path)))
    except (ValueError, RuntimeError, zipfile.BadZipFile, pickle.UnpicklingError):
        # not a zip checkpoint (legacy format or not a checkpoint): the weights_only unpickler
        # below still refuses any global outside the allow-list without executing it
        return
    unsafe = sorted(
        g for g in needed if g not in _ALLOWED_NAMES and not g.startswith("numpy.dtypes.")
    )
    if unsafe:
        raise UnsafeCheckpointError(
            f"refusing to load {path}: it needs unpickling of {', '.join(unsafe)}, which could run "
            "code. Re-save the weights from a trusted copy as torch.save({'model': state_dict})."
        )


def _read(path: Path) -> object:
    _check_globals(path)
    try:
        with torch.serialization.safe_globals(_SAFE_GLOBALS), warnings.catch_warnings():
            # torch warns of a pickle protocol it did not write (a plain pickle, not a
            # checkpoint) before refusing or reading it; the outcome is reported here
            warnings.filterwarnings("ignore", "Detected pickle protocol", UserWarning)
            return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        reason = _unpickler_reason(str(e))
        if "GLOBAL" in reason:
            raise UnsafeCheckpointError(
                f"refusing to load {path}: {reason}; only tensors, numpy scalars/arrays and "
                "argparse.Namespace are allowed. Re-save the weights from a trusted copy as "
                "torch.save({'model': state_dict})."
            ) from None
        raise _corrupt(path, reason) from None
    except (RuntimeError, EOFError, ValueError, zipfile.BadZipFile, OSError) as e:
        raise _corrupt(path, str(e).splitlines()[0] if str(e) else type(e).__name__) from None


def _unpickler_reason(message: str) -> str:
    """The specific part of torch's long 'Weights only load failed ...' message."""
    _, found, rest = message.partition("WeightsUnpickler error:")
    if not found:
        return message.splitlines()[0] if message else "unreadable pickle"
    # keep "Unsupported global: GLOBAL a.b", drop torch's advice to allow-list it
    return rest.split("Check the documentation")[0].strip().splitlines()[0].split(" was not")[0]


def _corrupt(path: Path, reason: str) -> CheckpointCorruptError:
    reason = reason[:160]
    return CheckpointCorruptError(
        f"{path} is not a readable torch checkpoint ({reason}); the file may be truncated or "
        f"not a checkpoint. Download it again from {CHECKPOINT_SOURCE}."
    )


def _state_dict_of(obj: object, path: Path) -> dict[str, torch.Tensor]:
    """The state dict inside a container, with the DataParallel prefix removed."""
    if isinstance(obj, Mapping):
        for entry in ("model", "state_dict"):
            if isinstance(obj.get(entry), Mapping):
                obj = obj[entry]
                break
    if not isinstance(obj, Mapping) or not obj:
        raise CheckpointMismatchError(
            f"{path} holds no state dict (found {type(obj).__name__}); expected a CLIFF "
            "checkpoint with a 'model' entry or a plain state dict."
        )
    state = {str(k).removeprefix(DATAPARALLEL_PREFIX): v for k, v in obj.items()}
    not_tensors = [k for k, v in state.items() if not isinstance(v, torch.Tensor)]
    if not_tensors:
        raise CheckpointMismatchError(
            f"{path} is not a CLIFF checkpoint: entries {_few(not_tensors)} are not tensors."
        )
    return state


def _few(keys: list[str], n: int = 3) -> str:
    shown = ", ".join(keys[:n])
    return shown + (f" (+{len(keys) - n} more)" if len(keys) > n else "")


def detect_variant(keys: list[str] | set[str]) -> str | None:
    """``"hr48"`` or ``"res50"`` from the state-dict keys, None when neither."""
    for variant, marker in VARIANT_MARKERS:
        if any(k.startswith(marker) for k in keys):
            return variant
    return None


def _strict_load(model: Cliff, state: dict[str, torch.Tensor], path: Path) -> None:
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    if missing or unexpected:
        raise CheckpointMismatchError(
            f"{path} is not a CLIFF {model.variant} checkpoint: missing keys {_few(missing)}; "
            f"unexpected keys {_few(unexpected)}."
        )
    wrong = [
        f"{k} {tuple(state[k].shape)} != {tuple(v.shape)}"
        for k, v in expected.items()
        if state[k].shape != v.shape
    ]
    if wrong:
        raise CheckpointMismatchError(
            f"{path} is not a CLIFF {model.variant} checkpoint: wrong shapes {_few(wrong)}."
        )
    model.load_state_dict(state, strict=True, assign=True)


def load_cliff(path: str | Path, device: str | torch.device = "cpu") -> Cliff:
    """Load a CLIFF checkpoint into a new network, strictly, in eval mode.

    Args:
        path: checkpoint file (official container or plain state dict); a bare file name that
            is not in the working directory is looked up in the model dir.
        device: where the model goes (the file is always read onto the CPU first).

    Returns:
        The network in eval mode, with ``variant``, ``checkpoint_path`` and
        ``checkpoint_sha256`` set.

    Raises:
        CheckpointNotFoundError: no such file.
        CheckpointCorruptError: not a torch checkpoint, or truncated.
        UnsafeCheckpointError: the file needs unpickling outside the allow-list (not loaded).
        CheckpointMismatchError: a checkpoint of some other model (names missing/unexpected keys).
    """
    path = find_checkpoint(Path(path))
    state = _state_dict_of(_read(path), path)
    variant = detect_variant(set(state))
    if variant is None:
        raise CheckpointMismatchError(
            f"{path} is not a CLIFF checkpoint: no HRNet-W48 ('encoder.stage2.*') or ResNet-50 "
            f"('encoder.layer4.*') keys; it has {_few(list(state))}."
        )
    with torch.device("meta"):  # no random initialisation: every tensor comes from the file
        model = build_model(variant)
    _strict_load(model, state, path)
    model.checkpoint_path = path
    model.checkpoint_sha256 = file_sha256(path)
    log.info("loaded CLIFF %s from %s (sha256 %s)", variant, path, model.checkpoint_sha256[:12])
    return model.to(device).eval()
