"""Label a folder of images from a COCO keypoint file: the annotator over a whole dataset.

Images are read one at a time (EXIF orientation applied); an image that is missing, corrupt or
of another size than its annotation says is a failed item (reported, never fatal); everyone else
is labelled in batches. Memory holds one batch of images.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mocap.annotate.label import Annotator, LabelItem
from mocap.annotate.types import Fit
from mocap.cliffgt import PseudoGT
from mocap.images import ImageError, list_images, read_image
from mocap.keypoints.coco import ImageKeypoints
from mocap.keypoints.detector import YoloPoseDetector


@dataclass
class LabelReport:
    """What a dataset run did.

    Attributes:
        labelled: people labelled; images: images read.
        failed: (image name, reason) of every image that could not be used.
        px_before, px_after: mean 2D error (px) of CLIFF's prediction and of the labels, over
            the labelled people with keypoints.
        steps: optimiser steps per batch.
        j_regressor_extra: SPIN's extra joint regressor used for J24, or None (9 keypoints
            approximated by the nearest SMPL joint, :mod:`mocap.annotate.joints`).
    """

    labelled: int = 0
    images: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    px_before: list[float] = field(default_factory=list)
    px_after: list[float] = field(default_factory=list)
    steps: list[int] = field(default_factory=list)
    j_regressor_extra: Path | None = None

    def add_fit(self, fit: Fit) -> None:
        self.px_before.extend(fit.initial.px_error.tolist())
        self.px_after.extend(fit.final.px_error.tolist())
        self.steps.append(fit.iterations)


def _items(
    folder: Path, annotations: list[ImageKeypoints], report: LabelReport
) -> Iterator[LabelItem]:
    for entry in annotations:
        try:
            image = read_image(folder / entry.file_name)
        except ImageError as e:
            report.failed.append((entry.file_name, str(e)))
            continue
        h, w = image.shape[:2]
        if (w, h) != (entry.width, entry.height):
            report.failed.append(
                (
                    entry.file_name,
                    f"image is {w}x{h}, the annotation says {entry.width}x{entry.height}",
                )
            )
            continue
        report.images += 1
        for person in entry.people:
            yield LabelItem(image, entry.file_name, person.box, person.part, person.annot_id)


def label_folder(
    folder: str | os.PathLike[str],
    annotations: list[ImageKeypoints],
    annotator: Annotator,
    progress: Callable[[int], None] | None = None,
) -> tuple[PseudoGT, LabelReport]:
    """Label every annotated person of the images in ``folder``.

    Args:
        folder: where the annotation's ``file_name`` paths are relative to.
        annotations: from :func:`mocap.keypoints.read_coco_keypoints`.
        annotator: a loaded :class:`Annotator`.
        progress: called with the number of people labelled so far.

    Returns:
        the pseudo-GT rows (``imgname`` = the annotation's ``file_name``) and the report.
    """
    report = LabelReport()
    parts: list[PseudoGT] = []
    for rows, fit in annotator.label(_items(Path(folder), annotations, report), progress):
        parts.append(rows)
        report.add_fit(fit)
        report.labelled += len(rows)
    return PseudoGT.concat(parts), report


def _detected_items(
    folder: Path, detector: YoloPoseDetector, report: LabelReport, max_people: int | None
) -> Iterator[LabelItem]:
    for path in list_images(folder):
        try:
            image = read_image(path)
        except ImageError as e:
            report.failed.append((path.name, str(e)))
            continue
        report.images += 1
        found = detector.detect([image])[0]
        order = np.argsort(-found.scores, kind="stable")[:max_people]
        for k in order:
            yield LabelItem(image, path.name, found.boxes[k], found.part[k])


def label_detected(
    folder: str | os.PathLike[str],
    detector: YoloPoseDetector,
    annotator: Annotator,
    progress: Callable[[int], None] | None = None,
    max_people: int | None = None,
) -> tuple[PseudoGT, LabelReport]:
    """Label every person a pose detector finds on the images of ``folder`` (no annotation
    file): its boxes and keypoints (conf = the detector's keypoint confidence) are the input;
    ``max_people`` keeps the most confident people per image."""
    report = LabelReport()
    parts: list[PseudoGT] = []
    items = _detected_items(Path(folder), detector, report, max_people)
    for rows, fit in annotator.label(items, progress):
        parts.append(rows)
        report.add_fit(fit)
        report.labelled += len(rows)
    return PseudoGT.concat(parts), report
