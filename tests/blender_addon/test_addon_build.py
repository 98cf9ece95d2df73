"""scripts/build_addon.py: Blender's own extension build + validate gives an installable zip."""

import shutil
import tomllib
import zipfile

import pytest
from addon_harness import REPO

pytestmark = pytest.mark.blender


def test_zip_holds_the_manifest_and_the_package(addon_zip):
    with zipfile.ZipFile(addon_zip) as zf:
        names = set(zf.namelist())
        manifest = tomllib.loads(zf.read("blender_manifest.toml").decode())
    assert {"blender_manifest.toml", "__init__.py", "operator_import.py", "smpl_model.py"} <= names
    assert not any("__pycache__" in n for n in names)
    assert addon_zip.name == f"{manifest['id']}-{manifest['version']}.zip"
    assert manifest["license"] == ["SPDX:GPL-3.0-or-later"]
    assert "files" in manifest["permissions"]
    assert manifest["blender_version_min"] == "4.2.0"


def test_invalid_manifest_fails_the_build(build_addon, tmp_path):
    source = tmp_path / "src"
    shutil.copytree(REPO / "blender_addon", source)
    manifest = source / "blender_manifest.toml"
    manifest.write_text(manifest.read_text().replace('id = "cliffmocap"', 'id = "__bad id"'))
    with pytest.raises(RuntimeError, match="id"):
        build_addon.build(tmp_path / "dist", source_dir=source)
    assert not list((tmp_path / "dist").glob("*.zip"))
