"""The keypoint tables (as data) and the COCO keypoint JSON reader."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from mocap.annotate.joints import J24Joints
from mocap.annotate.losses import project_full
from mocap.keypoints import (
    J24_NAMES,
    KEYPOINT_FORMATS,
    KeypointFileError,
    KeypointFormatError,
    drawing_layout,
    read_coco_keypoints,
    to_j24,
    without_hips,
)
from mocap.keypoints.tables import COCO17_TO_J24, MPII16_TO_J24
from mocap.testing.annotate_scenes import random_bodies

# SPIN's preprocessing lines, as printed in docs/cliff_annotator.md §4 (the J24 slot of each
# source keypoint, in source order)
SPIN_COCO = [19, 20, 21, 22, 23, 9, 8, 10, 7, 11, 6, 3, 2, 4, 1, 5, 0]
SPIN_MPII = [0, 1, 2, 3, 4, 5, 14, 15, 12, 13, 6, 7, 8, 9, 10, 11]
#: Names the two orders use for the same point where the spellings differ.
SAME_POINT = {
    "neck": "neck_lsp",
    "upper_neck": "neck_lsp",
    "head_top": "head_top_lsp",
    "pelvis": "pelvis_mpii",
    "thorax": "thorax_mpii",
}


def test_tables_equal_spin_preprocessing() -> None:
    assert list(COCO17_TO_J24) == SPIN_COCO
    assert list(MPII16_TO_J24) == SPIN_MPII


@pytest.mark.parametrize("fmt", sorted(KEYPOINT_FORMATS))
def test_each_table_maps_names_onto_the_same_names(fmt: str) -> None:
    names, slots = KEYPOINT_FORMATS[fmt]
    assert len(names) == len(slots)
    used = [s for s in slots if s is not None]
    assert len(set(used)) == len(used), "two source keypoints share a J24 slot"
    for name, slot in zip(names, slots, strict=True):
        if slot is not None:
            assert J24_NAMES[slot] == SAME_POINT.get(name, name), (fmt, name)


def test_openpose_neck_and_midhip_are_not_mapped() -> None:
    names, slots = KEYPOINT_FORMATS["openpose25"]
    assert slots[names.index("neck")] is None and slots[names.index("mid_hip")] is None


def test_to_j24_moves_values_and_masks(joints: J24Joints) -> None:
    rng = np.random.default_rng(0)
    kp = np.concatenate([rng.uniform(0, 500, (3, 17, 2)), rng.integers(0, 3, (3, 17, 1))], -1)
    out = to_j24(kp, "coco17", binary_confidence=True)
    for k, slot in enumerate(COCO17_TO_J24):
        visible = kp[:, k, 2] > 0
        np.testing.assert_array_equal(out[:, slot, 2], visible.astype(float))
        np.testing.assert_array_equal(out[visible, slot, :2], kp[visible, k, :2])
        assert np.all(out[~visible, slot, :2] == 0)
    assert np.all(out[:, [12, 13, 14, 15, 16, 17, 18], 2] == 0)  # COCO has no such points
    assert np.all(without_hips(out)[:, [2, 3, 14], 2] == 0)
    with pytest.raises(KeypointFormatError, match="shape"):
        to_j24(kp[:, :16], "coco17")
    with pytest.raises(KeypointFormatError, match="unknown"):
        to_j24(kp, "h36m17")


def test_person_facing_camera_has_left_shoulder_on_image_right(joints: J24Joints) -> None:
    """COCO 5 (left shoulder) -> J24 9 must lie right of J24 8 for a frontal person."""
    rot, betas, transl = random_bodies(np.random.default_rng(3), 4, 640, 480, pose_sigma=0.05)
    rot[:, 0] = np.diag([1.0, -1.0, -1.0])  # exactly frontal
    j = joints.posed(*(torch.as_tensor(a) for a in (rot, betas, transl)))
    f = torch.full((4,), 800.0, dtype=torch.float64)
    px = project_full(j, f, torch.tensor([[480, 640]] * 4, dtype=torch.float64)).numpy()
    coco = np.zeros((4, 17, 3))
    coco[:, 5, :2], coco[:, 6, :2], coco[:, :, 2] = px[:, 9], px[:, 8], 2
    part = to_j24(coco, "coco17", binary_confidence=True)
    assert np.all(part[:, 9, 0] > part[:, 8, 0])  # left shoulder at larger x
    assert np.all(part[:, 9, 0] == px[:, 9, 0])


def test_drawing_layout_switch() -> None:
    mpii = to_j24(np.ones((16, 3)), "mpii16")
    coco = to_j24(np.ones((17, 3)), "coco17")
    assert drawing_layout(mpii) == "mpii" and drawing_layout(coco) == "coco"


def _coco_doc() -> dict:
    kps = [float(v) for k in range(17) for v in (10 + k, 20 + k, 2 if k != 3 else 0)]
    return {
        "images": [
            {"id": 7, "file_name": "a.jpg", "width": 640, "height": 480},
            {"id": 8, "file_name": "b.jpg", "width": 320, "height": 240},
            {"id": 9, "file_name": "empty.jpg", "width": 320, "height": 240},
        ],
        "annotations": [
            {"id": 100, "image_id": 7, "keypoints": kps, "bbox": [5, 6, 100, 200]},
            {"id": 101, "image_id": 7, "keypoints": kps, "bbox": [5, 6, 10, 20], "iscrowd": 1},
            {"id": 102, "image_id": 8, "keypoints": [0.0] * 51, "bbox": [1, 1, 5, 5]},
            {"id": 103, "image_id": 8, "keypoints": kps, "bbox": [1, 2, 3, 4]},
        ],
        "categories": [{"id": 1, "name": "person"}],
    }


def test_coco_reader(tmp_path: Path) -> None:
    path = tmp_path / "kp.json"
    path.write_text(json.dumps(_coco_doc()))
    images = read_coco_keypoints(path)
    assert [(i.file_name, i.width, i.height) for i in images] == [
        ("a.jpg", 640, 480),
        ("b.jpg", 320, 240),
    ]
    assert [p.annot_id for p in images[0].people] == [100]  # crowd skipped
    assert [p.annot_id for p in images[1].people] == [103]  # unlabelled person skipped
    p = images[0].people[0]
    np.testing.assert_array_equal(p.box, [5, 6, 105, 206])
    assert p.part[9].tolist() == [15.0, 25.0, 1.0]  # COCO 5 (left shoulder) in slot 9
    assert p.part[22, 2] == 0  # COCO 3 (left ear) had v = 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("images"), "no 'images'"),
        (lambda d: d["annotations"][0].update(keypoints=[1.0] * 50), "51 numbers"),
        (lambda d: d["annotations"][0].update(bbox=[0, 0, 0, 5]), "width/height"),
        (lambda d: d["annotations"][0].update(image_id=99), "image_id 99"),
        (lambda d: d["annotations"][0]["keypoints"].__setitem__(0, "x"), "not a number"),
        (lambda d: d["images"][0].pop("width"), "images\\[0\\]"),
    ],
)
def test_coco_reader_errors(tmp_path: Path, change, message: str) -> None:
    doc = _coco_doc()
    change(doc)
    path = tmp_path / "kp.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(KeypointFileError, match=message):
        read_coco_keypoints(path)


def test_coco_reader_not_json(tmp_path: Path) -> None:
    path = tmp_path / "kp.json"
    path.write_text("{not json")
    with pytest.raises(KeypointFileError, match="not valid JSON"):
        read_coco_keypoints(path)
    with pytest.raises(KeypointFileError, match="does not exist"):
        read_coco_keypoints(tmp_path / "nope.json")
