"""Write a MotionSet to its output files; clean up after a writer that was killed.

Every writer in ``exporters`` is atomic (temp file beside the target, renamed when complete), so
this layer only creates folders, turns an OS error into one clear line and lists what was written.
"""

from __future__ import annotations

import errno
from pathlib import Path

from mocap.cliffgt import CLIFFGT_SUFFIX
from mocap.errors import OutputError, OutputExistsError
from mocap.types import MotionSet


def write_error(e: OSError, target: Path) -> OutputError:
    """One line for an OS error while writing ``target`` (disk full, permission, read-only)."""
    if e.errno == errno.ENOSPC:
        why = "no space left on device; free some space or choose another 'outs'"
    elif e.errno == errno.EROFS:
        why = "read-only file system; choose a folder you can write to"
    elif e.errno in (errno.EACCES, errno.EPERM):
        why = "permission denied; choose a folder you can write to"
    else:
        why = f"{e.strerror or e}; check the path"
    return OutputError(f"cannot write {target}: {why}.")


def write_outputs(
    motion: MotionSet,
    outputs: tuple[Path, ...],
    overwrite: bool = False,
    rig: str = "smpl",
    *,
    span: str = "track",
    video: Path | None = None,
    timings: dict[str, float] | None = None,
) -> tuple[Path, ...]:
    """Write ``motion`` to every path in ``outputs`` (the suffix picks the writer).

    ``rig`` (``PipelineConfig.rig``) goes to the writers that draw a skeleton (.glb, .bvh, .fbx);
    the parameter files (.npz, .amass.npz) hold SMPL parameters whatever the rig. ``span``
    (``PipelineConfig.span``) goes to the per-person writers (.bvh, .amass.npz): ``"track"``, one
    file per person, or ``"spans"``, one file per continuous span where the person exists.

    A writer may produce several files for one output (e.g. one BVH per person); each writer
    renames its files into place only when all of them are complete. The view outputs (``.mp4``,
    ``.html``, ``.json``) are written last, together, from one pass over the source video
    (``video``, default: the result's own); ``timings`` (stage -> seconds) go into the report.

    Returns:
        The files now in place, in order.

    Raises:
        OutputExistsError: a target exists and ``overwrite`` is False (nothing is replaced).
        OutputError: the folder cannot be created or written (permission, disk full...).
    """
    import exporters
    from mocap.batch.views import is_view_output, write_view_outputs

    views = [t for t in outputs if is_view_output(t)]
    written: list[Path] = []
    for target in outputs:
        if target in views:
            continue
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.name.lower().endswith(CLIFFGT_SUFFIX):
                produced = write_pseudo_gt(motion, target, overwrite)
            else:
                given = {"rig": rig, "span": span}
                accepted = exporters.accepted_options(target)
                options = {k: v for k, v in given.items() if k in accepted}
                produced = exporters.write(motion, target, overwrite=overwrite, **options)
        except OSError as e:  # the writers raise OutputError; this is mkdir or a plain OS error
            raise write_error(e, target) from e
        written.extend(Path(p) for p in (produced if isinstance(produced, list) else [produced]))
    if views:
        try:
            for target in views:
                target.parent.mkdir(parents=True, exist_ok=True)
            written.extend(
                write_view_outputs(motion, views, video=video, timings=timings, overwrite=overwrite)
            )
        except OSError as e:
            raise write_error(e, views[0]) from e
    return tuple(written)


def write_pseudo_gt(motion: MotionSet, target: Path, overwrite: bool) -> Path:
    """``motion`` as rows of the official pseudo-GT format (CLIFF's prediction as the label).

    Raises:
        OutputExistsError: ``target`` exists and ``overwrite`` is False.
        OutputError: the result carries no SMPL model (needed for ``S``).
    """
    from mocap.annotate.export import pseudo_gt_from_motion
    from mocap.annotate.joints import J24Joints
    from mocap.body import SmplBody
    from mocap.cliffgt import write_cliffgt

    if target.exists() and not overwrite:
        raise OutputExistsError(f"output exists: {target}; pass 'overwrite' to replace it.")
    if motion.body is None:
        raise OutputError(f"cannot write {target}: the pseudo-GT format needs the SMPL model.")
    return write_cliffgt(target, pseudo_gt_from_motion(motion, J24Joints(SmplBody(motion.body))))


def remove_partial_outputs(outputs: tuple[Path, ...]) -> None:
    """Remove the temporary files a killed writer left for ``outputs`` (a job's targets)."""
    from exporters._output import partial_files

    for target in outputs:
        for p in partial_files(target):
            p.unlink(missing_ok=True)
