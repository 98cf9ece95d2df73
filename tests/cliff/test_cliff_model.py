"""Structure of the CLIFF network: official keys and shapes, input checks, batch independence."""

from __future__ import annotations

import pytest
import torch

from mocap.cliff import BACKBONES, CliffInputError, build_model


def _official_keys(data_dir, variant: str) -> list[tuple[str, tuple[int, ...]]]:
    rows = []
    for line in (data_dir / f"cliff_keys_{variant}.txt").read_text().splitlines():
        if line.strip():
            key, shape = line.split("\t")
            rows.append((key, tuple(int(s) for s in shape.strip("()").split(",") if s.strip())))
    return rows


@pytest.mark.parametrize("variant", sorted(BACKBONES))
def test_state_dict_keys_and_shapes_are_official(variant, data_dir):
    model = build_model(variant)
    ours = [(k, tuple(v.shape)) for k, v in model.state_dict().items()]
    assert ours == _official_keys(data_dir, variant)
    assert list(model.state_dict())[:3] == ["init_pose", "init_shape", "init_cam"]


def test_unknown_variant_lists_the_valid_ones():
    with pytest.raises(CliffInputError, match="hr48, res50"):
        build_model("vit")


def test_wrong_crop_size_is_refused():
    model = build_model("res50").eval()
    with pytest.raises(CliffInputError, match=r"\(B, 3, 256, 192\)"):
        model(torch.zeros(1, 3, 224, 224), torch.zeros(1, 3))
    with pytest.raises(CliffInputError, match="bbox_info"):
        model(torch.zeros(2, 3, 256, 192), torch.zeros(1, 3))


@pytest.mark.slow  # a float64 res50 forward pass
def test_crops_are_independent_of_their_batch(filled_res50):
    """Eval-mode BN is per sample: one crop alone equals the same crop inside a batch."""
    g = filled_res50.golden
    images = torch.from_numpy(g["images"]).double()
    bbox = torch.from_numpy(g["bbox_info"])
    with torch.inference_mode():
        alone = filled_res50.model64(images[2:3], bbox[2:3])
    torch.testing.assert_close(
        alone.pose_rotmat[0], torch.from_numpy(g["pred_rotmat"][2]), rtol=0, atol=1e-9
    )


def test_default_init_pose_is_a_rotation():
    from mocap.rotations import rot6d_to_matrix

    model = build_model("res50")
    rot = rot6d_to_matrix(model.init_pose.reshape(24, 6))
    torch.testing.assert_close(rot @ rot.transpose(-1, -2), torch.eye(3).expand(24, 3, 3))
    torch.testing.assert_close(rot[0], torch.diag(torch.tensor([1.0, -1.0, -1.0])))
