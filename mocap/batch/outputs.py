"""Write a MotionSet to its output files atomically: temp folder beside the target, then rename."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path

from mocap.errors import MocapError, OutputError, OutputExistsError
from mocap.types import MotionSet

TEMP_PREFIX = ".cliffmocap-tmp-"


def _os_error(e: OSError, target: Path) -> OutputError:
    if e.errno == errno.ENOSPC:
        why = "no space left on device; free some space or choose another --out"
    elif e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        why = "permission denied; choose a folder you can write to"
    else:
        why = f"{e.strerror or e}; check the path"
    return OutputError(f"cannot write {target}: {why}.")


def write_outputs(
    motion: MotionSet, outputs: tuple[Path, ...], overwrite: bool = False
) -> tuple[Path, ...]:
    """Write ``motion`` to every path in ``outputs`` (the suffix picks the writer).

    Each output is first written into a hidden temporary folder in the target folder and then
    renamed into place, so an interrupted or failed write never leaves a partial file under the
    final name. A writer may produce several files for one output (e.g. one BVH per person); all
    of them are moved.

    Returns:
        The files now in place, in order.

    Raises:
        OutputExistsError: a target exists and ``overwrite`` is False (nothing is replaced).
        OutputError: the folder cannot be created or written (permission, disk full...).
    """
    import exporters

    written: list[Path] = []
    for target in outputs:
        folder = target.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", dir=folder))
        except OSError as e:
            raise _os_error(e, target) from e
        try:
            tmp_target = tmp / target.name
            try:
                exporters.write(motion, tmp_target, overwrite=True)
            except OSError as e:
                raise _os_error(e, target) from e
            except MocapError as e:  # the writer's own message names the temp path: name ours
                raise type(e)(
                    str(e).replace(str(tmp_target), str(target)).replace(str(tmp), str(folder))
                ) from e
            produced = sorted(p for p in tmp.iterdir() if p.is_file())
            finals = [folder / p.name for p in produced]
            if not overwrite:
                for f in finals:
                    if f.exists():
                        raise OutputExistsError(
                            f"output exists: {f}; pass --overwrite to replace it."
                        )
            try:
                for p, f in zip(produced, finals, strict=False):
                    os.replace(p, f)
            except OSError as e:
                raise _os_error(e, target) from e
            written.extend(finals)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return tuple(written)


def remove_stale_temp(folder: Path, pid: int | None = None) -> None:
    """Remove temporary output folders left by a killed writer.

    Args:
        folder: a folder outputs were written into.
        pid: remove only that process's temp folders (None: those of processes no longer alive).
    """
    if not folder.is_dir():
        return
    for p in folder.glob(f"{TEMP_PREFIX}*"):
        try:
            owner = int(p.name[len(TEMP_PREFIX) :].split("-", 1)[0])
        except ValueError:
            continue
        if (pid is not None and owner == pid) or (pid is None and not _alive(owner)):
            shutil.rmtree(p, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
