"""Suite-wide test policy: which tests a run selects, and optional real clients.

Two runs (README "Tests"):

* development: ``python -m pytest`` deselects the heavy markers (``slow``, ``blender``,
  ``validator``, ``ray``; see ``addopts`` in pyproject.toml) and takes about a minute;
* full: ``python -m pytest -m ""`` runs everything; CI (``.ci/run``) runs exactly that.

Tests that need an optional client (bpy, the glTF validator, Ray, Chromium) carry its marker and
are skipped *with a reason* when the client is truly absent on a developer machine. On CI
(``CI=true``) the client must be there: such a test fails instead of skipping, and so does any
test that skips itself for a missing client. ``gpu`` tests are the one CUDA gate: skipped without
CUDA, everywhere.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
from collections.abc import Generator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
VALIDATOR_DIR = REPO_ROOT / "node_modules" / "gltf-validator"
#: A skip reason that names an optional client (such a skip fails on CI).
CLIENT_IN_REASON = re.compile(r"\b(bpy|blender|validator|node|ray|chromium)\b", re.IGNORECASE)
#: Why a collected test's optional client is missing on CI (the test then fails in set-up).
CI_MISSING = pytest.StashKey[str]()


def on_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


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
    if not any(shutil.which(name) for name in ("chromium", "chromium-browser")):
        missing["chromium"] = "chromium is not on PATH (apt-get install chromium)"
    return missing


def _cuda_available() -> bool:
    import torch  # only imported when a gpu-marked test was collected

    return bool(torch.cuda.is_available())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    needs_gpu = [item for item in items if item.get_closest_marker("gpu")]
    if needs_gpu and not _cuda_available():
        for item in needs_gpu:
            item.add_marker(pytest.mark.skip(reason="needs CUDA (no GPU on this machine)"))
    for marker, reason in _missing_clients().items():
        for item in items:
            if not item.get_closest_marker(marker):
                continue
            if on_ci():
                item.stash[CI_MISSING] = reason
            else:
                item.add_marker(pytest.mark.skip(reason=reason))


def pytest_runtest_setup(item: pytest.Item) -> None:
    if CI_MISSING in item.stash:
        pytest.fail(f"CI must run this test but {item.stash[CI_MISSING]}", pytrace=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, None]:
    """On CI, a test that skipped itself because an optional client is missing fails."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if not (on_ci() and report.skipped) or item.get_closest_marker("gpu"):
        return
    reason = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else ""
    if CLIENT_IN_REASON.search(reason):
        report.outcome = "failed"
        report.longrepr = f"CI must run this test, but it skipped: {reason}"
