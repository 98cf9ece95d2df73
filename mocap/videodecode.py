"""The two decode paths behind :mod:`mocap.video` (decord and PyAV) and the PyAV probe.

Both yield :class:`FrameBatch` chunks with the same conventions: RGB uint8, rotation metadata
applied, times in seconds from the first shown frame, indices in decode order. Failures inside a
path are raised as :class:`DecodeFailure` (internal; :mod:`mocap.video` turns them into a fallback,
a partial-decode report or a user-facing :class:`~mocap.errors.VideoError`).

Measured decord 0.6.0 hazards guarded here (docs/ecosystem.md §1):

* decode-ahead: its reader thread decodes the whole file into RAM when the consumer is slow
  (measured: +6.5 GB after 30 idle chunks of a 720p clip); ``vr.seek(0)`` after every chunk stops
  it. The next chunk then starts with a seek, so chunks end on keyframes where the GOP allows
  (a chunk starting on a keyframe costs no extra decoding); long-GOP files, where every chunk
  would re-decode from its keyframe, are left to PyAV by :mod:`mocap.video`;
* double copy: ``NDArray.asnumpy()`` copies the batch; we take it zero-copy through DLPack;
* heap growth: every ``seek`` restarts decord's decoder thread, and the frames it allocates in
  short-lived threads' malloc arenas are freed without going back to the OS, so RSS stepped up
  with video length (640x480, 2400 frames: +51 -> +163 MB). Trimming the heap before each chunk
  keeps it flat (+43 -> +49 MB);
* MP4 edit lists: hidden pre-roll samples are counted as frames (phantom copies of the last frame
  at the end) and timestamps are shifted negative; we drop the tail and re-base the times;
* AV1 and truncated files cannot be opened at all (PyAV takes over).
"""

from __future__ import annotations

import ctypes
import functools
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mocap.types import FrameBatch, VideoInfo

log = logging.getLogger(__name__)

#: Container formats whose index lists every sample (with edit-list discard flags), so the count of
#: displayable frames is exact. Other containers (mkv/webm) index keyframes only.
_SAMPLE_INDEXED_FORMATS = ("mov", "mp4")

#: Frame rate assumed when a stream states none (only used for timestamps of frames without pts).
FALLBACK_FPS = 30.0


class DecodeFailure(Exception):
    """A decode path cannot go on; ``str()`` is a one-line reason (internal to the video stage)."""


@dataclass(frozen=True)
class Probe:
    """Facts read from the container and its first frame before decoding.

    Attributes:
        info: the :class:`VideoInfo` (size after rotation; rotation clockwise).
        expected_frames: displayable frames listed by the container index (0 = unknown).
        rotation_ccw: counter-clockwise rotation in degrees (0/90/180/270) as FFmpeg stores it;
            the PyAV path turns frames by it, decord applies it itself.
        coded_width, coded_height: frame size before rotation, in square pixels (a
            non-square sample aspect ratio is resampled to its display width by both paths).
        keyframe_gap: most frames from one keyframe to the next (or to the end) in the
            container's sample index, i.e. the longest GOP (0 = unknown: not an MP4/MOV index).
        resampled: the stream has non-square pixels, resampled to ``coded_width``.
    """

    info: VideoInfo
    expected_frames: int
    rotation_ccw: int
    coded_width: int
    coded_height: int
    keyframe_gap: int = 0
    resampled: bool = False

    @classmethod
    def read(cls, path: Path, container: Any) -> Probe:
        """Probe an open PyAV container that has a video stream (decodes one frame)."""
        import av

        stream = container.streams.video[0]
        try:
            first = next(iter(container.decode(stream)), None)
        except (av.error.FFmpegError, ValueError, OSError) as e:  # pyright: ignore[reportAttributeAccessIssue]
            raise DecodeFailure(ffmpeg_reason(e)) from None
        if first is None:
            raise DecodeFailure("the stream holds no frames")
        rotation_ccw = (round(float(first.rotation or 0) / 90) * 90) % 360
        ch = first.height
        cw = _square_pixel_width(first.width, stream)
        if cw != first.width:
            log.info(
                "%s has non-square pixels; resampling %dx%d to %dx%d", path, first.width, ch, cw, ch
            )
        w, h = (ch, cw) if rotation_ccw in (90, 270) else (cw, ch)
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        fps = float(rate) if rate else 0.0
        if not fps > 0:
            log.warning("%s states no frame rate; assuming %.0f fps", path, FALLBACK_FPS)
            fps = FALLBACK_FPS
        entries = _sample_index(container, stream)  # read once: one object per sample
        expected = _displayable_frames(entries, stream)
        num_frames = expected
        if not num_frames and container.duration:
            num_frames = round(container.duration / 1_000_000 * fps)  # an estimate
        codec = getattr(stream.codec_context.codec, "canonical_name", stream.codec_context.name)
        info = VideoInfo(
            path=path,
            width=w,
            height=h,
            fps=fps,
            num_frames=int(num_frames),
            rotation=(-rotation_ccw) % 360,
            codec=str(codec),
        )
        return cls(
            info,
            expected,
            rotation_ccw,
            cw,
            ch,
            _keyframe_gap(entries),
            resampled=cw != first.width,
        )

    @property
    def sample_indexed(self) -> bool:
        """The container indexes every sample (MP4/MOV), so ``expected_frames`` and
        ``keyframe_gap`` are exact rather than unknown or estimated."""
        return self.keyframe_gap > 0


