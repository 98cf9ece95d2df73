"""Box files that replace the detector (the ``boxes`` setting): JSON or MOTChallenge text.

Formats (DESIGN.md, "Command line"):

* JSON: ``{"frames": {"<frame>": [[x1, y1, x2, y2, score], ...]}}`` with 0-based frame numbers
  and xyxy pixel boxes.
* MOTChallenge text: one box per line, ``frame,id,bb_left,bb_top,width,height[,score,...]`` with
  1-based frames; the box is ``x1 = bb_left, y1 = bb_top, x2 = bb_left + width,
  y2 = bb_top + height`` (no pixel shift). Rows with ``id >= 0`` are given tracks (ids kept);
  ``id == -1`` rows are plain detections for the tracker. A missing score counts as 1, and so
  does a MOT score of exactly ``-1`` (MOTChallenge's "no score", e.g. in tracker outputs); other
  MOT scores are clipped to [0, 1] (``gt.txt`` uses 0/1 flags, some ``det.txt`` raw detector
  scores).

Any malformed entry raises :class:`~mocap.errors.BoxFileError` naming the file and the line
(MOT) or the frame key and box position (JSON). Hostile values are refused before they reach
numpy or OpenCV: files over :data:`MAX_BOX_FILE_BYTES`, JSON nested deeper than Python reads,
non-finite or huge numbers (beyond :data:`MAX_COORDINATE`, :data:`MAX_FRAME`, :data:`MAX_TRACK_ID`)
and, once the frame size is known (:meth:`BoxTable.check_frame_size`), boxes far outside the frame.
"""

from __future__ import annotations

import json
import math
import re
import reprlib
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
#: Largest box file read (bytes): 10 people on every frame of a 10-hour 60 fps video in MOT text
#: is about 100 MB; anything far larger is not a box file.
MAX_BOX_FILE_BYTES = 256 * 2**20
#: Largest |coordinate| in pixels accepted while parsing: 64 x the width of a 16K frame.
MAX_COORDINATE = float(2**20)
#: Boxes may reach this many frame widths/heights beyond the frame (people partly off-screen,
#: boxes from a tracker that extrapolates); farther is a broken file.
FRAME_MARGIN = 4.0
#: Largest frame number (0-based) and track id: int32, what the tracker and exporters store.
MAX_FRAME = 2**31 - 1
MAX_TRACK_ID = 2**31 - 1
#: Nesting depth of the JSON format ({"frames": {"<frame>": [[...]]}}) plus room.
MAX_JSON_DEPTH = 8

_SHOW = reprlib.Repr()
_SHOW.maxlevel, _SHOW.maxlist, _SHOW.maxstring, _SHOW.maxother = 2, 6, 40, 40


class BoxTable:
    """Boxes of a whole video keyed by 0-based frame.

    Attributes:
        path: the file read.
        has_track_ids: True when at least one box carries a given track id (MOT id >= 0).
        last_frame: highest frame with a box (-1 when the file has none).
    """

    def __init__(
        self,
        path: Path,
        frames: dict[int, Detections],
        has_track_ids: bool,
        lines: dict[int, np.ndarray] | None = None,
    ) -> None:
        self.path = path
        self._frames = frames
        self._lines = lines  # MOT: (N,) source line of each box per frame; None for JSON
        self.has_track_ids = has_track_ids
        self.last_frame = max(frames, default=-1)

    def check_frame_size(self, width: int, height: int) -> None:
        """Refuse boxes farther than :data:`FRAME_MARGIN` frame sizes outside a frame.

        Raises:
            BoxFileError: naming the file and the line (MOT) or frame and box (JSON).
        """
        lo = -FRAME_MARGIN * np.array([width, height, width, height], np.float64)
        hi = (1.0 + FRAME_MARGIN) * np.array([width, height, width, height], np.float64)
        for frame in sorted(self._frames):
            boxes = self._frames[frame].boxes.astype(np.float64)
            bad = np.flatnonzero(((boxes < lo) | (boxes > hi)).any(axis=1))
            if len(bad):
                i = int(bad[0])
                raise _bad(
                    self.path,
                    self._where(frame, i),
                    f"box {tuple(float(v) for v in boxes[i])} lies far outside the "
                    f"{width}x{height} video; box files hold pixel xyxy (JSON) or "
                    "left,top,width,height (MOT) of this video.",
                )

    def _where(self, frame: int, i: int) -> str:
        if self._lines is not None:
            return f"line {int(self._lines[frame][i])}"
        text = self.path.read_text(encoding="utf-8-sig", errors="replace")
        return _json_where(text, str(frame), i)

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
    if p.is_file() and p.stat().st_size > MAX_BOX_FILE_BYTES:
        raise BoxFileError(
            f"Box file '{p}' is {p.stat().st_size / 2**20:.0f} MiB; box files are at most "
            f"{MAX_BOX_FILE_BYTES // 2**20} MiB. Check that it is a box file."
        )
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


