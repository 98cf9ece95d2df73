"""Real pedestrian trajectories shipped with motmetrics: TUD-Campus and TUD-Stadtmitte.

Both are 640x480, 25 fps street scenes (MOTChallenge 2015 training sequences). ``gt.txt`` holds
the annotated boxes of every person; ``test.txt`` the output of a real tracker (used here with its
ids removed, as real-world detections with a real detector's misses, jitter and false positives).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

FPS = 25.0
WIDTH, HEIGHT = 640, 480
SEQUENCES = ("TUD-Campus", "TUD-Stadtmitte")


@dataclass(frozen=True)
class MotRows:
    """Rows of a MOTChallenge file, frames 0-based.

    Attributes:
        frames: (R,) int frame index.
        ids: (R,) int person id (-1 where the file has none).
        boxes: (R, 4) float xyxy pixels.
    """

    frames: np.ndarray
    ids: np.ndarray
    boxes: np.ndarray

    @property
    def num_frames(self) -> int:
        return int(self.frames.max()) + 1

    def person(self, pid: int) -> tuple[np.ndarray, np.ndarray]:
        """(frames (T,), boxes (T, 4)) of one id, by frame."""
        sel = self.ids == pid
        order = np.argsort(self.frames[sel])
        return self.frames[sel][order], self.boxes[sel][order]


def data_dir() -> Path:
    import motmetrics

    return Path(motmetrics.__file__).parent / "data"


def load(sequence: str, name: str) -> MotRows:
    """``name`` = ``gt`` or ``test`` of one of :data:`SEQUENCES`."""
    table = np.loadtxt(data_dir() / sequence / f"{name}.txt", delimiter=",", ndmin=2)
    x, y, w, h = table[:, 2], table[:, 3], table[:, 4], table[:, 5]
    return MotRows(
        table[:, 0].astype(int) - 1,
        table[:, 1].astype(int),
        np.stack([x, y, x + w, y + h], axis=1),
    )
