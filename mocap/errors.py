"""One exception hierarchy for everything cliffmocap reports to a user.

Every message is one plain-text line that says what failed, the value or file involved, and how to
fix it. The CLI prints ``str(error)`` and exits with ``error.exit_code``; tracebacks only with
``--debug``.
"""

from __future__ import annotations

from pathlib import Path


class MocapError(Exception):
    """Base class of all cliffmocap errors."""

    exit_code = 1


class UsageError(MocapError):
    """Options that contradict each other or make no sense (CLI exit code 2)."""

    exit_code = 2


class DependencyMissingError(MocapError):
    """An optional package (an extra) is needed but not installed."""


# --- inputs -------------------------------------------------------------------------------------


class InputError(MocapError):
    """A user-supplied input file is missing or unusable."""


class VideoError(InputError):
    """A video cannot be opened or decoded (missing, empty, not a video, no frames...)."""


class BoxFileError(InputError):
    """A ``--boxes`` file is malformed; the message names the file and line."""


class NoPeopleFoundError(MocapError):
    """Decoding worked but no person was detected/tracked long enough to be exported."""


# --- model files --------------------------------------------------------------------------------


class ModelFileError(MocapError):
    """A model file (CLIFF checkpoint, SMPL model, detector weights) is missing or unusable."""


class ModelFileNotFoundError(ModelFileError):
    """A model file is absent; the message says where to get it and where to put it."""

    def __init__(self, message: str, path: Path | None = None) -> None:
        super().__init__(message)
        self.path = path


class CheckpointError(ModelFileError):
    """A CLIFF checkpoint is truncated, unsafe to load, or a checkpoint of something else."""


class SmplModelError(ModelFileError):
    """An SMPL model file is malformed or needs unsafe unpickling."""


class DetectorError(ModelFileError):
    """The person detector cannot be loaded."""


# --- outputs ------------------------------------------------------------------------------------


class OutputError(MocapError):
    """An output cannot be written (exists, unwritable, disk full, unknown format)."""


class UnsupportedFormatError(OutputError):
    """An output suffix no writer handles; the message lists the supported ones."""


class OutputExistsError(OutputError):
    """An output exists and ``--overwrite`` was not given."""


class OutputInUseError(OutputError):
    """Another run is writing to the same output folder (it holds the folder's lock)."""


class WorkerError(MocapError):
    """A video's worker process crashed, hung past its deadline, could not start, or hit a bug.

    ``trace`` holds the worker's traceback of a bug (shown on request), else "".
    """

    def __init__(self, message: str, trace: str = "") -> None:
        super().__init__(message)
        self.trace = trace
