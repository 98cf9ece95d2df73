"""Streaming H.264 MP4 writer (PyAV): frames are encoded as they come, never collected.

Encoding runs on a worker thread (PyAV and x264 release the GIL), so the caller renders the next
frame meanwhile; at most :data:`QUEUE_FRAMES` frames wait, so memory stays flat. The writer keeps
a reference to every image until it is encoded: do not modify an image after handing it over.

Frame times are kept: every frame's presentation time is the time it had in the source video
(seconds, on a 1/90000 s clock), so a variable-frame-rate input stays variable. The writer writes
exactly the path it is given (any name: the container format is set explicitly); making the output
atomic (temporary name, rename when complete) is the caller's job (``exporters._output``).
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
import numpy.typing as npt

from mocap.errors import OutputError

#: Presentation-time clock of the written streams (the MPEG 90 kHz clock: ~11 us resolution).
TIME_BASE = Fraction(1, 90000)
#: x264 quality (constant rate factor; 18-23 is visually good) and speed preset.
DEFAULT_CRF = 20
DEFAULT_PRESET = "veryfast"
#: Frames waiting for the encoder thread at most (bounds memory: a few frames).
QUEUE_FRAMES = 4


class Mp4Writer:
    """Write RGB frames as H.264 in MP4, with an optional second video stream (the side view).

    Args:
        path: target ``.mp4`` file.
        width, height: size of the main stream (the input video's size).
        fps: nominal frame rate written as the streams' rate (times come from :meth:`write`).
        side_size: (width, height) of a second stream, or None for one stream.
        crf, preset: x264 quality and speed.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        width: int,
        height: int,
        fps: float,
        side_size: tuple[int, int] | None = None,
        crf: int = DEFAULT_CRF,
        preset: str = DEFAULT_PRESET,
    ) -> None:
        import av

        self.path = Path(path)
        try:
            self._container = av.open(str(self.path), "w", format="mp4")
        except OSError as error:
            raise OutputError(f"cannot write '{self.path}': {error}") from None
        rate = Fraction(fps).limit_denominator(1001 * 1000) if fps > 0 else Fraction(30)
        opts = {"crf": str(crf), "preset": preset}
        self._main = _add_stream(self._container, width, height, rate, opts)
        self._side = (
            None
            if side_size is None
            else _add_stream(self._container, side_size[0], side_size[1], rate, opts)
        )
        self._last_pts: int | None = None
        self.frames_written = 0
        self._queue: queue.Queue[tuple[int, Any, Any] | None] = queue.Queue(QUEUE_FRAMES)
        self._error: BaseException | None = None
        self._worker = threading.Thread(target=self._run, name="mp4-encoder", daemon=True)
        self._worker.start()

    def _run(self) -> None:
        while (task := self._queue.get()) is not None:
            if self._error is not None:
                continue  # drain after a failure; the error is raised in the caller's thread
            pts, image, side = task
            try:
                self._encode(self._main, image, pts)
                if side is not None and self._side is not None:
                    self._encode(self._side, side, pts)
            except BaseException as error:  # handed to the caller
                self._error = error

    def _raise_worker_error(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def write(
        self,
        time_s: float,
        image: npt.NDArray[np.uint8],
        side: npt.NDArray[np.uint8] | None = None,
    ) -> None:
        """Encode one frame shown at ``time_s`` seconds: ``image`` (H, W, 3) uint8 RGB.

        ``side`` (h, w, 3) is required when the writer has a side stream and refused otherwise.
        """
        if (side is None) != (self._side is None):
            raise ValueError("write: give a side image exactly when the writer has a side stream")
        _check_size(self._main, image)
        if side is not None:
            _check_size(self._side, side)
        self._raise_worker_error()
        pts = round(time_s / TIME_BASE)
        if self._last_pts is not None and pts <= self._last_pts:
            pts = self._last_pts + 1  # equal or decreasing times: keep the order, one tick apart
        self._last_pts = pts
        self._queue.put((pts, image, side))
        self.frames_written += 1

    def _encode(self, stream: Any, image: npt.NDArray[np.uint8], pts: int) -> None:
        import av

        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
        frame.pts = pts
        frame.time_base = TIME_BASE
        for packet in stream.encode(frame):
            self._container.mux(packet)

    def close(self) -> Path:
        """Flush the encoders and close the file; returns its path."""
        self._stop_worker()
        try:
            self._raise_worker_error()
        except BaseException:
            self.abort()
            raise
        for stream in (self._main, self._side):
            if stream is not None:
                for packet in stream.encode(None):
                    self._container.mux(packet)
        self._container.close()
        return self.path

    def abort(self) -> None:
        """Stop after an error: close the file without flushing (the caller discards it)."""
        self._stop_worker()
        self._error = None
        with contextlib.suppress(Exception):  # the file is discarded anyway
            self._container.close()

    def _stop_worker(self) -> None:
        if self._worker.is_alive():
            self._queue.put(None)
            self._worker.join()

    def __enter__(self) -> Mp4Writer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def _check_size(stream: Any, image: npt.NDArray[np.uint8]) -> None:
    if image.shape != (stream.height, stream.width, 3):
        raise ValueError(
            f"write: frame is {image.shape}, stream is {(stream.height, stream.width, 3)}"
        )


def _add_stream(
    container: Any, width: int, height: int, rate: Fraction, opts: dict[str, str]
) -> Any:
    """An H.264 stream of this size; 4:2:0 chroma when both sides are even, else 4:4:4."""
    stream = container.add_stream("libx264", rate=rate, options=dict(opts))
    stream.width, stream.height = int(width), int(height)
    stream.pix_fmt = "yuv420p" if width % 2 == 0 and height % 2 == 0 else "yuv444p"
    stream.time_base = TIME_BASE
    stream.codec_context.time_base = TIME_BASE
    return stream
