"""Rotation conversions in plain numpy (Blender's Python has numpy but no scipy).

Conventions: axis-angle vectors in radians; rotation matrices act on column vectors;
quaternions are (w, x, y, z), the order Blender's ``rotation_quaternion`` uses.
"""

import numpy as np

# Below this angle (radians) Rodrigues' formula switches to its series expansion so that
# sin(t)/t and (1 - cos(t))/t^2 stay accurate in float64.
_SMALL_ANGLE = 1e-8

# Axis changes (see docs/exporters_spec.md §0): C = 180° about X maps OpenCV camera axes to
# glTF/OpenGL axes, A = +90° about X maps y-up to Blender's z-up, and M = A·C maps the OpenCV
# camera frame straight to Blender's world: (x, y, z)_cv -> (x, z, -y). Copies of
# exporters/skeleton.py's CAMERA_TO_YUP / YUP_TO_ZUP / CAMERA_TO_ZUP (test_addon_shared_facts.py).
CV_TO_GLTF = np.diag([1.0, -1.0, -1.0])
Y_UP_TO_Z_UP = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
CV_TO_BLENDER = Y_UP_TO_Z_UP @ CV_TO_GLTF


def axis_angle_to_matrix(rotvec: np.ndarray) -> np.ndarray:
    """Rodrigues' formula.

    Args:
        rotvec: (..., 3) axis-angle vectors in radians.

    Returns:
        (..., 3, 3) float64 rotation matrices.
    """
    r = np.asarray(rotvec, dtype=np.float64)
    theta = np.linalg.norm(r, axis=-1)[..., None, None]  # (..., 1, 1)
    kx, ky, kz = r[..., 0], r[..., 1], r[..., 2]
    zero = np.zeros_like(kx)
    # Cross-product matrix of the (unnormalised) rotation vector, (..., 3, 3).
    k = np.stack([zero, -kz, ky, kz, zero, -kx, -ky, kx, zero], axis=-1).reshape(
        (*r.shape[:-1], 3, 3)
    )
    small = theta < _SMALL_ANGLE
    safe = np.where(small, 1.0, theta)
    a = np.where(small, 1.0 - theta**2 / 6.0, np.sin(safe) / safe)
    b = np.where(small, 0.5 - theta**2 / 24.0, (1.0 - np.cos(safe)) / safe**2)
    return np.eye(3) + a * k + b * (k @ k)


def matrix_to_quaternion(mat: np.ndarray) -> np.ndarray:
    """Rotation matrices to unit quaternions (Shepperd's method, branch per largest term).

    Args:
        mat: (..., 3, 3) rotation matrices.

    Returns:
        (..., 4) float64 quaternions (w, x, y, z) with w >= 0.
    """
    m = np.asarray(mat, dtype=np.float64)
    shape = m.shape[:-2]
    m = m.reshape(-1, 3, 3)
    tr = m[:, 0, 0] + m[:, 1, 1] + m[:, 2, 2]
    # Four candidate (unnormalised) quaternions; the one with the largest norm is stable.
    cand = np.stack(
        [
            np.stack(
                [1 + tr, m[:, 2, 1] - m[:, 1, 2], m[:, 0, 2] - m[:, 2, 0], m[:, 1, 0] - m[:, 0, 1]],
                -1,
            ),
            np.stack(
                [
                    m[:, 2, 1] - m[:, 1, 2],
                    1 + 2 * m[:, 0, 0] - tr,
                    m[:, 0, 1] + m[:, 1, 0],
                    m[:, 0, 2] + m[:, 2, 0],
                ],
                -1,
            ),
            np.stack(
                [
                    m[:, 0, 2] - m[:, 2, 0],
                    m[:, 0, 1] + m[:, 1, 0],
                    1 + 2 * m[:, 1, 1] - tr,
                    m[:, 1, 2] + m[:, 2, 1],
                ],
                -1,
            ),
            np.stack(
                [
                    m[:, 1, 0] - m[:, 0, 1],
                    m[:, 0, 2] + m[:, 2, 0],
                    m[:, 1, 2] + m[:, 2, 1],
                    1 + 2 * m[:, 2, 2] - tr,
                ],
                -1,
            ),
        ],
        axis=1,
    )  # (N, 4 candidates, 4)
    best = np.argmax(np.linalg.norm(cand, axis=-1), axis=1)
    q = cand[np.arange(len(m)), best]
    q /= np.linalg.norm(q, axis=-1, keepdims=True)
    q *= np.where(q[:, :1] < 0, -1.0, 1.0)
    return q.reshape((*shape, 4))


def make_sign_continuous(quats: np.ndarray) -> np.ndarray:
    """Flip quaternions so neighbours along axis 0 have a non-negative dot product.

    Blender interpolates quaternion F-curves component-wise, so q and -q (the same rotation)
    next to each other would sweep through a wrong pose between two keys.

    Args:
        quats: (T, ..., 4) quaternions over time.

    Returns:
        (T, ..., 4) a copy with the sign chosen per frame.
    """
    q = np.array(quats, dtype=np.float64)
    for t in range(1, len(q)):
        flip = np.sum(q[t] * q[t - 1], axis=-1, keepdims=True) < 0
        q[t] = np.where(flip, -q[t], q[t])
    return q
