"""The committed sample files load, validate, and are what ``python -m exporters.samples`` makes."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO_ROOT, validate_glb

from exporters.npz import read_npz
from exporters.samples import make_samples

SAMPLES = REPO_ROOT / "samples"


def glb_extras(path: Path) -> dict:
    data = path.read_bytes()
    (json_len,) = struct.unpack("<I", data[12:16])
    return json.loads(data[20 : 20 + json_len])["scenes"][0]["extras"]


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("samples")
    make_samples(out)
    return out


def test_committed_npz_is_what_the_script_makes(regenerated):
    with (
        np.load(SAMPLES / "demo.npz", allow_pickle=False) as old,
        np.load(regenerated / "demo.npz", allow_pickle=False) as new,
    ):
        assert old.files == new.files
        for key in old.files:
            nan_ok = old[key].dtype.kind == "f"
            same = np.array_equal(old[key], new[key], equal_nan=nan_ok)
            assert same, f"{key} differs: run `python -m exporters.samples samples`"


def test_committed_files_describe_the_demo(regenerated):
    motion = read_npz(SAMPLES / "demo.npz")
    assert [p.track_id for p in motion.people] == [1, 2, 3]
    assert [(p.frames[0], p.frames[-1]) for p in motion.people] == [(0, 119), (20, 99), (0, 59)]
    extras = glb_extras(SAMPLES / "demo.glb")
    assert extras == glb_extras(regenerated / "demo.glb")
    assert [p["frame_start"] for p in extras["people"]] == [0, 20, 0]
    for tid, frames in ((1, 120), (2, 80), (3, 60)):
        text = (SAMPLES / f"demo_person{tid}.bvh").read_text()
        assert f"Frames: {frames}\n" in text
    total = sum(p.stat().st_size for p in SAMPLES.iterdir())
    assert total < 3_000_000  # keep the repository small


@pytest.mark.validator
def test_committed_glb_validates():
    report = validate_glb(SAMPLES / "demo.glb")
    assert report["issues"]["numErrors"] == 0, report["issues"]["messages"]
    assert report["issues"]["numWarnings"] == 0, report["issues"]["messages"]
