"""The run report: one JSON and one CSV file per batch run, written atomically."""

from __future__ import annotations

import csv
import io
import json
import os
import time
from pathlib import Path

from mocap.batch.outputs import write_error
from mocap.batch.types import JobResult

_COLUMNS: tuple[str, ...] = (
    "input",
    "status",
    "seconds",
    "people",
    "frames",
    "outputs",
    "error",
    "error_type",
    "attempts",
)


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise write_error(e, path) from e


def write_report(
    out_dir: Path, results: list[JobResult], meta: dict[str, object]
) -> tuple[Path, Path]:
    """Write ``cliffmocap-report-<UTC time>.json`` and ``.csv`` into ``out_dir``.

    Returns:
        (json path, csv path).

    Raises:
        OutputError: a report file cannot be written (disk full, read-only folder...).
    """
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    base = out_dir / f"cliffmocap-report-{stamp}"
    n = 1
    while base.with_suffix(".json").exists():  # two runs in the same second
        n += 1
        base = out_dir / f"cliffmocap-report-{stamp}-{n}"
    counts = {s: sum(r.status == s for r in results) for s in ("ok", "skipped", "failed")}
    doc = {**meta, "counts": counts, "jobs": [r.to_dict() for r in results]}
    json_path, csv_path = base.with_suffix(".json"), base.with_suffix(".csv")
    _atomic_write(json_path, json.dumps(doc, indent=2) + "\n")
    buf = io.StringIO()
    w: csv.DictWriter[str] = csv.DictWriter(buf, fieldnames=_COLUMNS)
    w.writeheader()
    for r in results:
        row = r.to_dict()
        row["outputs"] = ";".join(row["outputs"])
        row["seconds"] = f"{r.seconds:.3f}"
        w.writerow(row)
    _atomic_write(csv_path, buf.getvalue())
    return json_path, csv_path
