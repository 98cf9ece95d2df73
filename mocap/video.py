"""Video in, frames out: ``open_video(path)`` -> :class:`VideoSource` of RGB ``FrameBatch`` chunks.

Decoding is sequential, chunked and bounded in memory whatever the consumer's pace. A PyAV probe
reads the file's facts first (codec, rotation, frame count, frame rate) and rejects unusable inputs
with one clear :class:`~mocap.errors.VideoError`. decord is the primary decoder; PyAV takes over
where decord cannot (AV1, files decord refuses, files that fail part-way) and, in ``auto``, for
long-GOP files, which decord could only decode in bounded memory by re-decoding every chunk from
its keyframe, and for containers without a full sample index (MKV, WebM, AVI...), where decord's
frame count cannot be checked (an over-count can hang it). Both paths give the same
frames: rotation metadata applied, MP4 edit lists honoured, true per-frame timestamps (VFR safe).

Usage::

    with open_video("clip.mp4") as video:
        print(video.info.width, video.info.height, video.info.fps)
        for batch in video:            # FrameBatch: images (B, H, W, 3) uint8 RGB
            ...
    print(video.report)                # frames decoded, partial or not, backend used
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from mocap.errors import (
    DecoderError,
    NoFramesError,
    NoVideoStreamError,
    UsageError,
    VideoEmptyError,
    VideoNotFoundError,
    VideoTooLargeError,
    VideoUnreadableError,
)
from mocap.types import FrameBatch, VideoInfo
from mocap.videodecode import DecodeFailure, Probe, ffmpeg_reason, iter_decord, iter_pyav

log = logging.getLogger(__name__)

DECODERS = ("auto", "decord", "pyav")

#: Largest frame decoded (pixels after rotation): 8192 x 8192, twice the area of 8K UHD
#: (7680 x 4320). One RGB frame of it is 192 MiB; larger frames are refused with a clear message.
MAX_FRAME_PIXELS = 8192 * 8192
#: Default bytes of decoded RGB frames alive at once (chunks queued, decoded, in use).
DEFAULT_DECODE_MEMORY_MB = 1024
#: Chunks alive at once in a run: the prefetch queue's (2) plus the one being decoded and the
#: one being used (mocap.pipeline.prefetch).
CHUNKS_IN_FLIGHT = 4

#: Codecs decord 0.6.0 cannot decode: it bundles FFmpeg 4.1, which has no AV1 (or VVC) decoder
#: (measured: "cannot find video stream with wanted index: -1"). These go to PyAV in ``auto``.
DECORD_UNSUPPORTED_CODECS = frozenset({"av1", "vvc"})


# --- errors -------------------------------------------------------------------------------------


# --- report -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DecodeReport:
    """What one pass over a video produced.

    Attributes:
        backend: decoder that produced the frames: ``"decord"``, ``"pyav"``, or
            ``"decord+pyav"`` when PyAV took over part-way.
        frames_decoded: frames yielded.
        expected_frames: frames the container lists as displayable (0 = unknown).
        partial: True when decoding stopped early (a damaged or truncated file): the frames
            yielded are good, the rest of the video is missing.
        note: why PyAV was chosen or took over, or why the result is partial ("" when none).
    """

    backend: str
    frames_decoded: int
    expected_frames: int
    partial: bool
    note: str = ""


# --- the source ---------------------------------------------------------------------------------


class VideoSource:
    """A probed video that yields :class:`FrameBatch` chunks in decode order.

    Attributes:
        info: the probed :class:`VideoInfo` (width/height after rotation, average fps,
            container frame count, clockwise rotation, codec).
        backend: decoder planned for this file (``"decord"`` or ``"pyav"``).
        chunk_frames: most frames per batch (after the memory budget).
        report: :class:`DecodeReport` of the last complete pass (None before one finished).

    Iterating decodes the file from the start; each batch holds at most ``chunk_frames`` frames,
    so memory stays near ``chunk_frames * H * W * 3`` bytes. Not thread-safe.
    """

    def __init__(
        self, probe: Probe, decoder: str, chunk_frames: int, frame_threads: bool = True
    ) -> None:
        self._probe = probe
        self._frame_threads = frame_threads
        self.info: VideoInfo = probe.info
        self._decoder = decoder
        self._chunk = self.chunk_frames = chunk_frames
        self.backend, self._plan_note = _plan_backend(probe, decoder, chunk_frames)
        if self._plan_note:
            log.info("%s: %s", probe.info.path, self._plan_note)
        self.report: DecodeReport | None = None
        self._active: Iterator[FrameBatch] | None = None

    def __iter__(self) -> Iterator[FrameBatch]:
        self.close()
        self._active = self._decode()
        return self._active

    def _decode(self) -> Iterator[FrameBatch]:
        probe, path = self._probe, self.info.path
        self.report = None
        done = 0
        note = self._plan_note
        backend = self.backend
        expected = probe.expected_frames
        if backend == "decord":
            try:
                for batch in iter_decord(probe, self._chunk):
                    done += len(batch)
                    yield batch
                if expected and done < expected:
                    raise DecodeFailure(f"it stopped after {done} of {expected} frames")
            except DecodeFailure as failure:
                if self._decoder == "decord":
                    raise DecoderError(
                        f"decord cannot decode '{path}' ({failure}). Set 'decoder' to auto or pyav."
                    ) from None
                note = f"decord failed ({failure}); PyAV took over"
                log.warning("%s: %s", path, note)
                backend = "decord+pyav" if done else "pyav"
            else:
                self._finish(backend, done, note)
                return
        partial_reason = ""
        try:
            for batch in iter_pyav(
                probe, self._chunk, skip=done, frame_threads=self._frame_threads
            ):
                done += len(batch)
                yield batch
        except DecodeFailure as failure:
            partial_reason = str(failure)
        if not partial_reason and expected and done < expected:
            partial_reason = f"the stream ended after {done} of {expected} frames"
        if partial_reason:
            note = "; ".join(x for x in (note, f"partial: {partial_reason}") if x)
            log.warning(
                "%s: decoded %d frames, the rest is unreadable (%s)", path, done, partial_reason
            )
        if done == 0:
            raise NoFramesError(
                f"No frame of video '{path}' could be decoded ({partial_reason or 'empty stream'})."
                " Re-export or re-download the file."
            )
        self._finish(backend, done, note, partial=bool(partial_reason))

    def _finish(self, backend: str, done: int, note: str, partial: bool = False) -> None:
        self.report = DecodeReport(backend, done, self._probe.expected_frames, partial, note)

    def close(self) -> None:
        """Stop a pass in progress and free its decoder (safe to call twice)."""
        if self._active is not None:
            self._active.close()  # type: ignore[attr-defined]
            self._active = None

    def __enter__(self) -> VideoSource:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def frames_per_chunk(
    width: int, height: int, chunk_frames: int, memory_mb: int | None, in_flight: int
) -> int:
    """Frames per chunk so that ``in_flight`` chunks of RGB frames fit in ``memory_mb``.

    Args:
        width, height: frame size in pixels.
        chunk_frames: the most frames per chunk (the setting).
        memory_mb: budget in MiB for decoded frames (None: no budget, ``chunk_frames``).
        in_flight: chunks alive at once (queued, being decoded, being used).

    Returns:
        ``chunk_frames`` or fewer, at least 1 (one frame per chunk is the floor: a frame larger
        than the budget's share still decodes, and :data:`MAX_FRAME_PIXELS` caps its size).
    """
    if memory_mb is None:
        return chunk_frames
    frame_bytes = width * height * 3
    fit = (memory_mb * 2**20) // (frame_bytes * in_flight)
    return int(max(1, min(chunk_frames, fit)))


def _check_size(info: VideoInfo) -> None:
    if info.width * info.height > MAX_FRAME_PIXELS:
        raise VideoTooLargeError(
            f"Video '{info.path}' is {info.width}x{info.height} "
            f"({info.width * info.height / 1e6:.0f} megapixels); the largest supported frame is "
            f"{MAX_FRAME_PIXELS / 1e6:.0f} megapixels (8192x8192). Downscale it first, e.g. "
            "ffmpeg -i IN -vf scale=-2:4320 OUT.mp4."
        )


def _plan_backend(probe: Probe, decoder: str, chunk_frames: int) -> tuple[str, str]:
    """Pick the decoder for a file: ``(backend, why)``; ``why`` is "" for the default choice."""
    if decoder == "pyav":
        return "pyav", ""
    if probe.info.codec in DECORD_UNSUPPORTED_CODECS:
        if decoder == "decord":
            raise DecoderError(
                f"decord cannot decode {probe.info.codec} video '{probe.info.path}'. "
                "Set 'decoder' to auto or pyav."
            )
        return "pyav", f"decord cannot decode {probe.info.codec}; using PyAV"
    if decoder == "auto" and not probe.sample_indexed:
        # decord can spin forever when its frame count exceeds the decodable frames (decord#373,
        # uninterruptible); only an MP4/MOV sample index lets us cap the count it is asked for.
        return "pyav", (
            "the container does not index every frame (not MP4/MOV); using PyAV, which cannot "
            "be hung by a wrong frame count"
        )
    if decoder == "auto" and probe.keyframe_gap > chunk_frames:
        # decord's bounded-memory guard makes every chunk re-decode from its keyframe: with
        # keyframes 250 frames apart that is 4-5x the work (measured 52 vs 111 frames/s, 1080p).
        return "pyav", (
            f"keyframes up to {probe.keyframe_gap} frames apart (> {chunk_frames} per chunk); "
            "using PyAV, which decodes long GOPs once"
        )
    return "decord", ""


def open_video(
    path: str | Path,
    decoder: str = "auto",
    chunk_frames: int = 32,
    memory_mb: int | None = None,
    in_flight: int = CHUNKS_IN_FLIGHT,
) -> VideoSource:
    """Probe a video file and return a :class:`VideoSource` that decodes it in chunks.

    Args:
        path: the video file (anything FFmpeg reads: mp4, mov, mkv, webm, ...).
        decoder: ``"auto"`` (decord for MP4/MOV; PyAV where decord cannot decode the file,
            would have to re-decode long GOPs to keep memory bounded, or where the container has
            no sample index to check its frame count against), ``"decord"`` or ``"pyav"``.
        chunk_frames: most frames per :class:`FrameBatch`.
        memory_mb: budget in MiB for ``in_flight`` chunks of decoded RGB frames: chunks get
            fewer frames when the frames are large (see :func:`frames_per_chunk`), and PyAV
            decodes with slice threads only when frame threads would hold too many frames.
            None: ``chunk_frames`` whatever the size.
        in_flight: chunks the consumer keeps alive at once (queue, decoding, in use).

    Returns:
        a :class:`VideoSource` (a context manager); ``source.info`` is ready at once.

    Raises:
        UsageError: unknown ``decoder`` or ``chunk_frames < 1``.
        VideoError: one of its subclasses for a missing, empty, unreadable, video-less,
            frame-less or too large (:data:`MAX_FRAME_PIXELS`) file; the message names the file
            and the fix.
    """
    if decoder not in DECODERS:
        raise UsageError(f"Unknown decoder {decoder!r}; choose one of: {', '.join(DECODERS)}.")
    if chunk_frames < 1:
        raise UsageError(f"chunk_frames must be >= 1, got {chunk_frames}.")
    probe = probe_video(path)
    _check_size(probe.info)
    chunk = frames_per_chunk(
        probe.info.width, probe.info.height, chunk_frames, memory_mb, in_flight
    )
    if chunk < chunk_frames:
        log.info(
            "%s: %dx%d frames, %d per chunk to stay within %d MiB",
            probe.info.path,
            probe.info.width,
            probe.info.height,
            chunk,
            memory_mb,
        )
    frame_threads = memory_mb is None or _frame_threads_fit(probe.info, memory_mb)
    return VideoSource(probe, decoder, chunk, frame_threads)


def _frame_threads_fit(info: VideoInfo, memory_mb: int) -> bool:
    """Whether FFmpeg's frame threads (one frame in flight per core) fit in a quarter of the
    budget; else PyAV decodes with slice threads, which hold no extra frames."""
    yuv_bytes = info.width * info.height * 3 // 2  # 4:2:0, what most videos decode to
    return yuv_bytes * (os.cpu_count() or 1) <= memory_mb * 2**20 // 4


def probe_video(path: str | Path) -> Probe:
    """Read a video's facts with PyAV, decoding only its first frame.

    Raises:
        VideoError: a subclass naming the file and the fix (see :func:`open_video`).
    """
    import av

    p = Path(path).expanduser()
    if not p.exists():
        raise VideoNotFoundError(f"Video not found: '{p}'. Check the path and the file name.")
    if not p.is_file():
        raise VideoNotFoundError(f"'{p}' is not a file. Pass a video file.")
    if p.stat().st_size == 0:
        raise VideoEmptyError(f"Video '{p}' is empty (0 bytes). Copy or export the video again.")
    try:
        container = av.open(str(p))
    except PermissionError:
        raise VideoUnreadableError(
            f"Cannot read video '{p}': permission denied. Check the file's permissions."
        ) from None
    except av.error.EOFError:  # pyright: ignore[reportAttributeAccessIssue]
        raise NoFramesError(
            f"Video '{p}' ends before its first frame (an empty recording). "
            "Record or export it again."
        ) from None
    except (av.error.FFmpegError, OSError, ValueError, UnicodeDecodeError) as e:  # pyright: ignore[reportAttributeAccessIssue]
        raise VideoUnreadableError(
            f"Cannot read '{p}' as a video ({ffmpeg_reason(e)}). It is not a video file or it "
            "is damaged (e.g. an MP4 cut short before its index); export or download it again."
        ) from None
    with container:
        if not container.streams.video:
            kinds = sorted({s.type for s in container.streams}) or ["no streams at all"]
            raise NoVideoStreamError(
                f"'{p}' has no video stream ({', '.join(kinds)}). Pass a file with video in it."
            )
        try:
            return Probe.read(p, container)
        except DecodeFailure as e:
            raise NoFramesError(
                f"Video '{p}' has a video stream but no decodable frame ({e}). "
                "Export or download it again."
            ) from None
