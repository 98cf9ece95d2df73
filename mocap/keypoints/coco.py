"""COCO keypoint annotation JSON -> people with boxes and J24 keypoints, per image.

The file is the standard ``person_keypoints_*.json`` layout: ``images`` (``id``, ``file_name``,
``width``, ``height``) and ``annotations`` (``id``, ``image_id``, ``keypoints`` = 17 x [x, y, v],
``bbox`` = [x, y, w, h] in pixels, optional ``iscrowd``). Crowd annotations and people without
any labelled keypoint are skipped. Visibility v > 0 becomes conf 1 (SPIN's rule, so the labels
match the released pseudo-GT files' ``part``).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from mocap.errors import KeypointFileError
from mocap.keypoints.mapping import to_j24
from mocap.keypoints.tables import COCO17_NAMES

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class PersonKeypoints:
    """One annotated person.

    Attributes:
        annot_id: the annotation's ``id`` (the pseudo-GT files' ``annot_id``).
        box: (4,) float64 xyxy pixels (x2 = x + w, y2 = y + h).
        part: (24, 3) float64 J24 ``[x, y, conf]`` in full-image pixels, conf in {0, 1}.
    """

    annot_id: int
    box: F64
    part: F64


@dataclass(frozen=True)
class ImageKeypoints:
    """The annotated people of one image.

    Attributes:
        file_name: the image's ``file_name`` (relative to the image folder).
        width, height: image size the annotation states (pixels).
        people: annotated people, in file order.
    """

    file_name: str
    width: int
    height: int
    people: tuple[PersonKeypoints, ...]


def read_coco_keypoints(path: str | os.PathLike[str]) -> list[ImageKeypoints]:
    """Read a COCO keypoint JSON; only images with at least one usable person are returned.

    Returns:
        images in the order of the file's ``images`` list.

    Raises:
        KeypointFileError: missing file, not JSON, missing keys, a wrong keypoint count, a box
            with non-positive size, or an annotation of an image the file does not list.
    """
    path = Path(path)
    if not path.is_file():
        raise KeypointFileError(f"keypoint file '{path}' does not exist")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise KeypointFileError(f"keypoint file '{path}' is not valid JSON ({e})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("images"), list):
        raise KeypointFileError(
            f"keypoint file '{path}' has no 'images' list; expected COCO person_keypoints JSON"
        )
    if not isinstance(doc.get("annotations"), list):
        raise KeypointFileError(f"keypoint file '{path}' has no 'annotations' list")
    images = {}
    for k, entry in enumerate(doc["images"]):
        img = _image(entry, f"'{path}' images[{k}]")
        images[img[0]] = img[1:]
    people: dict[Any, list[PersonKeypoints]] = {key: [] for key in images}
    for k, ann in enumerate(doc["annotations"]):
        where = f"'{path}' annotations[{k}]"
        person = _person(ann, where)
        if person is None:
            continue
        image_id = ann.get("image_id")
        if image_id not in people:
            raise KeypointFileError(f"{where}: image_id {image_id!r} is not in 'images'")
        people[image_id].append(person)
    return [
        ImageKeypoints(name, w, h, tuple(people[key]))
        for key, (name, w, h) in images.items()
        if people[key]
    ]


def _image(entry: Any, where: str) -> tuple[Any, str, int, int]:
    try:
        key, name = entry["id"], str(entry["file_name"])
        w, h = int(entry["width"]), int(entry["height"])
    except (KeyError, TypeError, ValueError) as e:
        raise KeypointFileError(
            f"{where}: needs id, file_name, width and height ({type(e).__name__}: {e})"
        ) from None
    if w <= 0 or h <= 0:
        raise KeypointFileError(f"{where}: image size {w}x{h} is not positive")
    return key, name, w, h


def _person(ann: Any, where: str) -> PersonKeypoints | None:
    """A checked person, or None for crowd regions and people without labelled keypoints."""
    if not isinstance(ann, dict):
        raise KeypointFileError(f"{where}: not an object")
    if ann.get("iscrowd", 0):
        return None
    kp = _floats(ann.get("keypoints"), 3 * len(COCO17_NAMES), where, "keypoints")
    box = _floats(ann.get("bbox"), 4, where, "bbox")
    if not (box[2] > 0 and box[3] > 0):
        raise KeypointFileError(f"{where}: bbox width/height must be > 0, got {box.tolist()}")
    kp = kp.reshape(len(COCO17_NAMES), 3)
    if not np.any(kp[:, 2] > 0):
        return None
    try:
        annot_id = int(ann["id"])
    except (KeyError, TypeError, ValueError):
        raise KeypointFileError(f"{where}: needs an integer 'id'") from None
    xyxy = np.array([box[0], box[1], box[0] + box[2], box[1] + box[3]])
    return PersonKeypoints(annot_id, xyxy, to_j24(kp, "coco17", binary_confidence=True))


def _floats(value: Any, n: int, where: str, key: str) -> F64:
    if not isinstance(value, list) or len(value) != n:
        got = f"{len(value)} numbers" if isinstance(value, list) else repr(type(value).__name__)
        raise KeypointFileError(f"{where}: '{key}' must be a list of {n} numbers, got {got}")
    try:
        arr = np.array([float(v) for v in value])
    except (TypeError, ValueError):
        raise KeypointFileError(f"{where}: '{key}' holds a value that is not a number") from None
    if not all(math.isfinite(v) for v in arr):
        raise KeypointFileError(f"{where}: '{key}' holds a non-finite number")
    return arr
