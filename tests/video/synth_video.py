"""Synthetic test videos written with PyAV (no ffmpeg binary needed).

Every frame carries its own index as a row of black/white cells (``BITS`` bits) and two corner
markers (red top-left, green top-right) so tests can check frame order, dropped or phantom frames
and orientation from the decoded pixels alone.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

WIDTH = 160
HEIGHT = 96
CELL = 16
BITS = 10
BIT_ROW = 40  # top of the row of bit cells
RED = (230, 20, 20)
GREEN = (20, 230, 20)


def pattern(index: int, width: int = WIDTH, height: int = HEIGHT) -> np.ndarray:
    """(H, W, 3) uint8 RGB frame encoding ``index`` (< 2**BITS) and the corner markers."""
    img = np.full((height, width, 3), 128, np.uint8)
    img[:CELL, :CELL] = RED
    img[:CELL, width - CELL :] = GREEN
    for bit in range(BITS):
        value = 255 if (index >> bit) & 1 else 0
        img[BIT_ROW : BIT_ROW + CELL, bit * CELL : (bit + 1) * CELL] = value
    return img


def read_index(img: np.ndarray) -> int:
    """Frame index encoded by :func:`pattern` in an upright (H, W, 3) RGB frame."""
    index = 0
    for bit in range(BITS):
        c = img[BIT_ROW + 4 : BIT_ROW + CELL - 4, bit * CELL + 4 : (bit + 1) * CELL - 4]
        if c.mean() > 128:
            index |= 1 << bit
    return index


def unrotate(img: np.ndarray, rotation_cw: int) -> np.ndarray:
    """Undo a clockwise display rotation so :func:`read_index` can read the frame."""
    return np.ascontiguousarray(np.rot90(img, k=(rotation_cw // 90) % 4))


def write_video(
    path: Path,
    num_frames: int,
    *,
    codec: str = "libx264",
    fps: int = 30,
    pix_fmt: str = "yuv420p",
    times: Sequence[float] | None = None,
    rotation_ccw: int | None = None,
    gop: int = 30,
    options: dict[str, str] | None = None,
    container_options: dict[str, str] | None = None,
    sample_aspect: Fraction | None = None,
) -> Path:
    """Encode ``num_frames`` pattern frames; ``times`` (seconds) gives variable frame rate."""
    time_base = Fraction(1, 1000) if times is not None else Fraction(1, fps)
    with av.open(str(path), "w", options=container_options or {}) as out:
        stream = out.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, pix_fmt
        if times is not None:
            stream.time_base = time_base
            stream.codec_context.time_base = time_base
        if codec != "libvpx-vp9":  # libvpx rejects gop_size set this way
            stream.codec_context.gop_size = gop
        opts = {"crf": "12", "preset": "ultrafast"} if codec == "libx264" else {}
        if codec == "libsvtav1":
            opts = {"preset": "12", "crf": "20"}
        opts.update(options or {})
        stream.options = opts
        if rotation_ccw is not None:
            stream.set_display_rotation(rotation_ccw)
        if sample_aspect is not None:
            stream.codec_context.sample_aspect_ratio = sample_aspect
        for i in range(num_frames):
            frame = av.VideoFrame.from_ndarray(pattern(i), format="rgb24")
            frame.pts = round(times[i] * 1000) if times is not None else i
            if times is not None:
                frame.time_base = time_base
            for packet in stream.encode(frame.reformat(format=pix_fmt)):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def cut_with_edit_list(src: Path, dst: Path, start_frame: int, fps: int = 30) -> Path:
    """Remux ``src`` from the keyframe before ``start_frame``; an edit list hides the pre-roll.

    This is what ``ffmpeg -ss T -i src -c copy`` produces: the packets between the keyframe and
    ``start_frame`` are kept (needed to decode) but get negative timestamps, which the MP4 muxer
    turns into an edit list. Frames ``start_frame`` .. end are the ones a player shows.
    """
    with av.open(str(src)) as inp:
        ist = inp.streams.video[0]
        tb = ist.time_base
        start_pts = round(Fraction(start_frame, fps) / tb)
        keyframe_pts = max(
            p.pts
            for p in inp.demux(ist)
            if p.is_keyframe and p.pts is not None and p.pts <= start_pts
        )
    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        ist = inp.streams.video[0]
        ost = out.add_stream_from_template(ist)
        for packet in inp.demux(ist):
            if packet.dts is None or packet.pts < keyframe_pts:
                continue
            packet.pts -= start_pts
            packet.dts -= start_pts
            packet.stream = ost
            out.mux(packet)
    return dst


def write_audio_only(path: Path) -> Path:
    """A short silent AAC file with no video stream."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream("aac", rate=48000)
        for i in range(5):
            frame = av.AudioFrame.from_ndarray(
                np.zeros((1, 1024), np.float32), format="fltp", layout="mono"
            )
            frame.sample_rate, frame.pts = 48000, i * 1024
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def write_zero_frames(path: Path) -> Path:
    """A container with a video track header and no frames (mp4 drops the empty track)."""
    out = av.open(str(path), "w")
    stream = out.add_stream("libx264", rate=30)
    stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
    out.start_encoding()
    out.close()
    return path


