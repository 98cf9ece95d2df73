"""FBX through Blender: the .glb scene converted by Blender's own FBX exporter.

Blender (``bpy``, the ``[blender]`` extra) runs in a separate process (``_fbx_blender.py``), so
this process never imports bpy. The FBX holds one armature per person with the shaped mesh, the
video camera and one baked take over the whole video (scale-0 keys hide people outside their
tracks), y-up, metres (``docs/exporters_spec.md`` §5).

Time: keys are absolute, video frame i at time i / fps, and the take starts at time 0 (the whole
video), so a client that turns times into frames at the file's rate puts video frame i at its
frame i. Blender's own FBX importer does not: it adds Animation Offset (1 frame by default) and,
for a non-integer rate (29.97), keys with the rounded rate (frame i at i * 30 / 29.97). The
cliffmocap add-on imports the FBX with offset 0 and the true rate
(``blender_addon/import_clients.py``).

Determinism: the same motion gives the same bytes. Blender's exporter derives object ids from
Python's ``hash()`` of names (randomised per process), so Blender runs with a fixed
``PYTHONHASHSEED``; the export time it stamps into the header is replaced by a fixed one
(``exporters._fbx_stamp``).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from exporters._fbx_stamp import fix_creation_stamp
from exporters._output import atomic_path, check_target
from exporters.gltf import write_glb
from exporters.rigs import rig_preset
from exporters.skeleton import require_body
from mocap.errors import DependencyMissingError, OutputError
from mocap.types import MotionSet

logger = logging.getLogger(__name__)

BLENDER_SCRIPT = Path(__file__).with_name("_fbx_blender.py")
STDERR_TAIL_CHARS = 2000
#: Blender's FBX ids are ``hash(name)``: a fixed string-hash seed makes them the same every run.
BLENDER_HASH_SEED = "0"


def require_bpy() -> None:
    """Raise ``DependencyMissingError`` with the install command when bpy is not installed."""
    if importlib.util.find_spec("bpy") is None:
        raise DependencyMissingError(
            '.fbx output needs Blender\'s Python module bpy: pip install "cliffmocap[blender]" '
            "(or uv sync --extra blender; bpy 5.0.1 needs Python 3.11)"
        )


def write_fbx(
    motion: MotionSet,
    path: str | Path,
    overwrite: bool = False,
    timeout_s: float | None = None,
    space: str | None = None,
    rig: str = "smpl",
) -> Path:
    """Write ``motion`` as FBX (converted from the glTF scene by Blender in a subprocess).

    Args:
        motion: the result; ``motion.body`` must hold the SMPL model.
        path: output ``.fbx`` file.
        overwrite: replace an existing file.
        timeout_s: stop Blender after this many seconds (None = no limit; export costs about
            3 ms per person per frame).
        space: ``world`` (default when grounded) or ``camera``; the video camera is placed as in
            the glTF scene the FBX is converted from.
        rig: skeleton preset (``exporters.rigs``), as in the .glb the FBX is converted from
            (Blender keeps the glTF bones' local axes: bone +Y is the node's +Y).

    Returns:
        The path written.

    Raises:
        SmplModelRequiredError: no SMPL model in ``motion``.
        DependencyMissingError: bpy is not installed.
        UsageError: unknown ``rig``.
        OutputError: Blender failed or timed out (the message carries its last error lines).
    """
    path = Path(path)
    rig_preset(rig)
    require_body(motion, "FBX (.fbx)")
    require_bpy()
    check_target(path, overwrite)
    with tempfile.TemporaryDirectory(prefix="cliffmocap-fbx-") as work:
        glb = write_glb(motion, Path(work) / "scene.glb", space=space, rig=rig)
        fbx = Path(work) / "scene.fbx"
        cmd = [sys.executable, str(BLENDER_SCRIPT), str(glb), str(fbx)]
        env = {**os.environ, "PYTHONHASHSEED": BLENDER_HASH_SEED}
        try:
            res = subprocess.run(
                cmd,
                capture_output=True,
                text=True,
                timeout=timeout_s,
                cwd=work,
                env=env,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise OutputError(
                f"cannot write '{path}': Blender's FBX export took over {timeout_s} s; "
                "raise timeout_s or export fewer frames"
            ) from exc
        if res.returncode != 0 or not fbx.is_file():
            tail = res.stderr.strip()[-STDERR_TAIL_CHARS:].splitlines()
            reason = tail[-1] if tail else f"exit code {res.returncode}"
            logger.debug("Blender output:\n%s\n%s", res.stdout, res.stderr)
            raise OutputError(f"cannot write '{path}': Blender's FBX conversion failed: {reason}")
        try:
            data = fix_creation_stamp(fbx.read_bytes())
        except ValueError as exc:
            raise OutputError(f"cannot write '{path}': Blender's FBX is unexpected: {exc}") from exc
        with atomic_path(path, overwrite) as tmp:
            tmp.write_bytes(data)
    return path
