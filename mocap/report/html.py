"""The ``.html`` quality report: one self-contained page (inline CSS, SVG plots, data-URI images).

Nothing is fetched: a Content-Security-Policy forbids every network source. Every string that
comes from a file (paths, provenance, error lines) is HTML-escaped.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from html import escape
from typing import Any

import numpy as np
import numpy.typing as npt

from mocap.render.draw import track_color
from mocap.report.figures import depth_svg, figures_svg, timeline_svg
from mocap.report.model import QualityReport

#: Thumbnail width in pixels and JPEG quality.
THUMB_WIDTH = 320
THUMB_QUALITY = 80

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1d1f23; background: #fafafa; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 24px 0 8px; }
.sub { color: #5a5f66; }
.warn { background: #fff4e0; border-left: 4px solid #e89b2b; padding: 6px 10px; }
.ok { background: #e8f5e9; border-left: 4px solid #43a047; padding: 6px 10px; }
table { border-collapse: collapse; background: #fff; }
td, th { border: 1px solid #d9dce1; padding: 3px 8px; text-align: right; }
th { background: #eef0f3; } td.l, th.l { text-align: left; }
.thumbs img { margin: 0 6px 6px 0; border: 1px solid #ccc; } .plot svg { max-width: 100%;
  height: auto; background: #fff; } .swatch { display: inline-block; width: 10px; height: 10px;
  margin-right: 4px; } code { font-size: 12px; }
"""

_COLUMNS = (
    ("frames", "frames", "{:d}"),
    ("observed_share", "observed", "{:.0%}"),
    ("mean_score", "mean score", "{:.2f}"),
    ("rotation_jitter_deg_s2", "rotation jitter (°/s²)", "{:.0f}"),
    ("foot_skate_m_s", "foot skate (m/s)", "{:.3f}"),
    ("depth_min_m", "depth min (m)", "{:.2f}"),
    ("depth_max_m", "depth max (m)", "{:.2f}"),
    ("pelvis_box_px", "pelvis–box (px)", "{:.1f}"),
)


def thumbnail_data_uri(image: npt.NDArray[np.uint8], width: int = THUMB_WIDTH) -> str:
    """A ``data:image/jpeg;base64,...`` URI of an (H, W, 3) uint8 RGB image scaled to ``width``."""
    from PIL import Image

    img = Image.fromarray(np.ascontiguousarray(image))
    if img.width > width:
        img = img.resize(
            (width, max(1, round(img.height * width / img.width))), Image.Resampling.BILINEAR
        )
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=THUMB_QUALITY)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _fmt(value: Any, pattern: str) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "–"
    return pattern.format(value)


def _tracks_table(report: QualityReport) -> str:
    head = "".join(f"<th>{escape(label)}</th>" for _, label, _ in _COLUMNS)
    rows = []
    for t in report.tracks:
        r, g, b = (round(255 * c) for c in track_color(t.track_id))
        cells = "".join(f"<td>{_fmt(getattr(t, key), pat)}</td>" for key, _, pat in _COLUMNS)
        swatch = f'<span class="swatch" style="background:rgb({r},{g},{b})"></span>'
        rows.append(f'<tr><td class="l">{swatch}#{t.track_id}</td>{cells}</tr>')
    return f'<table><tr><th class="l">track</th>{head}</tr>{"".join(rows)}</table>'


#: Most frame runs listed in one cell of the spans table (the rest are counted).
MAX_RUNS_SHOWN = 12


def frame_ranges(pairs: Sequence[tuple[int, int]]) -> str:
    """``[(0, 20), (25, 26)]`` (end exclusive) as ``0–19, 25``; ``–`` for none."""
    if not pairs:
        return "–"
    shown = [f"{a}" if b - a == 1 else f"{a}–{b - 1}" for a, b in pairs[:MAX_RUNS_SHOWN]]
    more = len(pairs) - MAX_RUNS_SHOWN
    return ", ".join(shown) + (f", … ({more} more)" if more > 0 else "")


def _count(pairs: Sequence[tuple[int, int]]) -> int:
    return sum(b - a for a, b in pairs)