def truncate(src: Path, dst: Path, fraction: float) -> Path:
    """Copy the first ``fraction`` of ``src``'s bytes (a download cut short)."""
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * fraction)])
    return dst


#: Variable-frame-rate timeline: 20 frames at 30 fps, then 20 frames at 10 fps (seconds).
VFR_TIMES = [i / 30 for i in range(20)] + [19 / 30 + (i + 1) / 10 for i in range(20)]

#: Frames in the plain H.264 file, and where the edit-list cut starts (frames before it are hidden).
PLAIN_FRAMES = 60
CUT_START = 40
LONG_FRAMES = 300


def make_all(folder: Path) -> dict[str, Path]:
    """Write every fixture video into ``folder``; returns name -> path.

    Runs in its own process in the tests: decord's bundled libraries break PyAV's libvpx encoder
    once decord is imported (measured), so the fixtures must be made where decord never was.
    """
    folder.mkdir(parents=True, exist_ok=True)
    quiet_x265 = {"x265-params": "log-level=none"}
    made = {
        "h264": write_video(folder / "h264.mp4", PLAIN_FRAMES),
        "rot90": write_video(folder / "rot90.mp4", 12, rotation_ccw=90),
        "rot270": write_video(folder / "rot270.mp4", 12, rotation_ccw=-90),
        "rot180": write_video(folder / "rot180.mp4", 12, rotation_ccw=180),
        "anamorphic": write_video(folder / "anamorphic.mp4", 12, sample_aspect=Fraction(4, 3)),
        "anamorphic_rot90": write_video(
            folder / "anamorphic_rot90.mp4", 12, rotation_ccw=90, sample_aspect=Fraction(4, 3)
        ),
        "vfr": write_video(folder / "vfr.mp4", len(VFR_TIMES), times=VFR_TIMES),
        "long_faststart": write_video(
            folder / "long_faststart.mp4", LONG_FRAMES, container_options={"movflags": "faststart"}
        ),
    }
    # Encoders a PyAV build may lack: their tests skip (conftest) instead of failing the rest.
    optional = {
        "h264_10bit": lambda: write_video(folder / "h264_10bit.mp4", 12, pix_fmt="yuv420p10le"),
        "hevc": lambda: write_video(folder / "hevc.mp4", 12, codec="libx265", options=quiet_x265),
        "hevc_10bit": lambda: write_video(
            folder / "hevc_10bit.mp4",
            12,
            codec="libx265",
            pix_fmt="yuv420p10le",
            options=quiet_x265,
        ),
        "vp9": lambda: write_video(
            folder / "vp9.webm",
            12,
            codec="libvpx-vp9",
            options={"crf": "20", "b": "0", "deadline": "realtime"},
        ),
        "av1": lambda: write_video(
            folder / "av1.mp4", 12, codec="libsvtav1", options={"svtav1-params": "log-level=0"}
        ),
    }
    for name, write in optional.items():
        try:
            made[name] = write()
        except (av.error.FFmpegError, ValueError) as e:  # unknown codec or unsupported format
            print(f"cannot write {name}: {e}", file=sys.stderr)
            for leftover in folder.glob(f"{name}.*"):
                leftover.unlink()
    made["audio_only"] = write_audio_only(folder / "audio_only.m4a")
    made["zero_frames_mkv"] = write_zero_frames(folder / "zero_frames_mkv.mkv")
    made["zero_frames_mp4"] = write_zero_frames(folder / "zero_frames_mp4.mp4")
    made["editlist"] = cut_with_edit_list(made["h264"], folder / "editlist.mp4", CUT_START)
    made["truncated"] = truncate(made["long_faststart"], folder / "truncated.mp4", 0.5)
    made["truncated_moov_lost"] = truncate(made["h264"], folder / "truncated_moov_lost.mp4", 0.5)
    return made


if __name__ == "__main__":
    make_all(Path(sys.argv[1]))
