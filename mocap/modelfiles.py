"""Model files: one lookup order for every file, and where to get each one.

Every model file (CLIFF checkpoint, SMPL model, detector weights, SPIN's extra joint regressor)
is found the same way, by the pipeline, the detector, the checkpoint loader and the annotator alike:

1. An explicit path (the setting ``checkpoint``, ``smpl_model``, ``detector`` or
   ``j_regressor_extra``) is used as given
   (``~`` expanded, relative to the working directory). A bare file name that is not there is
   then looked up in the model folder.
2. Without an explicit path, the file's default name is looked up in the model folder.

The model folder is ``PipelineConfig.model_dir``, else ``$CLIFFMOCAP_HOME``, else the user cache
dir (:func:`mocap.config.resolve_model_dir`). A detector given as a ``.yaml``/``.yml`` model
definition needs no file (ultralytics builds random weights; tests and benchmarks).

Where to get each file is said here, once: :data:`CHECKPOINT`, :data:`SMPL`,
:data:`J_REGRESSOR_EXTRA` and, per detector backend, :data:`DETECTOR_BACKENDS`.
:func:`check_model_files` checks every file of a run before any work and names every missing or
unusable one in a single error, one line each; :func:`find_optional_model_file` finds a file a
run can do without (:data:`J_REGRESSOR_EXTRA`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from mocap.config import (
    DEFAULT_CHECKPOINT_NAME,
    DEFAULT_DETECTOR_NAME,
    DEFAULT_SMPL_NAME,
    MODEL_DIR_ENV,
    PipelineConfig,
)
from mocap.errors import BoxFileError, ModelFileError, ModelFileNotFoundError

#: Where the released CLIFF checkpoints are linked from (their README's download section).
CHECKPOINT_SOURCE = "https://github.com/huawei-noah/noah-research/tree/master/CLIFF"
#: File names of the released CLIFF checkpoints (3DPW-tuned HRNet-W48 and ResNet-50, AGORA).
RELEASED_CHECKPOINTS = (
    "hr48-PA43.0_MJE69.0_MVE81.2_3dpw.pt",
    "res50-PA45.7_MJE72.0_MVE85.3_3dpw.pt",
    "hr48-PA53.7_MJE91.4_MVE110.0_agora_val.pt",
)
#: SPIN's data archive (its ``fetch_data.sh``), which holds ``data/J_regressor_extra.npy``.
SPIN_DATA_URL = "http://visiondata.cis.upenn.edu/spin/data.tar.gz"
#: File name of SPIN's extra joint regressor (the annotator's 9 LSP/MPII/H36M keypoints).
DEFAULT_J_REGRESSOR_EXTRA_NAME = "J_regressor_extra.npy"
#: Where the official YOLO detection weights are published.
YOLO_RELEASES_URL = "https://github.com/ultralytics/assets/releases"
#: Suffixes ultralytics builds a randomly initialised model from (used by tests; no file needed).
MODEL_CONFIG_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class ModelFileSpec:
    """One kind of model file.

    Attributes:
        label: what the file is, as messages name it ("CLIFF checkpoint").
        setting: the setting that gives its explicit path (a ``PipelineConfig`` field; for
            ``j_regressor_extra`` an argument of the annotator's entry point).
        default_name: the file name looked up in the model folder when no path is given.
        source: how to get it (a sentence without the final full stop).
        alternative: how to do without it ("" when there is no way), also without a full stop.
    """

    label: str
    setting: str
    default_name: str
    source: str
    alternative: str = ""

    @property
    def advice(self) -> str:
        """``source``, then the alternative (one sentence, no final full stop)."""
        return f"{self.source}, {self.alternative}" if self.alternative else self.source


CHECKPOINT = ModelFileSpec(
    "CLIFF checkpoint",
    "checkpoint",
    DEFAULT_CHECKPOINT_NAME,
    f"Download one of {', '.join(RELEASED_CHECKPOINTS)} from the links in the CLIFF README "
    f"({CHECKPOINT_SOURCE})",
)
SMPL = ModelFileSpec(
    "SMPL model",
    "smpl_model",
    DEFAULT_SMPL_NAME,
    "SMPL is licence-gated: register at https://smpl.is.tue.mpg.de and download "
    '"SMPL for Python" (v1.1.0: basicmodel_neutral_lbs_10_207_0_v1.1.0.pkl)',
)
#: Optional: without it the annotator approximates 9 of the 24 pseudo-GT keypoints
#: (:mod:`mocap.annotate.joints`); it is used when given or when it is in the model folder.
J_REGRESSOR_EXTRA = ModelFileSpec(
    "SPIN extra joint regressor",
    "j_regressor_extra",
    DEFAULT_J_REGRESSOR_EXTRA_NAME,
    f"Download SPIN's data archive ({SPIN_DATA_URL}, from SPIN's fetch_data.sh, "
    f"https://github.com/nkolot/SPIN) and take data/{DEFAULT_J_REGRESSOR_EXTRA_NAME} from it",
    "or leave it unset to approximate the 9 keypoints it adds by the nearest SMPL joint",
)

#: The person detector's files, per detector backend: ``yolo`` (ultralytics weights, the
#: ``detector`` setting) and ``boxes`` (a box file replacing the detector, the ``boxes`` setting).
DETECTOR_BACKENDS: dict[str, ModelFileSpec] = {
    "yolo": ModelFileSpec(
        "person detector weights",
        "detector",
        DEFAULT_DETECTOR_NAME,
        f"Download YOLO detection weights (e.g. {DEFAULT_DETECTOR_NAME}) from the Ultralytics "
        f"releases ({YOLO_RELEASES_URL})",
        "or skip the detector and give the boxes in a file with 'boxes'",
    ),
    "boxes": ModelFileSpec(
        "box file",
        "boxes",
        "",
        "Write the boxes as JSON or MOTChallenge text (see mocap.boxfile), or leave 'boxes' "
        "unset to run the detector",
    ),
}


@dataclass(frozen=True)
class Lookup:
    """The result of looking for one model file.

    Attributes:
        spec: the kind of file.
        path: the file found, or where it belongs when it is missing (the last place looked).
        looked: every place looked at, in order.
        problem: one line saying that the file is missing, how to get it and where to put it;
            None when the file exists.
    """

    spec: ModelFileSpec
    path: Path
    looked: tuple[Path, ...]
    problem: str | None

    def require(self, error: type[ModelFileNotFoundError] = ModelFileNotFoundError) -> Path:
        """The file, or ``error`` (a ModelFileNotFoundError) with :attr:`problem`."""
        if self.problem is not None:
            raise error(self.problem, path=self.path)
        return self.path


def find_model_file(
    spec: ModelFileSpec, explicit: str | os.PathLike[str] | None, model_dir: Path
) -> Lookup:
    """Look for one model file in the documented order (see the module docstring).

    Args:
        spec: the kind of file (:data:`CHECKPOINT`, :data:`SMPL`, ``DETECTOR_BACKENDS[...]``).
        explicit: the path the user gave (the ``spec.setting`` setting), or None.
        model_dir: the model folder (e.g. ``PipelineConfig.resolved_model_dir()``).

    Returns:
        a :class:`Lookup`; nothing is raised, so callers can report every file at once.
    """
    if explicit is None:
        looked: tuple[Path, ...] = (model_dir / spec.default_name,)
    else:
        given = Path(explicit).expanduser()
        bare = not given.is_absolute() and len(given.parts) == 1
        looked = (given, model_dir / given) if bare else (given,)
    for candidate in looked:
        if candidate.is_file():
            return Lookup(spec, candidate, looked, None)
    return Lookup(spec, looked[-1], looked, missing_message(spec, looked, model_dir))


def missing_message(spec: ModelFileSpec, looked: tuple[Path, ...], model_dir: Path) -> str:
    """One line: ``spec`` is not at any of ``looked``, how to get it and where to put it."""
    where = " or ".join(str(p) for p in looked)
    what = "is a folder, not a file" if looked[-1].is_dir() else "not found"
    name = f" as {spec.default_name}" if spec.default_name else ""
    return (
        f"{spec.label} {what}: {where}. {spec.source}, then put it in {model_dir}{name} (the "
        f"model folder, ${MODEL_DIR_ENV}) or give its path in '{spec.setting}'"
        + (f"; {spec.alternative}." if spec.alternative else ".")
    )


def _unusable(spec: ModelFileSpec, path: Path) -> str | None:
    """Why an existing file cannot be a model file (unreadable, empty), or None (also for a
    ``.yaml`` detector definition, which is not a file).

    A file that passes can still be unusable (truncated, of another model); its loader says so.
    """
    if not path.is_file():
        return None
    if not os.access(path, os.R_OK):
        return f"{spec.label} is not readable: {path}; check its permissions."
    if path.stat().st_size == 0:
        return f"{spec.label} is empty (0 bytes): {path}. {spec.advice}."
    return None


def find_detector_weights(name: str | os.PathLike[str] | None, model_dir: Path) -> Lookup:
    """The YOLO weights of the ``detector`` setting (a ``.yaml`` model definition needs no file).

    Returns:
        a :class:`Lookup` whose ``path`` is the weights file, or the ``.yaml`` name unchanged.
    """
    spec = DETECTOR_BACKENDS["yolo"]
    if name is not None and str(name).lower().endswith(MODEL_CONFIG_SUFFIXES):
        return Lookup(spec, Path(name), (), None)
    return find_model_file(spec, name, model_dir)


def find_optional_model_file(
    spec: ModelFileSpec, explicit: str | os.PathLike[str] | None, model_dir: Path
) -> Path | None:
    """An optional model file: the explicit path (which must exist), else the default name in
    the model folder when it is there, else None.

    Raises:
        ModelFileNotFoundError: ``explicit`` is given and not found (one line: where looked,
            how to get it, how to do without it).
        ModelFileError: the file found is unreadable or empty.
    """
    lookup = find_model_file(spec, explicit, model_dir)
    if lookup.problem is not None:
        if explicit is None:
            return None
        lookup.require()
    problem = _unusable(spec, lookup.path)
    if problem is not None:
        raise ModelFileError(problem)
    return lookup.path


@dataclass(frozen=True)
class ModelFiles:
    """Model files of a run, all checked to exist. ``detector`` is None with a box file."""

    checkpoint: Path
    smpl: Path
    detector: str | None


def check_model_files(config: PipelineConfig) -> ModelFiles:
    """Find every model file of ``config`` and check that it is usable (no loading, no decoding).

    Raises:
        ModelFileNotFoundError: one or more model files are missing; the message has one line
            per problem (what, where looked, where to get it, where to put it), the unusable
            files and a missing box file included.
        ModelFileError: none is missing, but some are unusable (unreadable, empty); one line each.
        BoxFileError: only the box file (``config.boxes``) is missing.
    """
    model_dir = config.resolved_model_dir()
    lookups = [
        find_model_file(CHECKPOINT, config.checkpoint, model_dir),
        find_model_file(SMPL, config.smpl_model, model_dir),
    ]
    detector: Lookup | None = None
    box_problem = None
    if config.boxes is None:
        detector = find_detector_weights(config.detector, model_dir)
        lookups.append(detector)
    elif not Path(config.boxes).exists():
        spec = DETECTOR_BACKENDS["boxes"]
        box_problem = f"{spec.label} not found: {config.boxes}. {spec.advice}."
    missing = [lk.problem for lk in lookups if lk.problem is not None]
    unusable = [u for lk in lookups if lk.problem is None and (u := _unusable(lk.spec, lk.path))]
    lines = [*missing, *unusable, *([box_problem] if box_problem else [])]
    if missing:
        first = next(lk.path for lk in lookups if lk.problem is not None)
        raise ModelFileNotFoundError("\n".join(lines), path=first)
    if unusable:
        raise ModelFileError("\n".join(lines))
    if box_problem:
        raise BoxFileError(box_problem)
    det = None
    if detector is not None:
        det = str(detector.path.resolve()) if detector.looked else str(detector.path)
    return ModelFiles(lookups[0].path, lookups[1].path, det)
