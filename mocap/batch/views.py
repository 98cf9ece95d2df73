"""Write the outputs that show a result: ``.mp4`` overlay, ``.html`` report, ``.json`` figures.

One pass over the source video serves every view output of a result: the overlay video is
encoded frame by frame and the report's thumbnails are taken from the same rendered frames (with
only a report asked for, just the thumbnail frames are drawn). Every file is written under a
temporary name and renamed when complete (``exporters._output.atomic_paths``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from mocap.errors import InputError
from mocap.render import Mp4Writer, PreviewFrame, PreviewOptions, render_preview, side_size
from mocap.types import MotionSet

log = logging.getLogger(__name__)

#: Output suffixes handled here (lower case).
VIEW_SUFFIXES = (".mp4", ".html", ".json")
#: Thumbnails in a report, taken at evenly spaced frames between 10 % and 90 % of the video.
REPORT_THUMBNAILS = 4
#: Width in pixels of the thumbnail a report carries for the batch index.
INDEX_THUMB_WIDTH = 200


@dataclass(frozen=True)
class ViewSettings:
    """How view outputs are made.

    Attributes:
        preview: overlay look and side-view layout.
        thumbnails: overlay frames shown at the top of a report.
        decoder: video decoder (as :func:`mocap.video.open_video`).
    """

    preview: PreviewOptions = field(default_factory=PreviewOptions)
    thumbnails: int = REPORT_THUMBNAILS
    decoder: str = "auto"


def is_view_output(path: Path) -> bool:
    """True for ``.mp4``, ``.html`` and ``.json`` targets."""
    return path.suffix.lower() in VIEW_SUFFIXES


def thumbnail_frames(num_frames: int, count: int) -> list[int]:
    """``count`` distinct frame indices spread over the middle 80 % of the video."""
    if num_frames <= 0 or count <= 0:
        return []
    picks = np.linspace(0.1 * (num_frames - 1), 0.9 * (num_frames - 1), count)
    return sorted({round(float(x)) for x in picks})


def _thumbnail(frame: PreviewFrame) -> npt.NDArray[np.uint8]:
    """The overlay with its side view beside it (a side stream is scaled to the same height)."""
    if frame.side is None:
        return frame.image
    import cv2

    h = frame.image.shape[0]
    w = max(1, round(frame.side.shape[1] * h / frame.side.shape[0]))
    side = cv2.resize(frame.side, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.concatenate([frame.image, side.astype(np.uint8)], axis=1)


def _source_video(motion: MotionSet, video: Path | None, required: bool) -> Path | None:
    """The video to draw over: ``video`` or the one the result names; None when absent."""
    path = video if video is not None else motion.video.path
    if path is not None and str(path) not in ("", ".") and Path(path).is_file():
        return Path(path)
    if required:
        raise InputError(
            f"The overlay video needs the source video '{path}', which is not there; "
            "give its path in 'video'."
        )
    log.warning("source video '%s' not found: the report has no overlay thumbnails", path)
    return None


def write_view_outputs(
    motion: MotionSet,
    targets: Sequence[Path],
    *,
    video: Path | None = None,
    timings: dict[str, float] | None = None,
    settings: ViewSettings | None = None,
    overwrite: bool = False,
) -> list[Path]:
    """Write every ``.mp4`` / ``.html`` / ``.json`` target of one result.

    Args:
        motion: the result (``motion.body`` is needed for ``.mp4`` and for thumbnails).
        targets: output paths, each ending in one of :data:`VIEW_SUFFIXES`.
        video: the source video (default: the path stored in the result).
        timings: stage -> seconds for the report.
        settings: look of the overlay and number of thumbnails.
        overwrite: replace existing files.

    Returns:
        the paths written, in the order given.

    Raises:
        InputError: an ``.mp4`` is asked for and the source video is missing, or its frame size
            differs from the result's.
        OutputExistsError, OutputError: a target exists (without ``overwrite``) or cannot be
            written.
    """
    from exporters._output import atomic_paths
    from mocap.report import build_report, report_html, report_json, thumbnail_data_uri

    opts = settings or ViewSettings()
    paths = [Path(t) for t in targets]
    kinds = [p.suffix.lower() for p in paths]
    wants_mp4 = ".mp4" in kinds
    wants_thumbs = opts.thumbnails > 0 and motion.body is not None and ".html" in kinds
    source = _source_video(motion, video, required=wants_mp4) if wants_mp4 or wants_thumbs else None
    with atomic_paths(paths, overwrite) as temps:
        thumbs: list[npt.NDArray[np.uint8]] = []
        if source is not None:
            mp4_temps = [t for t, k in zip(temps, kinds, strict=True) if k == ".mp4"]
            thumbs = _render_pass(motion, source, mp4_temps, opts, wants_thumbs)
        if ".html" in kinds or ".json" in kinds:
            report = build_report(motion, timings)
            if thumbs:  # the batch index shows it (read back from the .json)
                report = replace(report, thumbnail=thumbnail_data_uri(thumbs[0], INDEX_THUMB_WIDTH))
            for tmp, kind in zip(temps, kinds, strict=True):
                if kind == ".html":
                    tmp.write_text(report_html(report, thumbs), encoding="utf-8")
                elif kind == ".json":
                    tmp.write_text(report_json(report), encoding="utf-8")
    return paths


def _render_pass(
    motion: MotionSet,
    source: Path,
    mp4_paths: list[Path],
    opts: ViewSettings,
    wants_thumbs: bool,
) -> list[npt.NDArray[np.uint8]]:
    """Decode ``source`` once: encode every frame into ``mp4_paths``, return the thumbnails."""
    from mocap.video import open_video

    cam = motion.camera
    picks = set(thumbnail_frames(motion.num_frames, opts.thumbnails)) if wants_thumbs else set()
    thumbs: list[npt.NDArray[np.uint8]] = []
    if mp4_paths:  # the overlay pass renders every frame anyway: keep thumbnails for the index
        picks = picks or set(thumbnail_frames(motion.num_frames, 1))
    with ExitStack() as stack:
        frames = stack.enter_context(open_video(source, decoder=opts.decoder))
        info = frames.info
        if (info.width, info.height) != (cam.width, cam.height):
            raise InputError(
                f"Video '{source}' is {info.width}x{info.height} but the result was made from a "
                f"{cam.width}x{cam.height} video; give the video the result came from."
            )
        size = side_size(motion, opts.preview)
        width = cam.width * (2 if opts.preview.side == "panel" else 1)
        writers = [
            stack.enter_context(Mp4Writer(p, width, cam.height, info.fps, size)) for p in mp4_paths
        ]
        only = None if writers else picks
        for frame in render_preview(motion, frames, opts.preview, only=only):
            for writer in writers:
                writer.write(frame.time, frame.image, frame.side)
            if frame.index in picks:
                thumbs.append(_thumbnail(frame))
    return thumbs
