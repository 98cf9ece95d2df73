"""Turn command-line inputs and outputs into jobs: one per distinct video, outputs laid out."""

from __future__ import annotations

from pathlib import Path

from mocap.batch.types import Job, Plan
from mocap.errors import (
    InputError,
    OutputExistsError,
    UnsupportedFormatError,
    UsageError,
    VideoError,
)

#: Suffixes (lower case) searched for in input folders. Files given by name are tried whatever
#: their suffix: the decoder decides.
VIDEO_SUFFIXES = frozenset(
    {
        ".mp4",
        ".m4v",
        ".mov",
        ".mkv",
        ".webm",
        ".avi",
        ".mpg",
        ".mpeg",
        ".ts",
        ".mts",
        ".m2ts",
        ".wmv",
        ".flv",
        ".3gp",
        ".ogv",
    }
)
DEFAULT_BATCH_FORMATS = ("glb",)


def output_suffixes() -> tuple[str, ...]:
    """Output suffixes a writer exists for: ``exporters.WRITERS`` and the view outputs (``.mp4``
    overlay, ``.html`` report, ``.json`` figures; :mod:`mocap.batch.views`)."""
    import exporters
    from mocap.batch.views import VIEW_SUFFIXES

    return tuple(sorted({*exporters.WRITERS, *VIEW_SUFFIXES}))


def _check_suffix(path: Path) -> None:
    supported = output_suffixes()
    if path.suffix.lower() not in supported:
        raise UnsupportedFormatError(
            f"unsupported output {str(path)!r}: the suffix picks the format; "
            f"use one of {', '.join(supported)}."
        )


def _is_output_file(path: Path) -> bool:
    return bool(path.suffix) and not path.is_dir()


def plan_jobs(
    inputs: list[Path], outs: list[Path], *, out_format: str | None = None, overwrite: bool = False
) -> Plan:
    """Plan the jobs of one command line.

    One video file with output files (``--out a.glb [--out a.npz]``) is a single job. Otherwise
    ``outs`` must be one folder: every video found (folders are searched recursively for
    :data:`VIDEO_SUFFIXES`) gets ``<out>/<relative path>.<format>`` for each of ``out_format``
    (comma-separated, default glb). The same file given twice is one job.

    Raises:
        UsageError: no inputs/outputs, or files given as ``--out`` for several inputs.
        VideoError: the single input does not exist.
        UnsupportedFormatError: an output suffix or format no writer handles.
        OutputExistsError: a single job's output exists and ``overwrite`` is False.
        InputError: no video found at all.
    """
    if not inputs:
        raise UsageError("no input given: pass video files or folders.")
    if not outs:
        raise UsageError("no --out given: pass an output file such as anim.glb, or a folder.")
    if len(inputs) == 1 and not inputs[0].is_dir() and all(_is_output_file(o) for o in outs):
        return _plan_single(inputs[0], outs, out_format, overwrite)
    if len(outs) != 1 or _is_output_file(outs[0]):
        raise UsageError(
            "with several inputs or a folder, --out must be one folder (no suffix); "
            "pick the formats with --out-format glb,npz."
        )
    return _plan_batch(inputs, outs[0], out_format)


def _plan_single(video: Path, outs: list[Path], out_format: str | None, overwrite: bool) -> Plan:
    if out_format is not None:
        raise UsageError(
            "--out-format is for folder outputs; the suffix of --out picks the format."
        )
    if not video.exists():
        raise VideoError(f"input video not found: {video}; check the path.")
    for o in outs:
        _check_suffix(o)
    resolved = [o.resolve() for o in outs]
    if len(set(resolved)) != len(resolved):
        raise UsageError("the same --out file is given twice.")
    if video.resolve() in resolved:
        raise UsageError(f"--out {video} would overwrite the input video.")
    if not overwrite:
        for o in outs:
            if o.exists():
                raise OutputExistsError(f"output exists: {o}; pass --overwrite to replace it.")
    return Plan(jobs=(Job(video, tuple(outs), Path(video.name)),), single=True)


def _formats(out_format: str | None) -> tuple[str, ...]:
    names = (
        DEFAULT_BATCH_FORMATS
        if out_format is None
        else tuple(f.strip().lower().lstrip(".") for f in out_format.split(",") if f.strip())
    )
    if not names:
        raise UsageError("--out-format is empty: give formats such as glb,npz.")
    supported = output_suffixes()
    for f in names:
        if f".{f}" not in supported:
            raise UnsupportedFormatError(
                f"unsupported --out-format {f!r}: use one of "
                f"{', '.join(s.lstrip('.') for s in supported)}."
            )
    return tuple(dict.fromkeys(names))


def _find_videos(folder: Path, skip: Path) -> list[Path]:
    found = []
    for p in sorted(folder.rglob("*")):
        rel_parts = p.relative_to(folder).parts
        if any(part.startswith(".") for part in rel_parts):
            continue
        if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES and skip not in p.resolve().parents:
            found.append(p)
    return found


def _plan_batch(inputs: list[Path], out_dir: Path, out_format: str | None) -> Plan:
    formats = _formats(out_format)
    out_resolved = out_dir.resolve()
    candidates: list[tuple[Path, Path]] = []  # (video, relative path)
    rejected: list[tuple[Path, str]] = []
    for item in inputs:
        if item.is_dir():
            videos = _find_videos(item, out_resolved)
            if not videos:
                rejected.append(
                    (
                        item,
                        f"no videos found in folder (suffixes: "
                        f"{', '.join(sorted(VIDEO_SUFFIXES))})",
                    )
                )
            candidates.extend((v, v.relative_to(item)) for v in videos)
        elif item.exists():
            candidates.append((item, Path(item.name)))
        else:
            rejected.append((item, "input not found; check the path"))
    jobs: list[Job] = []
    seen_inputs: set[Path] = set()
    owner: dict[Path, Path] = {}
    for video, rel in candidates:
        key = video.resolve()
        if key in seen_inputs:
            continue  # the same file given twice (or also inside a given folder): one job
        seen_inputs.add(key)
        outputs = tuple(out_dir / rel.with_suffix(f".{f}") for f in formats)
        clash = next((owner[o.resolve()] for o in outputs if o.resolve() in owner), None)
        if clash is not None:
            rejected.append((video, f"its outputs would overwrite those of {clash}; rename one"))
            continue
        for o in outputs:
            owner[o.resolve()] = video
        jobs.append(Job(video, outputs, rel))
    if not jobs and not rejected:
        raise InputError("no videos found in the inputs.")
    return Plan(jobs=tuple(jobs), rejected=tuple(rejected), out_dir=out_dir)
