"""SPIN's J_regressor_extra.npy on the command line: --j-regressor-extra, the file in the model
folder found without the option, and a missing or bad file as one error line. End to end with a
rule-filled CLIFF res50 checkpoint and the synthetic SMPL body."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from typer.testing import CliRunner

from mocap.annotate.joints import EXTRA_FALLBACK, J24_SOURCES, NUM_EXTRA, S_PELVIS_SLOT
from mocap.body import load_body_model
from mocap.cli import app
from mocap.cliffgt import read_cliffgt
from mocap.testing.assets import write_checkpoint, write_smpl

pytestmark = pytest.mark.slow
runner = CliRunner()
BOX = (40, 30, 110, 170)  # x1, y1, x2, y2 of the "person" on every image
#: J24 slot of each row of the extra regressor.
EXTRA_SLOTS = {i: slot for slot, (kind, i) in enumerate(J24_SOURCES) if kind == "extra"}


@pytest.fixture(scope="module")
def assets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("jextra")
    images = root / "images"
    images.mkdir()
    entries, anns = [], []
    for k in range(2):
        img = np.full((180, 200, 3), 90, np.uint8)
        img[BOX[1] : BOX[3], BOX[0] : BOX[2]] = 60 + 80 * k
        Image.fromarray(img).save(images / f"{k}.png")
        entries.append({"id": k, "file_name": f"{k}.png", "width": 200, "height": 180})
        kp = np.stack([np.linspace(50, 100, 17), np.linspace(40, 160, 17), np.full(17, 2)], 1)
        anns.append({"id": 10 + k, "image_id": k, "keypoints": kp.ravel().tolist(),
                     "bbox": [BOX[0], BOX[1], BOX[2] - BOX[0], BOX[3] - BOX[1]]})  # fmt: skip
    (root / "coco.json").write_text(json.dumps({"images": entries, "annotations": anns}))
    smpl = write_smpl(root / "SMPL_NEUTRAL.pkl")
    return {
        "root": root,
        "images": images,
        "coco": root / "coco.json",
        "ckpt": write_checkpoint(root / "res50-rule.pt"),
        "smpl": smpl,
        "home": root / "home",  # an empty model folder: nothing found there by default
    }


def _one_hot_regressor(num_vertices: int) -> tuple[np.ndarray, np.ndarray]:
    """A (9, V) regressor whose row r picks one vertex: exact ground truth for 'S'."""
    vids = np.random.default_rng(3).choice(num_vertices, NUM_EXTRA, replace=False)
    reg = np.zeros((NUM_EXTRA, num_vertices))
    reg[np.arange(NUM_EXTRA), vids] = 1.0
    return reg, vids


def _label(assets: dict[str, Path], out: Path, *extra: str, home: Path | None = None):
    args = [str(assets["images"]), "--keypoints", str(assets["coco"]), "--out", str(out),
            "--fit", "params", "--fit-iters", "2", "--checkpoint", str(assets["ckpt"]),
            "--smpl", str(assets["smpl"]), "--device", "cpu", *extra]  # fmt: skip
    (home or assets["home"]).mkdir(exist_ok=True)
    return runner.invoke(app, args, env={"CLIFFMOCAP_HOME": str(home or assets["home"])})


def _check_s_uses(gt_path: Path, smpl: Path, vids: np.ndarray) -> None:
    """'S' at the 9 extra slots is the picked vertices of the labelled body minus the pelvis
    (itself extra row 4), from a full SMPL forward pass of the file's pose, shape, global_t."""
    gt = read_cliffgt(gt_path)
    body = load_body_model(smpl)
    t = {k: torch.as_tensor(getattr(gt, k)) for k in ("pose", "shape", "global_t")}
    out = body.forward(t["shape"], t["pose"][:, :3], t["pose"][:, 3:], t["global_t"])
    assert out.vertices is not None
    verts = out.vertices.numpy()
    assert EXTRA_SLOTS[4] == S_PELVIS_SLOT  # the pelvis subtracted is extra row 4
    pelvis = verts[:, vids[4]]
    for row, slot in EXTRA_SLOTS.items():
        np.testing.assert_allclose(
            gt.S[:, slot, :3], verts[:, vids[row]] - pelvis, atol=1e-5
        )  # float32 fit


