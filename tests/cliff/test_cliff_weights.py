"""Checkpoint loading: official container round trip, strictness, and every refusal."""

from __future__ import annotations

import argparse
import hashlib
import pickle
from collections import OrderedDict

import numpy as np
import pytest
import torch

from mocap.errors import CheckpointError, ModelFileNotFoundError
from mocap.weights import (
    CheckpointCorruptError,
    CheckpointMismatchError,
    CheckpointNotFoundError,
    UnsafeCheckpointError,
    detect_variant,
    find_checkpoint,
    load_cliff,
)

#: Marker file written by the hostile pickle below if it were ever executed.
_EXECUTED: list[str] = []


def _hostile_payload(marker: str) -> str:
    _EXECUTED.append(marker)
    with open(marker, "w") as f:
        f.write("executed")
    return marker


class _Hostile:
    """An object whose unpickling runs code (what a malicious checkpoint would do)."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (_hostile_payload, (self.marker,))


@pytest.fixture(scope="module")
def state32(filled_res50):
    """Rule-filled res50 state dict in float32 (the dtype of the released files)."""
    return OrderedDict(
        (k, v.float() if v.is_floating_point() else v.clone())
        for k, v in filled_res50.state.items()
    )


def _official_container(state, **extra):
    """What the CLIFF training script saves: {'model': DataParallel state dict, ...}."""
    return {"model": OrderedDict((f"module.{k}", v) for k, v in state.items()), **extra}


def _assert_same_weights(model, state):
    got = model.state_dict()
    assert list(got) == list(state)
    for k, v in state.items():
        assert torch.equal(got[k], v), k


def test_official_container_round_trip(tmp_path, state32):
    path = tmp_path / "res50-PA45.7_MJE72.0_MVE85.3_3dpw.pt"
    torch.save(_official_container(state32), path)
    model = load_cliff(path)
    assert model.variant == "res50"
    assert not model.training
    assert model.checkpoint_path == path
    assert model.checkpoint_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    _assert_same_weights(model, state32)


@pytest.mark.slow  # saves and loads a full res50 checkpoint (the round trip above stays fast)
def test_container_with_training_state_and_numpy_scalars(tmp_path, state32):
    fc = torch.nn.Linear(2, 2)
    optim = torch.optim.Adam(fc.parameters())
    fc(torch.ones(1, 2)).sum().backward()
    optim.step()
    extra = dict(
        optimizer=optim.state_dict(),
        epoch=41,
        best=np.float64(45.7),
        mean=np.zeros(3, dtype=np.float32),
        args=argparse.Namespace(lr=1e-4, batch_size=64),
    )
    path = tmp_path / "ckpt.pt"
    torch.save(_official_container(state32, **extra), path)
    _assert_same_weights(load_cliff(path), state32)


def test_plain_state_dict(tmp_path, state32):
    path = tmp_path / "plain.pt"
    torch.save(state32, path)
    _assert_same_weights(load_cliff(path), state32)


def test_variant_detection_from_keys(data_dir):
    for variant in ("hr48", "res50"):
        lines = (data_dir / f"cliff_keys_{variant}.txt").read_text().splitlines()
        assert detect_variant({line.split("\t")[0] for line in lines if line}) == variant
    assert detect_variant({"fc.weight", "conv1.weight"}) is None


def test_missing_file_says_where_to_get_it(tmp_path):
    path = tmp_path / "hr48-PA43.0_MJE69.0_MVE81.2_3dpw.pt"
    with pytest.raises(CheckpointNotFoundError) as info:
        load_cliff(path)
    msg = str(info.value)
    assert isinstance(info.value, ModelFileNotFoundError)
    assert str(path) in msg and "noah-research" in msg and "CLIFFMOCAP_HOME" in msg
    assert "'checkpoint'" in msg and "\n" not in msg


def test_find_checkpoint_uses_the_model_dir(tmp_path):
    with pytest.raises(CheckpointNotFoundError, match=r"hr48-PA43\.0"):
        find_checkpoint(model_dir=tmp_path)
    default = tmp_path / "hr48-PA43.0_MJE69.0_MVE81.2_3dpw.pt"
    default.write_bytes(b"x")
    assert find_checkpoint(model_dir=tmp_path) == default
    assert find_checkpoint(default.name, model_dir=tmp_path) == default


def test_truncated_file(tmp_path, state32):
    full = tmp_path / "full.pt"
    torch.save(_official_container(state32), full)
    cut = tmp_path / "cut.pt"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    with pytest.raises(CheckpointCorruptError, match="truncated"):
        load_cliff(cut)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\x00" * 10,
        np.random.default_rng(0).bytes(4096),
        b"<html>Google Drive - virus scan warning</html>",
    ],
)
def test_not_a_checkpoint(tmp_path, content):
    path = tmp_path / "download.pt"
    path.write_bytes(content)
    with pytest.raises(CheckpointCorruptError, match="not a readable torch checkpoint"):
        load_cliff(path)


def test_another_models_state_dict_names_keys(tmp_path):
    other = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.BatchNorm2d(8))
    path = tmp_path / "other.pt"
    torch.save({"model": other.state_dict()}, path)
    with pytest.raises(CheckpointMismatchError, match=r"0\.weight"):
        load_cliff(path)


def test_partial_cliff_state_names_missing_and_unexpected(tmp_path, state32):
    state = OrderedDict(state32)
    del state["deccam.weight"]
    state["head.fc.weight"] = torch.zeros(2, 2)
    path = tmp_path / "partial.pt"
    torch.save(state, path)
    with pytest.raises(CheckpointMismatchError) as info:
        load_cliff(path)
    assert "deccam.weight" in str(info.value) and "head.fc.weight" in str(info.value)


def test_wrong_shapes_are_named(tmp_path, state32):
    state = OrderedDict(state32)
    state["fc1.weight"] = torch.zeros(1024, 2205)
    path = tmp_path / "shapes.pt"
    torch.save(state, path)
    with pytest.raises(CheckpointMismatchError, match=r"fc1\.weight"):
        load_cliff(path)


def test_unsafe_pickle_is_refused_and_not_executed(tmp_path, state32):
    marker = tmp_path / "pwned"
    path = tmp_path / "hostile.pt"
    torch.save(_official_container(state32, extra=_Hostile(str(marker))), path)
    _EXECUTED.clear()
    with pytest.raises(UnsafeCheckpointError, match="_hostile_payload") as info:
        load_cliff(path)
    assert isinstance(info.value, CheckpointError)
    assert not marker.exists() and not _EXECUTED


def test_legacy_format_hostile_pickle_is_refused(tmp_path):
    """Non-zip (legacy) files skip the inspection; the weights_only unpickler still refuses."""
    marker = tmp_path / "pwned"
    path = tmp_path / "legacy.pt"
    torch.save({"model": {"x": _Hostile(str(marker))}}, path, _use_new_zipfile_serialization=False)
    _EXECUTED.clear()
    with pytest.raises(UnsafeCheckpointError):
        load_cliff(path)
    assert not marker.exists() and not _EXECUTED


@pytest.mark.filterwarnings("ignore:Detected pickle protocol:UserWarning")
def test_plain_pickle_file_is_not_executed(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps({"model": _Hostile(str(marker))}))
    with pytest.raises(CheckpointError):
        load_cliff(path)
    assert not marker.exists() and not _EXECUTED
