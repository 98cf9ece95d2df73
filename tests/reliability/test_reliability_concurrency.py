"""Concurrent and killed runs on one output folder: one line when the folder is in use, no stale
lock after SIGKILL, no orphan workers, no false failures."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _hostile import write_video

from mocap.batch import plan_jobs, run_batch
from mocap.batch.lock import FolderLock
from mocap.config import PipelineConfig
from mocap.errors import OutputInUseError

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(HERE), env.get("PYTHONPATH", "")])
    return env


def _batch(src: Path, out: Path, workers: int = 1) -> subprocess.Popen[str]:
    code = f"import _hostile; _hostile.batch_main({str(src)!r}, {str(out)!r}, '{workers}')"
    return subprocess.Popen(
        [sys.executable, "-c", code],
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _slow_clips(folder: Path, n: int) -> Path:
    folder.mkdir()
    for i in range(n):
        write_video(folder / f"slow{i}.mp4", frames=8)  # 2 chunks x 0.5 s of 'detection'
    return folder


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_held_folder_is_refused_in_one_line_and_nothing_is_touched(
    tmp_path: Path, clips: Path, cfg: PipelineConfig
) -> None:
    out = tmp_path / "out"
    plan = plan_jobs([clips], [out], out_format="npz")
    with FolderLock(out), pytest.raises(OutputInUseError) as caught:
        run_batch(plan, cfg)
    message = str(caught.value)
    assert message.startswith(
        f"the output folder {out} is in use by another run (pid {os.getpid()}"
    )
    assert "\n" not in message
    assert sorted(p.name for p in (out / ".cliffmocap").iterdir()) == ["lock"]  # no report


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_two_runs_on_one_folder_one_works_the_other_says_in_use(tmp_path: Path) -> None:
    src = _slow_clips(tmp_path / "clips", 2)
    out = tmp_path / "out"
    first = _batch(src, out)
    assert first.stdout is not None
    started = first.stdout.readline()  # the first run holds the lock once it reports progress
    assert started.startswith("progress 0/2")
    second = _batch(src, out)
    said, _ = second.communicate(timeout=60)
    rest, err = first.communicate(timeout=90)
    assert second.returncode == 1
    assert (
        said.strip().splitlines() == [said.strip().splitlines()[0]]
        and "is in use by another run (pid" in said
    )
    assert first.returncode == 0, err
    assert sorted(rest.split("\n")[-3:-1]) == [
        "failed slow0.mp4 NoPeopleFoundError",
        "failed slow1.mp4 NoPeopleFoundError",
    ]  # each decoded to the end by the one run; none 'output exists'


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_sigkilled_batch_leaves_no_stale_lock_and_no_orphan_workers(tmp_path: Path) -> None:
    hanging = tmp_path / "hanging"
    hanging.mkdir()
    for i in range(2):
        write_video(hanging / f"hang{i}.mp4")  # the workers would never finish these
    out = tmp_path / "out"
    run = _batch(hanging, out, workers=2)
    assert run.stdout is not None and run.stderr is not None
    assert run.stdout.readline().startswith("progress 0/2")
    deadline = time.monotonic() + 60
    workers: list[int] = []
    while len(workers) < 2 and time.monotonic() < deadline:
        workers = [p for p in _children(run.pid) if _is_worker(p)]
        time.sleep(0.1)
    assert len(workers) == 2
    time.sleep(2)  # both are inside their job now
    run.send_signal(signal.SIGKILL)
    run.wait(10)
    gone = time.monotonic() + 5
    while any(_alive(p) for p in workers) and time.monotonic() < gone:
        time.sleep(0.1)
    survivors = [p for p in workers if _alive(p)]
    for p in survivors:
        os.kill(p, signal.SIGKILL)
    assert not survivors, "workers outlived their killed parent"
    run.stdout.close()  # only now: a worker writing to a closed pipe would die of that
    run.stderr.close()
    again = _batch(_slow_clips(tmp_path / "clips", 1), out)
    said, err = again.communicate(timeout=120)
    assert again.returncode == 0, said + err  # the lock of the killed run is not stale
    assert "failed slow0.mp4 NoPeopleFoundError" in said


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _is_worker(pid: int) -> bool:
    """A spawned multiprocessing child (not the resource tracker)."""
    cmd = _cmdline(pid)
    return "multiprocessing.spawn" in cmd or "spawn_main" in cmd


def _cli(args: list[str], home: Path) -> subprocess.Popen[str]:
    code = f"import _hostile; _hostile.cli_main({[str(a) for a in args]!r})"
    env = _env() | {"CLIFFMOCAP_HOME": str(home)}
    return subprocess.Popen(
        [sys.executable, "-c", code],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_sigint_stops_a_batch_in_one_line_and_the_rerun_finishes_it(tmp_path: Path) -> None:
    from _hostile import placeholder_model_home

    home = placeholder_model_home(tmp_path / "models")
    src = tmp_path / "clips"
    src.mkdir()
    for i in range(4):
        write_video(src / f"slow{i}.mp4", frames=16)  # 4 chunks x 0.5 s each
    out = tmp_path / "out"
    args = [src, "--out", out, "--out-format", "npz", "--workers", "2", "--quiet"]
    run = _cli(args, home)
    deadline = time.monotonic() + 60
    while len([p for p in _children(run.pid) if _is_worker(p)]) < 2:
        assert time.monotonic() < deadline and run.poll() is None
        time.sleep(0.1)
    workers = [p for p in _children(run.pid) if _is_worker(p)]
    time.sleep(2.5)  # inside the first jobs
    run.send_signal(signal.SIGINT)
    said, err = run.communicate(timeout=60)
    assert run.returncode == 130, said + err
    assert err.strip().splitlines()[-1].startswith("error: interrupted")
    assert "Traceback" not in err
    assert not list(out.rglob(".*.part"))  # no partial output
    assert not [p for p in workers if _alive(p)]
    again = _cli(args, home)
    said, err = again.communicate(timeout=120)
    assert again.returncode == 0, said + err  # lock released, nothing half-done in the way
    assert sorted(p.name for p in out.glob("*.npz")) == [f"slow{i}.npz" for i in range(4)]
