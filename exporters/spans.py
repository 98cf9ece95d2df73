"""When a person exists: the continuous spans of a sequence, shared by every writer.

A :class:`~mocap.types.SmplSequence` holds the rows the tracker kept: observed rows and short
filled gaps (``observed=False``, at most ``PipelineConfig.max_gap_s``). Longer gaps are missing
frames: there the person is not known to exist. A **span** is a run of consecutive frames of the
sequence; the glTF writer shows the body on exactly these frames (scale 0 elsewhere), the BVH and
AMASS writers can write one file per span, and every row they write carries whether it was
observed (detected) or interpolated.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from mocap.config import SPAN_CHOICES
from mocap.types import BoolArray, IntArray, SmplSequence

__all__ = ["SPAN_CHOICES", "observed_on", "runs", "span_paths", "spans_of", "split_spans"]

#: Row fields of SmplSequence (sliced together); the others (track_id, betas) are per person.
_ROW_FIELDS = (
    "frames",
    "times",
    "global_orient",
    "body_pose",
    "transl",
    "observed",
    "boxes",
    "scores",
    "frame_betas",
    "cam_crop",
)


def runs(frames: IntArray) -> list[slice]:
    """Index slices of the runs of consecutive values of ``frames`` ((T,) strictly increasing)."""
    if len(frames) == 0:
        return []
    cuts = np.flatnonzero(np.diff(frames) > 1) + 1
    starts = np.concatenate([[0], cuts])
    ends = np.concatenate([cuts, [len(frames)]])
    return [slice(int(a), int(b)) for a, b in zip(starts, ends, strict=True)]


def split_spans(seq: SmplSequence) -> list[SmplSequence]:
    """``seq`` cut into its spans (same track id and betas; each span's rows unchanged)."""
    out = []
    for rows in runs(seq.frames):
        changes = {
            name: getattr(seq, name)[rows] for name in _ROW_FIELDS if getattr(seq, name) is not None
        }
        if seq.world is not None:  # the grounded rows follow their camera-frame rows
            changes["world"] = seq.world.rows(rows)
        out.append(dataclasses.replace(seq, **changes))
    return out


def observed_on(seq: SmplSequence, frames: IntArray) -> BoolArray:
    """(N,) True where ``frames`` (any video frame indices) hold an observed row of ``seq``."""
    pos = np.searchsorted(seq.frames, frames)
    inside = pos < len(seq.frames)
    hit = np.zeros(len(frames), bool)
    hit[inside] = seq.frames[pos[inside]] == frames[inside]
    out = np.zeros(len(frames), bool)
    out[hit] = seq.observed[pos[hit]]
    return out


def span_paths(path: Path, people: list[SmplSequence], suffix: str) -> list[Path]:
    """One file per span: ``<stem>_person<id>_from<first video frame><suffix>``.

    Args:
        path: the file name the user asked for (ending in ``suffix``, case-insensitive).
        people: the spans to write (from :func:`split_spans`), in order.
        suffix: the format's full suffix, e.g. ``".bvh"`` or ``".amass.npz"``.
    """
    path = Path(path)
    name = path.name
    stem = name[: -len(suffix)] if name.lower().endswith(suffix) else path.stem
    return [
        path.with_name(f"{stem}_person{p.track_id}_from{int(p.frames[0])}{suffix}") for p in people
    ]


def spans_of(people: list[SmplSequence]) -> list[SmplSequence]:
    """Every person's spans, person by person."""
    return [span for seq in people for span in split_spans(seq)]
