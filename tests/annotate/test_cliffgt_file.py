"""The pseudo-GT file: round trip, the global_t convention, official-style files, bad files."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from mocap.annotate.joints import S_PELVIS_SLOT, J24Joints
from mocap.annotate.losses import project_full
from mocap.body import SmplBody
from mocap.cliffgt import (
    ROW_SHAPES,
    PseudoGT,
    PseudoGTFileError,
    read_cliffgt,
    relative_to_pelvis,
    write_cliffgt,
)
from mocap.rotations import matrix_to_axis_angle
from mocap.testing.annotate_scenes import make_scene

W, H = 640, 480


def _rows(joints: J24Joints, noise: float = 1.0) -> tuple[PseudoGT, np.ndarray]:
    scene = make_scene(joints, 5, seed=11, size=(W, H), noise_px=noise, dataset="mpii")
    n = len(scene.betas)
    gt = PseudoGT(
        imgname=np.array([f"images/{k:09d}.jpg" for k in range(n)]),
        center=(scene.boxes[:, :2] + scene.boxes[:, 2:]).astype(np.float64) / 2,
        scale=(scene.boxes[:, 3] - scene.boxes[:, 1]).astype(np.float64) / 200,
        part=scene.part,
        annot_id=np.arange(n) + 1000,
        pose=np.asarray(matrix_to_axis_angle(scene.rotmat)).reshape(n, 72),
        shape=scene.betas,
        has_smpl=np.ones(n, bool),
        global_t=scene.transl,
        focal_l=np.full(n, math.hypot(W, H)),
        S=relative_to_pelvis(scene.joints24, S_PELVIS_SLOT),
    )
    return gt, scene.joints24


def test_round_trip_and_global_t_convention(
    tmp_path: Path, joints: J24Joints, body: SmplBody
) -> None:
    gt, truth = _rows(joints)
    back = read_cliffgt(write_cliffgt(tmp_path / "x.cliffgt.npz", gt))
    for key, shape in ROW_SHAPES.items():
        assert np.shape(getattr(back, key)) == (5, *shape), key
        np.testing.assert_array_equal(getattr(back, key), getattr(gt, key), err_msg=key)
    assert np.all(back.focal_l == math.hypot(W, H))
    # SMPL(pose, shape, transl=global_t) -> J24 -> projection lands on the labels
    t = {k: torch.as_tensor(getattr(back, k)) for k in ("pose", "shape", "global_t")}
    out = body.forward(t["shape"], t["pose"][:, :3], t["pose"][:, 3:], t["global_t"])
    j24 = joints.from_smpl(out.joints, out.vertices)
    px = project_full(j24, torch.as_tensor(back.focal_l), torch.tensor([[H, W]] * 5)).numpy()
    lab = back.part[..., 2] > 0
    assert np.abs(px - back.part[..., :2])[lab].mean() < 2.0
    np.testing.assert_allclose(back.S[..., :3], j24.numpy() - j24.numpy()[:, 14:15], atol=1e-9)
    np.testing.assert_allclose(j24.numpy(), truth, atol=1e-9)
    # global_t is SMPL's transl: the root joint lands at J_0(shape) + global_t, not at global_t
    rest_root = body.rest_joints(back.shape)[:, 0]
    np.testing.assert_allclose(out.joints[:, 0].numpy() - back.global_t, rest_root, atol=1e-9)
    assert np.all(np.linalg.norm(rest_root, axis=-1) > 0.1)
    # so S + global_t does not reproject onto the labels (the issue #230 trap)
    wrong = torch.as_tensor(back.S[..., :3] + back.global_t[:, None])
    px_wrong = project_full(wrong, torch.as_tensor(back.focal_l), torch.tensor([[H, W]] * 5))
    assert np.abs(px_wrong.numpy() - back.part[..., :2])[lab].mean() > 10.0


def test_reads_official_style_files(tmp_path: Path, joints: J24Joints) -> None:
    """float32 arrays, has_smpl as floats, no annot_id (MPII) and no S: read with defaults."""
    gt, _ = _rows(joints)
    arrays = {
        k: np.asarray(getattr(gt, k)).astype(np.float32)
        for k in ("center", "scale", "part", "pose", "shape", "global_t", "focal_l")
    }
    arrays["has_smpl"] = np.ones(5, np.float32)
    path = tmp_path / "mpii_cliffGT.npz"
    np.savez(path, imgname=gt.imgname, **arrays)
    back = read_cliffgt(path)
    assert back.pose.dtype == np.float64 and back.has_smpl.dtype == bool and back.has_smpl.all()
    assert np.all(back.annot_id == -1) and np.all(back.S == 0)
    np.testing.assert_allclose(back.pose, gt.pose, atol=1e-6)


def test_bad_files(tmp_path: Path, joints: J24Joints) -> None:
    gt, _ = _rows(joints)
    with pytest.raises(PseudoGTFileError, match="does not exist"):
        read_cliffgt(tmp_path / "none.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(PseudoGTFileError, match="cannot be read"):
        read_cliffgt(tmp_path / "junk.npz")
    np.savez(tmp_path / "nopose.npz", imgname=gt.imgname, shape=gt.shape)
    with pytest.raises(PseudoGTFileError, match="lacks pose"):
        read_cliffgt(tmp_path / "nopose.npz")
    arrays = {k: getattr(gt, k) for k in ("imgname", "shape", "global_t", "focal_l")}
    np.savez(tmp_path / "short.npz", pose=gt.pose[:, :69], **arrays)
    with pytest.raises(PseudoGTFileError, match="'pose' has shape"):
        read_cliffgt(tmp_path / "short.npz")
    arrays["imgname"] = np.array([{"a": 1}] * 5, dtype=object)
    np.savez(tmp_path / "obj.npz", pose=gt.pose, **arrays)
    with pytest.raises(PseudoGTFileError, match="cannot be read"):
        read_cliffgt(tmp_path / "obj.npz")


def test_concat_and_empty(joints: J24Joints) -> None:
    gt, _ = _rows(joints)
    both = PseudoGT.concat([gt, gt])
    assert len(both) == 10 and both.imgname[5] == gt.imgname[0]
    assert len(PseudoGT.concat([])) == 0


def test_pseudo_gt_from_a_photo_result(joints: J24Joints) -> None:
    """CLIFF's prediction written as pseudo-GT rows reprojects like the result it came from."""
    from mocap.annotate.export import pseudo_gt_from_motion
    from mocap.photos import photo_motion

    scene = make_scene(joints, 3, seed=5, size=(W, H))
    motion = photo_motion(
        "dir/p.jpg", (W, H), np.asarray(matrix_to_axis_angle(scene.rotmat)), scene.betas,
        scene.transl, scene.boxes,
    )  # fmt: skip
    gt = pseudo_gt_from_motion(motion, joints)
    assert gt.imgname.tolist() == ["p.jpg"] * 3 and np.all(gt.part[..., 2] == 0)
    np.testing.assert_allclose(gt.global_t, scene.transl)
    np.testing.assert_allclose(gt.focal_l, math.hypot(W, H))
    truth = scene.joints24 - scene.joints24[:, 14:15]
    np.testing.assert_allclose(gt.S[..., :3], truth, atol=1e-6)
    centre = (scene.boxes[:, :2] + scene.boxes[:, 2:]) / 2
    np.testing.assert_allclose(gt.center, centre, rtol=1e-5)
