"""Label an image folder from a keypoint file with the models a run is configured with: what the
command line calls for ``--keypoints`` (it writes the file; this returns data)."""

from __future__ import annotations

import os
from collections.abc import Callable

from mocap.annotate.dataset import LabelReport, label_detected, label_folder
from mocap.annotate.joints import read_extra_regressor
from mocap.annotate.label import FIT_BATCH_SIZE, Annotator
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
    j_regressor_extra: str | os.PathLike[str] | None = None,
) -> tuple[PseudoGT, LabelReport]:
    """Label the people of the images in ``folder``: those of a COCO keypoint file, or (without
    one) those a pose detector finds, with CLIFF and SMPL loaded from the ``checkpoint`` and
    ``smpl_model`` settings.

    Args:
        keypoints: COCO keypoint JSON (None: use ``pose_detector``).
        pose_detector: Ultralytics pose weights (a local file), used when ``keypoints`` is None.
        j_regressor_extra: SPIN's ``J_regressor_extra.npy`` (must exist when given); None uses
            the one in the model folder when it is there, else approximates 9 of the 24
            keypoints (the report's ``j_regressor_extra`` says which happened).

    Raises:
        KeypointFileError: the keypoint file is missing or malformed (before any model loads).
        UsageError: neither a keypoint file nor a pose detector.
        ModelFileNotFoundError, CheckpointError, SmplModelError, DetectorError: model files
            (SmplModelError also for an unusable ``J_regressor_extra.npy``).
    """
    from mocap import body, modelfiles, weights
    from mocap.device import resolve_device

    annotations = read_coco_keypoints(keypoints) if keypoints is not None else None
    if annotations is None and pose_detector is None:
        raise UsageError("labelling images needs a keypoint file or a pose detector.")
    model_dir = config.resolved_model_dir()
    checkpoint = modelfiles.find_model_file(modelfiles.CHECKPOINT, config.checkpoint, model_dir)
    smpl = modelfiles.find_model_file(modelfiles.SMPL, config.smpl_model, model_dir)
    extra = modelfiles.find_optional_model_file(
        modelfiles.J_REGRESSOR_EXTRA, j_regressor_extra, model_dir
    )
    device = resolve_device(config.device)
    smpl_body = body.load_body_model(smpl.require())
    nv = smpl_body.data.num_vertices
    extra_regressor = None if extra is None else read_extra_regressor(extra, nv)  # before CLIFF
    annotator = Annotator(
        weights.load_cliff(checkpoint.require(), device="cpu"),
        smpl_body,
        fit,
        device=device,
        batch_size=config.batch_size or FIT_BATCH_SIZE,
        extra_regressor=extra_regressor,
    )
    if annotations is not None:
        gt, report = label_folder(folder, annotations, annotator, progress)
        report.j_regressor_extra = extra
        return gt, report
    from mocap.keypoints.detector import YoloPoseDetector

    detector = YoloPoseDetector(
        str(pose_detector), conf=config.det_conf, device=config.device, model_dir=model_dir
    )
    gt, report = label_detected(folder, detector, annotator, progress, config.max_people)
    report.j_regressor_extra = extra
    return gt, report
