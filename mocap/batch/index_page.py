"""The batch ``index.html``: every video of a folder run with its status, figures and report.

Figures and the thumbnail come from each video's ``.json`` output and the link from its
``.html`` output (``--out-format ...,html,json``); a video without them is still listed with its
status and error line.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path

from mocap.batch.types import JobResult
from mocap.report import IndexEntry, index_html, key_figures

log = logging.getLogger(__name__)

#: File name of the index in the output folder.
INDEX_NAME = "index.html"


def _entry(result: JobResult, out_dir: Path, input_root: dict[str, str]) -> IndexEntry:
    outputs = [Path(o) for o in result.outputs]
    html = next((o for o in outputs if o.suffix.lower() == ".html"), None)
    figures_file = next((o for o in outputs if o.suffix.lower() == ".json"), None)
    figures, thumbnail = {}, ""
    if result.status != "failed" and figures_file is not None and figures_file.is_file():
        try:
            data = json.loads(figures_file.read_text(encoding="utf-8"))
            figures, thumbnail = key_figures(data), str(data.get("thumbnail") or "")
        except (OSError, ValueError, KeyError, TypeError) as e:
            log.warning("cannot read the figures of %s: %s", figures_file, e)
    href = ""
    if html is not None and html.is_file():
        href = Path(os.path.relpath(html, out_dir)).as_posix()
    return IndexEntry(
        name=input_root.get(result.input, result.input),
        status=result.status,
        report_href=href,
        message=result.error,
        thumbnail=thumbnail if thumbnail.startswith("data:image/") else "",
        figures=figures,
    )


def write_index(
    out_dir: Path, results: Sequence[JobResult], names: dict[str, str] | None = None
) -> Path:
    """Write ``out_dir/index.html`` for ``results`` (atomically); returns its path.

    Args:
        out_dir: the batch's output folder.
        results: one row per video.
        names: input path -> name shown (its path relative to the input folder).
    """
    from exporters._output import atomic_path

    entries = [_entry(r, out_dir, names or {}) for r in results]
    target = out_dir / INDEX_NAME
    with atomic_path(target, overwrite=True) as tmp:
        tmp.write_text(index_html(entries, title=f"cliffmocap: {out_dir.name}"), encoding="utf-8")
    return target
