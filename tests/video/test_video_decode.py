"""Decoding: frame count, order, pixels, orientation and timestamps, on both decode paths."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from synth_video import CUT_START, PLAIN_FRAMES, VFR_TIMES, pattern, read_index, unrotate

from mocap.video import DecoderError, open_video
from mocap.videodecode import DecodeFailure

FPS = 30.0
#: Mean absolute difference (0-255) allowed between a decoded frame and the pattern it encodes;
#: x264/x265/vp9/av1 at high quality, 10-bit converted to 8-bit RGB, stay well below it.
MAX_MEAN_ERROR = 6.0


def decode_all(path: Path, decoder: str, chunk: int = 8):
    with open_video(path, decoder=decoder, chunk_frames=chunk) as video:
        batches = list(video)
    images = np.concatenate([b.images for b in batches])
    indices = np.concatenate([b.indices for b in batches])
    times = np.concatenate([b.times for b in batches])
    return video, images, indices, times


CODECS = ["h264", "h264_10bit", "hevc", "hevc_10bit", "vp9", "av1"]


@pytest.mark.parametrize(
    ("name", "decoder"),
    [
        (name, decoder)
        for name in CODECS
        for decoder in ("auto", "decord", "pyav")
        if (name, decoder) != ("av1", "decord")
    ],  # decord has no AV1: test_video_av1_with_decord...
)
def test_video_codecs_decode_every_frame_in_order(videos, name, decoder):
    # auto with chunks longer than the GOP (30 frames) keeps decord; shorter chunks go to PyAV
    # (test_video_auto_leaves_long_gops_to_pyav).
    video, images, indices, times = decode_all(
        videos[name], decoder, chunk=32 if decoder == "auto" else 8
    )
    n = len(images)
    assert n == (PLAIN_FRAMES if name == "h264" else 12)
    assert images.dtype == np.uint8 and images.shape[1:] == (96, 160, 3)
    assert list(indices) == list(range(n))
    assert [read_index(img) for img in images] == list(range(n))
    for i in (0, n - 1):
        assert np.abs(images[i].astype(int) - pattern(i)).mean() < MAX_MEAN_ERROR
    np.testing.assert_allclose(times, np.arange(n) / FPS, atol=1e-3)
    assert video.report is not None and video.report.frames_decoded == n
    assert not video.report.partial
    auto_pyav = name in ("av1", "vp9")  # decord has no AV1; WebM has no full sample index
    pyav = decoder == "pyav" or (decoder == "auto" and auto_pyav)
    expected_backend = "pyav" if pyav else "decord"
    assert video.report.backend == expected_backend
    assert video.info.codec == {"h264_10bit": "h264", "hevc_10bit": "hevc"}.get(name, name)


def test_video_rgb_channel_order(videos):
    _, images, _, _ = decode_all(videos["h264"], "auto")
    red = images[0, 2:14, 2:14].reshape(-1, 3).mean(axis=0)
    assert red[0] > 180 and red[1] < 60 and red[2] < 60


@pytest.mark.parametrize("decoder", ["decord", "pyav"])
@pytest.mark.parametrize(("name", "ccw"), [("rot90", 90), ("rot270", 270), ("rot180", 180)])
def test_video_rotation_metadata_is_applied(videos, name, ccw, decoder):
    video, images, _, _ = decode_all(videos[name], decoder)
    expected = np.rot90(pattern(0), ccw // 90)
    assert images.shape[1:3] == expected.shape[:2]
    assert (video.info.width, video.info.height) == (expected.shape[1], expected.shape[0])
    assert video.info.rotation == (-ccw) % 360
    assert np.abs(images[0].astype(int) - expected).mean() < MAX_MEAN_ERROR
    assert [read_index(unrotate(img, video.info.rotation)) for img in images] == list(range(12))


def test_video_both_paths_give_the_same_pixels(videos):
    for name in ("rot90", "h264_10bit", "hevc"):
        _, via_decord, _, _ = decode_all(videos[name], "decord")
        _, via_pyav, _, _ = decode_all(videos[name], "pyav")
        assert via_decord.shape == via_pyav.shape
        assert np.abs(via_decord.astype(int) - via_pyav).mean() < 3.0


@pytest.mark.parametrize("decoder", ["decord", "pyav"])
def test_video_variable_frame_rate_keeps_true_timestamps(videos, decoder):
    _, images, _, times = decode_all(videos["vfr"], decoder)
    assert len(images) == len(VFR_TIMES)
    np.testing.assert_allclose(times, VFR_TIMES, atol=2e-3)
    assert [read_index(img) for img in images] == list(range(len(VFR_TIMES)))


@pytest.mark.parametrize("decoder", ["auto", "decord", "pyav"])
def test_video_edit_list_has_no_phantom_frames(videos, decoder):
    video, images, indices, times = decode_all(videos["editlist"], decoder)
    shown = PLAIN_FRAMES - CUT_START
    assert len(images) == shown == video.info.num_frames
    assert [read_index(img) for img in images] == list(range(CUT_START, PLAIN_FRAMES))
    assert list(indices) == list(range(shown))
    np.testing.assert_allclose(times, np.arange(shown) / FPS, atol=1e-3)


def test_video_truncated_file_keeps_decodable_frames_and_reports_partial(videos):
    video, images, _, _ = decode_all(videos["truncated"], "auto", chunk=32)
    report = video.report
    assert report.partial and report.backend == "pyav"
    assert 0 < report.frames_decoded == len(images) < report.expected_frames == 300
    assert [read_index(img) for img in images] == list(range(len(images)))
    assert "decord" in report.note and "partial" in report.note


def test_video_truncated_file_with_decord_only_is_a_clear_error(videos):
    with pytest.raises(DecoderError, match=r"truncated\.mp4.*'decoder'"):
        decode_all(videos["truncated"], "decord")


def test_video_av1_with_decord_only_is_a_clear_error(videos):
    with pytest.raises(DecoderError, match=r"av1.*'decoder' to auto"):
        open_video(videos["av1"], decoder="decord")


def test_video_chunks_bound_the_batch_size(videos):
    with open_video(videos["h264"], chunk_frames=7) as video:
        assert video.report is None
        sizes = [len(b) for b in video]
    assert sizes == [7] * (PLAIN_FRAMES // 7) + [PLAIN_FRAMES % 7]
    assert video.report.frames_decoded == PLAIN_FRAMES


def test_video_decord_chunks_end_on_keyframes(videos):
    """Keyframes every 30 frames: decord's runs stop before frame 30 so the next one starts on
    it and nothing is decoded twice after the decode-ahead guard's seek."""
    with open_video(videos["h264"], decoder="decord", chunk_frames=7) as video:
        batches = list(video)
    assert [len(b) for b in batches] == [7, 7, 7, 7, 2] * 2
    assert [int(b.indices[0]) for b in batches][5] == 30
    assert [read_index(img) for b in batches for img in b.images] == list(range(PLAIN_FRAMES))


