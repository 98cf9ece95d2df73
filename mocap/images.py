"""Image inputs: single images, folders of photos, and folders that are frame sequences.

Reading applies the EXIF orientation (the pixels come out as a viewer shows them) and always
returns (H, W, 3) uint8 RGB, whatever the file's mode (grey, palette, alpha, 16-bit).

**Sequence or photos** (the documented rule, :func:`folder_kind`): a folder of images is one
frame sequence when it has at least two images, every file name is the same prefix and suffix
around a number (``frame_0001.png``, ``frame_0002.png``, ... or ``0001.jpg``, ...) and every
image has the same size after EXIF orientation; then its frames are in natural order at a given
fps and are tracked like a video. Anything else is a set of independent photos: no tracking,
every person of every image on their own. Callers may override the rule.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from mocap.errors import ImageError
from mocap.types import FrameBatch, VideoInfo

#: Suffixes read as images (lower case).
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff")
#: EXIF tag of the orientation, and the orientations that swap width and height.
_EXIF_ORIENTATION = 0x0112
_TRANSPOSED = (5, 6, 7, 8)
_NUMBERED = re.compile(r"^(.*?)(\d+)(\D*)$")


def is_image(path: str | os.PathLike[str]) -> bool:
    """True when the suffix is one of :data:`IMAGE_SUFFIXES` (case-insensitive)."""
    return Path(path).suffix.lower() in IMAGE_SUFFIXES


def natural_key(name: str) -> tuple[Any, ...]:
    """Sort key that orders digit runs by value: ``f2.png`` < ``f10.png``."""
    return tuple(
        (1, int(part), part) if part.isdigit() else (0, part.lower(), part)
        for part in re.split(r"(\d+)", name)
        if part
    )


def list_images(folder: str | os.PathLike[str]) -> list[Path]:
    """Image files directly inside ``folder`` (hidden files skipped), in natural order.

    Raises:
        ImageError: ``folder`` is not a folder.
    """
    root = Path(folder)
    if not root.is_dir():
        raise ImageError(f"'{root}' is not a folder")
    found = [
        p for p in root.iterdir() if p.is_file() and is_image(p) and not p.name.startswith(".")
    ]
    return sorted(found, key=lambda p: natural_key(p.name))


def _open(path: Path) -> Any:
    from PIL import Image

    if not path.is_file():
        raise ImageError(f"image '{path}' does not exist")
    try:
        return Image.open(path)
    # ImportError: once ultralytics is imported it wraps Image.open and, on a file PIL cannot
    # identify, tries to load the pi_heif plugin, which is not installed (measured, 8.3)
    except (OSError, ValueError, ImportError, Image.DecompressionBombError) as e:
        raise ImageError(f"'{path}' is not a readable image ({_reason(e)})") from None


def _reason(error: BaseException) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def image_size(path: str | os.PathLike[str]) -> tuple[int, int]:
    """(width, height) as displayed (EXIF orientation applied), from the header only.

    Raises:
        ImageError: missing or unreadable file.
    """
    with _open(Path(path)) as img:
        w, h = img.size
        try:
            orientation = img.getexif().get(_EXIF_ORIENTATION, 1)
        except (OSError, ValueError, SyntaxError):
            orientation = 1
    return (h, w) if orientation in _TRANSPOSED else (w, h)


def read_image(path: str | os.PathLike[str]) -> npt.NDArray[np.uint8]:
    """Decode an image to (H, W, 3) uint8 RGB with its EXIF orientation applied.

    Raises:
        ImageError: missing, not an image, truncated or otherwise undecodable.
    """
    from PIL import Image, ImageOps

    path = Path(path)
    with _open(path) as img:
        try:
            img.load()
            shown = ImageOps.exif_transpose(img) or img
            rgb = _to_rgb(shown)
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as e:
            raise ImageError(f"image '{path}' cannot be decoded ({_reason(e)})") from None
    return rgb


def _to_rgb(img: Any) -> npt.NDArray[np.uint8]:
    """RGB uint8 from any PIL mode (16-bit grey scaled down; alpha dropped)."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(img, dtype=np.float64)
        top = 65535.0 if img.mode.startswith("I;16") else max(float(arr.max()), 1.0)
        grey = np.clip(arr / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return np.ascontiguousarray(np.repeat(grey[..., None], 3, axis=2))
    return np.ascontiguousarray(np.asarray(img.convert("RGB"), dtype=np.uint8))


def folder_kind(paths: Sequence[Path]) -> str:
    """``"sequence"`` or ``"photos"`` for the images of one folder (the rule in the module doc).

    Unreadable images make the folder ``"photos"`` (each then fails on its own).
    """
    if len(paths) < 2:
        return "photos"
    shapes = set()
    for p in paths:
        m = _NUMBERED.match(p.stem)
        if m is None:
            return "photos"
        shapes.add((m.group(1), m.group(3), p.suffix.lower()))
    if len(shapes) != 1:
        return "photos"
    try:
        sizes = {image_size(p) for p in paths}
    except ImageError:
        return "photos"
    return "sequence" if len(sizes) == 1 else "photos"


@dataclass(frozen=True)
class Photo:
    """One image read for the photo path: its name, pixels or the reason it failed."""

    path: Path
    image: npt.NDArray[np.uint8] | None
    error: str = ""


def read_photos(paths: Sequence[Path]) -> Iterator[Photo]:
    """Read images one at a time; an unreadable one yields a :class:`Photo` with ``error`` set
    instead of raising, so one bad file never stops a folder."""
    for p in paths:
        try:
            yield Photo(p, read_image(p))
        except ImageError as e:
            yield Photo(p, None, str(e))


class ImageSequence:
    """A folder of frames as a video source: :class:`FrameBatch` chunks in natural order.

    Same interface as :class:`mocap.video.VideoSource` for the pipeline (``info``, iteration,
    ``close``, context manager). Frame k has time k / fps.

    Args:
        paths: the frames in order (e.g. :func:`list_images`).
        fps: frames per second of the sequence.
        chunk_frames: frames per batch.

    Raises:
        ImageError: no frames, or the first frame cannot be read. A later frame that cannot be
            read or has another size raises :class:`ImageError` naming it while iterating.
    """

    def __init__(self, paths: Sequence[Path], fps: float, chunk_frames: int = 32) -> None:
        if not paths:
            raise ImageError("an image sequence needs at least one image")
        if not fps > 0:
            raise ImageError(f"frame rate must be > 0, got {fps}")
        self.paths = list(paths)
        w, h = image_size(self.paths[0])
        folder = self.paths[0].parent
        self.info = VideoInfo(folder, w, h, float(fps), len(self.paths), 0, "images")
        self._chunk = chunk_frames
        self.report = None

    def __iter__(self) -> Iterator[FrameBatch]:
        w, h = self.info.width, self.info.height
        for start in range(0, len(self.paths), self._chunk):
            idx = np.arange(start, min(start + self._chunk, len(self.paths)))
            frames = []
            for k in idx:
                img = read_image(self.paths[k])
                if img.shape[:2] != (h, w):
                    raise ImageError(
                        f"frame '{self.paths[k]}' is {img.shape[1]}x{img.shape[0]}, the sequence "
                        f"is {w}x{h}; all frames of a sequence must have one size"
                    )
                frames.append(img)
            yield FrameBatch(idx, idx / self.info.fps, np.stack(frames))

    def close(self) -> None:
        """Nothing is held open between batches."""

    def __enter__(self) -> ImageSequence:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
