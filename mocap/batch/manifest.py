"""The resume manifest: one JSON line per finished job, keyed by input, config and version.

A job is done when the manifest has an ``ok`` line with its key and every output it recorded
still exists with the recorded size. Lines are appended with flush + fsync. The manifest never
blocks a resume: a damaged line (cut short by a kill, not UTF-8, not a record) is skipped with a
warning naming the file and line, and a manifest that cannot be read at all is moved aside and
started again; the outputs on disk (complete, as every writer is atomic) then decide what is
skipped.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

from mocap.batch.types import Job, JobResult
from mocap.config import PipelineConfig

MANIFEST_DIR = ".cliffmocap"
MANIFEST_NAME = "manifest.jsonl"

log = logging.getLogger(__name__)

#: Config fields that change speed or placement, not results; a resume ignores them.
_NOT_RESULT_FIELDS = frozenset(
    {
        "device",
        "batch_size",
        "chunk_frames",
        "decode_memory_mb",
        "det_batch",
        "decoder",
        "crop_on_device",
        "torch_compile",
    }
)


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
        """Last record per job key; damaged lines are skipped, an unreadable file moved aside."""
        records: dict[str, dict[str, Any]] = {}
        if not self.path.exists():
            return records
        try:
            data = self.path.read_bytes()
        except OSError as e:
            self._move_aside(e.strerror or str(e))
            return records
        for n, raw in enumerate(data.split(b"\n"), start=1):
            if not raw.strip():
                continue
            rec = _record(raw)
            if rec is None:
                log.warning(
                    "skipping damaged line %d of the manifest %s (a run killed while writing, or "
                    "an edited file); that video is redone unless its outputs exist.",
                    n,
                    self.path,
                )
                continue
            records[rec["key"]] = rec
        return records

    def _move_aside(self, why: str) -> None:
        aside = self.path.with_name(f"{self.path.name}.unreadable-{int(time.time())}")
        try:
            os.replace(self.path, aside)
            where = f"moved to {aside}"
        except OSError:
            where = "left in place"
        log.warning(
            "cannot read the manifest %s (%s); %s, starting a new one: videos whose outputs "
            "exist are skipped, the others are redone.",
            self.path,
            why,
            where,
        )

    def append(self, key: str, config_hash: str, version: str, result: JobResult) -> None:
        """Record ``result``; when the disk refuses (full, read-only) warn and go on: the run's
        work is not lost, a rerun only redoes this video (unless its outputs exist)."""
        try:
            self._append(key, config_hash, version, result)
        except OSError as e:
            log.warning(
                "cannot record %s in the manifest %s (%s); a rerun redoes it unless its "
                "outputs exist.",
                result.input,
                self.path,
                e.strerror or e,
            )

    def _append(self, key: str, config_hash: str, version: str, result: JobResult) -> None:
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
        line = (json.dumps(rec) + "\n").encode()
        with open(self.path, "ab") as f:
            if f.tell() > 0 and not _ends_with_newline(self.path):
                line = b"\n" + line  # the last line was cut short by a kill: start a new one
            f.write(line)
            f.flush()
            os.fsync(f.fileno())


def _record(raw: bytes) -> dict[str, Any] | None:
    """The record on one manifest line, or None when the line is damaged."""
    try:
        rec = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None
    if isinstance(rec, dict) and isinstance(rec.get("key"), str):
        return rec
    return None


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as f:
        f.seek(-1, os.SEEK_END)
        return f.read(1) == b"\n"


def is_done(record: dict[str, Any] | None) -> bool:
    """True when ``record`` is an ok result whose outputs all exist with the recorded sizes."""
    if not record or record.get("status") != "ok":
        return False
    sizes = record.get("output_sizes")
    if not sizes or not isinstance(sizes, dict):
        return False
    return all(
        isinstance(n, int) and os.path.isfile(p) and os.path.getsize(p) == n
        for p, n in sizes.items()
    )
