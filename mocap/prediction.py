"""What CLIFF says about each person crop: the one type between the regressor and the pipeline.

:class:`mocap.regress.CliffRegressor` returns a :class:`CropPrediction`; the pipeline keeps its
SMPL parameters per detection (:class:`mocap.pipeline.assemble.DetectionTable`) and tests build
it by hand. Rows are in crop order.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, eq=False)
class CropPrediction:
    """CLIFF results for N crops (numpy).

    Attributes:
        global_orient: (N, 3) float64 axis-angle (radians) of the root, in the camera frame
            (x right, y down, z forward).
        body_pose: (N, 23, 3) float64 axis-angle (radians) of joints 1..23.
        betas: (N, 10) float64 SMPL shape.
        cam_crop: (N, 3) float64 weak-perspective crop camera (s, tx, ty).
        transl: (N, 3) float64 SMPL ``transl`` in metres in the full-image camera
            (``mocap.camera.cam_crop2full``; the CLIFF demo's ``pred_cam_full``).
        rotmat: (N, 24, 3, 3) float32 the network's joint rotations (joint 0 = root), or None
            where only the axis-angle rows are kept.
        features: (N, 2048) float32 backbone features, or None unless requested.
    """

    global_orient: npt.NDArray[np.float64]
    body_pose: npt.NDArray[np.float64]
    betas: npt.NDArray[np.float64]
    cam_crop: npt.NDArray[np.float64]
    transl: npt.NDArray[np.float64]
    rotmat: npt.NDArray[np.float32] | None = None
    features: npt.NDArray[np.float32] | None = None

    def __len__(self) -> int:
        return len(self.betas)

    @property
    def pose_aa(self) -> npt.NDArray[np.float64]:
        """(N, 24, 3) float64 axis-angle of all joints (root first), as the CLIFF demo exports."""
        return np.concatenate([self.global_orient[:, None], self.body_pose], axis=1)

    def smpl_only(self) -> CropPrediction:
        """The same rows without ``rotmat`` and ``features`` (what the pipeline keeps per row)."""
        if self.rotmat is None and self.features is None:
            return self
        return replace(self, rotmat=None, features=None)
