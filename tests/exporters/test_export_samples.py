"""The committed sample files load, validate, and are what ``python -m scripts.samples`` makes."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from export_helpers import REPO_ROOT, read_glb_json, validate_glb

from exporters.npz import read_npz

SAMPLES = REPO_ROOT / "samples"


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    """The documented command, run from the repository root as a user would."""
    out = tmp_path_factory.mktemp("samples")
    subprocess.run(
        [sys.executable, "-m", "scripts.samples", str(out)], cwd=REPO_ROOT, check=True, timeout=300
    )
    return out


def test_committed_npz_is_what_the_script_makes(regenerated):
    with (
        np.load(SAMPLES / "demo.npz", allow_pickle=False) as old,
        np.load(regenerated / "demo.npz", allow_pickle=False) as new,
    ):
        assert old.files == new.files
        for key in old.files:
            a, b = old[key], new[key]
            if a.dtype.kind == "f":  # numpy's SIMD math loops differ by CPU in the last bit
                same = a.shape == b.shape and np.allclose(a, b, rtol=0, atol=1e-12, equal_nan=True)
            else:
                same = np.array_equal(a, b)
            assert same, f"{key} differs: run `python -m scripts.samples samples`"


def test_committed_files_describe_the_demo(regenerated):
    motion = read_npz(SAMPLES / "demo.npz")
    assert [p.track_id for p in motion.people] == [1, 2, 3]
    assert [(p.frames[0], p.frames[-1]) for p in motion.people] == [(0, 119), (20, 99), (0, 59)]
    extras = read_glb_json(SAMPLES / "demo.glb")["scenes"][0]["extras"]
    assert extras == read_glb_json(regenerated / "demo.glb")["scenes"][0]["extras"]
    assert [p["frame_start"] for p in extras["people"]] == [0, 20, 0]
    for tid, frames in ((1, 120), (2, 80), (3, 60)):
        text = (SAMPLES / f"demo_person{tid}.bvh").read_text()
        assert f"Frames: {frames}\n" in text
    total = sum(p.stat().st_size for p in SAMPLES.iterdir())
    assert total < 4_500_000  # keep the repository small (demo.fbx alone is 2.4 MB)


def test_every_format_is_in_samples():
    import exporters

    names = [p.name for p in SAMPLES.iterdir()]
    for suffix in exporters.WRITERS:
        assert any(n.endswith(suffix) for n in names), f"samples/ has no {suffix} file"


@pytest.mark.slow
def test_a_remake_is_byte_identical(regenerated, tmp_path):
    """Two runs of the documented command in separate processes write the same bytes (the FBX
    too where bpy is installed: a fixed hash seed for Blender and a fixed creation time)."""
    again = tmp_path / "again"
    subprocess.run(
        [sys.executable, "-m", "scripts.samples", str(again)],
        cwd=REPO_ROOT,
        check=True,
        timeout=300,
    )
    names = sorted(p.name for p in regenerated.iterdir())
    assert "demo.glb" in names and "demo_person1.amass.npz" in names
    assert ("demo.fbx" in names) == (importlib.util.find_spec("bpy") is not None)
    for name in names:
        assert (regenerated / name).read_bytes() == (again / name).read_bytes(), name


@pytest.mark.validator
def test_committed_glb_validates():
    report = validate_glb(SAMPLES / "demo.glb")
    assert report["issues"]["numErrors"] == 0, report["issues"]["messages"]
    assert report["issues"]["numWarnings"] == 0, report["issues"]["messages"]
