"""The quality report of a result: figures per track as data, ``.json``, ``.html`` and the batch
``index.html``.

* :func:`build_report` (:mod:`mocap.report.model`) — MotionSet -> :class:`QualityReport`;
* :func:`report_json` / :func:`report_html` — the two output texts;
* :func:`index_html` (:mod:`mocap.report.index`) — the page that lists every video of a batch.

Pure steps returning text; the CLI and batch layer write the files.
"""

from __future__ import annotations

from mocap.report.html import report_html, thumbnail_data_uri
from mocap.report.index import IndexEntry, index_html, key_figures
from mocap.report.model import QualityReport, build_report, report_dict, report_json

__all__ = [
    "IndexEntry",
    "QualityReport",
    "build_report",
    "index_html",
    "key_figures",
    "report_dict",
    "report_html",
    "report_json",
    "thumbnail_data_uri",
]
