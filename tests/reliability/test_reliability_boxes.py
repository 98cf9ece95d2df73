"""Hostile box files: every case is one BoxFileError naming the file and the line, and no numpy
warning escapes (warnings are errors inside these tests)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from mocap import boxfile
from mocap.boxfile import load_boxes
from mocap.errors import BoxFileError

GOOD_MOT = "1,1,10,10,20,40,0.9\n"

# (file name, content, line named, words in the message)
HOSTILE = [
    ("huge.txt", GOOD_MOT + "2,1,1e30,10,20,40,0.9\n", 2, "beyond"),
    ("huge_w.txt", "1,1,10,10,20,40\n2,1,10,10,20,40\n\n4,1,10,10,1e30,40\n", 4, "beyond"),
    ("overflow.txt", "1,1,1e308,10,1e308,40\n", 1, "finite"),
    ("inf.txt", "1,1,inf,10,20,40\n", 1, "finite"),
    ("nan.txt", GOOD_MOT + "2,1,nan,10,20,40\n", 2, "finite"),
    ("neg_size.txt", "1,1,10,10,-20,40\n", 1, "empty box"),
    ("frame_huge.txt", "1e300,1,10,10,20,40\n", 1, "too large"),
    ("id_huge.txt", "1,99999999999999999999,10,10,20,40\n", 1, "too large"),
    ("words.txt", "1,1,ten,10,20,40\n", 1, "not a number"),
    ("long_token.txt", "1,1," + "9" * 100_000 + "x,10,20,40\n", 1, "not a number"),
    ("huge.json", '{"frames": {"0": [[1e30, 0, 5, 5, 0.5]]}}', 1, "beyond"),
    ("bigint.json", '{"frames": {"0": [[1' + "0" * 400 + ", 0, 5, 5, 0.5]]}}", 1, "finite"),
    ("nan_score.json", '{"frames": {"0": [[0, 0, 5, 5, NaN]]}}', 1, "outside [0, 1]"),
    (
        "inf.json",
        '{"frames": {\n"0": [[0, 0, 5, 5, 0.5]],\n"1": [[0, 0, Infinity, 5, 1]]}}',
        3,
        "finite",
    ),
    ("bool.json", '{"frames": {"0": [[true, 0, 5, 5, 0.5]]}}', 1, "numbers"),
    ("deep.json", '{"frames": {"0": ' + "[" * 100_000 + "]" * 100_000 + "}}", 1, "nested"),
    ("deep_list.json", '{"frames": {"0": [' + "[" * 500 + "]" * 500 + "]}}", 1, "numbers"),
    ("frame_key.json", '{"frames": {\n\n"99999999999999": []}}', 3, "0-based integers"),
    ("not_list.json", '{"frames": {"0": {"x": 1}}}', 1, "list of boxes"),
]


@pytest.mark.parametrize(("name", "text", "line", "words"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_box_file_is_one_error_naming_file_and_line(
    tmp_path: Path, name: str, text: str, line: int, words: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(BoxFileError) as caught:
            load_boxes(path)
    message = str(caught.value)
    assert message.startswith(f"Box file '{path}', line {line}")
    assert words in message
    assert "\n" not in message and len(message) < 400


def test_binary_and_oversized_box_files_are_refused_before_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(BoxFileError, match="as text"):
        load_boxes(binary)
    big = tmp_path / "big.txt"
    big.write_text(GOOD_MOT * 100)
    monkeypatch.setattr(boxfile, "MAX_BOX_FILE_BYTES", 1000)
    with pytest.raises(BoxFileError, match=r"is 0 MiB; box files are at most 0 MiB"):
        load_boxes(big)


@pytest.mark.parametrize(
    ("text", "suffix", "where"),
    [
        (GOOD_MOT + "2,1,900,10,20,40\n", ".txt", "line 2"),  # left edge 900 > 5 x 100 wide
        ("1,1,-450,10,20,40\n", ".txt", "line 1"),  # right edge -430 < -4 x 100
        (
            '{"frames": {\n"0": [[0, 0, 5, 5, 1]],\n"3": [[0, 0, 5, 5, 1], [0, 0, 5, 600, 1]]}}',
            ".json",
            "line 3, frame '3', box 1",
        ),
    ],
)
def test_boxes_far_outside_the_frame_are_refused_naming_the_line(
    tmp_path: Path, text: str, suffix: str, where: str
) -> None:
    path = tmp_path / f"boxes{suffix}"
    path.write_text(text)
    table = load_boxes(path)  # plausible pixels: parsing accepts them
    with pytest.raises(BoxFileError) as caught:
        table.check_frame_size(100, 80)
    assert str(caught.value).startswith(f"Box file '{path}', {where}:")
    assert "far outside the 100x80 video" in str(caught.value)


def test_boxes_partly_outside_the_frame_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "boxes.txt"
    path.write_text("1,1,-60,-40,120,100\n2,1,90,70,300,300\n")  # people partly off-screen
    table = load_boxes(path)
    table.check_frame_size(100, 80)
    assert len(table) == 2


def _frames(indices: list[int], width: int = 100, height: int = 80):
    from mocap.types import FrameBatch

    images = np.zeros((len(indices), height, width, 3), np.uint8)
    return FrameBatch(np.array(indices), np.array(indices) * 0.1, images)


def test_det_conf_applies_to_box_scores_with_ids_kept_aligned(tmp_path: Path) -> None:
    from mocap.config import PipelineConfig
    from mocap.detect import make_detector

    path = tmp_path / "gt.txt"
    path.write_text(
        "1,3,10,10,20,40,0.9\n1,4,40,10,20,40,0.2\n1,5,60,10,20,40\n2,4,40,10,20,40,0.6\n"
    )
    detector = make_detector(PipelineConfig(boxes=path, det_conf=0.5))
    first, second = detector.detect(_frames([0, 1]))
    assert first.track_ids.tolist() == [3, 5]  # 0.2 dropped; no score counts as 1
    assert first.boxes[:, 0].tolist() == [10.0, 60.0]
    assert second.track_ids.tolist() == [4] and second.scores.tolist() == [pytest.approx(0.6)]
    everything = make_detector(PipelineConfig(boxes=path, det_conf=0.0)).detect(_frames([0]))[0]
    assert everything.track_ids.tolist() == [3, 4, 5]


def test_box_file_far_outside_the_video_fails_on_the_first_frames(tmp_path: Path) -> None:
    from mocap.detect import BoxFileDetector

    path = tmp_path / "boxes.txt"
    path.write_text("1,-1,10,10,20,40\n2,-1,5000,10,20,40\n")
    detector = BoxFileDetector(path)
    with pytest.raises(BoxFileError, match=r"line 2: box .* far outside the 100x80 video"):
        detector.detect(_frames([0]))
