"""Planning jobs for image inputs: photos are one job each, a frame-sequence folder one job."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mocap.batch import plan_jobs
from mocap.errors import UsageError


def _save(folder: Path, names: list[str], size: tuple[int, int] = (40, 30)) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for n in names:
        Image.fromarray(np.zeros((size[1], size[0], 3), np.uint8)).save(folder / n)


def test_photos_sequences_and_videos_in_one_tree(tmp_path: Path) -> None:
    src = tmp_path / "in"
    _save(src / "holiday", ["beach.jpg", "hotel.png"])
    _save(src / "walk", ["f_01.png", "f_02.png", "f_10.png"])
    (src / "clip.mp4").write_bytes(b"x")
    out = tmp_path / "out"
    plan = plan_jobs([src], [out], out_format="npz,cliffgt.npz")
    jobs = {str(j.rel): [o.relative_to(out).as_posix() for o in j.outputs] for j in plan.jobs}
    assert jobs == {
        "clip.mp4": ["clip.npz", "clip.cliffgt.npz"],
        "holiday/beach.jpg": ["holiday/beach.npz", "holiday/beach.cliffgt.npz"],
        "holiday/hotel.png": ["holiday/hotel.npz", "holiday/hotel.cliffgt.npz"],
        "walk": ["walk.npz", "walk.cliffgt.npz"],
    }
    photos = plan_jobs([src / "walk"], [out], image_folders="photos")
    assert [j.rel.as_posix() for j in photos.jobs] == ["f_01.png", "f_02.png", "f_10.png"]
    seq = plan_jobs([src / "holiday"], [out], image_folders="sequence", out_format="glb")
    assert [(j.input, j.outputs) for j in seq.jobs] == [(src / "holiday", (out / "holiday.glb",))]
    with pytest.raises(UsageError, match="image folders"):
        plan_jobs([src], [out], image_folders="both")


def test_one_image_with_output_files(tmp_path: Path) -> None:
    _save(tmp_path, ["p.jpg"])
    plan = plan_jobs([tmp_path / "p.jpg"], [tmp_path / "p.glb", tmp_path / "p.cliffgt.npz"])
    assert plan.single and plan.jobs[0].outputs[1].name == "p.cliffgt.npz"