def test_option_and_model_folder_give_exact_keypoints(assets, tmp_path: Path) -> None:
    body = load_body_model(assets["smpl"])
    reg, vids = _one_hot_regressor(body.data.num_vertices)
    given = tmp_path / "my_regressor.npy"
    np.save(given, reg)
    out = tmp_path / "opt.cliffgt.npz"
    r = _label(assets, out, "--j-regressor-extra", str(given))
    assert r.exit_code == 0, r.output
    assert "note:" not in r.output
    report = json.loads((tmp_path / "opt.cliffgt.report.json").read_text())
    assert report["j_regressor_extra"] == str(given) and report["exact_keypoints"] == 24
    _check_s_uses(out, assets["smpl"], vids)
    # the labels back in as an input: one result per image, the file's parameters exactly
    args = [str(out), "--images", str(assets["images"]), "--out", str(tmp_path / "res"),
            "--out-format", "npz", "--smpl", str(assets["smpl"])]  # fmt: skip
    r = runner.invoke(app, args)
    assert r.exit_code == 0 and "2 images, 2 people exported" in r.output, r.output
    gt = read_cliffgt(out)
    for k in range(2):
        res = np.load(tmp_path / "res" / f"{k}.npz", allow_pickle=False)
        np.testing.assert_allclose(res["transl"][0], gt.global_t[k])
        np.testing.assert_allclose(res["body_pose"][0].ravel(), gt.pose[k, 3:])

    # dropped into the model folder under its default name: found without the option
    home = tmp_path / "home"
    home.mkdir()
    np.save(home / "J_regressor_extra.npy", reg)
    out2 = tmp_path / "home.cliffgt.npz"
    r = _label(assets, out2, home=home)
    assert r.exit_code == 0, r.output
    report = json.loads((tmp_path / "home.cliffgt.report.json").read_text())
    assert report["j_regressor_extra"] == str(home / "J_regressor_extra.npy")
    _check_s_uses(out2, assets["smpl"], vids)

    # without it: the fallback, said in a note and in the report, and 'S' differs there
    out3 = tmp_path / "none.cliffgt.npz"
    r = _label(assets, out3)
    assert r.exit_code == 0, r.output
    assert "note: no J_regressor_extra.npy" in r.output and "9 of the 24" in r.output
    assert "visiondata.cis.upenn.edu/spin/data.tar.gz" in r.output
    report = json.loads((tmp_path / "none.cliffgt.report.json").read_text())
    assert report["j_regressor_extra"] is None and report["exact_keypoints"] == 15
    with_extra, without = read_cliffgt(out), read_cliffgt(out3)
    # COCO labels touch no extra slot (hips are off): the same fit, only 'S' differs
    np.testing.assert_allclose(with_extra.pose, without.pose, atol=1e-9)
    np.testing.assert_allclose(with_extra.global_t, without.global_t, atol=1e-9)
    assert np.abs(with_extra.S - without.S)[:, list(EXTRA_SLOTS.values())].max() > 1e-3
    t = {k: torch.as_tensor(getattr(without, k)) for k in ("pose", "shape", "global_t")}
    joints = body.forward(t["shape"], t["pose"][:, :3], t["pose"][:, 3:], t["global_t"]).joints
    joints = joints.numpy()
    root = joints[:, EXTRA_FALLBACK[4]]
    for row, slot in EXTRA_SLOTS.items():  # the fallback: the nearest SMPL joint
        np.testing.assert_allclose(
            without.S[:, slot, :3], joints[:, EXTRA_FALLBACK[row]] - root, atol=1e-5
        )


def _error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("error:")]


def test_missing_or_bad_file_is_one_line(assets, tmp_path: Path) -> None:
    body = load_body_model(assets["smpl"])
    missing = tmp_path / "nowhere" / "J_regressor_extra.npy"
    r = _label(assets, tmp_path / "a.cliffgt.npz", "--j-regressor-extra", str(missing))
    assert r.exit_code == 1, r.output
    (line,) = _error_lines(r.output)
    assert "SPIN extra joint regressor not found" in line and str(missing) in line
    assert "--j-regressor-extra" in line and "data.tar.gz" in line
    assert "Traceback" not in r.output and not (tmp_path / "a.cliffgt.npz").exists()

    bad = {
        "shape.npy": lambda p: np.save(p, np.zeros((9, body.data.num_vertices + 1))),
        "text.npy": lambda p: p.write_text("not an array"),
        "pickled.npy": lambda p: np.save(p, np.array([{"a": 1}], dtype=object)),
        "nan.npy": lambda p: np.save(p, np.full((9, body.data.num_vertices), np.nan)),
        "empty.npy": lambda p: p.write_bytes(b""),
    }
    for name, make in bad.items():
        path = tmp_path / name
        make(path)
        out = tmp_path / f"{path.stem}.cliffgt.npz"
        r = _label(assets, out, "--j-regressor-extra", str(path))
        assert r.exit_code == 1, (name, r.output)
        (line,) = _error_lines(r.output)
        assert str(path) in line, (name, line)
        assert "Traceback" not in r.output and not out.exists(), name

    # labelling only: elsewhere the option is a usage error, not silently ignored
    args = [str(assets["images"]), "--out", str(tmp_path / "o"), "--j-regressor-extra", "x.npy"]
    r = runner.invoke(app, args)
    assert r.exit_code == 2 and "is for labelling" in r.output, r.output