def _spans_table(report: QualityReport) -> str:
    """Per person: its spans (where it exists), observed share, interpolated and missing frames."""
    shares = {t.track_id: t.observed_share for t in report.tracks}
    head = (
        '<tr><th class="l">track</th><th class="l">exists on (spans)</th><th>spans</th>'
        '<th>observed</th><th class="l">interpolated (not observed)</th>'
        '<th class="l">not tracked (between spans)</th></tr>'
    )
    rows = []
    for s in report.spans:
        cells = (
            f'<td class="l">{escape(frame_ranges(s.present))}</td><td>{len(s.present)}</td>'
            f"<td>{escape(_fmt(shares.get(s.track_id), '{:.0%}'))}</td>"
            f'<td class="l">{_count(s.filled)}: {escape(frame_ranges(s.filled))}</td>'
            f'<td class="l">{_count(s.missing)}: {escape(frame_ranges(s.missing))}</td>'
        )
        rows.append(
            f'<tr id="spans-{int(s.track_id)}"><td class="l">#{int(s.track_id)}</td>{cells}</tr>'
        )
    return f'<table id="spans">{head}{"".join(rows)}</table>'


def _key_value_table(pairs: Sequence[tuple[str, str]]) -> str:
    rows = "".join(
        f'<tr><th class="l">{escape(k)}</th><td class="l">{escape(v)}</td></tr>' for k, v in pairs
    )
    return f"<table>{rows}</table>"


def _worst_line(report: QualityReport) -> str:
    w = report.worst
    if w is None:
        return '<p class="warn">No person was tracked in this video.</p>'
    css = "warn" if w.level >= 1.0 else "ok"
    verdict = "needs a look" if w.level >= 1.0 else "within the attention levels"
    return (
        f'<p class="{css}" id="worst">Worst figure: <b>{escape(w.figure)}</b> of track '
        f"#{w.track_id} = {w.value:.4g} (level {w.level:.2f}; 1 = attention): {verdict}.</p>"
    )


def report_html(report: QualityReport, thumbnails: Sequence[npt.NDArray[np.uint8]] = ()) -> str:
    """The complete report page.

    Args:
        report: the figures (:func:`mocap.report.model.build_report`).
        thumbnails: a few (H, W, 3) uint8 RGB overlay frames to show at the top.
    """
    v = report.video
    thumbs = "".join(
        f'<img alt="overlay frame" src="{thumbnail_data_uri(img)}">' for img in thumbnails
    )
    floor = (
        "<p>The motion is not grounded (no floor fit).</p>"
        if report.floor is None
        else _key_value_table(
            [
                ("camera height above the floor", f"{report.floor.camera_height_m:.2f} m"),
                ("camera pitch (up +, down −)", f"{report.floor.pitch_deg:.1f}°"),
                ("camera roll", f"{report.floor.roll_deg:.1f}°"),
            ]
        )
    )
    timings = _key_value_table([(k, f"{s:.2f} s") for k, s in report.timings.items()]) or ""
    provenance = _key_value_table([(k, str(x)) for k, x in report.provenance.items()])
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        f"<title>cliffmocap report – {escape(str(v['path']))}</title>",
        f"<style>{STYLE}</style></head><body>",
        f'<h1>cliffmocap report</h1><p class="sub"><code>{escape(str(v["path"]))}</code> · '
        f"{int(v['width'])}×{int(v['height'])} · {float(v['fps']):.3g} fps · "
        f"{int(v['frames'])} frames · {len(report.tracks)} tracks</p>",
        _worst_line(report),
        f'<div class="thumbs">{thumbs}</div>' if thumbs else "",
        "<h2>Tracks</h2>",
        _tracks_table(report),
        "<h2>When each person exists</h2>",
        '<p class="sub">Video frames (0-based, ranges inclusive). A person exists on its spans: '
        "observed frames and short gaps filled by interpolation; between spans it is not known "
        "to exist. The .glb and .fbx hide the body outside the spans; per-span .bvh and "
        ".amass.npz files are named <code>…_person&lt;id&gt;_from&lt;first frame&gt;</code>; "
        "the .amass.npz marks <code>observed</code> and <code>in_span</code> rows.</p>",
        _spans_table(report),
        '<h2>Timeline</h2><div class="plot" id="timeline">',
        timeline_svg(report),
        '</div><h2>Figures per track</h2><div class="plot" id="figures">',
        figures_svg(report),
        '</div><h2>Depth</h2><div class="plot" id="depth">',
        depth_svg(report),
        "</div><h2>Floor and camera</h2>",
        floor,
        "<h2>Stage timings</h2>",
        timings if report.timings else "<p>Not measured.</p>",
        "<h2>Provenance</h2>",
        provenance,
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"
