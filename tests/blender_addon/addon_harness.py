"""Helpers for the Blender add-on tests: bpy subprocess runner, tiny video.

bpy runs in a fresh subprocess per test file (bpy is a per-process singleton) with a throw-away
HOME, because installing an extension writes to ~/.config/blender.
"""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
PROBE = HERE / "addon_bpy_probe.py"
BPY_TIMEOUT_S = 300


def run_probe(zip_path: Path, jobs: list, workdir: Path) -> dict:
    """Install the zip in a fresh bpy process, run the import jobs, return the parsed result.

    Each job: name, filepath, options (operator keywords), smpl_pref (preference value),
    prefs (more preference values), operator (default "cliffmocap"), vertices (dump the
    skinned mesh per frame, default True).
    Adds ``dump`` (an .npz of measured arrays) to every job and loads it back as ``arrays``.
    """
    home = workdir / "home"
    home.mkdir(exist_ok=True)
    for job in jobs:
        job["dump"] = str(workdir / f"dump_{job['name']}.npz")
    spec_file = workdir / "jobs.json"
    spec_file.write_text(json.dumps({"zip": str(zip_path), "jobs": jobs}))
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "PYTHONNOUSERSITE": "1"}
    proc = subprocess.run(
        [sys.executable, str(PROBE), str(spec_file)],
        capture_output=True, text=True, timeout=BPY_TIMEOUT_S, env=env, cwd=workdir, check=False,
    )  # fmt: skip
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if not lines:
        pytest.fail(f"bpy probe gave no result (rc {proc.returncode}):\n{proc.stderr[-3000:]}")
    result = json.loads(lines[-1][len("RESULT ") :])
    if "fatal" in result:
        pytest.fail(f"bpy probe failed:\n{result['fatal']}")
    result["stderr"] = proc.stderr
    for job in result["jobs"]:
        with np.load(workdir / f"dump_{job['name']}.npz") as data:
            job["arrays"] = {k: data[k] for k in data.files}
    return result


def write_tiny_video(path: Path, frames: int, width: int = 64, height: int = 36) -> None:
    """A short MPEG-4 clip Blender can open as a movie clip (frame i is a grey level)."""
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=30)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for i in range(frames):
            img = np.full((height, width, 3), (i * 7) % 256, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


ADDON_DIR = REPO / "blender_addon"
_STANDALONE_PACKAGE = "cliffmocap_addon_standalone"


def load_addon_module(name: str):
    """Import one bpy-free add-on module (e.g. ``smpl_model``) without the package ``__init__``.

    The add-on's ``__init__`` imports bpy; its numpy-only modules use relative imports, so they
    are loaded under a stand-in package whose ``__path__`` is ``blender_addon/``.
    """
    import importlib
    import types

    if _STANDALONE_PACKAGE not in sys.modules:
        package = types.ModuleType(_STANDALONE_PACKAGE)
        package.__path__ = [str(ADDON_DIR)]
        sys.modules[_STANDALONE_PACKAGE] = package
    return importlib.import_module(f"{_STANDALONE_PACKAGE}.{name}")
