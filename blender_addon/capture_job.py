"""Run the ``cliffmocap`` command in a subprocess and watch it (no bpy, no torch here).

Blender's Python never imports torch: the capture runs as the user's installed ``cliffmocap``
command, and the add-on only polls the process and imports the file it writes.
"""

import re
import shlex
import subprocess
import threading
import time
from collections import deque
from pathlib import Path

_PERCENT = re.compile(r"(\d{1,3}(?:\.\d+)?)\s*%")
_TAIL_LINES = 20


class CaptureJob:
    """One ``cliffmocap VIDEO --out OUT [options]`` process.

    Args:
        command: the command line that starts cliffmocap, e.g. ``"cliffmocap"`` or
            ``"/opt/venv/bin/cliffmocap"`` (split like a shell would, without a shell).
        video: the input video.
        out: the result file to write (.glb or .npz).
        extra_args: more options, e.g. ``"--device cuda --smooth light"``.
        smpl: SMPL model path passed as ``--smpl`` ('' to leave it out).

    Raises:
        FileNotFoundError: the command does not exist.
        ValueError: the command or options cannot be split into arguments.
    """

    def __init__(self, command: str, video: Path, out: Path, extra_args: str = "", smpl: str = ""):
        program = shlex.split(command)
        if not program:
            raise ValueError("the cliffmocap command is empty")
        argv = [*program, str(video), "--out", str(out), *shlex.split(extra_args)]
        if smpl:
            argv += ["--smpl", smpl]
        self.argv = argv
        self.out = Path(out)
        self.started = time.monotonic()
        self._lines: deque = deque(maxlen=_TAIL_LINES)
        self._percent: float | None = None
        self._proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self._proc.stdout:
            line = line.strip()
            if line:
                self._lines.append(line)
                found = _PERCENT.findall(line)
                if found:
                    self._percent = min(100.0, float(found[-1]))

    def poll(self) -> int | None:
        """The exit code, or None while running."""
        return self._proc.poll()

    def wait(self, timeout: float | None = None) -> int:
        code = self._proc.wait(timeout)
        self._reader.join(timeout=5)
        return code

    def cancel(self) -> None:
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._reader.join(timeout=5)

    @property
    def percent(self) -> float | None:
        """Last percentage the command printed, if any."""
        return self._percent

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def status(self) -> str:
        last = self._lines[-1] if self._lines else "starting"
        return f"cliffmocap {self.elapsed:.0f} s: {last[:120]}"

    def failure_message(self, code: int) -> str:
        tail = " | ".join(list(self._lines)[-3:]) or "no output"
        return f"cliffmocap exited with code {code}: {tail}"
