"""PipelineConfig: every knob of one run, documented field by field.

The CLI maps its options one to one onto this dataclass; Python users build it directly.
Model files are found in :mod:`mocap.modelfiles`' order: an explicit path, then the model folder
(:func:`resolve_model_dir`: ``model_dir``, else ``CLIFFMOCAP_HOME``, else the user cache dir).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from mocap.errors import UsageError

SmoothPreset = Literal["off", "light", "medium", "heavy"]
Precision = Literal["auto", "fp32", "bf16", "fp16"]
Decoder = Literal["auto", "decord", "pyav"]
Space = Literal["world", "camera"]
Rig = Literal["smpl", "mixamo", "ue5", "unity", "rigify"]
Span = Literal["track", "spans"]

#: Skeleton presets of the exported .glb/.bvh/.fbx (defined in ``exporters.rigs.presets``,
#: which checks that its presets are exactly these).
RIG_CHOICES: tuple[str, ...] = ("smpl", "mixamo", "ue5", "unity", "rigify")

#: How the per-person writers (.bvh, .amass.npz) cut their files: ``track`` (one file per person,
#: first to last tracked frame) or ``spans`` (one file per continuous span, ``exporters.spans``).
SPAN_CHOICES: tuple[str, ...] = ("track", "spans")

#: Environment variable naming the folder that holds model files (checkpoints, SMPL, YOLO weights).
MODEL_DIR_ENV = "CLIFFMOCAP_HOME"

#: File names looked up in the model dir when no explicit path is given.
DEFAULT_CHECKPOINT_NAME = "hr48-PA43.0_MJE69.0_MVE81.2_3dpw.pt"
DEFAULT_SMPL_NAME = "SMPL_NEUTRAL.pkl"
DEFAULT_DETECTOR_NAME = "yolo11x.pt"


def resolve_model_dir(env: Mapping[str, str] | None = None) -> Path:
    """Folder holding the model files: ``$CLIFFMOCAP_HOME``, else the user cache dir.

    Args:
        env: environment to read (defaults to ``os.environ``); injectable for tests.
    """
    env = os.environ if env is None else env
    if env.get(MODEL_DIR_ENV):
        return Path(env[MODEL_DIR_ENV]).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("cliffmocap"))


@dataclass(frozen=True)
class PipelineConfig:
    """Settings of one pipeline run. Defaults are what the command uses when no option is given.

    Messages name a setting by its field name in single quotes (``'det_conf'``); the command line
    shows its option instead (:data:`mocap.cli_run.SETTING_FLAGS`).
    """

    # --- model files (None = look up the default name in the model dir) --------------------------
    checkpoint: Path | None = None
    """CLIFF checkpoint (.pt, official container or plain state dict); variant read from keys."""
    smpl_model: Path | None = None
    """SMPL model (.pkl as downloaded, or .npz); needed for rest poses, meshes and exports."""
    detector: str | None = None
    """YOLO weights: a path, or a file name in the model dir. Ignored when ``boxes`` is set."""
    boxes: Path | None = None
    """Box file (JSON or MOTChallenge txt) that replaces the detector."""
    model_dir: Path | None = None
    """Where default-named model files are found (None = :func:`resolve_model_dir`)."""
    video: Path | None = None
    """Source video of a result (``.npz``) given as input, for the overlay video and report
    thumbnails (None = the video path stored in the result)."""

    # --- decoding -------------------------------------------------------------------------------
    decoder: Decoder = "auto"
    """``auto`` (decord, PyAV where decord cannot), ``decord`` or ``pyav``."""
    chunk_frames: int = 32
    """Most frames decoded per chunk (fewer for large frames, see ``decode_memory_mb``)."""
    decode_memory_mb: int = 512
    """MiB of decoded frames alive at once (the chunks queued, decoded and in use): large frames
    get fewer frames per chunk (``mocap.video.frames_per_chunk``; one is the floor). 512 MiB keeps
    a whole run on an 8192x8192 video under 2 GiB; small frames are not affected."""
    image_fps: float = 30.0
    """Frame rate of a folder of images that is a frame sequence (:mod:`mocap.images`)."""

    # --- detection ------------------------------------------------------------------------------
    det_conf: float = 0.5
    """Minimum detector confidence for a person box."""
    det_imgsz: int = 640
    """Detector input size (long side, pixels)."""
    det_batch: int | None = None
    """Frames per detector call; None = 8 on CPU, the whole decoded chunk on CUDA (one batched
    half-precision call per chunk)."""

    # --- tracking -------------------------------------------------------------------------------
    track_memory_s: float = 1.5
    """Seconds a track survives without detections (a person hidden this long keeps the id)."""
    min_track_s: float = 0.5
    """Tracks observed on fewer frames than this (seconds) are dropped as false positives."""
    max_gap_s: float = 1.0
    """Gaps up to this long (seconds) are filled by interpolation (rows marked not observed);
    longer gaps stay missing frames. Linear interpolation of a walking person's box centre stays
    within 0.07 box heights up to 1 s (99th percentile on the TUD ground truth, 0.14 at 2 s;
    ``benchmarks/calibrate_stitch.py``)."""
    min_observed_share: float = 0.4
    """Tracks observed on less than this share of the frames they span are dropped. Measured with
    ``benchmarks/bench_track_real.py --set min_observed_share=X``: on the high-noise TUD detections
    0.0 and 0.25 leave 8 tracks mixing two people, 0.4 leaves 4 (at a cost of 7-14 MOTA points
    there), 0.55 also drops real people (IDF1 -6 to -16 points on the low-noise sets)."""
    min_track_score: float = 0.0
    """Tracks whose observed rows score less than this on average are dropped (0 = off: no real
    detector scores were at hand to measure a default; ``det_conf`` gates every box)."""
    max_people: int | None = None
    """Keep only the N most prominent people (None = everyone)."""

    # --- regression -----------------------------------------------------------------------------
    device: str = "auto"
    """``auto`` (CUDA when present), ``cpu``, ``cuda`` or ``cuda:N``."""
    batch_size: int | None = None
    """Person crops per CLIFF forward pass; None = 8 on CPU, 128 on CUDA
    (:data:`mocap.device.CPU_BATCH_SIZE`, :data:`mocap.device.GPU_BATCH_SIZE`)."""
    precision: Precision = "auto"
    """``auto`` (bf16 on CUDA, fp16 where the GPU has no bf16; fp32 on CPU), ``fp32``, ``bf16``
    or ``fp16`` (CUDA only)."""
    crop_on_device: bool | None = None
    """Cut the person crops on the compute device from each chunk's frames, uploaded once
    (:mod:`mocap.pipeline.devicecrop`); None = on CUDA only. The crops agree with the CPU path
    within :func:`mocap.crop.prepare_crops_torch`'s stated tolerance."""
    torch_compile: bool = False
    """Compile CLIFF's backbone with ``torch.compile`` (off: not yet measured faster including
    the compile time; see ``benchmarks/bench_throughput.py --compile``)."""
    focal: float | None = None
    """Focal length in pixels; None = CLIFF's estimate sqrt(w^2 + h^2). Excludes ``fov``."""
    fov: float | None = None
    """Vertical field of view in degrees, converted to a focal length. Excludes ``focal``."""

    # --- post-processing ------------------------------------------------------------------------
    smooth: SmoothPreset = "medium"
    """Temporal smoothing preset (``off`` keeps CLIFF's per-frame output exactly)."""
    space: Space = "world"
    """``world``: ground the motion (``mocap.ground``: floor, gravity, foot contacts, depth pinned
    by the feet; static camera) and write animations in that world frame. ``camera``: today's
    camera-frame output, no grounding. A moving camera, or no SMPL model, falls back to
    ``camera`` with a warning. The .npz always keeps the camera-frame rows."""
    foot_lock: bool = True
    """Hold planted feet still (leg IK) in the grounded motion; with ``space='camera'`` unused."""

    # --- export ---------------------------------------------------------------------------------
    rig: Rig = "smpl"
    """Skeleton of .glb/.bvh/.fbx outputs: ``smpl`` (SMPL's joints and rest pose), ``mixamo``,
    ``ue5`` (Unreal mannequin, with a ``root`` bone), ``unity`` (Humanoid) or ``rigify``
    (Blender's human metarig); see ``exporters.rigs.presets``."""
    span: Span = "track"
    """Files of the .bvh and .amass.npz outputs: ``track`` writes one file per person covering its
    first to last tracked frame (gaps longer than ``max_gap_s`` interpolated; the .amass.npz marks
    them in ``in_span``, a BVH cannot); ``spans`` writes one file per continuous span where the
    person is known to exist, ``<stem>_person<id>_from<first video frame>.bvh``/``.amass.npz``."""

    def __post_init__(self) -> None:
        if self.focal is not None and self.fov is not None:
            raise UsageError("'focal' and 'fov' both given: pass only one of them.")
        if self.focal is not None and not self.focal > 0:
            raise UsageError(f"'focal' must be > 0 pixels, got {self.focal}.")
        if self.fov is not None and not 0 < self.fov < 180:
            raise UsageError(f"'fov' must be between 0 and 180 degrees, got {self.fov}.")
        for name in ("chunk_frames", "decode_memory_mb", "det_batch", "batch_size", "det_imgsz"):
            if getattr(self, name) is not None and getattr(self, name) < 1:
                raise UsageError(f"'{name}' must be >= 1, got {getattr(self, name)}.")
        if not self.image_fps > 0:
            raise UsageError(f"'image_fps' must be > 0, got {self.image_fps}.")
        if not 0.0 <= self.det_conf <= 1.0:
            raise UsageError(f"'det_conf' must be within [0, 1], got {self.det_conf}.")
        for name in ("min_observed_share", "min_track_score"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise UsageError(f"'{name}' must be within [0, 1], got {getattr(self, name)}.")
        for name in ("track_memory_s", "min_track_s", "max_gap_s"):
            if not getattr(self, name) >= 0.0:
                raise UsageError(f"'{name}' must be >= 0 seconds, got {getattr(self, name)}.")
        if self.max_people is not None and self.max_people < 1:
            raise UsageError(f"'max_people' must be >= 1, got {self.max_people}.")
        if self.space not in ("world", "camera"):
            raise UsageError(f"'space' must be world or camera, got {self.space!r}.")
        if self.rig not in RIG_CHOICES:
            raise UsageError(f"'rig' must be one of {', '.join(RIG_CHOICES)}, got {self.rig!r}.")
        if self.span not in SPAN_CHOICES:
            raise UsageError(f"'span' must be track or spans, got {self.span!r}.")
        if self.smooth not in ("off", "light", "medium", "heavy"):
            raise UsageError(f"'smooth' must be off, light, medium or heavy, got {self.smooth!r}.")

    def resolved_model_dir(self) -> Path:
        return self.model_dir if self.model_dir is not None else resolve_model_dir()

    def with_(self, **changes: object) -> PipelineConfig:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)  # type: ignore[arg-type]
