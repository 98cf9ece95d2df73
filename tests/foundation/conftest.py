"""Session fixtures: the synthetic SMPL model, written once as a py2-style .pkl and as .npz."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mocap.testing.synthetic import make_synthetic_smpl, write_smpl_npz, write_smpl_pkl


@pytest.fixture(scope="session")
def smpl_dict() -> dict[str, Any]:
    return make_synthetic_smpl(seed=0)


@pytest.fixture(scope="session")
def smpl_files(
    tmp_path_factory: pytest.TempPathFactory, smpl_dict: dict[str, Any]
) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("smpl")
    return {
        "pkl": write_smpl_pkl(root / "SMPL_NEUTRAL.pkl", smpl_dict),
        "npz": write_smpl_npz(root / "SMPL_NEUTRAL.npz", smpl_dict),
    }


@pytest.fixture(scope="session")
def smpl_npz_f32_exact(tmp_path_factory: pytest.TempPathFactory, smpl_dict: dict[str, Any]) -> Path:
    """The model with every float rounded to float32 values, so smplx (which casts the model
    arrays to float32 on load) and our float64 forward see exactly the same numbers."""
    rounded = {
        k: (
            v.astype(np.float32).astype(np.float64)
            if isinstance(v, np.ndarray) and v.dtype.kind == "f"
            else v
        )
        for k, v in smpl_dict.items()
    }
    return write_smpl_npz(tmp_path_factory.mktemp("smpl32") / "SMPL_NEUTRAL.npz", rounded)
