"""Batched CLIFF inference: crops in, per-crop SMPL parameters and full-image translation out.

Usage::

    model = mocap.weights.load_cliff(path)
    regressor = CliffRegressor(model, device="auto", precision="auto")
    result = regressor(mocap.crop.prepare_crops(image, boxes))   # or prepare_crops_torch(...)
    result.pose_aa  # (N, 24, 3) axis-angle, result.transl (N, 3) metres (a CropPrediction)

Crops are processed in chunks of ``batch_size`` (bounded memory), under ``torch.inference_mode``.
Precision ``auto`` is float32 on CPU (the official numbers) and bf16 (fp16 where the GPU has no
bf16) on CUDA; in a low precision the backbone's weights are kept in it (cast once at load, no
per-batch autocast casting) and crops are cast once per batch; the regressor head always runs in
float32. ``bf16`` on CPU uses AMX/AVX512-BF16 when present (see benchmarks/bench_regress.py
for its speed and the report for its accuracy cost).
"""

from __future__ import annotations

import copy
import logging
from typing import Any

import numpy as np
import torch

from mocap.camera import cam_crop2full
from mocap.cliff import Cliff
from mocap.cliff.inference import fold_batchnorm, use_sign_bit_relu
from mocap.crop import Crops
from mocap.device import resolve_batch_size, resolve_device
from mocap.errors import UsageError
from mocap.prediction import CropPrediction
from mocap.rotations import matrix_to_axis_angle

log = logging.getLogger(__name__)

PRECISIONS = ("auto", "fp32", "bf16", "fp16")
_AUTOCAST = {"bf16": torch.bfloat16, "fp16": torch.float16}


def resolve_precision(precision: str, device: torch.device) -> str:
    """``auto`` -> fp32 on CPU, bf16 on CUDA with bf16 support, else fp16.

    Raises:
        UsageError: an unknown precision, or fp16 on CPU.
    """
    if precision not in PRECISIONS:
        raise UsageError(f"unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}")
    if precision == "auto":
        if device.type != "cuda":
            return "fp32"
        return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    if precision == "fp16" and device.type == "cpu":
        raise UsageError("'precision' fp16 is not supported on CPU; use fp32 or bf16")
    return precision


