"""The report's plots: matplotlib figures rendered to inline SVG text (no pyplot, no files).

Plots never contain strings from input files (only numbers and fixed labels), so the SVG can go
into the HTML as it is.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from mocap.render.draw import track_color
from mocap.report.model import QualityReport

#: Grey of tracker-filled spans; contact bars colour.
FILLED_COLOR = (0.72, 0.72, 0.72)
CONTACT_COLOR = (0.25, 0.25, 0.25)
_RC: dict[Any, Any] = {"svg.hashsalt": "cliffmocap", "svg.fonttype": "none", "font.size": 9}


def _svg(fig: Any) -> str:
    """SVG text of a matplotlib figure, from its ``<svg`` element on (no XML prolog)."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context(_RC):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buf.getvalue()
    return text[text.index("<svg") :]


def _figure(width_in: float, height_in: float) -> Any:
    from matplotlib.figure import Figure

    with __import__("matplotlib").rc_context(_RC):
        return Figure(figsize=(width_in, height_in), layout="constrained")


def timeline_svg(report: QualityReport) -> str:
    """Per track: observed (track colour), filled (grey) and foot-contact spans over time."""
    times = report.frame_times
    n = max(1, len(report.spans))
    fig = _figure(8.0, 0.9 + 0.45 * n)
    ax = fig.add_subplot()
    dt = float(np.median(np.diff(times))) if len(times) > 1 else 1.0

    def bars(pairs: list[tuple[int, int]]) -> list[tuple[float, float]]:
        out = []
        for a, b in pairs:
            start = times[a]
            end = times[b] if b < len(times) else times[-1] + dt
            out.append((float(start), float(end - start)))
        return out

    for row, spans in enumerate(report.spans):
        y = n - 1 - row
        ax.broken_barh(bars(spans.observed), (y + 0.3, 0.6), color=track_color(spans.track_id))
        ax.broken_barh(bars(spans.filled), (y + 0.3, 0.6), color=FILLED_COLOR, hatch="//")
        ax.broken_barh(bars(spans.contact_left), (y + 0.17, 0.08), color=CONTACT_COLOR)
        ax.broken_barh(bars(spans.contact_right), (y + 0.05, 0.08), color=CONTACT_COLOR)
    ax.set_yticks([n - 1 - r + 0.5 for r in range(len(report.spans))])
    ax.set_yticklabels([f"#{s.track_id}" for s in report.spans])
    ax.set_ylim(0, n)
    if len(times):
        ax.set_xlim(float(times[0]), float(times[-1] + dt))
    ax.set_xlabel("time (s): colour observed, grey hatched filled, dark bars foot contact (L, R)")
    return _svg(fig)


def depth_svg(report: QualityReport) -> str:
    """Camera depth (m) of every track over time."""
    fig = _figure(8.0, 2.4)
    ax = fig.add_subplot()
    times = report.frame_times
    for track_id, (frames, depth) in report.depth.items():
        ax.plot(times[frames], depth, color=track_color(track_id), lw=1.2, label=f"#{track_id}")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("depth (m)")
    ax.grid(alpha=0.3)
    if report.depth:
        ax.legend(loc="upper right", ncols=min(6, len(report.depth)), fontsize=8)
    return _svg(fig)


def figures_svg(report: QualityReport) -> str:
    """Bar charts of the per-track figures that vary most between captures."""
    names = [
        ("rotation_jitter_deg_s2", "rotation jitter (deg/s²)"),
        ("foot_skate_m_s", "foot skate (m/s)"),
        ("pelvis_box_px", "pelvis to box centre (px)"),
    ]
    fig = _figure(8.0, 2.2)
    axes = fig.subplots(1, len(names))
    ids = [t.track_id for t in report.tracks]
    for ax, (key, label) in zip(axes, names, strict=True):
        values = [getattr(t, key) for t in report.tracks]
        if all(v is None for v in values):
            ax.text(0.5, 0.5, "not available", ha="center", va="center", transform=ax.transAxes)
            ax.set_yticks([])
        ax.bar(
            range(len(ids)),
            [np.nan if v is None else v for v in values],
            color=[track_color(i) for i in ids],
        )
        ax.set_xticks(range(len(ids)))
        ax.set_xticklabels([f"#{i}" for i in ids])
        ax.set_title(label, fontsize=9)
        ax.grid(axis="y", alpha=0.3)
    return _svg(fig)