def _square_pixel_width(width: int, stream: Any) -> int:
    """Frame width in square pixels: ``width`` times the sample aspect ratio (SAR).

    Anamorphic footage (HDV 1440x1080 at SAR 4:3, DV, some broadcast files) stores pixels wider
    than tall; CLIFF's crops and camera assume square pixels, so frames are resampled to the
    display width (1440x1080 -> 1920x1080) and every later stage sees true proportions.
    """
    sar = stream.sample_aspect_ratio or stream.codec_context.sample_aspect_ratio
    if not sar or sar <= 0 or sar == 1:
        return width
    return max(1, round(width * float(sar)))


def _sample_index(container: Any, stream: Any) -> list[Any]:
    """The stream's per-sample index where the container keeps one (MP4/MOV), else ``[]``."""
    fmt = container.format.name or ""
    if not any(f in fmt.split(",") for f in _SAMPLE_INDEXED_FORMATS):
        return []
    return list(stream.index_entries or ())


def _displayable_frames(entries: list[Any], stream: Any) -> int:
    """Frames a player shows: sample count minus edit-list-hidden samples (0 = unknown)."""
    if entries:
        return sum(1 for e in entries if not e.is_discard)
    return max(int(stream.frames or 0), 0)


def _keyframe_gap(entries: list[Any]) -> int:
    """Longest run of samples that starts on a keyframe, from the sample index (0 = unknown)."""
    keys = [i for i, e in enumerate(entries) if e.is_keyframe]
    if not keys:
        return 0
    return int(np.diff(np.asarray([*keys, len(entries)])).max())


def ffmpeg_reason(error: BaseException) -> str:
    """One line saying why PyAV/FFmpeg (or the OS) failed: its ``strerror``, else the message."""
    reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return reason.splitlines()[0]


def _decord_reason(error: BaseException) -> str:
    """First line of a decord error without its ``[time] file.cc:line:`` prefix."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return re.sub(r"^\[[\d:]+\]\s*\S+:\d+:\s*", "", text)


# --- decord -------------------------------------------------------------------------------------


def iter_decord(probe: Probe, chunk: int) -> Iterator[FrameBatch]:
    """Decode with decord in chunks of ``chunk`` frames (bounded memory; see module docstring).

    Raises:
        DecodeFailure: decord cannot open or decode the file, or its frames disagree with the
            probe (size); frames already yielded are valid.
    """
    import cv2  # noqa: F401  -- must be imported before decord or cv2's PNG reader breaks
    import decord

    info = probe.info
    try:
        # width/height only resample non-square pixels (decord scales after its rotation).
        size = {"width": info.width, "height": info.height} if probe.resampled else {}
        vr = decord.VideoReader(str(info.path), ctx=decord.cpu(0), num_threads=0, **size)
        raw = len(vr)
        stamps = np.asarray(vr.get_frame_timestamp(list(range(raw))), np.float64)[:, 0]
        sample_keys = np.asarray(vr.get_key_indices(), np.int64)
    except (decord.DECORDError, RuntimeError, ValueError) as e:
        raise DecodeFailure(f"decord: {_decord_reason(e)}") from None
    # Edit lists: hidden pre-roll samples come first with negative times; decord still counts
    # them, so its last `hidden` frames would be phantom copies. Drop them and re-base the times.
    hidden = int(np.count_nonzero(stamps < 0))
    n = raw - hidden
    if probe.expected_frames:
        n = min(n, probe.expected_frames)
    if n <= 0:
        raise DecodeFailure("decord found no frames")
    times = stamps[hidden : hidden + n] - stamps[hidden]
    trim = _malloc_trim()
    try:
        # decord counts keyframes among all samples; shown frame i is its sample i + hidden.
        for start, stop in keyframe_chunks(n, chunk, sample_keys - hidden):
            if trim is not None:
                trim(0)  # hand the chunks the consumer has dropped back to the OS
            images = _as_numpy(vr.get_batch(list(range(start, stop))))
            vr.seek(0)  # stops the reader thread's unbounded decode-ahead (measured; §1.4)
            if images.shape[1:3] != (info.height, info.width):
                raise DecodeFailure(
                    f"decord frames are {images.shape[2]}x{images.shape[1]}, "
                    f"expected {info.width}x{info.height}"
                )
            yield FrameBatch(np.arange(start, stop), times[start:stop], images)
    except decord.DECORDError as e:
        raise DecodeFailure(f"decord: {_decord_reason(e)}") from None
    finally:
        del vr


def keyframe_chunks(n: int, chunk: int, keys: np.ndarray) -> Iterator[tuple[int, int]]:
    """Split frames ``[0, n)`` into ``(start, stop)`` runs of at most ``chunk`` frames.

    A run ends just before the last keyframe inside it when there is one, so the next run
    starts on a keyframe: after ``vr.seek(0)`` decord then decodes no frame twice.

    Args:
        n: frames to cover.
        chunk: most frames per run (>= 1).
        keys: (K,) keyframe indices (any order; out-of-range values are ignored).
    """
    key_set = np.unique(keys[(keys > 0) & (keys < n)])
    start = 0
    while start < n:
        stop = min(n, start + chunk)
        if stop < n:
            inside = key_set[(key_set > start) & (key_set <= stop)]
            if len(inside):
                stop = int(inside[-1])
        yield start, stop
        start = stop


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim`` (returns free heap pages of every arena to the OS), or None
    where the C library has none (macOS, musl)."""
    try:
        return ctypes.CDLL(None).malloc_trim  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None


