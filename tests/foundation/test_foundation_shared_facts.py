"""Shared facts have one home: error classes in ``mocap.errors``, old import paths still work."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import exporters
import mocap
from mocap import errors
from mocap.errors import MocapError


def _all_subclasses(cls: type) -> list[type]:
    out = []
    for sub in cls.__subclasses__():
        out.append(sub)
        out.extend(_all_subclasses(sub))
    return out


def test_every_mocap_error_is_defined_in_mocap_errors() -> None:
    for pkg in (mocap, exporters):
        for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
            importlib.import_module(info.name)
    elsewhere = sorted(
        f"{c.__module__}.{c.__qualname__}"
        for c in _all_subclasses(MocapError)
        if c.__module__ != "mocap.errors"
    )
    assert elsewhere == []


@pytest.mark.parametrize(
    ("module", "names"),
    [
        (
            "mocap.video",
            "VideoNotFoundError VideoEmptyError VideoUnreadableError NoVideoStreamError "
            "NoFramesError DecoderError",
        ),
        (
            "mocap.weights",
            "CheckpointNotFoundError CheckpointCorruptError UnsafeCheckpointError "
            "CheckpointMismatchError",
        ),
        ("mocap.track", "TrackerInputError"),
        ("mocap.cliff.model", "CliffInputError"),
        ("mocap.crop", "CropInputError"),
        ("exporters.npz", "NpzReadError"),
        ("exporters.skeleton", "SmplModelRequiredError"),
    ],
)
def test_old_import_paths_re_export_the_same_class(module: str, names: str) -> None:
    mod = importlib.import_module(module)
    for name in names.split():
        assert getattr(mod, name) is getattr(errors, name)
        assert issubclass(getattr(errors, name), MocapError)
