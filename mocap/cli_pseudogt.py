"""A pseudo-GT file (``*.cliffgt.npz``, ours, or a released ``*_cliffGT.npz``; see
:func:`is_pseudo_gt_input`) as the command's input: every image's people exported to our formats,
without running CLIFF.

``cliffmocap labels.cliffgt.npz --out x.glb`` (a file holding one image) or
``cliffmocap labels.cliffgt.npz --images coco/ --out out/ --out-format glb,npz,html`` (one set of
outputs per image: ``out/<imgname without its suffix>.<format>``, the image names' folders kept,
see :func:`output_stems`).

The file does not store image sizes, and the camera's principal point is the image centre, so
every image is looked up: its ``imgname`` relative to ``--images`` (default: the folder of the
pseudo-GT file); only its header is read (EXIF orientation applied). Rows with ``has_smpl``
false are left out. An image that is missing or unreadable, or whose outputs cannot be written,
is a failed item (one line each in the summary, exit code 1); the others are written.

Part of the command-line layer (it writes the files); :mod:`mocap.cli` parses the options and
passes its output function in, so this module imports neither typer nor rich.
"""

from __future__ import annotations

import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np

from mocap.cliffgt import CLIFFGT_SUFFIX, ROW_SHAPES, PseudoGT
from mocap.config import PipelineConfig
from mocap.errors import (
    MocapError,
    OutputExistsError,
    PseudoGTFileError,
    UnsupportedFormatError,
    UsageError,
)
from mocap.progress import ProgressEvent
from mocap.types import MotionSet, SmplModelData

#: Failed images listed one per line in the summary; the rest are counted.
MAX_FAILED_LINES = 20


def is_pseudo_gt_input(path: Path) -> bool:
    """True for a pseudo-GT input (exported by this module, not captured): a name ending in
    ``cliffgt.npz`` (ours ``x.cliffgt.npz``, the releases ``coco2014part_cliffGT.npz`` and
    ``mpii_cliffGT.npz``; case ignored), or any ``.npz`` holding ``imgname`` and ``global_t``
    but no ``schema`` (a cliffmocap result has one)."""
    name = path.name.lower()
    if name.endswith(CLIFFGT_SUFFIX[1:]):
        return True
    if not name.endswith(".npz") or not path.is_file():
        return False
    try:
        with zipfile.ZipFile(path) as z:
            keys = {n.removesuffix(".npy") for n in z.namelist()}
    except (OSError, zipfile.BadZipFile):
        return False  # not ours to judge: the result reader says what is wrong
    return {"imgname", "global_t"} <= keys and "schema" not in keys


def _formats(out_format: str | None) -> tuple[str, ...]:
    """The formats of ``--out-format`` (default glb), each one a writer exists for."""
    from mocap.batch.plan import format_names, output_suffixes

    names = format_names(out_format)
    for name in names:
        _check_suffix(f".{name}", output_suffixes())
    return names


def _check_suffix(suffix: str, supported: tuple[str, ...]) -> None:
    if suffix.lower() == CLIFFGT_SUFFIX:
        raise UsageError(
            f"the input is a pseudo-GT file already: choose other outputs than {CLIFFGT_SUFFIX}."
        )
    if suffix.lower() not in supported:
        usable = ", ".join(s.lstrip(".") for s in supported if s != CLIFFGT_SUFFIX)
        raise UnsupportedFormatError(f"unsupported output format {suffix!r}: use one of {usable}.")


def _output_suffix(path: Path) -> str:
    """``.amass.npz`` for ``x.amass.npz``, else the last suffix."""
    name = path.name.lower()
    return ".amass.npz" if name.endswith(".amass.npz") else path.suffix.lower()


def output_name(imgname: str) -> PurePosixPath:
    """The output path of an image, relative to the output folder: its name with the folders it
    names, never leaving the folder (no root, no ``..``); ``\\`` is read as ``/``."""
    parts = [p for p in PurePosixPath(imgname.replace("\\", "/")).parts if p not in ("/", "..")]
    return PurePosixPath(*parts) if parts else PurePosixPath("image")


