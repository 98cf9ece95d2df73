"""The compute device of a run (the ``device`` setting), resolved once for every stage.

torch is imported when a device is resolved, not when this module is imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mocap.errors import UsageError

if TYPE_CHECKING:
    import torch


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``auto`` -> ``cuda:0`` when CUDA is present, else ``cpu``; other values as torch reads them.

    Args:
        device: ``auto``, ``cpu``, ``cuda`` or ``cuda:N`` (or a ``torch.device``).

    Raises:
        UsageError: an unknown device, or a CUDA device on a machine without CUDA.
    """
    import torch

    if str(device) == "auto":
        return torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except RuntimeError:
        raise UsageError(
            f"unknown 'device' {str(device)!r}: use auto, cpu, cuda or cuda:N."
        ) from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise UsageError(
            f"'device' is {str(device)!r} but no CUDA GPU is available here; use auto or cpu."
        )
    return dev


#: CLIFF crops per forward pass on CPU. Smaller batches keep the activations in the caches: on
#: the 2-core CPU (channels_last, BatchNorm folded; benchmarks/bench_regress.py --batches 4 8 16
#: 32) crops/s at batch 4 / 8 / 16 / 32 were res50 fp32 30.4 / 31.4 / 27.9 / 24, bf16 91 / 80 /
#: 79 / 59, hr48 fp32 9.1 / 9.8 / 9.6 / 8.0, bf16 28.7 / 31.3 / 30.1 / 24.9: 8 is best or within
#: 12 % of best everywhere (the official demo's DataLoader batch, 32, is 20-30 % slower).
CPU_BATCH_SIZE = 8
#: CLIFF crops per forward pass on CUDA. HRNet-W48 is ~250 small convolutions: at batch 32 a
#: data-centre GPU finishes many kernels faster than Python launches the next, so the batch must
#: grow for the GPU to stay busy. At 128 crops of 256 x 192 in bf16 the live activations of hr48
#: are estimated (from its feature-map sizes, ~10 MB a crop) at 1-2 GiB, leaving room for the
#: detector and the frames on an 8 GiB consumer card. An estimate, NOT yet measured on a GPU:
#: ``benchmarks/device_run.sh`` prints the peak device memory and takes ``--batch`` to compare.
GPU_BATCH_SIZE = 128


def resolve_batch_size(batch_size: int | None, device: torch.device) -> int:
    """The CLIFF batch size of a run: ``batch_size``, else the default of the device type."""
    if batch_size is not None:
        return int(batch_size)
    return GPU_BATCH_SIZE if device.type == "cuda" else CPU_BATCH_SIZE


def resolve_crop_on_device(crop_on_device: bool | None, device: torch.device) -> bool:
    """Whether crops are cut on the compute device: ``None`` (auto) means on CUDA only."""
    if crop_on_device is None:
        return device.type == "cuda"
    return bool(crop_on_device)
