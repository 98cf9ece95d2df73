"""Suite-wide test policy: optional real clients (Blender, the glTF validator, CUDA).

Tests that need an optional client carry a marker; here they are skipped *with a reason* when the
client is truly absent on a developer machine. On CI (``CI=true``) a missing Blender or validator is
an error instead of a skip, because CI installs both and must run those checks.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
VALIDATOR_DIR = REPO_ROOT / "node_modules" / "gltf-validator"


def _missing_clients() -> dict[str, str]:
    """Marker name -> why its client is unavailable (absent markers are usable)."""
    missing: dict[str, str] = {}
    if importlib.util.find_spec("bpy") is None:
        missing["blender"] = "bpy is not installed (uv sync --extra blender)"
    if shutil.which("node") is None:
        missing["validator"] = "node is not on PATH"
    elif not VALIDATOR_DIR.is_dir():
        missing["validator"] = f"gltf-validator is not installed in {VALIDATOR_DIR.parent} (npm ci)"
    if importlib.util.find_spec("ray") is None:
        missing["ray"] = "ray is not installed (uv sync --extra ray)"
    return missing


def _cuda_available() -> bool:
    import torch  # only imported when a gpu-marked test was collected

    return bool(torch.cuda.is_available())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    missing = _missing_clients()
    on_ci = os.environ.get("CI", "").lower() == "true"
    needs_gpu = [item for item in items if item.get_closest_marker("gpu")]
    if needs_gpu and not _cuda_available():
        for item in needs_gpu:
            item.add_marker(pytest.mark.skip(reason="needs CUDA (no GPU on this machine)"))
    for marker, reason in missing.items():
        wanted = [item for item in items if item.get_closest_marker(marker)]
        if not wanted:
            continue
        if on_ci and marker in ("blender", "validator"):
            raise pytest.UsageError(
                f"CI must run the '{marker}' tests but {reason}; fix the install step in .ci/run"
            )
        for item in wanted:
            item.add_marker(pytest.mark.skip(reason=reason))
