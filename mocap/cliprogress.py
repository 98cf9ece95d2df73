"""Progress bars of the ``cliffmocap`` command (part of the CLI: with :mod:`mocap.cli`, the only
module that imports rich).

One bar per pipeline stage on stderr, with its rate and time left. Crops are counted only as they
are cut, so the regress bar estimates its total from the crops per decoded frame so far.
"""

from __future__ import annotations

from typing import ClassVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from mocap.progress import ProgressEvent


class RichProgress:
    """Progress callback drawing one bar per pipeline stage (rate and ETA) on stderr."""

    _UNITS: ClassVar[dict[str, str]] = {
        "decode": "frames",
        "detect": "frames",
        "regress": "crops",
        "videos": "videos",
    }

    def __init__(self, console: Console, enabled: bool) -> None:
        self.enabled = enabled
        self.seconds: dict[str, float] = {}
        self._tasks: dict[str, TaskID] = {}
        self._decoded: tuple[int, int | None] = (0, None)  # frames decoded, frames in the video
        self._progress = Progress(
            TextColumn("{task.description:<9}"),
            BarColumn(),
            TextColumn("{task.fields[count]}"),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=False,
            disable=not enabled,
        )

    def __enter__(self) -> RichProgress:
        self._progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.__exit__(None, None, None)

    def __call__(self, event: ProgressEvent) -> None:
        self.seconds[event.stage] = event.elapsed_s
        if event.stage == "decode":
            self._decoded = (event.done, event.total)
        if not self.enabled:
            return
        unit = self._UNITS.get(event.stage, "")
        rate = f"{event.done / event.elapsed_s:6.1f} {unit}/s" if event.elapsed_s > 0 else ""
        total, count = self._total(event)
        task = self._tasks.get(event.stage)
        if task is None:
            task = self._progress.add_task(event.stage, total=total, rate=rate, count=count)
            self._tasks[event.stage] = task
        self._progress.update(task, completed=event.done, total=total, rate=rate, count=count)

    def _total(self, event: ProgressEvent) -> tuple[float | None, str]:
        """The bar's total and its ``done/total`` text; crops (whose number is known only at the
        end) are estimated from the crops per decoded frame so far: ``done/~estimate``."""
        if event.total is not None:
            return event.total, f"{event.done}/{event.total}"
        frames, video_frames = self._decoded
        if event.stage == "regress" and frames and video_frames:
            estimate = max(event.done, round(event.done * video_frames / frames))
            return estimate, f"{event.done}/~{estimate}"
        return None, f"{event.done}"
