"""A pseudo-GT file (``*.cliffgt.npz``) as the command's input: one image to output files, many
images to an output folder (every format that makes sense), missing images as failed items, and a
bad file or a wrong command line as one error line. The synthetic SMPL body; no CLIFF."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

import exporters
from mocap.cli import app
from mocap.cliffgt import PseudoGT, write_cliffgt
from mocap.testing.assets import write_smpl

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
#: Image sizes (width, height); "sub/b.png" is stored rotated by EXIF (displayed 120 x 160).
SIZES = {"a.jpg": (200, 180), "sub/b.png": (120, 160)}


@pytest.fixture(scope="module")
def smpl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_smpl(tmp_path_factory.mktemp("pgt") / "SMPL_NEUTRAL.pkl")


def _gt(names: list[str], has_smpl: list[bool] | None = None) -> PseudoGT:
    rng = np.random.default_rng(7)
    n = len(names)
    sizes = np.array([SIZES.get(name, (200, 180)) for name in names], float)
    return PseudoGT(
        imgname=np.array(names),
        center=rng.uniform(40, 100, (n, 2)),
        scale=rng.uniform(0.3, 0.6, n),
        part=np.zeros((n, 24, 3)),
        annot_id=np.arange(n),
        pose=rng.normal(0, 0.3, (n, 72)),
        shape=rng.normal(0, 1, (n, 10)),
        has_smpl=np.ones(n, bool) if has_smpl is None else np.array(has_smpl),
        global_t=rng.uniform([-0.5, -0.5, 4], [0.5, 0.5, 8], (n, 3)),
        focal_l=np.hypot(sizes[:, 0], sizes[:, 1]),
        S=np.zeros((n, 24, 4)),
    )


def _images(root: Path) -> Path:
    (root / "sub").mkdir(parents=True)
    Image.fromarray(np.full((180, 200, 3), 90, np.uint8)).save(root / "a.jpg")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90 degrees: stored 160 x 120, displayed 120 x 160
    Image.fromarray(np.full((120, 160, 3), 90, np.uint8)).save(root / "sub" / "b.png", exif=exif)
    return root


def _run(args: list[str], smpl: Path):
    return runner.invoke(app, [*args, "--smpl", str(smpl)])


def _error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("error:")]


@pytest.mark.slow
def test_one_image_to_output_files(smpl: Path, tmp_path: Path) -> None:
    _images(tmp_path / "imgs")
    gt = _gt(["a.jpg", "a.jpg", "a.jpg"], has_smpl=[True, False, True])
    src = write_cliffgt(tmp_path / "imgs" / "labels.cliffgt.npz", gt)  # images beside the file
    glb, npz = tmp_path / "x.glb", tmp_path / "x.npz"
    r = _run([str(src), "--out", str(glb), "--out", str(npz), "--rig", "mixamo"], smpl)
    assert r.exit_code == 0, r.output
    assert "1 image, 2 people exported: 1 ok, 0 failed, 1 rows without SMPL left out" in r.output
    back = exporters.read_npz(npz)
    assert back.video.path.name == "a.jpg" and back.num_frames == 1
    assert (back.camera.width, back.camera.height) == (200, 180)
    assert back.camera.fx == pytest.approx(math.hypot(200, 180)) and back.camera.cx == 100.0
    for person, row in zip(back.people, (0, 2), strict=True):  # row 1 has no SMPL
        np.testing.assert_allclose(person.global_orient[0], gt.pose[row, :3])
        np.testing.assert_allclose(person.body_pose[0].ravel(), gt.pose[row, 3:])
        np.testing.assert_allclose(person.transl[0], gt.global_t[row])
        np.testing.assert_allclose(person.betas, gt.shape[row])
    doc = glb.read_bytes()
    chunk = json.loads(doc[20 : 20 + int.from_bytes(doc[12:16], "little")])
    assert len(chunk["skins"]) == 2  # one posed character per person
    assert any("mixamorig" in node.get("name", "") for node in chunk["nodes"])  # --rig applies
    r = _run([str(src), "--out", str(glb)], smpl)
    assert r.exit_code == 1 and "output exists" in r.output and "--overwrite" in r.output


@pytest.mark.parametrize("name", ["mpii_cliffGT.npz", "renamed.npz"])
def test_released_style_files_are_recognised(smpl: Path, tmp_path: Path, name: str) -> None:
    """The released files' names end in _cliffGT.npz and their arrays are float32 without
    annot_id or S; a renamed file is recognised by its keys."""
    _images(tmp_path)
    gt = _gt(["a.jpg"])
    keys = ("imgname", "center", "scale", "part", "pose", "shape", "has_smpl", "global_t")
    arrays = {k: np.asarray(getattr(gt, k)) for k in keys}
    arrays = {k: v.astype(np.float32) if v.dtype.kind == "f" else v for k, v in arrays.items()}
    np.savez(tmp_path / name, **arrays, focal_l=gt.focal_l.astype(np.float32))
    r = _run([str(tmp_path / name), "--out", str(tmp_path / "x.npz")], smpl)
    assert r.exit_code == 0 and "1 image, 1 person exported" in r.output, r.output
    back = exporters.read_npz(tmp_path / "x.npz")
    np.testing.assert_allclose(back.people[0].transl[0], gt.global_t[0], rtol=1e-6)
    # a cliffmocap result is still a result (re-exported, not taken for a pseudo-GT file)
    r = _run([str(tmp_path / "x.npz"), "--out", str(tmp_path / "again.glb")], smpl)
    assert r.exit_code == 0 and "exported" not in r.output, r.output
    assert (tmp_path / "again.glb").is_file()


def _cli(args: list[str], smpl: Path) -> subprocess.CompletedProcess[str]:
    """The command in its own process: the overlay renderer's EGL context must not share a
    process with a later import of triton (measured: that import then segfaults)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    env.pop("CLIFFMOCAP_DEBUG", None)
    cmd = [sys.executable, "-m", "mocap", *args, "--smpl", str(smpl)]
    return subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)


