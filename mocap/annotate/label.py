"""Label people on images: keypoints + image -> CLIFF prediction -> fit -> pseudo-GT rows.

:class:`Annotator` groups people (from any number of images) into batches of ``batch_size``,
cuts their crops as the CLIFF demo does (:func:`mocap.crop.prepare_crops`: the box enlarged 1.1
to 256:192), fits each batch in the configured mode, and returns rows of the official pseudo-GT
format (:class:`mocap.cliffgt.PseudoGT`) together with the per-batch :class:`Fit` records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import torch

from mocap.annotate.fit import NetworkFitter, fit_params
from mocap.annotate.joints import S_PELVIS_SLOT, J24Joints
from mocap.annotate.types import AnnotationBatch, AnnotatorConfig, BodyParams, Fit
from mocap.body import SmplBody
from mocap.cliff import Cliff
from mocap.cliffgt import PseudoGT, relative_to_pelvis
from mocap.crop import Crops, prepare_crops


@dataclass(frozen=True, eq=False)
class LabelItem:
    """One person to label.

    Attributes:
        image: (H, W, 3) uint8 RGB, the whole image.
        imgname: the image's name as it goes into the file's ``imgname``.
        box: (4,) xyxy pixels around the person.
        part: (24, 3) J24 ``[x, y, conf]`` labels (all conf 0: CLIFF's prediction is the label).
        annot_id: the annotation's id (-1 when none).
    """

    image: npt.NDArray[np.uint8]
    imgname: str
    box: Any
    part: Any
    annot_id: int = -1


#: People per fitted mini-batch when the run gives none: the fit (EFT on a mini-batch, weights
#: reset per batch) depends on which people share a batch, so this stays at the 32 the labels
#: were made with (inference's CPU batch, :data:`mocap.device.CPU_BATCH_SIZE`, is a speed choice).
FIT_BATCH_SIZE = 32


class Annotator:
    """Labels batches of people with a private copy of a CLIFF network.

    Args:
        model: the loaded CLIFF network (left untouched).
        body: SMPL model; extra_regressor: optional SPIN ``J_regressor_extra`` (9, V).
        config: fitting settings; device: torch device; batch_size: people per fitted batch.
    """

    def __init__(
        self,
        model: Cliff,
        body: SmplBody,
        config: AnnotatorConfig,
        device: Any = "cpu",
        batch_size: int = 16,
        extra_regressor: Any | None = None,
    ) -> None:
        self.config, self.device, self.batch_size = config, torch.device(device), batch_size
        self.joints = J24Joints(body, extra_regressor)
        self.fitter = NetworkFitter(model, self.joints, config, self.device)

    def fit_batch(self, batch: AnnotationBatch) -> Fit:
        """Fit one prepared batch in the configured mode."""
        if self.config.mode == "network":
            return self.fitter.fit(batch)
        return fit_params(self.fitter.predict(batch), batch, self.joints, self.config)

    def label(
        self, items: Iterable[LabelItem], progress: Callable[[int], None] | None = None
    ) -> Iterator[tuple[PseudoGT, Fit]]:
        """Label ``items`` batch by batch; ``progress`` gets the number of people done so far."""
        done, chunk = 0, []
        for item in items:
            chunk.append(item)
            if len(chunk) == self.batch_size:
                yield self._label_chunk(chunk)
                done += len(chunk)
                chunk = []
                if progress is not None:
                    progress(done)
        if chunk:
            yield self._label_chunk(chunk)
            if progress is not None:
                progress(done + len(chunk))

    def _label_chunk(self, chunk: list[LabelItem]) -> tuple[PseudoGT, Fit]:
        crops = [prepare_crops(it.image, np.asarray(it.box, np.float32)[None]) for it in chunk]
        merged = Crops(
            *(
                np.concatenate([getattr(c, k) for c in crops])
                for k in ("images", "bbox_info", "center", "scale", "focal", "image_hw", "window")
            )
        )
        part = np.stack([np.asarray(it.part, np.float64) for it in chunk])
        batch = AnnotationBatch.from_crops(merged, part, self.device)
        fit = self.fit_batch(batch)
        return rows(chunk, merged, fit.final), fit


def rows(chunk: list[LabelItem], crops: Crops, bodies: BodyParams) -> PseudoGT:
    """Pseudo-GT rows for labelled people (``center``/``scale`` of the crops used)."""
    return PseudoGT(
        imgname=np.array([it.imgname for it in chunk]),
        center=crops.center.astype(np.float64),
        scale=crops.scale.astype(np.float64),
        part=np.stack([np.asarray(it.part, np.float64) for it in chunk]),
        annot_id=np.array([it.annot_id for it in chunk], dtype=np.int64),
        pose=bodies.pose_aa,
        shape=bodies.betas,
        has_smpl=np.ones(len(chunk), dtype=bool),
        global_t=bodies.transl,
        focal_l=crops.focal.astype(np.float64),
        S=relative_to_pelvis(bodies.joints24, S_PELVIS_SLOT),
    )