class _DLPackView:
    """Hands a decord ``NDArray`` to :func:`numpy.from_dlpack` (decord 0.6 lacks ``__dlpack__``)."""

    def __init__(self, array: Any) -> None:
        self._array = array

    def __dlpack__(self, stream: Any = None) -> Any:
        return self._array.to_dlpack()

    def __dlpack_device__(self) -> tuple[int, int]:
        return (1, 0)  # kDLCPU, device 0: decord's PyPI wheel decodes on the CPU only


def _as_numpy(array: Any) -> np.ndarray:
    """(B, H, W, 3) uint8 view of a decord CPU ``NDArray`` without copying (read-only).

    ``asnumpy()`` would copy the whole batch (190 MB per 32 1080p frames) while the original is
    still alive, doubling the decoder's peak memory.
    """
    try:
        return np.from_dlpack(_DLPackView(array))
    except (TypeError, BufferError, RuntimeError):  # a decord build without DLPack export
        return array.asnumpy()


# --- PyAV ---------------------------------------------------------------------------------------


def iter_pyav(
    probe: Probe, chunk: int, skip: int = 0, frame_threads: bool = True
) -> Iterator[FrameBatch]:
    """Decode with PyAV in chunks, rotating frames by the display matrix like decord does.

    Args:
        probe: the probe of the file.
        chunk: frames per batch.
        skip: frames to decode but not yield (when taking over from decord part-way).
        frame_threads: let FFmpeg decode several frames at once (one per thread, each holding a
            frame); False keeps to slice threads (for very large frames).

    Raises:
        DecodeFailure: decoding stopped on an error; every frame before it was yielded.
    """
    import av

    info = probe.info
    try:
        container = av.open(str(info.path))
    except (av.error.FFmpegError, OSError, ValueError) as e:  # pyright: ignore[reportAttributeAccessIssue]
        raise DecodeFailure(ffmpeg_reason(e)) from None
    turns = probe.rotation_ccw // 90
    period = 1.0 / info.fps
    with container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO" if frame_threads else "SLICE"
        frames = container.decode(stream)
        index, t0, last_t = 0, None, -period
        images = np.empty((chunk, info.height, info.width, 3), np.uint8)
        indices: list[int] = []
        times: list[float] = []
        failure = ""
        while True:
            try:
                frame = next(frames)
            except StopIteration:
                break
            except (av.error.FFmpegError, ValueError, OSError) as e:  # pyright: ignore[reportAttributeAccessIssue]
                failure = ffmpeg_reason(e)
                break
            t = frame.time
            if t0 is None:
                t0 = t if t is not None else 0.0
            last_t = t - t0 if t is not None else last_t + period
            if index >= skip:
                rgb = frame.reformat(
                    width=probe.coded_width, height=probe.coded_height, format="rgb24"
                ).to_ndarray()
                images[len(indices)] = np.rot90(rgb, turns) if turns else rgb
                indices.append(index)
                times.append(last_t)
                if len(indices) == chunk:
                    yield FrameBatch(np.array(indices), np.array(times), images)
                    images = np.empty_like(images)
                    indices, times = [], []
            index += 1
        if indices:
            yield FrameBatch(np.array(indices), np.array(times), images[: len(indices)])
        if failure:
            raise DecodeFailure(f"after frame {index}: {failure}")