def test_video_probe_reads_the_longest_keyframe_gap(videos):
    with open_video(videos["h264"]) as video:  # 60 frames, keyframes every 30
        assert video._probe.keyframe_gap == 30
    with open_video(videos["rot90"]) as video:  # 12 frames, one keyframe
        assert video._probe.keyframe_gap == 12
    with open_video(videos["vp9"]) as video:  # WebM indexes cues, not every sample
        assert video._probe.keyframe_gap == 0


def test_video_auto_leaves_long_gops_to_pyav(videos):
    """decord can only bound its memory by re-decoding each chunk from its keyframe; with
    keyframes further apart than a chunk, auto decodes with PyAV and says why."""
    video, images, _, _ = decode_all(videos["h264"], "auto", chunk=16)
    assert video.backend == video.report.backend == "pyav"
    assert "keyframes up to 30 frames apart" in video.report.note
    assert [read_index(img) for img in images] == list(range(PLAIN_FRAMES))
    video, _, _, _ = decode_all(videos["h264"], "auto", chunk=30)
    assert video.report.backend == "decord" and video.report.note == ""
    video, _, _, _ = decode_all(videos["h264"], "decord", chunk=16)  # asked for: obeyed
    assert video.report.backend == "decord"


def test_video_auto_leaves_containers_without_a_sample_index_to_pyav(videos):
    """WebM/MKV do not list every frame, so decord's frame count cannot be capped to what
    decodes (an over-count can hang it, decord#373): auto takes PyAV; decord on request."""
    video, images, _, _ = decode_all(videos["vp9"], "auto", chunk=32)
    assert video.report.backend == "pyav" and "not MP4/MOV" in video.report.note
    assert [read_index(img) for img in images] == list(range(12))
    video, _, _, _ = decode_all(videos["vp9"], "decord", chunk=32)
    assert video.report.backend == "decord"


