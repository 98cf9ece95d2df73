"""One exception hierarchy for everything cliffmocap reports to a user.

Every message is one plain-text line that says what failed, the value or file involved, and how to
fix it (a check of several files may name one per line). A message names a setting by its
``PipelineConfig`` field or argument name in single quotes (``'det_conf'``), never by a command-line
option; the CLI prints ``str(error)`` with its options in their place
(``mocap.cli_run.SETTING_FLAGS``) and exits with ``error.exit_code``; tracebacks only on request.
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


class ImageError(InputError):
    """An image cannot be opened or decoded (missing, not an image, truncated...)."""


class KeypointFileError(InputError):
    """A keypoint annotation file is missing or malformed; the message names file and entry."""


class KeypointFormatError(InputError):
    """Keypoints of an unknown order or of the wrong shape."""


class PseudoGTFileError(InputError):
    """A pseudo-GT file is missing, unreadable or has keys of the wrong shape."""


class VideoError(InputError):
    """A video cannot be opened or decoded (missing, empty, not a video, no frames...)."""


class VideoNotFoundError(VideoError):
    """The video path does not exist or is not a file."""


class VideoEmptyError(VideoError):
    """The video file has 0 bytes."""


class VideoUnreadableError(VideoError):
    """FFmpeg cannot read the file as a media container (not a video, or damaged)."""


class VideoTooLargeError(VideoError):
    """The frames are larger than the largest supported size (``mocap.video.MAX_FRAME_PIXELS``)."""


class NoVideoStreamError(VideoError):
    """The file is a media file without a video stream (audio only, or no streams at all)."""


class NoFramesError(VideoError):
    """The video stream holds no decodable frame."""


class DecoderError(VideoError):
    """The decoder that was asked for (``decoder="decord"``) cannot decode this file."""


class BoxFileError(InputError):
    """A box file (the ``boxes`` setting) is malformed; the message names the file and line."""


class CropInputError(InputError):
    """Image or boxes passed to the crop stage have the wrong shape or type."""


class NpzReadError(InputError):
    """A cliffmocap .npz file is missing keys, has another schema or cannot be read safely."""


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


class CheckpointNotFoundError(ModelFileNotFoundError):
    """The CLIFF checkpoint file does not exist."""


class CheckpointError(ModelFileError):
    """A CLIFF checkpoint is truncated, unsafe to load, or a checkpoint of something else."""


class CheckpointCorruptError(CheckpointError):
    """The file is not a torch checkpoint, or it is truncated."""


class UnsafeCheckpointError(CheckpointError):
    """The file needs unpickling of code outside the allow-list; it was not loaded."""


class CheckpointMismatchError(CheckpointError):
    """The file is a checkpoint, but not of a CLIFF model."""


class SmplModelError(ModelFileError):
    """An SMPL model file is malformed or needs unsafe unpickling."""


class DetectorError(ModelFileError):
    """The person detector cannot be loaded."""


# --- outputs ------------------------------------------------------------------------------------


class OutputError(MocapError):
    """An output cannot be written (exists, unwritable, disk full, unknown format)."""


class UnsupportedFormatError(OutputError):
    """An output suffix no writer handles; the message lists the supported ones. A usage
    mistake (CLI exit code 2), like the other things a command line gets wrong."""

    exit_code = 2


class OutputExistsError(OutputError):
    """An output exists and ``overwrite`` was not set."""


class SmplModelRequiredError(OutputError):
    """A format needs the SMPL body model (rest pose, mesh) but none was given."""


# --- internal misuse ----------------------------------------------------------------------------


class TrackerInputError(MocapError):
    """The tracker was driven wrongly (frames out of order, embeddings of the wrong shape)."""


class CliffInputError(MocapError):
    """Tensors of the wrong shape were passed to the CLIFF network."""


class OutputInUseError(OutputError):
    """Another run is writing to the same output folder (it holds the folder's lock)."""


class WorkerError(MocapError):
    """A video's worker process crashed, hung past its deadline, could not start, or hit a bug.

    ``trace`` holds the worker's traceback of a bug (shown on request), else "".
    """

    def __init__(self, message: str, trace: str = "") -> None:
        super().__init__(message)
        self.trace = trace
