"""Camera maths of CLIFF: focal length, intrinsics, crop camera -> full-image translation.

Conventions: pixels with the origin at the top-left, principal point at the exact image centre
(w/2, h/2) as in CLIFF's bbox_info and ``cam_crop2full``; translations in metres in the OpenCV
camera frame (+x right, +y down, +z forward).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mocap.errors import UsageError
from mocap.types import CameraIntrinsics

#: CLIFF's "200-pixel" box convention: crop height in pixels b = 200 * scale (SPIN heritage).
PIXELS_PER_SCALE = 200.0
#: Guard of the official cam_crop2full against s = 0 (below float32 resolution for normal values).
CAM_EPS = 1e-9


def estimate_focal(width: int, height: int) -> float:
    """CLIFF demo default focal length in pixels: the image diagonal sqrt(w^2 + h^2).

    (The demo's comment says "fov: 55 degree"; the diagonal FOV is 2 atan(0.5) = 53.1 deg.)
    """
    return math.sqrt(width**2 + height**2)


def focal_from_fov(fov_deg: float, height: int) -> float:
    """Focal length in pixels from a *vertical* field of view in degrees.

    Raises:
        UsageError: the FOV is not in (0, 180).
    """
    if not 0.0 < fov_deg < 180.0:
        raise UsageError(f"field of view must be between 0 and 180 degrees, got {fov_deg}")
    return (height / 2.0) / math.tan(math.radians(fov_deg) / 2.0)


def make_intrinsics(
    width: int, height: int, focal: float | None = None, fov: float | None = None
) -> CameraIntrinsics:
    """Intrinsics of the video camera: square pixels, principal point at (w/2, h/2).

    Args:
        width, height: image size in pixels.
        focal: focal length in pixels (the ``focal`` setting); default: :func:`estimate_focal`.
        fov: vertical field of view in degrees (the ``fov`` setting); exclusive with ``focal``.

    Raises:
        UsageError: both ``focal`` and ``fov`` given, or a non-positive focal.
    """
    if focal is not None and fov is not None:
        raise UsageError("give either 'focal' or 'fov', not both")
    if fov is not None:
        focal = focal_from_fov(fov, height)
    elif focal is None:
        focal = estimate_focal(width, height)
    elif not focal > 0:
        raise UsageError(f"focal length must be > 0 pixels, got {focal}")
    return CameraIntrinsics(
        fx=focal, fy=focal, cx=width / 2.0, cy=height / 2.0, width=int(width), height=int(height)
    )


def cam_crop2full(cam: Any, center: Any, scale: Any, image_hw: Any, focal: Any) -> Any:
    """Weak-perspective crop camera -> SMPL translation in the full-image camera.

    With b = 200 * scale the crop height in pixels and bs = b * s + 1e-9:
    tz = 2 f / bs, tx_full = 2 (cx - w/2) / bs + tx, ty_full = 2 (cy - h/2) / bs + ty.
    (The crop camera maps a body point X to s * (X_xy + t) in crop units spanning [-1, 1] over
    b pixels; a pinhole of focal f at depth tz gives the same size when f / tz = b s / 2.)

    Args:
        cam: (N, 3) crop camera (s, tx, ty).
        center: (N, 2) unrounded box centre in pixels.
        scale: (N,) box scale (b = 200 * scale pixels).
        image_hw: (2,) or (N, 2) image (height, width) in pixels.
        focal: scalar or (N,) focal length in pixels.

    Returns:
        (N, 3) translation (x, y, z) in metres. numpy in -> float32 numpy (as the demo);
        torch in -> torch in ``cam``'s dtype and device. Operation order follows the demo.
    """
    if type(cam).__module__.startswith("torch"):
        import torch

        def conv(v: Any) -> Any:
            return torch.as_tensor(v, dtype=cam.dtype, device=cam.device)

        stack = torch.stack  # pyright: ignore[reportAssignmentType]
    else:
        cam = np.asarray(cam, dtype=np.float32)

        def conv(v: Any) -> Any:
            return np.asarray(v, dtype=np.float32)

        def stack(parts: list[Any], dim: int) -> Any:
            return np.stack(parts, axis=dim)

    center, scale, hw, focal = conv(center), conv(scale), conv(image_hw), conv(focal)
    img_h, img_w = hw[..., 0], hw[..., 1]
    b = scale * PIXELS_PER_SCALE
    bs = b * cam[:, 0] + CAM_EPS
    tz = 2 * focal / bs
    tx = 2 * (center[:, 0] - img_w / 2.0) / bs + cam[:, 1]
    ty = 2 * (center[:, 1] - img_h / 2.0) / bs + cam[:, 2]
    return stack([tx, ty, tz], -1)
