"""Headless Chromium for tests: screenshot, DOM after scripts ran, and the console messages."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: Chromium's log line for every console message (log, warning, error, CSP violation, exception).
CONSOLE_MARK = ":CONSOLE"


def chromium_binary() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass(frozen=True)
class PageLoad:
    dom: str
    console: list[str]
    screenshot: np.ndarray  # (H, W, 3) uint8


def _run(binary: str, page: Path, profile: Path, extra: list[str]) -> subprocess.CompletedProcess:
    cmd = [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
        f"--user-data-dir={profile}",
        *extra,
        page.resolve().as_uri(),
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True)


def load(page: Path, workdir: Path, size: tuple[int, int] = (1200, 1600)) -> PageLoad:
    """Open ``page`` twice (DOM dump, then screenshot) and collect console messages of both."""
    from PIL import Image

    binary = chromium_binary()
    assert binary is not None, "chromium is not on PATH"
    workdir.mkdir(parents=True, exist_ok=True)
    shot = workdir / f"{page.stem}.png"
    dom_run = _run(binary, page, workdir / "profile-dom", ["--dump-dom"])
    shot_run = _run(
        binary,
        page,
        workdir / "profile-shot",
        [f"--window-size={size[0]},{size[1]}", f"--screenshot={shot}"],
    )
    console = [
        line
        for run in (dom_run, shot_run)
        for line in run.stderr.splitlines()
        if CONSOLE_MARK in line
    ]
    image = np.asarray(Image.open(shot).convert("RGB"))
    return PageLoad(dom_run.stdout, console, image)
