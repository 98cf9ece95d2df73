"""Image inputs: formats, EXIF orientation, natural order, the sequence-vs-photos rule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from mocap.images import (
    ImageError,
    ImageSequence,
    folder_kind,
    image_size,
    list_images,
    natural_key,
    read_image,
    read_photos,
)


def _pattern(w: int = 40, h: int = 30) -> np.ndarray:
    """An image whose every pixel is unique enough to check orientation: R = x, G = y."""
    img = np.zeros((h, w, 3), np.uint8)
    img[..., 0] = np.arange(w)[None, :] * 5
    img[..., 1] = np.arange(h)[:, None] * 5
    img[..., 2] = 128
    return img


@pytest.mark.parametrize("suffix", [".png", ".bmp", ".tiff", ".webp", ".jpg"])
def test_formats_read_as_rgb(tmp_path: Path, suffix: str) -> None:
    src = _pattern()
    path = tmp_path / f"a{suffix}"
    kwargs: dict[str, Any] = (
        {"lossless": True} if suffix == ".webp" else {"quality": 100} if suffix == ".jpg" else {}
    )
    Image.fromarray(src).save(path, **kwargs)
    img = read_image(path)
    assert img.shape == (30, 40, 3) and img.dtype == np.uint8
    tol = 6 if suffix == ".jpg" else 0
    assert np.abs(img.astype(int) - src).max() <= tol


def test_modes_become_rgb(tmp_path: Path) -> None:
    grey = (np.arange(12, dtype=np.uint16).reshape(3, 4) * 5000).astype(np.uint16)
    Image.fromarray(grey).save(tmp_path / "g16.png")
    rgba = np.dstack([_pattern(4, 3), np.full((3, 4), 7, np.uint8)])
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    g = read_image(tmp_path / "g16.png")
    assert g.shape == (3, 4, 3) and g[0, 1, 0] == round(5000 / 65535 * 255)
    assert np.array_equal(read_image(tmp_path / "a.png"), _pattern(4, 3))


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    src = _pattern()
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    path = tmp_path / "phone.png"
    Image.fromarray(src).save(path, exif=exif.tobytes())
    img = read_image(path)
    assert img.shape == (40, 30, 3) and image_size(path) == (30, 40)
    np.testing.assert_array_equal(img, np.rot90(src, k=-1))


def test_broken_images_raise_image_error(tmp_path: Path) -> None:
    (tmp_path / "text.jpg").write_text("hello")
    Image.fromarray(_pattern(200, 200)).save(tmp_path / "full.jpg")
    data = (tmp_path / "full.jpg").read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) // 3])
    for name, words in [("text.jpg", "not a readable image"), ("cut.jpg", "cannot be decoded"),
                        ("none.png", "does not exist")]:  # fmt: skip
        with pytest.raises(ImageError, match=words):
            read_image(tmp_path / name)
    photos = list(read_photos([tmp_path / "full.jpg", tmp_path / "cut.jpg"]))
    assert photos[0].image is not None and photos[0].error == ""
    assert photos[1].image is None and "cut.jpg" in photos[1].error


def test_natural_order_and_listing(tmp_path: Path) -> None:
    names = ["f10.png", "f2.png", "F1.png", "f100.png", ".hidden.png", "notes.txt", "f3.JPG"]
    for n in names:
        (tmp_path / n).write_bytes(b"")
    (tmp_path / "sub.png").mkdir()
    assert [p.name for p in list_images(tmp_path)] == [
        "F1.png",
        "f2.png",
        "f3.JPG",
        "f10.png",
        "f100.png",
    ]
    assert sorted(["a10b", "a9b", "a10a"], key=natural_key) == ["a9b", "a10a", "a10b"]
    with pytest.raises(ImageError, match="not a folder"):
        list_images(tmp_path / "f2.png")


def _save(folder: Path, names: list[str], sizes: list[tuple[int, int]]) -> list[Path]:
    folder.mkdir()
    for n, (w, h) in zip(names, sizes, strict=True):
        Image.fromarray(_pattern(w, h)).save(folder / n)
    return list_images(folder)


def test_sequence_or_photos_rule(tmp_path: Path) -> None:
    seq = _save(tmp_path / "s", [f"frame_{k:04d}.png" for k in range(3)], [(40, 30)] * 3)
    bare = _save(tmp_path / "b", ["1.png", "2.png", "10.png"], [(40, 30)] * 3)
    mixed = _save(tmp_path / "m", ["frame_0001.png", "shot_0002.png"], [(40, 30)] * 2)
    sizes = _save(tmp_path / "z", ["f1.png", "f2.png"], [(40, 30), (30, 40)])
    holiday = _save(tmp_path / "h", ["beach.png", "hotel.png"], [(40, 30)] * 2)
    single = _save(tmp_path / "o", ["f1.png"], [(40, 30)])
    assert folder_kind(seq) == "sequence" and folder_kind(bare) == "sequence"
    for photos in (mixed, sizes, holiday, single):
        assert folder_kind(photos) == "photos"


def test_image_sequence_yields_frames(tmp_path: Path) -> None:
    paths = _save(tmp_path / "s", [f"{k}.png" for k in range(5)], [(40, 30)] * 5)
    src = ImageSequence(paths, fps=10.0, chunk_frames=2)
    assert (src.info.width, src.info.height, src.info.num_frames) == (40, 30, 5)
    batches = list(src)
    assert [len(b) for b in batches] == [2, 2, 1]
    np.testing.assert_allclose(np.concatenate([b.times for b in batches]), np.arange(5) / 10)
    Image.fromarray(_pattern(30, 40)).save(paths[3])
    with pytest.raises(ImageError, match=r"3\.png' is 30x40"):
        list(ImageSequence(paths, fps=10.0))


@pytest.mark.slow  # imports ultralytics in a fresh process
def test_broken_image_after_ultralytics_is_imported(tmp_path: Path) -> None:
    """ultralytics wraps PIL's Image.open (HEIF fallback); a bad file must still be ImageError."""
    import subprocess
    import sys

    (tmp_path / "text.jpg").write_text("hello")
    code = (
        "import sys\nfrom mocap.detect import _import_yolo\n_import_yolo()\n"
        "from mocap.images import ImageError, read_image\n"
        f"try:\n    read_image({str(tmp_path / 'text.jpg')!r})\n"
        "except ImageError as e:\n    print('ImageError', e)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.stdout.startswith("ImageError"), done.stdout + done.stderr[-2000:]
