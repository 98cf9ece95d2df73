"""Label an image folder from a keypoint file with the models a run is configured with: what the
command line calls for ``--keypoints`` (it writes the file; this returns data)."""

from __future__ import annotations

import os
from collections.abc import Callable

from mocap.annotate.dataset import LabelReport, label_detected, label_folder
from mocap.annotate.label import Annotator
from mocap.annotate.types import AnnotatorConfig
from mocap.cliffgt import PseudoGT
from mocap.config import PipelineConfig
from mocap.errors import UsageError
from mocap.keypoints import read_coco_keypoints


def annotate_folder(
    folder: str | os.PathLike[str],
    keypoints: str | os.PathLike[str] | None,
    config: PipelineConfig,
    fit: AnnotatorConfig,
    progress: Callable[[int], None] | None = None,
    pose_detector: str | os.PathLike[str] | None = None,
) -> tuple[PseudoGT, LabelReport]:
    """Label the people of the images in ``folder``: those of a COCO keypoint file, or (without
    one) those a pose detector finds, with CLIFF and SMPL loaded from the ``checkpoint`` and
    ``smpl_model`` settings.

    Args:
        keypoints: COCO keypoint JSON (None: use ``pose_detector``).
        pose_detector: Ultralytics pose weights (a local file), used when ``keypoints`` is None.

    Raises:
        KeypointFileError: the keypoint file is missing or malformed (before any model loads).
        UsageError: neither a keypoint file nor a pose detector.
        ModelFileNotFoundError, CheckpointError, SmplModelError, DetectorError: model files.
    """
    from mocap import body, modelfiles, weights
    from mocap.device import CPU_BATCH_SIZE, resolve_device

    annotations = read_coco_keypoints(keypoints) if keypoints is not None else None
    if annotations is None and pose_detector is None:
        raise UsageError("labelling images needs a keypoint file or a pose detector.")
    model_dir = config.resolved_model_dir()
    checkpoint = modelfiles.find_model_file(modelfiles.CHECKPOINT, config.checkpoint, model_dir)
    smpl = modelfiles.find_model_file(modelfiles.SMPL, config.smpl_model, model_dir)
    device = resolve_device(config.device)
    annotator = Annotator(
        weights.load_cliff(checkpoint.require(), device="cpu"),
        body.load_body_model(smpl.require()),
        fit,
        device=device,
        # the fit's batch keeps 32 on every device (GPU_BATCH_SIZE is sized for inference)
        batch_size=config.batch_size or CPU_BATCH_SIZE,
    )
    if annotations is not None:
        return label_folder(folder, annotations, annotator, progress)
    from mocap.keypoints.detector import YoloPoseDetector

    detector = YoloPoseDetector(
        str(pose_detector), conf=config.det_conf, device=config.device, model_dir=model_dir
    )
    return label_detected(folder, detector, annotator, progress, config.max_people)
