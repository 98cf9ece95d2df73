"""Box files (JSON, MOTChallenge) read as DESIGN.md specifies; bad rows name file and line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mocap.boxfile import load_boxes
from mocap.detect import BoxFileDetector
from mocap.errors import BoxFileError
from mocap.types import FrameBatch


def _batch(indices: list[int]) -> FrameBatch:
    n = len(indices)
    return FrameBatch(np.array(indices), np.zeros(n), np.zeros((n, 96, 128, 3), np.uint8))


def test_detect_boxfile_json_frames_are_zero_based(tmp_path):
    path = tmp_path / "boxes.json"
    path.write_text(
        '{"frames": {"0": [[10, 20, 50, 80, 0.9], [1, 2, 3, 4, 0.3]], "2": [[5.5, 6, 7.5, 9, 1]]}}'
    )
    dets = BoxFileDetector(path).detect(_batch([0, 1, 2]))
    assert [d.frame for d in dets] == [0, 1, 2]
    np.testing.assert_allclose(dets[0].boxes, [[10, 20, 50, 80], [1, 2, 3, 4]])
    np.testing.assert_allclose(dets[0].scores, [0.9, 0.3], rtol=1e-6)
    assert len(dets[1]) == 0 and dets[1].boxes.shape == (0, 4)
    np.testing.assert_allclose(dets[2].boxes, [[5.5, 6, 7.5, 9]])
    assert dets[0].track_ids is None


def test_detect_boxfile_mot_det_txt(tmp_path):
    path = tmp_path / "det.txt"
    path.write_text(
        "1,-1,10,20,30,40,0.8,-1,-1,-1\n1,-1,100,20,30,40,0.6,-1,-1,-1\n3,-1,0,0,10,10,0.5\n"
    )
    table = load_boxes(path)
    assert not table.has_track_ids and len(table) == 3 and table.last_frame == 2
    first = table.get(0)
    np.testing.assert_allclose(first.boxes, [[10, 20, 40, 60], [100, 20, 130, 60]])
    np.testing.assert_allclose(first.scores, [0.8, 0.6], rtol=1e-6)
    assert len(table.get(1)) == 0
    np.testing.assert_allclose(table.get(2).boxes, [[0, 0, 10, 10]])


def test_detect_boxfile_mot_gt_txt_keeps_ids(tmp_path):
    path = tmp_path / "gt.txt"
    path.write_text(
        "1,1,10,20,30,40,1,1,1\n1,7,50,20,30,40,1,1,0.5\n2,1,12,20,30,40,1,1,1\n"
        "2,-1,200,20,30,40,0.4\n2,7,52,20,30,40\n"
    )
    table = load_boxes(path)
    assert table.has_track_ids
    assert list(table.get(0).track_ids) == [1, 7]
    assert list(table.get(1).track_ids) == [1, -1, 7]
    np.testing.assert_allclose(table.get(1).scores, [1, 0.4, 1], rtol=1e-6)
    assert list(table.get(5).track_ids) == []


def test_detect_boxfile_mot_scores_are_clipped(tmp_path):
    path = tmp_path / "det.txt"
    path.write_text("1,-1,0,0,10,10,-3.5\n1,-1,0,0,10,10,42\n1,-1,0,0,10,10,-1\n")
    np.testing.assert_allclose(load_boxes(path).get(0).scores, [0, 1, 1])  # -1 = no score


@pytest.mark.parametrize(
    ("rows", "line", "words"),
    [
        ("1,-1,0,0,10,10\n1,-1,0,0\n", 2, "columns"),
        ("# comment\n\n1,-1,a,0,10,10\n", 3, "bb_left"),
        ("0,-1,0,0,10,10\n", 1, "start at 1"),
        ("1.5,-1,0,0,10,10\n", 1, "integer"),
        ("1,-1,0,0,0,10\n", 1, "empty box"),
        ("1,-1,0,0,10,-4\n", 1, "empty box"),
        ("1,-1,nan,0,10,10\n", 1, "finite"),
        ("1,-2,0,0,10,10\n", 1, "id -2"),
        ("1,3,0,0,10,10\n2,3,0,0,10,10\n1,3,5,5,10,10\n", 3, "already has a box"),
    ],
)
def test_detect_boxfile_bad_mot_rows(tmp_path, rows, line, words):
    path = tmp_path / "det.txt"
    path.write_text(rows)
    with pytest.raises(BoxFileError) as caught:
        load_boxes(path)
    message = str(caught.value)
    assert str(path) in message and f"line {line}" in message and words in message


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('{"frames": {"0": [[1, 2, 3, 4, 0.5]]\n', "line 2"),
        ('{"boxes": {}}', 'no "frames"'),
        ('{"frames": {"x": []}}', "0-based integers"),
        ('{"frames": {"-1": []}}', "0-based integers"),
        ('{"frames": {"0": [[1, 2, 3, 4]]}}', "box 0"),
        ('{"frames": {"0": [[1, 2, 3, 4, 0.5], [1, 2, 3, "4", 0.5]]}}', "box 1"),
        ('{"frames": {"0": [[1, 2, 3, 4, 1.5]]}}', "outside [0, 1]"),
        ('{"frames": {"0": [[5, 2, 3, 4, 0.5]]}}', "empty box"),
        ('{"frames": {"0": {"a": 1}}}', "list of boxes"),
    ],
)
def test_detect_boxfile_bad_json(tmp_path, text, words):
    path = tmp_path / "boxes.json"
    path.write_text(text)
    with pytest.raises(BoxFileError) as caught:
        load_boxes(path)
    assert str(path) in str(caught.value) and words in str(caught.value)


def test_detect_boxfile_missing_or_binary(tmp_path: Path):
    with pytest.raises(BoxFileError, match="not found"):
        load_boxes(tmp_path / "none.json")
    binary = tmp_path / "det.txt"
    binary.write_bytes(b"\xff\xfe\x00\x81" * 10)
    with pytest.raises(BoxFileError, match=r"det\.txt"):
        load_boxes(binary)


def test_detect_boxfile_gets_det_conf_from_the_config(tmp_path):
    from mocap.config import PipelineConfig
    from mocap.detect import make_detector
    from mocap.pipeline.loading import box_file_for

    path = tmp_path / "clip.txt"
    path.write_text("1,-1,0,0,10,10,0.6\n")
    detector = make_detector(PipelineConfig(boxes=path, det_conf=0.7))
    assert isinstance(detector, BoxFileDetector) and detector.min_score == 0.7
    per_video = box_file_for(tmp_path, tmp_path / "clip.mp4", min_score=0.55)
    assert isinstance(per_video, BoxFileDetector) and per_video.min_score == 0.55
