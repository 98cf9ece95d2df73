"""``ffmpeg_reason``, defined once in ``mocap.videodecode``: a decoder error as one line."""

from __future__ import annotations

import errno

from mocap import video, videodecode
from mocap.videodecode import ffmpeg_reason


def test_one_definition_shared_by_video_and_decoders() -> None:
    assert video.ffmpeg_reason is videodecode.ffmpeg_reason


def test_reason_prefers_strerror_then_first_message_line_then_type() -> None:
    assert ffmpeg_reason(OSError(errno.ENOENT, "No such file or directory")) == (
        "No such file or directory"
    )
    assert ffmpeg_reason(ValueError("bad header\nmore detail")) == "bad header"
    assert ffmpeg_reason(ValueError()) == "ValueError"