def _folder_case(tmp_path: Path) -> tuple[Path, Path, Path]:
    """Four images (one missing, one named with '..'): the file, the image root, the output."""
    root = _images(tmp_path / "coco")
    Image.fromarray(np.full((180, 200, 3), 90, np.uint8)).save(tmp_path / "escape.jpg")
    gt = _gt(["a.jpg", "sub/b.png", "a.jpg", "gone.jpg", "../escape.jpg"])
    return write_cliffgt(tmp_path / "labels.cliffgt.npz", gt), root, tmp_path / "out"


@pytest.mark.slow
def test_many_images_to_a_folder_in_every_format(smpl: Path, tmp_path: Path) -> None:
    src, root, out = _folder_case(tmp_path)
    formats = "glb,npz,bvh,fbx,amass.npz,html,json,mp4"
    args = [str(src), "--images", str(root), "--out", str(out), "--out-format", formats]
    r = _cli(args, smpl)
    assert r.returncode == 1, r.stdout + r.stderr  # one of the four images is not there
    assert "4 images, 4 people exported: 3 ok, 1 failed" in r.stdout
    assert "failed: gone.jpg: image" in r.stdout and "does not exist" in r.stdout
    assert "--images" in r.stdout  # the note says where image names are looked up
    for stem, people, size in (("a", 2, (200, 180)), ("sub/b", 1, (120, 160))):
        back = exporters.read_npz(out / f"{stem}.npz")
        assert len(back.people) == people, stem
        assert (back.camera.width, back.camera.height) == size, stem  # EXIF applied
        for fmt in ("glb", "fbx", "html", "json", "mp4"):
            assert (out / f"{stem}.{fmt}").stat().st_size > 0, (stem, fmt)
        assert len(list(out.glob(f"{stem}_person*.bvh"))) == people
        assert len(list(out.glob(f"{stem}_person*.amass.npz"))) == people
    assert len(json.loads((out / "a.json").read_text())["tracks"]) == 2  # the report's people
    # an image name with '..' is read where it points but written inside --out
    assert (out / "escape.glb").is_file() and not (tmp_path / "escape.glb").exists()
    assert not list(out.rglob("gone*"))


@pytest.mark.slow
def test_a_rerun_writes_only_what_is_missing(smpl: Path, tmp_path: Path) -> None:
    src, root, out = _folder_case(tmp_path)
    args = [str(src), "--images", str(root), "--out", str(out), "--out-format", "glb,bvh"]
    r = _run(args, smpl)
    assert r.exit_code == 1 and "4 people exported: 3 ok, 1 failed" in r.output, r.output
    stamp = (out / "a.glb").stat().st_mtime_ns
    b_glb = (out / "sub" / "b.glb").stat().st_mtime_ns
    (out / "sub" / "b_person0.bvh").unlink()  # b is incomplete: only its missing file is written
    r = _run(args, smpl)
    assert r.exit_code == 1, r.output  # gone.jpg still fails
    assert "1 person exported: 1 ok, 1 failed" in r.output and "2 images skipped" in r.output
    assert (out / "sub" / "b_person0.bvh").is_file()
    assert (out / "a.glb").stat().st_mtime_ns == stamp
    assert (out / "sub" / "b.glb").stat().st_mtime_ns == b_glb
    r = _run([*args, "--overwrite"], smpl)
    assert r.exit_code == 1 and "4 people exported: 3 ok, 1 failed" in r.output, r.output
    assert (out / "a.glb").stat().st_mtime_ns != stamp


