"""Box files that replace the detector (the ``boxes`` setting): JSON or MOTChallenge text.

Formats (DESIGN.md, "Command line"):

* JSON: ``{"frames": {"<frame>": [[x1, y1, x2, y2, score], ...]}}`` with 0-based frame numbers
  and xyxy pixel boxes.
* MOTChallenge text: one box per line, ``frame,id,bb_left,bb_top,width,height[,score,...]`` with
  1-based frames; the box is ``x1 = bb_left, y1 = bb_top, x2 = bb_left + width,
  y2 = bb_top + height`` (no pixel shift). Rows with ``id >= 0`` are given tracks (ids kept);
  ``id == -1`` rows are plain detections for the tracker. A missing score counts as 1; MOT
  scores are clipped to [0, 1] (``gt.txt`` uses 0/1 flags, some ``det.txt`` raw detector scores).

Any malformed entry raises :class:`~mocap.errors.BoxFileError` naming the file and the line
(MOT) or the frame key and box position (JSON).
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path

import numpy as np

from mocap.errors import BoxFileError
from mocap.types import Detections

#: MOTChallenge text files number frames from 1; cliffmocap frames are 0-based.
MOT_FIRST_FRAME = 1
#: Minimum MOT columns: frame, id, bb_left, bb_top, width, height.
MOT_MIN_COLUMNS = 6
#: Track id MOTChallenge uses for boxes without an identity (det.txt).
MOT_NO_ID = -1


class BoxTable:
    """Boxes of a whole video keyed by 0-based frame.

    Attributes:
        path: the file read.
        has_track_ids: True when at least one box carries a given track id (MOT id >= 0).
        last_frame: highest frame with a box (-1 when the file has none).
    """

    def __init__(self, path: Path, frames: dict[int, Detections], has_track_ids: bool) -> None:
        self.path = path
        self._frames = frames
        self.has_track_ids = has_track_ids
        self.last_frame = max(frames, default=-1)

    def __len__(self) -> int:
        """Number of boxes in the file."""
        return sum(len(d) for d in self._frames.values())

    def get(self, frame: int) -> Detections:
        """Detections of ``frame`` (empty when the file lists none for it)."""
        found = self._frames.get(frame)
        if found is not None:
            return found
        ids = np.zeros(0, np.int64) if self.has_track_ids else None
        return Detections(frame, np.zeros((0, 4), np.float32), np.zeros(0, np.float32), ids)


def load_boxes(path: str | Path) -> BoxTable:
    """Read a JSON or MOTChallenge box file (format picked by suffix, else by content).

    Raises:
        BoxFileError: missing/unreadable file or a malformed entry (file and line named).
    """
    p = Path(path).expanduser()
    if not p.is_file():
        raise BoxFileError(f"Box file not found: '{p}'. Check the path in 'boxes'.")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise BoxFileError(
            f"Cannot read box file '{p}' as text ({e}). Pass a JSON or MOTChallenge .txt file."
        ) from None
    is_json = p.suffix.lower() == ".json" or (
        p.suffix.lower() not in (".txt", ".csv") and text.lstrip().startswith("{")
    )
    return _parse_json(p, text) if is_json else _parse_mot(p, text)


def _bad(path: Path, where: str, what: str) -> BoxFileError:
    return BoxFileError(f"Box file '{path}', {where}: {what}")


def _check_box(path: Path, where: str, x1: float, y1: float, x2: float, y2: float) -> None:
    if not all(math.isfinite(v) for v in (x1, y1, x2, y2)):
        raise _bad(path, where, "box coordinates must be finite numbers.")
    if x2 <= x1 or y2 <= y1:
        raise _bad(path, where, f"empty box ({x1}, {y1}, {x2}, {y2}); need x2 > x1 and y2 > y1.")


def _parse_json(path: Path, text: str) -> BoxTable:
    fix = 'expected {"frames": {"<frame>": [[x1, y1, x2, y2, score], ...]}}'
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise _bad(path, f"line {e.lineno}", f"invalid JSON ({e.msg}); {fix}.") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("frames"), dict):
        raise _bad(path, "top level", f'no "frames" object; {fix}.')
    frames: dict[int, Detections] = {}
    for key, boxes in doc["frames"].items():
        try:
            frame = int(key)
        except ValueError:
            frame = -1
        if frame < 0 or str(frame) != key.strip():
            raise _bad(path, f"frame {key!r}", 'frame keys must be 0-based integers like "12".')
        if not isinstance(boxes, list):
            raise _bad(path, f"frame {key!r}", f"expected a list of boxes; {fix}.")
        rows = []
        for i, box in enumerate(boxes):
            where = f"frame {key!r}, box {i}"
            ok = isinstance(box, list) and len(box) == 5
            if not ok or not all(
                isinstance(v, int | float) and not isinstance(v, bool) for v in box
            ):
                raise _bad(path, where, f"expected [x1, y1, x2, y2, score] numbers, got {box!r}.")
            x1, y1, x2, y2, score = (float(v) for v in box)
            _check_box(path, where, x1, y1, x2, y2)
            if not 0.0 <= score <= 1.0:
                raise _bad(path, where, f"score {score} is outside [0, 1].")
            rows.append((x1, y1, x2, y2, score))
        if rows:
            arr = np.asarray(rows, np.float32)
            frames[frame] = Detections(frame, arr[:, :4], arr[:, 4])
    return BoxTable(path, frames, has_track_ids=False)


def _number(path: Path, line: int, column: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _bad(path, f"line {line}", f"{column} {text.strip()!r} is not a number.") from None
    if not math.isfinite(value):
        raise _bad(path, f"line {line}", f"{column} must be finite, got {text.strip()!r}.")
    return value


def _integer(path: Path, line: int, column: str, text: str) -> int:
    value = _number(path, line, column, text)
    if value != int(value):
        raise _bad(path, f"line {line}", f"{column} must be an integer, got {text.strip()!r}.")
    return int(value)


def _parse_mot(path: Path, text: str) -> BoxTable:
    layout = "expected frame,id,bb_left,bb_top,width,height[,score,...] (MOTChallenge)"
    rows: dict[int, list[tuple[float, float, float, float, float, int]]] = defaultdict(list)
    seen: dict[tuple[int, int], int] = {}
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        cols = line.split(",")
        if len(cols) < MOT_MIN_COLUMNS:
            raise _bad(path, f"line {n}", f"{len(cols)} columns; {layout}.")
        frame = _integer(path, n, "frame", cols[0]) - MOT_FIRST_FRAME
        if frame < 0:
            raise _bad(path, f"line {n}", f"frame {cols[0].strip()} < 1; MOT frames start at 1.")
        tid = _integer(path, n, "id", cols[1])
        if tid < MOT_NO_ID:
            raise _bad(path, f"line {n}", f"id {tid}; use -1 for no id or an id >= 0.")
        left, top, w, h = (
            _number(path, n, c, v)
            for c, v in zip(("bb_left", "bb_top", "width", "height"), cols[2:6], strict=True)
        )
        _check_box(path, f"line {n}", left, top, left + w, top + h)
        score = _number(path, n, "score", cols[6]) if len(cols) > 6 and cols[6].strip() else 1.0
        if tid >= 0:
            if (frame, tid) in seen:
                raise _bad(
                    path,
                    f"line {n}",
                    f"id {tid} already has a box on frame "
                    f"{frame + MOT_FIRST_FRAME} (line {seen[frame, tid]}).",
                )
            seen[frame, tid] = n
        rows[frame].append((left, top, left + w, top + h, min(max(score, 0.0), 1.0), tid))
    has_ids = bool(seen)
    frames = {}
    for frame, items in rows.items():
        arr = np.asarray([r[:5] for r in items], np.float32)
        ids = np.asarray([r[5] for r in items], np.int64) if has_ids else None
        frames[frame] = Detections(frame, arr[:, :4], arr[:, 4], ids)
    return BoxTable(path, frames, has_track_ids=has_ids)