def _box_problem(x1: float, y1: float, x2: float, y2: float) -> str | None:
    """What is wrong with an xyxy box read from a file (None when nothing)."""
    if not all(math.isfinite(v) for v in (x1, y1, x2, y2)):
        return "box coordinates must be finite numbers."
    if not all(abs(v) <= MAX_COORDINATE for v in (x1, y1, x2, y2)):
        return (
            f"box ({x1:g}, {y1:g}, {x2:g}, {y2:g}) is beyond {MAX_COORDINATE:g} pixels; "
            "coordinates are pixels of the video."
        )
    if x2 <= x1 or y2 <= y1:
        return f"empty box ({x1}, {y1}, {x2}, {y2}); need x2 > x1 and y2 > y1."
    return None


def _parse_json(path: Path, text: str) -> BoxTable:
    fix = 'expected {"frames": {"<frame>": [[x1, y1, x2, y2, score], ...]}}'
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise _bad(path, f"line {e.lineno}", f"invalid JSON ({e.msg}); {fix}.") from None
    except RecursionError:
        raise _bad(
            path, f"line {_deep_line(text)}", f"JSON nested too deeply to be a box file; {fix}."
        ) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("frames"), dict):
        raise _bad(path, "top level", f'no "frames" object; {fix}.')
    frames: dict[int, Detections] = {}
    for key, boxes in doc["frames"].items():
        try:
            frame = int(key)
        except ValueError:
            frame = -1
        if frame < 0 or frame > MAX_FRAME or str(frame) != key.strip():
            raise _bad(
                path,
                _json_where(text, key),
                f'frame keys must be 0-based integers up to {MAX_FRAME} like "12".',
            )
        if not isinstance(boxes, list):
            raise _bad(path, _json_where(text, key), f"expected a list of boxes; {fix}.")
        rows = []
        for i, box in enumerate(boxes):
            ok = isinstance(box, list) and len(box) == 5
            if not ok or not all(
                isinstance(v, int | float) and not isinstance(v, bool) for v in box
            ):
                problem = f"expected [x1, y1, x2, y2, score] numbers, got {_SHOW.repr(box)}."
            else:
                x1, y1, x2, y2, score = (_as_float(v) for v in box)
                problem = _box_problem(x1, y1, x2, y2)
                if problem is None and not 0.0 <= score <= 1.0:  # also NaN
                    problem = f"score {score} is outside [0, 1]."
            if problem is not None:
                raise _bad(path, _json_where(text, key, i), problem)
            rows.append((x1, y1, x2, y2, score))
        if rows:
            arr = np.asarray(rows, np.float32)
            frames[frame] = Detections(frame, arr[:, :4], arr[:, 4])
    return BoxTable(path, frames, has_track_ids=False)


def _json_where(text: str, key: str, box: int | None = None) -> str:
    """``line L, frame 'K'[, box I]``: L is the line of the frame's key in the JSON ``text``."""
    found = re.search(re.escape(f'"{key}"') + r"\s*:", text)
    line = text.count("\n", 0, found.start()) + 1 if found else 1
    return f"line {line}, frame {_SHOW.repr(key)}" + ("" if box is None else f", box {box}")


def _as_float(value: int | float) -> float:
    """``float(value)``; inf for an integer too large for a float (JSON has no size limit)."""
    try:
        return float(value)
    except OverflowError:
        return math.inf


def _deep_line(text: str) -> int:
    """Line where ``text`` first nests deeper than :data:`MAX_JSON_DEPTH` (strings skipped)."""
    depth = 0
    for m in re.finditer(r'"(?:[^"\\]|\\.)*"|[\[{]|[\]}]', text):
        token = m.group()
        if token in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return text.count("\n", 0, m.start()) + 1
        elif token in "]}":
            depth -= 1
    return 1


def _number(path: Path, line: int, column: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _bad(
            path, f"line {line}", f"{column} {_SHOW.repr(text.strip())} is not a number."
        ) from None
    if not math.isfinite(value):
        raise _bad(path, f"line {line}", f"{column} must be finite, got {text.strip()!r}.")
    return value


def _integer(path: Path, line: int, column: str, text: str) -> int:
    value = _number(path, line, column, text)
    if value != int(value):
        raise _bad(path, f"line {line}", f"{column} must be an integer, got {text.strip()!r}.")
    if abs(value) > MAX_FRAME:
        raise _bad(path, f"line {line}", f"{column} {text.strip()!r} is too large.")
    return int(value)


def _parse_mot(path: Path, text: str) -> BoxTable:
    layout = "expected frame,id,bb_left,bb_top,width,height[,score,...] (MOTChallenge)"
    rows: dict[int, list[tuple[float, float, float, float, float, int, int]]] = defaultdict(list)
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
        problem = _box_problem(left, top, left + w, top + h)
        if problem is not None:
            raise _bad(path, f"line {n}", problem)
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
        score = 1.0 if score == -1.0 else min(max(score, 0.0), 1.0)  # MOT: -1 = no score
        rows[frame].append((left, top, left + w, top + h, score, tid, n))
    has_ids = bool(seen)
    frames, lines = {}, {}
    for frame, items in rows.items():
        arr = np.asarray([r[:5] for r in items], np.float32)
        ids = np.asarray([r[5] for r in items], np.int64) if has_ids else None
        frames[frame] = Detections(frame, arr[:, :4], arr[:, 4], ids)
        lines[frame] = np.asarray([r[6] for r in items], np.int64)
    return BoxTable(path, frames, has_track_ids=has_ids, lines=lines)
