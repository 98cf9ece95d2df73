"""The quality report of one result as data: figures per track, spans, floor fit, timings, origin.

:func:`build_report` is a pure step (MotionSet in, :class:`QualityReport` out);
:func:`report_json` gives the machine-readable ``.json`` output with the same figures the
``.html`` report shows.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from mocap.report.metrics import (
    CAMERA_UP,
    TrackFigures,
    TrackSpans,
    person_joints,
    track_figures,
    track_spans,
)
from mocap.types import MotionSet

#: JSON schema name of the figures file.
REPORT_SCHEMA = "cliffmocap-report/1"

#: Attention levels (heuristics for sorting a batch, not pass/fail limits): a figure at its level
#: scores 1 in :func:`attention`. Jitter: CLIFF's raw per-frame noise (~3 deg per joint at 30 fps)
#: gives several thousand deg/s^2, light smoothing a few hundred. Skate: a planted foot that slides
#: 20 cm/s is visible. Pelvis: off the box centre by 10 % of the frame height. Observed: below
#: 70 % of rows seen by the detector. Score: detections below 0.5 on average.
ATTENTION = {
    "rotation_jitter_deg_s2": 2000.0,
    "foot_skate_m_s": 0.20,
    "pelvis_box_px": 0.10,  # as a share of the frame height
    "missing_share": 0.30,
    "low_score": 0.5,
}


@dataclass(frozen=True)
class FloorFit:
    """Where the camera stands over the fitted floor (from ``world_from_camera``).

    Attributes:
        camera_height_m: camera centre above the floor.
        pitch_deg: optical axis above the horizon (looking down < 0).
        roll_deg: roll about the optical axis (image +x above the horizon > 0).
    """

    camera_height_m: float
    pitch_deg: float
    roll_deg: float


@dataclass(frozen=True)
class Worst:
    """The figure that needs attention most: its track, value and level (1 = at attention)."""

    figure: str
    track_id: int
    value: float
    level: float


@dataclass(frozen=True, eq=False)
class QualityReport:
    """Everything the report shows.

    Attributes:
        video: path, width, height, fps, frames of the source.
        provenance: variant, checkpoint sha256, version, SMPL model name.
        tracks: figures per track; spans: observed/filled/contact runs per track.
        floor: the floor/camera fit, None when the motion is not grounded.
        timings: stage -> seconds (whatever the caller measured).
        worst: the figure needing most attention (None without tracks).
        thumbnail: data URI of one small overlay frame ("" when none was rendered).
        frame_times: (F,) seconds of every frame (for plots; not in the JSON).
        depth: track id -> (T,) camera depth per row (for plots; not in the JSON).
    """

    video: dict[str, Any]
    provenance: dict[str, str]
    tracks: list[TrackFigures]
    spans: list[TrackSpans]
    floor: FloorFit | None
    timings: dict[str, float]
    worst: Worst | None
    frame_times: npt.NDArray[np.float64] = field(repr=False)
    depth: dict[int, tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]] = field(repr=False)
    thumbnail: str = field(default="", repr=False)


def floor_fit(world_from_camera: npt.ArrayLike) -> FloorFit:
    """Camera height, pitch and roll from a (4, 4) world_from_camera (world y up, floor y = 0)."""
    w = np.asarray(world_from_camera, np.float64)
    up = w[1, :3]  # world up in camera coordinates
    return FloorFit(
        camera_height_m=float(w[1, 3]),
        pitch_deg=float(np.degrees(np.arcsin(np.clip(up[2], -1.0, 1.0)))),
        roll_deg=float(np.degrees(np.arctan2(up[0], -up[1]))),
    )


def attention(figures: TrackFigures, image_height: int) -> dict[str, float]:
    """Figure name -> level (value / attention level; higher is worse) for one track."""
    a = ATTENTION
    levels = {"missing_share": (1 - figures.observed_share) / a["missing_share"]}
    if figures.rotation_jitter_deg_s2 is not None:
        levels["rotation_jitter_deg_s2"] = (
            figures.rotation_jitter_deg_s2 / a["rotation_jitter_deg_s2"]
        )
    if figures.foot_skate_m_s is not None:
        levels["foot_skate_m_s"] = figures.foot_skate_m_s / a["foot_skate_m_s"]
    if figures.pelvis_box_px is not None:
        levels["pelvis_box_px"] = figures.pelvis_box_px / (a["pelvis_box_px"] * image_height)
    if figures.mean_score is not None:
        levels["low_score"] = (1 - figures.mean_score) / a["low_score"]
    return levels


def _worst(tracks: list[TrackFigures], image_height: int) -> Worst | None:
    best: Worst | None = None
    for t in tracks:
        for name, level in attention(t, image_height).items():
            if best is None or level > best.level:
                value = {"missing_share": 1 - t.observed_share, "low_score": t.mean_score}.get(
                    name, getattr(t, name, None)
                )
                best = Worst(name, t.track_id, float(value or 0.0), level)
    return best


def build_report(
    motion: MotionSet,
    timings: dict[str, float] | None = None,
    world_from_camera: npt.ArrayLike | None = None,
    foot_contact: dict[int, npt.ArrayLike] | None = None,
) -> QualityReport:
    """The quality report of a result.

    Args:
        motion: the result (camera frame motion; ``motion.body`` enables joint-based figures).
        timings: stage -> seconds to show.
        world_from_camera: (4, 4) grounding transform (floor fit, up direction); default: the
            motion's own when it is grounded.
        foot_contact: track id -> (T, 2) bool contacts per row; default: the grounded motion's.
    """
    from mocap.render.views import grounding_of, world_motion_of

    if world_from_camera is None:
        world_from_camera = grounding_of(motion)
    if foot_contact is None:
        worlds = {p.track_id: world_motion_of(p) for p in motion.people}
        foot_contact = {i: w.foot_contact for i, w in worlds.items() if w is not None}
    wfc = None if world_from_camera is None else np.asarray(world_from_camera, np.float64)
    up = CAMERA_UP
    if wfc is not None:
        up = wfc[1, :3]  # world up in camera coordinates
    contacts = foot_contact or {}
    tracks, spans, depth = [], [], {}
    for person in motion.people:
        contact = contacts.get(person.track_id)
        joints = person_joints(motion, person, wfc)
        tracks.append(track_figures(motion, person, joints, up, contact))
        spans.append(track_spans(person, contact))
        depth[person.track_id] = (person.frames.astype(np.int64), person.transl[:, 2].copy())
    v, p = motion.video, motion.provenance
    return QualityReport(
        video={
            "path": str(v.path),
            "width": v.width,
            "height": v.height,
            "fps": v.fps,
            "frames": motion.num_frames,
        },
        provenance={
            "variant": p.variant,
            "checkpoint_sha256": p.checkpoint_sha256,
            "version": p.version,
            "smpl_model": p.smpl_model,
        },
        tracks=tracks,
        spans=spans,
        floor=None if wfc is None else floor_fit(wfc),
        timings=dict(timings or {}),
        worst=_worst(tracks, motion.camera.height),
        frame_times=motion.frame_times,
        depth=depth,
    )


def _finite(value: Any) -> Any:
    """JSON-safe: NaN/inf become None, floats rounded to 6 significant decimals."""
    if isinstance(value, float):
        return None if not math.isfinite(value) else float(f"{value:.6g}")
    if isinstance(value, dict):
        return {k: _finite(x) for k, x in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(x) for x in value]
    return value


def report_dict(report: QualityReport) -> dict[str, Any]:
    """The report's figures as plain JSON-ready data (schema :data:`REPORT_SCHEMA`)."""
    return _finite(
        {
            "schema": REPORT_SCHEMA,
            "video": report.video,
            "provenance": report.provenance,
            "tracks": [asdict(t) for t in report.tracks],
            "spans": [asdict(s) for s in report.spans],
            "floor": None if report.floor is None else asdict(report.floor),
            "timings_s": report.timings,
            "worst": None if report.worst is None else asdict(report.worst),
            "attention_levels": ATTENTION,
            "thumbnail": report.thumbnail,
        }
    )


def report_json(report: QualityReport) -> str:
    """:func:`report_dict` as indented JSON text."""
    return json.dumps(report_dict(report), indent=1, allow_nan=False) + "\n"
