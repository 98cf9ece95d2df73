"""Label an image folder from a keypoint file with the models a run is configured with: what the
command line calls for ``--keypoints`` (it writes the file; this returns data)."""

from __future__ import annotations

import os
from collections.abc import Callable

from mocap.annotate.dataset import LabelReport, label_folder
from mocap.annotate.label import Annotator
from mocap.annotate.types import AnnotatorConfig
from mocap.cliffgt import PseudoGT
from mocap.config import PipelineConfig
from mocap.keypoints import read_coco_keypoints


def annotate_folder(
    folder: str | os.PathLike[str],
    keypoints: str | os.PathLike[str],
    config: PipelineConfig,
    fit: AnnotatorConfig,
    progress: Callable[[int], None] | None = None,
) -> tuple[PseudoGT, LabelReport]:
    """Read the keypoint file, load CLIFF and SMPL (the ``checkpoint`` and ``smpl_model``
    settings), and label every annotated person of the images in ``folder``.

    Raises:
        KeypointFileError: the keypoint file is missing or malformed (before any model loads).
        ModelFileNotFoundError, CheckpointError, SmplModelError: a model file problem.
    """
    from mocap import body, modelfiles, weights
    from mocap.device import resolve_device

    annotations = read_coco_keypoints(keypoints)
    model_dir = config.resolved_model_dir()
    checkpoint = modelfiles.find_model_file(modelfiles.CHECKPOINT, config.checkpoint, model_dir)
    smpl = modelfiles.find_model_file(modelfiles.SMPL, config.smpl_model, model_dir)
    device = resolve_device(config.device)
    annotator = Annotator(
        weights.load_cliff(checkpoint.require(), device="cpu"),
        body.load_body_model(smpl.require()),
        fit,
        device=device,
        batch_size=config.batch_size,
    )
    return label_folder(folder, annotations, annotator, progress)
