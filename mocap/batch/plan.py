"""Turn command-line inputs and outputs into jobs: one per distinct video, outputs laid out."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from mocap.batch.types import Job, Plan
from mocap.cliffgt import CLIFFGT_SUFFIX
from mocap.errors import (
    InputError,
    OutputExistsError,
    UnsupportedFormatError,
    UsageError,
    VideoError,
)
from mocap.images import folder_kind, is_image, list_images

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
#: :func:`input_problem`'s reason for a path that does not exist.
NOT_FOUND = "input not found; check the path"


def output_suffixes() -> tuple[str, ...]:
    """Output suffixes a writer exists for: ``exporters.WRITERS``, the pseudo-GT file and the view
    outputs (``.mp4`` overlay, ``.html`` report, ``.json`` figures; :mod:`mocap.batch.views`)."""
    import exporters
    from mocap.batch.views import VIEW_SUFFIXES

    return tuple(sorted({*exporters.WRITERS, CLIFFGT_SUFFIX, *VIEW_SUFFIXES}))


def _check_suffix(path: Path) -> None:
    supported = output_suffixes()
    if path.suffix.lower() not in supported:
        raise UnsupportedFormatError(
            f"unsupported output {str(path)!r}: the suffix picks the format; "
            f"use one of {', '.join(supported)}."
        )


def input_problem(path: Path) -> str | None:
    """Why ``path`` cannot be read as an input (None when it is a folder or a readable file).

    Checked before any work so that one unreadable input is one failed job, not a crash: missing,
    permission denied (the file or a folder above it), not a regular file (a pipe or device would
    block the decoder), or any other OS error.
    """
    try:
        st = path.stat()
    except FileNotFoundError:
        return NOT_FOUND
    except PermissionError:
        return "cannot be read (permission denied on the file or a folder above it)"
    except OSError as e:
        return f"cannot be read ({e.strerror or e}); check the path"
    if stat.S_ISDIR(st.st_mode):
        return None
    if not stat.S_ISREG(st.st_mode):
        return "is not a regular file (a pipe, device or socket); give a video file"
    try:
        os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))
    except PermissionError:
        return "cannot be read (permission denied); check the file's permissions"
    except OSError as e:
        return f"cannot be read ({e.strerror or e}); check the file"
    return None


def _is_output_file(path: Path) -> bool:
    return bool(path.suffix) and not path.is_dir()


def plan_jobs(
    inputs: list[Path],
    outs: list[Path],
    *,
    out_format: str | None = None,
    overwrite: bool = False,
    image_folders: str = "auto",
) -> Plan:
    """Plan the jobs of one command line.

    Image folders are frame sequences (one job, tracked like a video) or photos (one job per
    image) by :func:`mocap.images.folder_kind` when ``image_folders`` is ``auto``; ``sequence``
    or ``photos`` decides for every folder. One video or image file with output files
    (``--out a.glb [--out a.npz]``) is a single job. Otherwise
    ``outs`` must be one folder: every video found (folders are searched recursively for
    :data:`VIDEO_SUFFIXES`) gets ``<out>/<relative path>.<format>`` for each of ``out_format``
    (comma-separated, default glb). The same file given twice is one job.

    Raises:
        UsageError: no inputs/outputs, files given as ``--out`` for several inputs, or one
            video with an output that has no suffix and is not an existing folder.
        VideoError: the single input is missing or unreadable (see :func:`input_problem`).
        UnsupportedFormatError: an output suffix or format no writer handles.
        OutputExistsError: a single job's output exists and ``overwrite`` is False.
        InputError: no video found at all.
    """
    if not inputs:
        raise UsageError("no input given: pass video files or folders.")
    if not outs:
        raise UsageError("no 'outs' given: pass an output file such as anim.glb, or a folder.")
    if len(inputs) == 1 and not _is_dir(inputs[0]):
        if all(_is_output_file(o) for o in outs):
            return _plan_single(inputs[0], outs, out_format, overwrite)
        if len(outs) == 1 and not _is_dir(outs[0]):
            raise UsageError(
                f"output {str(outs[0])!r} has no suffix: for one video give a file such as "
                f"{outs[0]}.glb (the suffix picks the format), or an existing folder to write "
                "into."
            )
    if len(outs) != 1 or _is_output_file(outs[0]):
        raise UsageError(
            "with several inputs or a folder, 'outs' must be one folder (no suffix); "
            "pick the formats with 'out_format' glb,npz."
        )
    if image_folders not in ("auto", "sequence", "photos"):
        raise UsageError(f"image folders must be auto, sequence or photos, got {image_folders!r}.")
    return _plan_batch(inputs, outs[0], out_format, image_folders)


def _plan_single(video: Path, outs: list[Path], out_format: str | None, overwrite: bool) -> Plan:
    if out_format is not None:
        raise UsageError(
            "'out_format' is for folder outputs; the suffix of 'outs' picks the format."
        )
    problem = input_problem(video)
    if problem == NOT_FOUND:
        raise VideoError(f"input video not found: {video}; check the path.")
    if problem is not None:
        raise VideoError(f"input video {video} {problem}.")
    for o in outs:
        _check_suffix(o)
    resolved = [o.resolve() for o in outs]
    if len(set(resolved)) != len(resolved):
        raise UsageError("the same 'outs' file is given twice.")
    if video.resolve() in resolved:
        raise UsageError(f"'outs' {video} would overwrite the input video.")
    if not overwrite:
        for o in outs:
            if o.exists():
                raise OutputExistsError(f"output exists: {o}; pass 'overwrite' to replace it.")
    return Plan(jobs=(Job(video, tuple(outs), Path(video.name)),), single=True)


def format_names(out_format: str | None) -> tuple[str, ...]:
    """The formats named by ``out_format`` ("glb,npz", any case, dots allowed; None = glb), in
    order, each once; not yet checked against the writers.

    Raises:
        UsageError: ``out_format`` names no format.
    """
    names = (
        DEFAULT_BATCH_FORMATS
        if out_format is None
        else tuple(f.strip().lower().lstrip(".") for f in out_format.split(",") if f.strip())
    )
    if not names:
        raise UsageError("'out_format' is empty: give formats such as glb,npz.")
    return tuple(dict.fromkeys(names))


def _formats(out_format: str | None) -> tuple[str, ...]:
    names = format_names(out_format)
    supported = output_suffixes()
    for f in names:
        if f".{f}" not in supported:
            raise UnsupportedFormatError(
                f"unsupported 'out_format' {f!r}: use one of "
                f"{', '.join(s.lstrip('.') for s in supported)}."
            )
    return names


def _is_dir(path: Path) -> bool:
    try:
        return stat.S_ISDIR(path.stat().st_mode)
    except OSError:
        return False


def _find_videos(
    folder: Path, skip: Path, image_folders: str = "auto"
) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Videos, photos and frame-sequence folders (see :func:`_image_inputs`) under ``folder``
    (sorted; hidden names and ``skip`` left out; symbolic links to folders not followed, so a
    link loop cannot trap the search), and the folders and files that could not be read, with
    the reason."""
    found: list[Path] = []
    unreadable: list[tuple[Path, str]] = []
    image_dirs: set[Path] = set()

    def refused(e: OSError) -> None:
        unreadable.append((Path(e.filename or folder), f"folder cannot be read ({e.strerror})"))

    for root, dirs, files in os.walk(folder, onerror=refused):
        here = Path(root)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and (here / d).resolve() != skip)
        for name in sorted(files):
            p = here / name
            if name.startswith("."):
                continue
            if is_image(p):
                image_dirs.add(here)
                continue
            if p.suffix.lower() not in VIDEO_SUFFIXES:
                continue
            problem = input_problem(p)
            if problem is None:
                found.append(p)
            else:
                unreadable.append((p, problem))
    for d in sorted(image_dirs):
        found.extend(_image_inputs(d, image_folders))
    return sorted(found), unreadable


