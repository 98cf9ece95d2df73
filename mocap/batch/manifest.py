"""The resume manifest: one JSON line per finished job, keyed by input, config and version.

A job is done when the manifest has an ``ok`` line with its key and every output it recorded
still exists with the recorded size. Lines are appended with flush + fsync; a line cut short by a
kill is ignored when reading, so the manifest itself never blocks a resume.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

from mocap.batch.types import Job, JobResult
from mocap.config import PipelineConfig

MANIFEST_DIR = ".cliffmocap"
MANIFEST_NAME = "manifest.jsonl"

#: Config fields that change speed or placement, not results; a resume ignores them.
_NOT_RESULT_FIELDS = frozenset({"device", "batch_size", "chunk_frames", "det_batch", "decoder"})


def config_hash(config: PipelineConfig) -> str:
    """Short hash of the config fields that change results (model files by path, size, mtime)."""
    d: dict[str, Any] = {}
    for f in dataclasses.fields(config):
        if f.name in _NOT_RESULT_FIELDS:
            continue
        v = getattr(config, f.name)
        if isinstance(v, Path | str) and f.name in (
            "checkpoint",
            "smpl_model",
            "detector",
            "boxes",
        ):
            p = Path(v)
            v = [str(p.resolve()), *_stat(p)] if p.is_file() else str(v)
        d[f.name] = v if isinstance(v, int | float | str | list | type(None)) else str(v)
    return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]


def _stat(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def job_key(job: Job, cfg_hash: str, version: str) -> str:
    """Identity of a job's result: input path, size and mtime, outputs, config hash and version."""
    size, mtime = _stat(job.input) if job.input.is_file() else (-1, -1)
    ident = {
        "input": str(job.input.resolve()),
        "size": size,
        "mtime_ns": mtime,
        "outputs": [str(o.resolve()) for o in job.outputs],
        "config": cfg_hash,
        "version": version,
    }
    return hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()[:24]


class Manifest:
    """Append-only JSONL file of job results in ``<out>/.cliffmocap/``."""

    def __init__(self, out_dir: Path) -> None:
        self.path = out_dir / MANIFEST_DIR / MANIFEST_NAME

    def load(self) -> dict[str, dict[str, Any]]:
        """Last record per job key (truncated or foreign lines are skipped)."""
        records: dict[str, dict[str, Any]] = {}
        if not self.path.is_file():
            return records
        with open(self.path, encoding="utf-8") as f:
            for line in f:
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(rec, dict) and isinstance(rec.get("key"), str):
                    records[rec["key"]] = rec
        return records

    def append(self, key: str, config_hash: str, version: str, result: JobResult) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        outputs = {o: os.path.getsize(o) for o in result.outputs if os.path.isfile(o)}
        rec = {
            "key": key,
            "config": config_hash,
            "version": version,
            "finished": time.time(),
            **result.to_dict(),
            "output_sizes": outputs,
        }
        line = json.dumps(rec) + "\n"
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())


def is_done(record: dict[str, Any] | None) -> bool:
    """True when ``record`` is an ok result whose outputs all exist with the recorded sizes."""
    if not record or record.get("status") != "ok":
        return False
    sizes = record.get("output_sizes") or {}
    if not sizes:
        return False
    return all(os.path.isfile(p) and os.path.getsize(p) == n for p, n in sizes.items())
