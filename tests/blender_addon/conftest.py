"""Fixtures for the Blender add-on tests: the build script and the built extension zip."""

import importlib.util
from pathlib import Path

import pytest
from addon_harness import REPO


def _load_build_module():
    spec = importlib.util.spec_from_file_location(
        "build_addon", REPO / "scripts" / "build_addon.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def build_addon():
    """The scripts/build_addon.py module (Blender's extension build + validate)."""
    return _load_build_module()


@pytest.fixture(scope="session")
def addon_zip(build_addon, tmp_path_factory) -> Path:
    return build_addon.build(tmp_path_factory.mktemp("dist"))