@dataclass
class Exported:
    """What the export did (filled image by image).

    Attributes:
        images: images in the file (with SMPL rows); people: people written.
        written: files written; failed: (image name, reason); skipped: images whose outputs
            all exist (without ``overwrite`` only the missing ones of an image are written);
            no_smpl_rows: rows left out (``has_smpl`` false).
    """

    images: int
    no_smpl_rows: int
    people: int = 0
    written: list[Path] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    skipped: int = 0


def _with_smpl(gt: PseudoGT) -> PseudoGT:
    keep = np.asarray(gt.has_smpl, bool)
    return PseudoGT(**{k: np.asarray(getattr(gt, k))[keep] for k in ROW_SHAPES})


def output_stems(names: list[str]) -> dict[str, PurePosixPath]:
    """Each image's output path without a format suffix: :func:`output_name` without the
    image's suffix (``train2014/x.jpg`` -> ``train2014/x``), or with it where two images would
    share one (``a.jpg``, ``a.png`` -> ``a.jpg``, ``a.png``; case ignored)."""
    full = {name: output_name(name) for name in names}
    short = {name: path.with_suffix("") if path.suffix else path for name, path in full.items()}
    counts: dict[str, int] = {}
    for path in short.values():
        counts[str(path).lower()] = counts.get(str(path).lower(), 0) + 1
    return {n: short[n] if counts[str(short[n]).lower()] == 1 else full[n] for n in names}


def export_pseudo_gt_command(
    inputs: list[Path],
    outs: list[Path],
    out_format: str | None,
    images: Path | None,
    config: PipelineConfig,
    overwrite: bool,
    progress: Callable[[ProgressEvent], None],
    echo: Callable[[str], None],
) -> int:
    """Export every image of one pseudo-GT file; exit code 0, or 1 when any image failed.

    Raises:
        UsageError: several inputs, output files for a file of several images, or a format
            that makes no sense here; PseudoGTFileError: the file is unusable or has no row
            with SMPL parameters;
        OutputExistsError: an output file exists (one image, without ``overwrite``);
        ModelFileNotFoundError, SmplModelError: the SMPL model (every format needs it).
    """
    from mocap import body, modelfiles
    from mocap.cliffgt import read_cliffgt

    source, folder, formats = _check_args(inputs, outs, out_format, overwrite)
    gt = read_cliffgt(source)
    smpl = modelfiles.find_model_file(
        modelfiles.SMPL, config.smpl_model, config.resolved_model_dir()
    )
    model = body.load_body_model(smpl.require()).data
    usable = _with_smpl(gt)
    names = list(dict.fromkeys(np.asarray(usable.imgname).tolist()))
    if not names:
        raise PseudoGTFileError(
            f"pseudo-GT file '{source}' holds no rows with SMPL parameters (has_smpl): nothing "
            "to export."
        )
    if folder is None and len(names) > 1:
        raise UsageError(
            f"{source} holds {len(names)} images: give an output folder (e.g. --out out/ "
            "--out-format glb,npz) for one set of outputs per image."
        )
    root = images if images is not None else source.parent
    result = Exported(len(names), len(gt) - len(usable))
    _export(usable, names, root, outs, folder, formats, model, config, overwrite, progress, result)
    _summary(source, root, result, folder, echo)
    return 1 if result.failed else 0


def _check_args(
    inputs: list[Path], outs: list[Path], out_format: str | None, overwrite: bool
) -> tuple[Path, Path | None, tuple[str, ...]]:
    """The pseudo-GT file, the output folder (None: output files) and the formats."""
    from mocap.batch.plan import output_suffixes

    if len(inputs) != 1:
        raise UsageError("a pseudo-GT file is exported on its own: give it as the only input.")
    if not outs:
        raise UsageError("no --out given: pass an output file such as person.glb, or a folder.")
    files = [o for o in outs if o.suffix and not o.is_dir()]
    if files and len(files) == len(outs):
        if out_format is not None:
            raise UsageError(
                "--out-format is for folder outputs; the suffix of --out picks the format."
            )
        for o in outs:
            _check_suffix(_output_suffix(o), output_suffixes())
            if o.exists() and not overwrite:
                raise OutputExistsError(f"output exists: {o}; pass --overwrite to replace it.")
        return inputs[0], None, ()
    if len(outs) != 1:
        raise UsageError("--out is either output files or one folder (no suffix), not both.")
    return inputs[0], outs[0], _formats(out_format)


