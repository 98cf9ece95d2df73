"""The batch ``index.html``: every video of a folder run, worst first, sortable by any column.

Rows start sorted by status (failed, then ok, then skipped) and, within ok videos, by the
attention level of their worst figure (highest first), so the captures that need a look are at
the top. Clicking a column header sorts by it (a few lines of inline script, no library).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import quote

from mocap.report.html import STYLE
from mocap.report.model import QualityReport, report_dict

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'"
STATUSES = ("failed", "ok", "skipped")

_SORT_SCRIPT = """
document.querySelectorAll('th[data-col]').forEach(function (th) {
  th.addEventListener('click', function () {
    var table = th.closest('table'), col = +th.dataset.col, body = table.tBodies[0];
    var dir = th.dataset.dir === 'desc' ? 'asc' : 'desc';
    th.dataset.dir = dir;
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[col].dataset.v, y = b.cells[col].dataset.v;
      var nx = parseFloat(x), ny = parseFloat(y), c;
      if (!isNaN(nx) && !isNaN(ny)) { c = nx - ny; }
      else { c = String(x).localeCompare(String(y)); }
      return dir === 'desc' ? -c : c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
"""


@dataclass(frozen=True)
class IndexEntry:
    """One video of the batch.

    Attributes:
        name: the video's path relative to the input folder.
        status: ``"ok"``, ``"failed"`` or ``"skipped"``.
        report_href: relative link to its report (``""`` when there is none).
        message: the error line (failed) or why it was skipped.
        thumbnail: data URI of a small overlay frame, or ``""``.
        figures: key figures (``tracks``, ``worst_figure``, ``worst_level``, ``jitter``,
            ``skate``, ``pelvis_px``, ``observed``) from :func:`key_figures`.
    """

    name: str
    status: str
    report_href: str = ""
    message: str = ""
    thumbnail: str = ""
    figures: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"IndexEntry.status must be one of {STATUSES}, got {self.status!r}")


def key_figures(report: QualityReport | dict[str, Any]) -> dict[str, Any]:
    """The figures the index shows for one video: the worst of each over its tracks.

    Args:
        report: a :class:`QualityReport` or its JSON form (:func:`report_dict`, e.g. read back
            from a ``.json`` output).
    """
    data = report_dict(report) if isinstance(report, QualityReport) else report
    tracks = data.get("tracks") or []

    def worst(key: str, best_low: bool = True) -> float | None:
        values = [t[key] for t in tracks if t.get(key) is not None]
        if not values:
            return None
        return max(values) if best_low else min(values)

    w = data.get("worst")
    return {
        "tracks": len(tracks),
        "worst_figure": "" if not w else f"{w['figure']} (#{w['track_id']})",
        "worst_level": None if not w else w["level"],
        "jitter": worst("rotation_jitter_deg_s2"),
        "skate": worst("foot_skate_m_s"),
        "pelvis_px": worst("pelvis_box_px"),
        "observed": worst("observed_share", best_low=False),
    }


def _sort_key(entry: IndexEntry) -> tuple[int, float, str]:
    level = entry.figures.get("worst_level")
    level = -math.inf if level is None else float(level)
    return (STATUSES.index(entry.status), -level, entry.name)


def _num(value: Any, pattern: str) -> tuple[str, str]:
    """(sort value, shown text) of a number or None."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-1e300", "–"
    return repr(float(value)), pattern.format(value)


_HEADERS = (
    "video",
    "status",
    "tracks",
    "worst figure",
    "level",
    "jitter (°/s²)",
    "skate (m/s)",
    "pelvis–box (px)",
    "observed (min)",
    "preview",
)


def _row(e: IndexEntry) -> str:
    f = e.figures
    name = escape(e.name)
    link = f'<a href="{escape(quote(e.report_href))}">{name}</a>' if e.report_href else name
    status = escape(e.status) + (f"<br><small>{escape(e.message)}</small>" if e.message else "")
    cells = [
        (escape(e.name), link, "l"),
        (str(STATUSES.index(e.status)), status, "l"),
        (*_num(f.get("tracks"), "{:d}"), ""),
        (escape(str(f.get("worst_figure", ""))), escape(str(f.get("worst_figure", ""))), "l"),
        (*_num(f.get("worst_level"), "{:.2f}"), ""),
        (*_num(f.get("jitter"), "{:.0f}"), ""),
        (*_num(f.get("skate"), "{:.3f}"), ""),
        (*_num(f.get("pelvis_px"), "{:.1f}"), ""),
        (*_num(f.get("observed"), "{:.0%}"), ""),
        ("", f'<img alt="preview" src="{escape(e.thumbnail)}">' if e.thumbnail else "", "l"),
    ]
    tds = "".join(f'<td class="{c}" data-v="{v}">{text}</td>' for v, text, c in cells)
    return f'<tr class="{escape(e.status)}">{tds}</tr>'


def index_html(entries: Sequence[IndexEntry], title: str = "cliffmocap batch") -> str:
    """The index page of a batch run (entries in any order; they are sorted worst first)."""
    ordered = sorted(entries, key=_sort_key)
    counts = {s: sum(e.status == s for e in entries) for s in STATUSES}
    head = "".join(
        f'<th data-col="{i}" title="click to sort">{escape(h)}</th>' for i, h in enumerate(_HEADERS)
    )
    return (
        "\n".join(
            [
                "<!doctype html>",
                '<html lang="en"><head><meta charset="utf-8">',
                f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
                f"<title>{escape(title)}</title>",
                f"<style>{STYLE} tr.failed td {{ background: #fdecea; }} th[data-col] "
                "{ cursor: pointer; } td img { width: 160px; }</style></head><body>",
                f"<h1>{escape(title)}</h1>",
                f'<p class="sub">{len(entries)} videos: {counts["ok"]} ok, {counts["failed"]} '
                f"failed, {counts['skipped']} skipped. Sorted worst first; click a header to "
                "sort.</p>",
                f'<table id="videos"><thead><tr>{head}</tr></thead><tbody>',
                *(_row(e) for e in ordered),
                "</tbody></table>",
                f"<script>{_SORT_SCRIPT}</script>",
                "</body></html>",
            ]
        )
        + "\n"
    )
