"""2D annotations on rendered frames: per-track colours, track id labels and boxes (OpenCV)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

#: Ten well-separated colours (RGB 0..1); track ``i`` gets ``TRACK_COLORS[i % 10]``.
TRACK_COLORS: tuple[tuple[float, float, float], ...] = (
    (0.90, 0.33, 0.30),
    (0.30, 0.60, 0.92),
    (0.40, 0.78, 0.38),
    (0.95, 0.70, 0.25),
    (0.65, 0.45, 0.85),
    (0.30, 0.80, 0.80),
    (0.92, 0.50, 0.72),
    (0.62, 0.62, 0.30),
    (0.85, 0.85, 0.85),
    (0.55, 0.35, 0.25),
)
#: Label text size relative to the frame height (a 720-line frame gets ~0.6 OpenCV font scale).
_LABEL_SCALE_PER_LINE = 0.6 / 720


def track_color(track_id: int) -> tuple[float, float, float]:
    """RGB 0..1 colour of a track (stable across frames and outputs)."""
    return TRACK_COLORS[int(track_id) % len(TRACK_COLORS)]


def _rgb255(track_id: int) -> tuple[int, int, int]:
    return tuple(round(255 * c) for c in track_color(track_id))  # type: ignore[return-value]


def composite(
    frame: npt.NDArray[np.uint8], rgba: npt.NDArray[np.uint8], region: tuple[int, int, int, int]
) -> npt.NDArray[np.uint8]:
    """A copy of ``frame`` with the rendered pixels (alpha > 0) of ``rgba`` laid over it.

    Args:
        frame: (H, W, 3) uint8 RGB video frame.
        rgba: (H, W, 4) uint8 render with coverage in alpha.
        region: ``(x0, y0, x1, y1)`` pixels outside which ``rgba`` is known to be empty (only
            this box is blended).
    """
    out = np.array(frame, dtype=np.uint8, copy=True)
    x0, y0, x1, y1 = region
    src = rgba[y0:y1, x0:x1]
    np.copyto(out[y0:y1, x0:x1], src[..., :3], where=src[..., 3:] > 0)
    return out


def draw_labels(
    image: npt.NDArray[np.uint8],
    track_ids: Sequence[int],
    boxes: npt.ArrayLike,
    anchors: npt.ArrayLike,
    boxes_visible: bool = False,
    labels: bool = True,
) -> None:
    """Draw each track's ``#id`` label centred above its body, and optionally its box, in place.

    Args:
        image: (H, W, 3) uint8 RGB, modified in place.
        track_ids: one id per person.
        boxes: (N, 4) detection boxes ``x1, y1, x2, y2`` pixels (degenerate boxes are not drawn).
        anchors: (N, 2) pixel where each label's bottom centre goes (the top of the body).
        boxes_visible: draw the boxes' outlines.
        labels: draw the labels.
    """
    import cv2

    b = np.asarray(boxes, np.float64).reshape(-1, 4)
    a = np.asarray(anchors, np.float64).reshape(-1, 2)
    h, w = image.shape[:2]
    scale = max(0.35, h * _LABEL_SCALE_PER_LINE)
    thick = max(1, round(scale * 2))
    font = cv2.FONT_HERSHEY_SIMPLEX
    for track_id, (x1, y1, x2, y2), (ax, ay) in zip(track_ids, b, a, strict=True):
        color = _rgb255(track_id)
        box_ok = np.all(np.isfinite((x1, y1, x2, y2))) and x2 > x1 and y2 > y1
        if boxes_visible and box_ok:
            cv2.rectangle(image, (round(x1), round(y1)), (round(x2), round(y2)), color, thick)
        if not labels or not np.isfinite((ax, ay)).all():
            continue
        text = f"#{track_id}"
        (tw, th), base = cv2.getTextSize(text, font, scale, thick)
        x = int(np.clip(ax - tw / 2 - 2, 0, max(0, w - tw - 4)))
        y = int(np.clip(ay - 4, th + base, h))
        cv2.rectangle(image, (x, y - th - base), (x + tw + 4, y), color, -1)
        cv2.putText(image, text, (x + 2, y - base), font, scale, (0, 0, 0), thick, cv2.LINE_AA)