def _image_inputs(folder: Path, image_folders: str) -> list[Path]:
    """The folder itself when its images are one frame sequence, else every image (photos);
    ``auto`` applies the rule of :func:`mocap.images.folder_kind`."""
    images = list_images(folder)
    kind = folder_kind(images) if image_folders == "auto" else image_folders
    return [folder] if kind == "sequence" else images


def _with_format(rel: Path, source: Path, fmt: str) -> Path:
    """``rel`` with the format's suffix (a sequence folder keeps its whole name)."""
    if source.is_dir():
        return rel.parent / f"{rel.name}.{fmt}"
    return rel.with_suffix(f".{fmt}")


def _plan_batch(
    inputs: list[Path], out_dir: Path, out_format: str | None, image_folders: str
) -> Plan:
    formats = _formats(out_format)
    out_resolved = out_dir.resolve()
    candidates: list[tuple[Path, Path]] = []  # (video, relative path)
    rejected: list[tuple[Path, str]] = []
    for item in inputs:
        problem = input_problem(item)
        if problem is not None:
            rejected.append((item, problem))
        elif _is_dir(item):
            videos, unreadable = _find_videos(item, out_resolved, image_folders)
            rejected.extend(unreadable)
            if not videos and not unreadable:
                rejected.append(
                    (
                        item,
                        f"no videos or images found in folder (suffixes: "
                        f"{', '.join(sorted(VIDEO_SUFFIXES))}, and images)",
                    )
                )
            # a frame-sequence folder given itself is named after itself
            candidates.extend(
                (v, v.relative_to(item) if v != item else Path(v.name)) for v in videos
            )
        else:
            candidates.append((item, Path(item.name)))
    jobs: list[Job] = []
    seen_inputs: set[Path] = set()
    owner: dict[Path, Path] = {}
    for video, rel in candidates:
        key = video.resolve()
        if key in seen_inputs:
            continue  # the same file given twice (or also inside a given folder): one job
        seen_inputs.add(key)
        outputs = tuple(out_dir / _with_format(rel, video, f) for f in formats)
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
