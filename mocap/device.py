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
