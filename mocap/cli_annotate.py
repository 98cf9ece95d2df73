"""The ``--keypoints`` form of the command: label an image folder into a pseudo-GT file.

Part of the command-line layer (it writes the files); :mod:`mocap.cli` parses the options and
passes its output functions in, so this module imports neither typer nor rich.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mocap.annotate.types import AnnotatorConfig
from mocap.cliffgt import CLIFFGT_SUFFIX
from mocap.config import PipelineConfig
from mocap.errors import OutputExistsError, UsageError
from mocap.progress import ProgressEvent


def report_path(out: Path) -> Path:
    """``labels.cliffgt.npz`` -> ``labels.cliffgt.report.json`` (written beside the labels)."""
    return out.with_name(out.name[: -len(".npz")] + ".report.json")


def _check_args(inputs: list[Path], outs: list[Path], overwrite: bool) -> tuple[Path, Path]:
    if len(inputs) != 1 or not inputs[0].is_dir():
        raise UsageError("labelling needs exactly one input: the folder of the images.")
    if len(outs) != 1 or not outs[0].name.lower().endswith(CLIFFGT_SUFFIX):
        raise UsageError(f"labelling writes one pseudo-GT file: pass --out NAME{CLIFFGT_SUFFIX}.")
    out = outs[0]
    if not overwrite:
        for target in (out, report_path(out)):
            if target.exists():
                raise OutputExistsError(f"output exists: {target}; pass --overwrite to replace it.")
    return inputs[0], out


def _write_json(path: Path, doc: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=1)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _mean(values: list[float]) -> float | None:
    finite = [v for v in values if math.isfinite(v)]
    return sum(finite) / len(finite) if finite else None


def annotate_command(
    inputs: list[Path],
    outs: list[Path],
    keypoints: Path | None,
    config: PipelineConfig,
    fit: AnnotatorConfig,
    overwrite: bool,
    progress: Callable[[ProgressEvent], None],
    echo: Callable[[str], None],
    pose_detector: str | None = None,
    j_regressor_extra: Path | None = None,
) -> int:
    """Label, write ``--out`` and its report; exit code 0, or 1 when any image failed."""
    from mocap.annotate.joints import J24_SOURCES
    from mocap.annotate.run import annotate_folder
    from mocap.cliffgt import write_cliffgt
    from mocap.modelfiles import J_REGRESSOR_EXTRA

    if keypoints is not None and pose_detector is not None:
        raise UsageError("--keypoints and --pose-detector both given: pass only one of them.")
    folder, out = _check_args(inputs, outs, overwrite)
    t0 = time.perf_counter()

    def people_done(n: int) -> None:
        progress(ProgressEvent("regress", n, None, time.perf_counter() - t0))

    gt, report = annotate_folder(
        folder, keypoints, config, fit, people_done, pose_detector, j_regressor_extra
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    write_cliffgt(out, gt)
    seconds = time.perf_counter() - t0
    extra = report.j_regressor_extra
    approximated = sum(kind == "extra" for kind, _ in J24_SOURCES) if extra is None else 0
    exact = len(J24_SOURCES) - approximated
    doc = {
        "keypoints": str(keypoints) if keypoints is not None else None,
        "pose_detector": pose_detector,
        "images_folder": str(folder),
        "mode": fit.mode,
        "finetune": fit.finetune,
        "learning_rate": fit.learning_rate,
        "max_iterations": fit.max_iterations,
        "j_regressor_extra": None if extra is None else str(extra),
        "exact_keypoints": exact,
        "images": report.images,
        "people": report.labelled,
        "failed": [{"image": name, "error": why} for name, why in report.failed],
        "mean_px_error_before": _mean(report.px_before),
        "mean_px_error_after": _mean(report.px_after),
        "seconds": seconds,
    }
    _write_json(report_path(out), doc)
    echo(
        f"{folder}: {report.labelled} people on {report.images} images labelled ({fit.mode} mode), "
        f"{len(report.failed)} images failed, {seconds:.1f} s"
    )
    if approximated:
        echo(
            f"note: no {J_REGRESSOR_EXTRA.default_name} (--j-regressor-extra, or in the model "
            f"folder): {approximated} of the {len(J24_SOURCES)} keypoints in 'S' approximate "
            f"the nearest SMPL joint. {J_REGRESSOR_EXTRA.source}."
        )
    for name, why in report.failed:
        echo(f"failed: {name}: {why}")
    echo(f"wrote {out}")
    echo(f"report: {report_path(out)}")
    return 1 if report.failed else 0
