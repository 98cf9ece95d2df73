"""cliffmocap: video in, per-person SMPL motion out.

Public API (importing this package never imports torch; ``run`` loads the heavy stages lazily)::

    import mocap, exporters
    motion = mocap.run("video.mp4", mocap.PipelineConfig(smpl_model="SMPL_NEUTRAL.pkl"))
    exporters.write(motion, "anim.glb")
    grounded = mocap.ground(motion)  # floor, world frame, foot contacts, planted feet
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from mocap.config import PipelineConfig as PipelineConfig
from mocap.errors import MocapError as MocapError
from mocap.types import MotionSet as MotionSet
from mocap.types import SmplSequence as SmplSequence

try:
    __version__ = version("cliffmocap")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"


def __getattr__(name: str) -> Any:
    # PEP 562: keep `import mocap` free of torch; the pipeline is imported on first use.
    if name == "run":
        from mocap.pipeline import run

        return run
    if name == "ground":
        from mocap.grounding import ground

        return ground
    raise AttributeError(f"module 'mocap' has no attribute {name!r}")
