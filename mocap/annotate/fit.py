"""The two fitting modes of the annotator.

* :class:`NetworkFitter` (CLIFF's annotator, EFT-style): a private copy of the CLIFF network is
  fine-tuned on each batch with the 2D loss plus the pull toward its own first prediction, then
  its output is the label. Batch-norm and dropout stay in eval mode; the weights (and Adam's
  state) are restored before every batch, so images never leak into each other's labels
  (reading (i) of "batch manner", docs/cliff_annotator.md §2.2).
* :func:`fit_params`: the same objective optimised directly over SMPL 6D rotations, betas and
  ``transl``, starting from a given prediction.

Both stop a batch early once its mean 2D loss is below ``config.stop_loss``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from mocap.annotate.joints import J24Joints
from mocap.annotate.losses import keypoint_loss, pixel_error, prior_loss, project_full
from mocap.annotate.types import AnnotationBatch, AnnotatorConfig, BodyParams, Fit
from mocap.camera import cam_crop2full
from mocap.cliff import Cliff
from mocap.keypoints.tables import HIP_SLOTS
from mocap.rotations import matrix_to_rot6d, rot6d_to_matrix

#: Parameter-name prefixes of CLIFF's regressor head (fine-tuned when ``finetune="head"``).
HEAD_PREFIXES = ("fc1.", "fc2.", "decpose.", "decshape.", "deccam.")

Bodies = tuple[torch.Tensor, torch.Tensor, torch.Tensor]  # rotmat, betas, transl


def targets(batch: AnnotationBatch, config: AnnotatorConfig) -> torch.Tensor:
    """(B, 24, 3) keypoints the loss sees: hips and pelvis switched off unless ``use_hips``."""
    if config.use_hips:
        return batch.part
    part = batch.part.clone()
    part[:, list(HIP_SLOTS)] = 0.0
    return part


class _Objective:
    """Loss of a batch for given bodies, against the initial prediction."""

    def __init__(
        self, batch: AnnotationBatch, joints: J24Joints, config: AnnotatorConfig, initial: Bodies
    ) -> None:
        self.batch, self.joints, self.config = batch, joints, config
        self.part = targets(batch, config)
        self.rotmat0, self.betas0 = initial[0].detach(), initial[1].detach()

    def project(self, bodies: Bodies) -> tuple[torch.Tensor, torch.Tensor]:
        j24 = self.joints.posed(*bodies)
        return j24, project_full(j24, self.batch.focal, self.batch.image_hw)

    def __call__(self, bodies: Bodies) -> tuple[torch.Tensor, torch.Tensor]:
        """(scalar total loss, (B,) 2D loss)."""
        _, px = self.project(bodies)
        l2d = keypoint_loss(px, self.part, self.batch.box_px)
        c = self.config
        reg = prior_loss(
            bodies[0], self.rotmat0, bodies[1], self.betas0, c.pose_weight, c.shape_weight
        )
        return (c.keypoint_weight * l2d + reg).mean(), l2d


def body_params(bodies: Bodies, objective: _Objective) -> BodyParams:
    """Numpy record of bodies, with J24 and the 2D error against the *full* labels."""
    with torch.no_grad():
        j24, px = objective.project(bodies)
        err = pixel_error(px, objective.batch.part)

    def n(t: torch.Tensor) -> np.ndarray:
        return t.detach().cpu().double().numpy()

    return BodyParams(n(bodies[0]), n(bodies[1]), n(bodies[2]), n(j24), n(err))


def _optimise(
    params: Sequence[torch.Tensor],
    bodies_of: Callable[[], Bodies],
    objective: _Objective,
    config: AnnotatorConfig,
) -> tuple[Bodies, int, list[float]]:
    """Adam on ``params``.

    Returns:
        the bodies of the evaluated iterate with the lowest total loss (a step that overshoots,
        e.g. a crop camera scale through zero, can never make the label worse than an earlier
        iterate), the steps taken, and the batch's mean 2D loss at every evaluation.
    """
    opt = torch.optim.Adam(params, lr=config.learning_rate)
    history: list[float] = []
    best: tuple[float, Bodies] | None = None
    step = 0
    while True:
        bodies = bodies_of()
        loss, l2d = objective(bodies)
        history.append(float(l2d.detach().mean()))
        total = float(loss.detach())
        if best is None or total < best[0]:
            best = (total, tuple(b.detach().clone() for b in bodies))  # type: ignore[assignment]
        if step == config.max_iterations or history[-1] < config.stop_loss:
            return best[1], step, history  # type: ignore[index]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1


class NetworkFitter:
    """Fine-tunes a private copy of a CLIFF network per batch (the caller's model is untouched).

    Args:
        model: a :class:`mocap.cliff.Cliff` (its ``encoder`` and ``head`` are used).
        joints: J24 from SMPL.
        config: settings (``mode`` is not looked at).
        device: torch device for the copy.
    """

    def __init__(
        self,
        model: Cliff,
        joints: J24Joints,
        config: AnnotatorConfig,
        device: Any = "cpu",
    ) -> None:
        self.model = copy.deepcopy(model)
        self.model.to(device).float().eval()  # batch-norm statistics and dropout frozen
        self.joints, self.config = joints, config
        self._initial_state = copy.deepcopy(self.model.state_dict())
        self._trainable = [
            p
            for name, p in self.model.named_parameters()
            if config.finetune == "all" or name.startswith(HEAD_PREFIXES)
        ]

    def restore(self) -> None:
        """Back to the loaded weights (done before every batch)."""
        self.model.load_state_dict(self._initial_state)

    def _bodies(self, xf: torch.Tensor | None, batch: AnnotationBatch) -> Bodies:
        feats = self.model.encoder(batch.images) if xf is None else xf
        out = self.model.head(feats, batch.bbox_info)
        transl = cam_crop2full(out.cam, batch.center, batch.scale, batch.image_hw, batch.focal)
        return out.pose_rotmat, out.betas, transl

    def predict(self, batch: AnnotationBatch) -> Bodies:
        """The loaded network's bodies for a batch (no fitting): rotmat, betas, transl."""
        self.restore()
        with torch.no_grad():
            return self._bodies(None, batch)

    def fit(self, batch: AnnotationBatch) -> Fit:
        """Label one batch: restore weights, predict, fine-tune, predict again."""
        self.restore()
        with torch.inference_mode(False), torch.enable_grad():
            with torch.no_grad():
                xf0 = self.model.encoder(batch.images)
                initial = self._bodies(xf0, batch)
            objective = _Objective(batch, self.joints, self.config, initial)
            xf = xf0 if self.config.finetune == "head" else None
            final, steps, history = _optimise(
                self._trainable, lambda: self._bodies(xf, batch), objective, self.config
            )
        self.restore()
        return Fit(
            body_params(initial, objective), body_params(final, objective), steps, tuple(history)
        )


def fit_params(
    initial: Sequence[torch.Tensor],
    batch: AnnotationBatch,
    joints: J24Joints,
    config: AnnotatorConfig,
) -> Fit:
    """Parameter-space mode: optimise 6D rotations, betas and transl from ``initial``.

    Args:
        initial: (B, 24, 3, 3) rotations, (B, 10) betas, (B, 3) transl (torch, batch's device).
    """
    if len(initial) != 3:
        raise ValueError(f"fit_params: initial must be (rotmat, betas, transl), got {len(initial)}")
    given = tuple(t.detach().to(batch.part) for t in initial)
    rot6d = matrix_to_rot6d(given[0]).clone()
    # the start expressed in the optimised parameters (Gram-Schmidt of the 6D columns: within
    # float rounding of ``initial``, which CLIFF built the same way)
    init: Bodies = (rot6d_to_matrix(rot6d), given[1], given[2])
    with torch.inference_mode(False), torch.enable_grad():
        objective = _Objective(batch, joints, config, init)
        rot6d.requires_grad_(True)
        betas = init[1].clone().requires_grad_(True)
        transl = init[2].clone().requires_grad_(True)
        final, steps, history = _optimise(
            [rot6d, betas, transl],
            lambda: (rot6d_to_matrix(rot6d), betas, transl),
            objective,
            config,
        )
    return Fit(body_params(init, objective), body_params(final, objective), steps, tuple(history))