def _export(
    gt: PseudoGT,
    names: list[str],
    root: Path,
    outs: list[Path],
    folder: Path | None,
    formats: tuple[str, ...],
    model: SmplModelData,
    config: PipelineConfig,
    overwrite: bool,
    progress: Callable[[ProgressEvent], None],
    result: Exported,
) -> None:
    """Write each image's outputs into ``result``; with output files (one image) an error is
    raised, with an output folder it is that image's failure and the others go on."""
    from mocap.batch.outputs import write_outputs
    from mocap.images import image_size
    from mocap.photos import pseudo_gt_motion

    t0 = time.perf_counter()
    stems = output_stems(names)
    for done, name in enumerate(names, 1):
        image = root / name
        targets = (
            tuple(outs)
            if folder is None
            else tuple(folder / f"{stems[name]}.{fmt}" for fmt in formats)
        )
        try:
            motion = pseudo_gt_motion(gt, name, image_size(image), path=image, body=model)
            if folder is not None and not overwrite:  # resume: only what is not there yet
                targets = tuple(t for t in targets if not _exists(t, motion, config.span))
                if not targets:
                    result.skipped += 1
                    continue
            result.written.extend(
                write_outputs(motion, targets, overwrite, config.rig, span=config.span)
            )
            result.people += len(motion.people)
        except MocapError as e:
            if folder is None:
                raise
            result.failed.append((name, str(e)))
        finally:
            progress(ProgressEvent("export", done, len(names), time.perf_counter() - t0))


#: Formats written as one file per person (or per span, with ``span="spans"``).
PER_PERSON_SUFFIXES = (".bvh", ".amass.npz")


def _exists(target: Path, motion: MotionSet, span: str) -> bool:
    """True when ``target`` is in place: the file itself, or all of a per-person format's files
    (``<stem>_person<id>.<format>``, or per span ``<stem>_person<id>_from0.<format>``)."""
    from exporters._output import per_person_paths
    from exporters.spans import span_paths, spans_of

    suffix = _output_suffix(target)
    if target.is_file() or suffix not in PER_PERSON_SUFFIXES:
        return target.is_file()
    people = list(motion.people)
    each = (
        span_paths(target, spans_of(people), suffix)
        if span == "spans"
        else per_person_paths(target, [p.track_id for p in people], suffix)
    )
    return all(p.is_file() for p in each)


def _summary(
    source: Path, root: Path, result: Exported, folder: Path | None, echo: Callable[[str], None]
) -> None:
    from mocap.cli_run import with_flags

    ok = result.images - len(result.failed) - result.skipped
    left_out = f", {result.no_smpl_rows} rows without SMPL left out" if result.no_smpl_rows else ""
    images = f"{result.images} image{'' if result.images == 1 else 's'}"
    people = f"{result.people} {'person' if result.people == 1 else 'people'}"
    echo(f"{source}: {images}, {people} exported: {ok} ok, {len(result.failed)} failed{left_out}")
    if result.skipped:
        n = result.skipped
        echo(f"{n} image{'' if n == 1 else 's'} skipped: outputs exist (--overwrite replaces them)")
    for name, why in result.failed[:MAX_FAILED_LINES]:
        echo(f"failed: {name}: {with_flags(why)}")
    if len(result.failed) > MAX_FAILED_LINES:
        echo(f"... and {len(result.failed) - MAX_FAILED_LINES} more failed images")
    if result.failed and any("does not exist" in why for _, why in result.failed):
        echo(f"note: image names are looked up in {root} (--images; default: the file's folder).")
    if folder is None:
        for path in result.written:
            echo(f"wrote {path}")
    else:
        echo(f"wrote {len(result.written)} files under {folder}")