def test_video_can_stop_early_and_decode_again(videos):
    with open_video(videos["h264"], chunk_frames=4) as video:
        first = next(iter(video))
        video.close()
        again = list(video)
    assert list(first.indices) == [0, 1, 2, 3]
    assert sum(len(b) for b in again) == PLAIN_FRAMES


def test_video_pyav_takes_over_when_decord_fails_midway(videos, monkeypatch):
    import mocap.video

    real = mocap.video.iter_decord

    def failing_after_one_chunk(probe, chunk):
        for k, batch in enumerate(real(probe, chunk)):
            if k == 1:
                raise DecodeFailure("simulated decord error")
            yield batch

    monkeypatch.setattr(mocap.video, "iter_decord", failing_after_one_chunk)
    video, images, indices, times = decode_all(videos["h264"], "auto", chunk=30)
    assert video.report.backend == "decord+pyav" and not video.report.partial
    assert "simulated" in video.report.note
    assert list(indices) == list(range(PLAIN_FRAMES))
    assert [read_index(img) for img in images] == list(range(PLAIN_FRAMES))
    np.testing.assert_allclose(times, np.arange(PLAIN_FRAMES) / FPS, atol=1e-3)


def test_video_pyav_finishes_when_decord_stops_short(videos, monkeypatch):
    import mocap.video

    real = mocap.video.iter_decord

    def short(probe, chunk):
        yield next(iter(real(probe, chunk)))  # decord silently ends after one chunk

    monkeypatch.setattr(mocap.video, "iter_decord", short)
    video, images, indices, _ = decode_all(videos["h264"], "auto", chunk=32)
    assert video.report.backend == "decord+pyav" and not video.report.partial
    assert "stopped after 30 of 60" in video.report.note  # the first run ends on keyframe 30
    assert list(indices) == list(range(PLAIN_FRAMES))
    assert [read_index(img) for img in images] == list(range(PLAIN_FRAMES))


@pytest.mark.parametrize("decoder", ["decord", "pyav"])
@pytest.mark.parametrize(("name", "ccw"), [("anamorphic", 0), ("anamorphic_rot90", 90)])
def test_video_non_square_pixels_are_resampled_to_display_width(videos, name, ccw, decoder):
    """SAR 4:3 (anamorphic camera footage): 160x96 stored pixels show as 213x96."""
    import cv2

    video, images, _, _ = decode_all(videos[name], decoder)
    shown = cv2.resize(pattern(0), (213, 96), interpolation=cv2.INTER_LINEAR)
    expected = np.rot90(shown, ccw // 90)
    assert (video.info.width, video.info.height) == (expected.shape[1], expected.shape[0])
    assert images.shape[1:3] == expected.shape[:2]
    assert np.abs(images[0].astype(int) - expected).mean() < MAX_MEAN_ERROR
    assert video.report.backend == decoder and len(images) == 12
