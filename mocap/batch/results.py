"""A result (``.npz``) as input: read it back for re-export without running CLIFF again."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from mocap.config import PipelineConfig
from mocap.types import MotionSet

#: Suffix of a cliffmocap result given as an input.
RESULT_SUFFIX = ".npz"


def is_result_input(path: Path) -> bool:
    """True when ``path`` is a result to re-export rather than a video to capture."""
    return Path(path).suffix.lower() == RESULT_SUFFIX


def no_stages(config: PipelineConfig) -> None:
    """Stages factory of a run that only re-exports results: no model is loaded in the workers."""
    return None


def load_result(path: Path, config: PipelineConfig) -> MotionSet:
    """The MotionSet of a ``.npz`` result, with the SMPL body of ``config`` attached.

    The grounding settings apply here as in a capture: a result that was grounded (the camera
    did not move) is grounded again from its camera-frame rows with ``config.foot_lock``, so
    ``foot_lock`` changes the re-export; ``space='camera'`` is honoured by the writers. A result
    kept in the camera frame stays there (whether its camera moved is not recorded in the file).

    Raises:
        NpzReadError: the file is not a readable cliffmocap result.
        ModelFileNotFoundError, SmplModelError: the SMPL model is missing or unusable (it is
            needed to pose meshes and for the rest skeleton of every animation format).
    """
    import exporters
    from mocap.body import load_body_model
    from mocap.modelfiles import SMPL, find_model_file

    motion = exporters.read_npz(path)
    smpl = find_model_file(SMPL, config.smpl_model, config.resolved_model_dir()).require()
    body = load_body_model(smpl)
    provenance = replace(motion.provenance, smpl_model=motion.provenance.smpl_model or smpl.name)
    motion = replace(motion, body=body.data, provenance=provenance)
    if config.space == "world" and motion.grounding is not None:
        from mocap.grounding import ground

        motion = ground(motion, foot_lock=config.foot_lock)
    return motion
