"""Writers from a ``mocap.types.MotionSet`` to files Blender, Unity, Unreal and SMPL tools open.

``write(motion, path, **options)`` picks the writer from the file name:

=================  ==========================================================================
``.glb``           binary glTF: skinned, shaped bodies, one animation, the video camera
``.bvh``           one skeleton per person (``<stem>_person<id>.bvh`` when there are several)
``.npz``           the lossless ``cliffmocap/1`` result (long format, one row per person per frame)
``.amass.npz``     AMASS-style per-person SMPL+H parameters (z-up world)
``.fbx``           through Blender (the ``[blender]`` extra) from the glTF scene
=================  ==========================================================================

``.glb``, ``.bvh`` and ``.fbx`` take ``rig=`` (``exporters.rigs``): the skeleton of Mixamo,
Unreal 5, Unity Humanoid or Rigify instead of SMPL's own.

No writer imports torch.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

from exporters.amass import write_amass
from exporters.bvh import write_bvh
from exporters.fbx import write_fbx
from exporters.gltf import write_glb
from exporters.npz import read_npz, write_npz
from mocap.errors import UnsupportedFormatError, UsageError
from mocap.types import MotionSet

__all__ = ["WRITERS", "accepted_options", "read_npz", "write", "writer_for"]

Writer = Callable[..., Any]

WRITERS: dict[str, Writer] = {
    ".glb": write_glb,
    ".bvh": write_bvh,
    ".npz": write_npz,
    ".amass.npz": write_amass,
    ".fbx": write_fbx,
}
"""Writer function by file suffix (``.amass.npz`` is matched before ``.npz``)."""


def writer_for(path: str | Path) -> Writer:
    """The writer for ``path``'s suffix.

    Raises:
        UnsupportedFormatError: no writer handles the suffix; the message lists the supported ones.
    """
    name = Path(path).name.lower()
    for suffix in sorted(WRITERS, key=len, reverse=True):
        if name.endswith(suffix):
            return WRITERS[suffix]
    suffix = Path(path).suffix or "(none)"
    raise UnsupportedFormatError(
        f"unsupported output '{path}' (suffix {suffix}); supported: {', '.join(WRITERS)}"
    )


def accepted_options(path: str | Path) -> list[str]:
    """The options the writer for ``path`` takes (its parameters after ``motion, path``)."""
    return list(inspect.signature(writer_for(path)).parameters)[2:]


def write(motion: MotionSet, path: str | Path, **options: Any) -> Any:
    """Write ``motion`` to ``path`` with the writer chosen by its suffix.

    Args:
        motion: the result of ``mocap.run``.
        path: output file; its suffix picks the format (see ``WRITERS``).
        **options: passed to the writer (every writer takes ``overwrite=False``).

    Returns:
        What the writer returns: the path written, or a list of paths for per-person formats.

    Raises:
        UnsupportedFormatError: unknown suffix.
        UsageError: an option the format does not take (the message lists the ones it does).
    """
    writer = writer_for(path)
    accepted = accepted_options(path)
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise UsageError(
            f"option(s) {', '.join(unknown)} not supported for '{path}'; "
            f"this format takes: {', '.join(accepted)}"
        )
    return writer(motion, path, **options)