def test_bad_files_and_command_lines_are_one_line(smpl: Path, tmp_path: Path) -> None:
    _images(tmp_path)
    src = write_cliffgt(tmp_path / "two.cliffgt.npz", _gt(["a.jpg", "sub/b.png"]))
    garbage = tmp_path / "garbage.cliffgt.npz"
    garbage.write_bytes(b"not a zip")
    other = tmp_path / "other.cliffgt.npz"
    np.savez(other, imgname=np.array(["a.jpg"]), pose=np.zeros((1, 72)))  # no shape, ...
    no_smpl = write_cliffgt(tmp_path / "nosmpl.cliffgt.npz", _gt(["a.jpg"], has_smpl=[False]))
    cases = [
        ([str(garbage), "--out", str(tmp_path / "g.glb")], 1, "cannot be read as .npz"),
        ([str(other), "--out", str(tmp_path / "o.glb")], 1, "lacks shape"),
        ([str(tmp_path / "none.cliffgt.npz"), "--out", "n.glb"], 1, "does not exist"),
        ([str(no_smpl), "--out", str(tmp_path / "n.glb")], 1, "no rows with SMPL"),
        ([str(src), "--out", str(tmp_path / "t.glb")], 2, "holds 2 images: give an output folder"),
        ([str(src), "--out", str(tmp_path / "o"), "--out-format", "cliffgt.npz"], 2, "already"),
        ([str(src), "--out", str(tmp_path / "o"), "--out-format", "obj"], 2, "unsupported"),
        ([str(src), str(src), "--out", str(tmp_path / "o")], 2, "only input"),
        ([str(src), "--out", str(tmp_path / "o"), "--engine", "ray"], 2, "in this process"),
        ([str(tmp_path / "a.jpg"), "--out", "x.glb", "--images", str(tmp_path)], 2, "--images"),
    ]
    for args, code, words in cases:
        r = _run(args, smpl)
        assert r.exit_code == code, (args, r.output)
        (line,) = _error_lines(r.output)
        assert words in line, (args, line)
        assert "Traceback" not in r.output
    assert not list(tmp_path.glob("*.glb")) and not (tmp_path / "o").exists()
    # one image whose image is missing: the single-output form stops with one line
    lone = write_cliffgt(tmp_path / "lone.cliffgt.npz", _gt(["missing.jpg"]))
    r = _run([str(lone), "--out", str(tmp_path / "l.glb")], smpl)
    assert r.exit_code == 1 and "missing.jpg" in _error_lines(r.output)[0], r.output
    assert not (tmp_path / "l.glb").exists()


def test_output_names_stay_inside_and_do_not_collide() -> None:
    from mocap.cli_pseudogt import output_name, output_stems

    assert str(output_name("train2014/COCO_1.jpg")) == "train2014/COCO_1.jpg"
    assert str(output_name("/abs/../../x.jpg")) == "abs/x.jpg"
    assert str(output_name("images\\y.jpg")) == "images/y.jpg"
    assert str(output_name("..")) == "image"
    names = ["train2014/COCO_1.jpg", "a.jpg", "A.png", "b.jpg", "b"]
    stems = {k: str(v) for k, v in output_stems(names).items()}
    assert stems == {
        "train2014/COCO_1.jpg": "train2014/COCO_1",
        "a.jpg": "a.jpg",
        "A.png": "A.png",
        "b.jpg": "b.jpg",
        "b": "b",
    }


@pytest.mark.slow
def test_rerun_recognises_per_span_files(smpl: Path, tmp_path: Path) -> None:
    root = _images(tmp_path / "imgs")
    src = write_cliffgt(tmp_path / "s.cliffgt.npz", _gt(["a.jpg", "sub/b.png", "a.jpg"]))
    args = [str(src), "--images", str(root), "--out", str(tmp_path / "o"), "--out-format", "bvh"]
    r = _run([*args, "--span", "spans"], smpl)
    assert r.exit_code == 0 and "3 people exported: 2 ok" in r.output, r.output
    names = sorted(p.name for p in (tmp_path / "o").rglob("*.bvh"))
    assert names == ["a_person0_from0.bvh", "a_person1_from0.bvh", "b_person0_from0.bvh"]
    r = _run([*args, "--span", "spans"], smpl)
    assert r.exit_code == 0 and "2 images skipped" in r.output, r.output
    r = _run(args, smpl)  # per-track names are other files: written now
    assert r.exit_code == 0 and "3 people exported: 2 ok" in r.output, r.output
