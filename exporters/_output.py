"""Safe output files: refuse to overwrite by accident, never leave a half-written file behind."""

from __future__ import annotations

import contextlib
import glob
import io
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from mocap.errors import OutputError, OutputExistsError

#: Ends the name of a file being written (``.<target name>.<random hex>.part``, hidden).
PART_SUFFIX = ".part"


def check_target(path: Path, overwrite: bool) -> None:
    """Raise before any work when ``path`` cannot be written.

    Raises:
        OutputExistsError: ``path`` exists and ``overwrite`` is False.
        OutputError: the folder of ``path`` does not exist or ``path`` is a folder.
    """
    if path.is_dir():
        raise OutputError(f"cannot write '{path}': it is a folder; give a file name with a suffix")
    if path.exists() and not overwrite:
        raise OutputExistsError(f"output '{path}' already exists; set 'overwrite' to replace it")
    if not path.parent.is_dir():
        raise OutputError(
            f"cannot write '{path}': folder '{path.parent}' does not exist; create it first"
        )


@contextlib.contextmanager
def atomic_paths(paths: list[Path], overwrite: bool = False) -> Iterator[list[Path]]:
    """Yield temporary paths beside ``paths``; rename them onto ``paths`` when the block succeeds.

    Every target is checked before anything is written, and the renames happen only after the
    whole block (all files) succeeded; when it raises, every temporary file is removed, so a
    failed write leaves neither a half-written file nor a partial set of per-person files.

    Raises:
        OutputExistsError, OutputError: see ``check_target``; OutputError also when the OS refuses
            to create or rename a file (permissions, disk full).
    """
    paths = [Path(p) for p in paths]
    for path in paths:
        check_target(path, overwrite)
    names = [p.with_name(f".{p.name}.{secrets.token_hex(6)}{PART_SUFFIX}") for p in paths]
    temps: list[Path] = []
    try:
        for tmp in names:
            # Mode 0o666 minus the umask, like open(); mkstemp would make it private (0o600).
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            temps.append(tmp)
        yield temps
        for path in paths:
            if path.exists() and not overwrite:  # appeared while we were writing
                raise OutputExistsError(
                    f"output '{path}' appeared while writing; pass overwrite=True to replace it"
                )
        for tmp, path in zip(temps, paths, strict=True):
            os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(
            f"cannot write '{_target_of(exc.filename, names, paths)}': {exc.strerror or exc}; "
            "check the folder's permissions and free space"
        ) from exc
    finally:
        for tmp in temps:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()


def _target_of(filename: object, temps: list[Path], paths: list[Path]) -> Path:
    """The output an OS error is about (the user knows the target, not our temporary name)."""
    for i, tmp in enumerate(temps):
        if filename is not None and Path(str(filename)) == tmp:
            return paths[i]
    return Path(str(filename)) if filename else paths[0]


@contextlib.contextmanager
def atomic_path(path: Path, overwrite: bool = False) -> Iterator[Path]:
    """``atomic_paths`` for one file: yield its temporary path."""
    with atomic_paths([path], overwrite) as (tmp,):
        yield tmp


def write_npz_file(tmp: Path, arrays: dict[str, np.ndarray], compress: bool = True) -> None:
    """Write ``arrays`` as an ``.npz`` into ``tmp`` (a temporary path of :func:`atomic_paths`).

    The archive is built in memory and written in one call: numpy's savez leaves its zip open
    when the disk fills up mid-archive, and the zip's clean-up then prints a traceback to stderr.
    Motion arrays are small (rows of poses), so the copy costs little.
    """
    buf = io.BytesIO()
    (np.savez_compressed if compress else np.savez)(buf, **arrays)
    with open(tmp, "wb") as f:
        f.write(buf.getbuffer())


def per_person_paths(
    path: Path, track_ids: list[int], suffix: str, one_file: bool = False
) -> list[Path]:
    """Output file per person: ``<stem>_person<id><suffix>``, even for one person (the name
    says whose motion it is); ``path`` itself when ``one_file`` (one person asked for by id).

    Args:
        path: the file name the user asked for (ending in ``suffix``, case-insensitive).
        track_ids: the people to write, in order.
        suffix: the format's full suffix, e.g. ``".bvh"`` or ``".amass.npz"``.
        one_file: write ``path`` itself (``track_ids`` holds one id).
    """
    path = Path(path)
    if one_file:
        return [path]
    name = path.name
    stem = name[: -len(suffix)] if name.lower().endswith(suffix) else path.stem
    return [path.with_name(f"{stem}_person{tid}{suffix}") for tid in track_ids]


def partial_files(path: Path) -> list[Path]:
    """Temporary files that a killed ``atomic_paths`` left for ``path`` or its per-person files.

    A process killed while writing never reaches the clean-up of ``atomic_paths``; the caller that
    killed it (the batch layer) removes these before the target is written again.
    """
    path = Path(path)
    name = path.name
    patterns = [f".{glob.escape(name)}.*{PART_SUFFIX}"]
    for i, c in enumerate(name):  # per-person names: <stem>_person<id><suffix>, any suffix split
        if c == "." and i > 0:
            stem, suffix = glob.escape(name[:i]), glob.escape(name[i:])
            patterns.append(f".{stem}_person[0-9]*{suffix}.*{PART_SUFFIX}")
    found = {p for pattern in patterns for p in path.parent.glob(pattern)}
    return sorted(p for p in found if p.is_file())
