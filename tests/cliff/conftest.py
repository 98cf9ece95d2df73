"""Fixtures of the CLIFF tests: the golden weight fill rule and session-wide filled models.

The fill rule (``/work/shared/fixtures/cliff/README.md``, docs/cliff_spec.md §9.1) makes every
tensor a pure function of its key and shape, so the official model and ours, filled the same way,
must compute the same numbers. This is our own implementation of that rule.
"""

from __future__ import annotations

import math
import zlib
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest
import torch

DATA = Path(__file__).resolve().parent.parent / "data"

#: Rule constants (spec §9.1): weight gain and the damping of norm scales ending a residual branch.
FILL_GAIN = 1.0
FILL_DAMP = 0.25


def _damped(key: str) -> bool:
    return (
        key.endswith("bn3.weight")
        or (".branches." in key and key.endswith("bn2.weight"))
        or ".fuse_layers." in key
    )


def fill_tensor(key: str, shape: tuple[int, ...], dtype: torch.dtype) -> torch.Tensor:
    """The rule value of one state-dict entry (float64 draws from a crc32(key)-seeded generator)."""
    gen = torch.Generator().manual_seed(zlib.crc32(key.encode("utf-8")))
    leaf = key.rsplit(".", 1)[-1]
    f64 = torch.float64

    def randn() -> torch.Tensor:
        return torch.randn(shape, generator=gen, dtype=f64)

    if leaf == "num_batches_tracked":
        return torch.zeros(shape, dtype=dtype)
    if leaf == "running_mean":
        value = 0.1 * randn()
    elif leaf == "running_var":
        value = 1.0 + 0.1 * torch.rand(shape, generator=gen, dtype=f64)
    elif leaf == "weight" and len(shape) >= 2:
        value = FILL_GAIN * randn() / math.sqrt(math.prod(shape[1:]))
    elif leaf == "weight":
        value = (FILL_DAMP if _damped(key) else 1.0) * (1.0 + 0.1 * randn())
    elif leaf == "bias":
        value = 0.1 * randn()
    elif key in ("init_pose", "init_shape"):
        value = 0.5 * randn()
    elif key == "init_cam":
        base = torch.zeros(shape, dtype=f64)
        base[..., 0] = 0.9
        value = base + 0.1 * randn()
    else:
        raise KeyError(f"the fill rule has no value for {key!r}")
    return value.to(dtype)


def fill_state_dict(state: dict[str, torch.Tensor]) -> OrderedDict[str, torch.Tensor]:
    """Every entry of ``state`` replaced by its rule value (same keys, shapes, dtypes)."""
    return OrderedDict((k, fill_tensor(k, tuple(v.shape), v.dtype)) for k, v in state.items())


def load_golden(variant: str) -> dict[str, np.ndarray]:
    with np.load(DATA / f"cliff_golden_{variant}.npz", allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


class FilledModel:
    """A rule-filled float64 model in eval mode, its float32 twin built on demand, its golden."""

    def __init__(self, variant: str) -> None:
        from mocap.cliff import build_model

        self.variant = variant
        model = build_model(variant).double().eval()
        # filled in float64 (the rule's draw dtype); the float32 twin casts on load like the rule
        self.state = fill_state_dict(model.state_dict())
        model.load_state_dict(self.state, strict=True)
        self.model64 = model
        self.golden = load_golden(variant)
        self._model32: torch.nn.Module | None = None

    @property
    def model32(self) -> torch.nn.Module:
        if self._model32 is None:
            from mocap.cliff import build_model

            m = build_model(self.variant)
            m.load_state_dict(self.state, strict=True)
            self._model32 = m.float().eval()
        return self._model32


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """tests/data: goldens and the official key lists."""
    return DATA


@pytest.fixture(scope="session")
def filled_models() -> dict[str, FilledModel]:
    """Both variants, filled once per session (hr48 is ~80 M parameters)."""
    return {}


def _filled(cache: dict[str, FilledModel], variant: str) -> FilledModel:
    if variant not in cache:
        cache[variant] = FilledModel(variant)
    return cache[variant]


# hr48 (~80 M parameters, float64) is the slow half; res50 keeps every golden check in the
# development run.
@pytest.fixture(scope="session", params=[pytest.param("hr48", marks=pytest.mark.slow), "res50"])
def filled(request: pytest.FixtureRequest, filled_models: dict[str, FilledModel]) -> FilledModel:
    """Each variant in turn, rule-filled (built once per session)."""
    return _filled(filled_models, request.param)


@pytest.fixture(scope="session")
def filled_res50(filled_models: dict[str, FilledModel]) -> FilledModel:
    """The rule-filled res50 (the small variant, for tests that need just one)."""
    return _filled(filled_models, "res50")


@pytest.fixture(scope="session")
def filled_hr48(filled_models: dict[str, FilledModel]) -> FilledModel:
    return _filled(filled_models, "hr48")