class CliffRegressor:
    """Runs a CLIFF network over any number of crops in bounded-memory chunks.

    Args:
        model: a :class:`mocap.cliff.Cliff` (e.g. from :func:`mocap.weights.load_cliff`),
            converted in place for inference: float32, eval mode, BatchNorms folded (unless
            ``rewrite`` is false), moved to ``device``.
        device: ``auto``, ``cpu``, ``cuda`` or ``cuda:N``.
        precision: ``auto``, ``fp32``, ``bf16`` or ``fp16`` (the backbone's weights and
            activations; the head in fp32).
        batch_size: crops per forward pass (>= 1; default: the device's,
            :func:`mocap.device.resolve_batch_size`).
        channels_last: NHWC memory format for the convolutions (faster on CPU and CUDA).
        rewrite: inference-only rewrites of the backbone (:mod:`mocap.cliff.inference`):
            BatchNorms folded into the convolutions (the same numbers within float rounding),
            and for bf16 on CPU ReLUs on the sign bit (bit-identical); 1.1-1.5x crops/s.
        torch_compile: compile the backbone with ``torch.compile`` (first batches of each shape
            pay the compile time; off by default until measured faster end to end).
    """

    def __init__(
        self,
        model: Cliff,
        device: str | torch.device = "auto",
        precision: str = "auto",
        batch_size: int | None = None,
        channels_last: bool = True,
        rewrite: bool = True,
        torch_compile: bool = False,
    ) -> None:
        self.device = resolve_device(device)
        batch_size = resolve_batch_size(batch_size, self.device)
        if batch_size < 1:
            raise UsageError(f"batch size must be >= 1, got {batch_size}")
        self.precision = resolve_precision(precision, self.device)
        self.batch_size = int(batch_size)
        self.memory_format = torch.channels_last if channels_last else torch.contiguous_format
        model = model.float().eval()
        if rewrite:
            fold_batchnorm(model.encoder)
        self.model = model.to(self.device, memory_format=self.memory_format)  # pyright: ignore[reportCallIssue]
        self.dtype = _AUTOCAST.get(self.precision, torch.float32)
        if self.dtype != torch.float32:
            # Weights resident in the backbone's precision (cast once, no per-batch autocast), on
            # a copy: a model shared with a float32 regressor must stay float32.
            self.model = copy.deepcopy(self.model)
            self.model.encoder.to(self.dtype)
            if rewrite and self.dtype == torch.bfloat16 and self.device.type == "cpu":
                use_sign_bit_relu(self.model.encoder)
        self.encoder = torch.compile(self.model.encoder) if torch_compile else self.model.encoder
        log.info(
            "CLIFF %s on %s, %s, batch %d",
            getattr(model, "variant", "?"),
            self.device,
            self.precision,
            self.batch_size,
        )

    def predict(
        self, images: Any, bbox_info: Any, features: bool = False
    ) -> dict[str, torch.Tensor]:
        """Network outputs for (N, 3, 256, 192) crops and (N, 3) bbox_info, chunked.

        Returns:
            CPU float32 tensors ``rotmat`` (N, 24, 3, 3), ``betas`` (N, 10), ``cam`` (N, 3) and,
            when ``features``, ``features`` (N, 2048).
        """
        images = torch.as_tensor(images)
        bbox_info = torch.as_tensor(bbox_info)
        parts: dict[str, list[torch.Tensor]] = {"rotmat": [], "betas": [], "cam": []}
        if features:
            parts["features"] = []
        with torch.inference_mode():
            for start in range(0, len(images), self.batch_size):
                x = (
                    images[start : start + self.batch_size]
                    .to(self.device, non_blocking=True)
                    .to(self.dtype)
                    .contiguous(memory_format=self.memory_format)
                )
                info = bbox_info[start : start + self.batch_size].to(self.device, torch.float32)
                xf = self.encoder(x)
                out = self.model.head(xf.float(), info)
                parts["rotmat"].append(out.pose_rotmat.cpu())
                parts["betas"].append(out.betas.cpu())
                parts["cam"].append(out.cam.cpu())
                if features:
                    parts["features"].append(out.features.cpu())
        empty = {"rotmat": (0, 24, 3, 3), "betas": (0, 10), "cam": (0, 3), "features": (0, 2048)}
        return {k: torch.cat(v) if v else torch.zeros(empty[k]) for k, v in parts.items()}

    def __call__(self, crops: Crops, features: bool = False) -> CropPrediction:
        """Regress every crop and place it in the full-image camera.

        Args:
            crops: from :func:`mocap.crop.prepare_crops` or :func:`mocap.crop.prepare_crops_torch`.
            features: also return the (N, 2048) backbone features.

        Returns:
            float64 axis-angle pose, betas, crop camera and ``transl`` (metres), with the
            float32 ``rotmat`` (and ``features``) the network produced.
        """
        out = self.predict(crops.images, crops.bbox_info, features=features)
        rotmat = out["rotmat"].numpy()
        cam = out["cam"].numpy()
        transl = cam_crop2full(cam, crops.center, crops.scale, crops.image_hw, crops.focal)
        pose_aa = np.asarray(matrix_to_axis_angle(rotmat.astype(np.float64)), np.float64)
        return CropPrediction(
            global_orient=pose_aa[:, 0],
            body_pose=pose_aa[:, 1:],
            betas=out["betas"].numpy().astype(np.float64),
            cam_crop=cam.astype(np.float64),
            transl=np.asarray(transl, np.float64),
            rotmat=rotmat,
            features=out["features"].numpy() if features else None,
        )
