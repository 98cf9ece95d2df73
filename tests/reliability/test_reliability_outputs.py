"""Full and read-only output folders: every job fails with one line naming the file and the cause,
nothing half-written is left, and the run itself ends with a report or one line."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from _hostile import factory_one_person, write_video

from mocap.batch import plan_jobs, run_batch
from mocap.config import PipelineConfig
from mocap.errors import OutputError

PAGE = 4096


@contextlib.contextmanager
def small_filesystem(path: Path, size: int, readonly: bool = False) -> Iterator[Path]:
    """``path`` as the mount point of a ``size``-byte tmpfs (root with mount rights only)."""
    path.mkdir(parents=True, exist_ok=True)
    options = f"size={size}" + (",ro" if readonly else "")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({done.stderr.decode().strip()})")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def _leave_free(folder: Path, pages: int) -> None:
    """Fill ``folder``'s filesystem until ``pages`` pages are free."""
    st = os.statvfs(folder)
    free = st.f_bavail * st.f_frsize
    (folder / "filler").write_bytes(b"\0" * (free - pages * PAGE))


@pytest.mark.slow
def test_full_disk_fails_each_job_in_one_line_and_leaves_nothing_partial(
    tmp_path: Path, clips: Path, cfg: PipelineConfig, capfd: pytest.CaptureFixture[str]
) -> None:
    with small_filesystem(tmp_path / "out", 64 * 1024) as out:
        (out / ".cliffmocap").mkdir()
        (out / ".cliffmocap" / "lock").write_bytes(b" " * 100)  # its page is taken now
        _leave_free(out, 1)  # less than one .npz (2 pages)
        plan = plan_jobs([clips], [out], out_format="npz")
        res = run_batch(plan, cfg, stages_factory=factory_one_person)
        for job in res.jobs:
            assert job.status == "failed" and job.error_type == "OutputError"
            assert "No space left on device" in job.error and "\n" not in job.error
        reports = []
        if res.report_json is None:  # the report did not fit either: said in one line
            assert "no space left on device" in res.report_error
        else:
            reports = [res.report_json.name, res.report_csv.name]
        assert not res.ok
        # no output, no temporary file
        assert sorted(p.name for p in out.iterdir()) == sorted([".cliffmocap", "filler", *reports])
    assert "Traceback" not in capfd.readouterr().err  # nothing from the workers' clean-up


@contextlib.contextmanager
def read_only_folder(path: Path) -> Iterator[Path]:
    """A folder nobody may write to: a read-only tmpfs for root (which ignores permission bits),
    mode 0o555 for other users."""
    if os.geteuid() == 0:
        with small_filesystem(path, 64 * 1024, readonly=True) as folder:
            yield folder
        return
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o555)
    try:
        yield path
    finally:
        path.chmod(0o755)


def test_read_only_output_folder_is_one_line_before_any_work(
    tmp_path: Path, clips: Path, cfg: PipelineConfig
) -> None:
    with read_only_folder(tmp_path / "out") as out:
        plan = plan_jobs([clips], [out], out_format="npz")
        with pytest.raises(OutputError) as caught:
            run_batch(plan, cfg, stages_factory=factory_one_person)
        message = str(caught.value)
        assert message.startswith(f"cannot create {out / '.cliffmocap' / 'lock'}: ")
        assert ("Read-only file system" in message) or ("Permission denied" in message)
        assert list(out.iterdir()) == []


def test_read_only_subfolder_fails_its_jobs_only(
    tmp_path: Path, clips: Path, cfg: PipelineConfig
) -> None:
    out = tmp_path / "out"
    (clips / "sub").mkdir()
    write_video(clips / "sub" / "d.mp4")
    with read_only_folder(out / "sub"):
        plan = plan_jobs([clips], [out], out_format="npz")
        res = run_batch(plan, cfg, stages_factory=factory_one_person)
    rows = {Path(j.input).name: j for j in res.jobs}
    assert [rows[n].status for n in ("a.mp4", "b.mp4", "c.mp4")] == ["ok"] * 3
    assert rows["d.mp4"].status == "failed"
    assert rows["d.mp4"].error.startswith(f"cannot write '{out / 'sub' / 'd.npz'}': ")
    assert ("Read-only file system" in rows["d.mp4"].error) or ("denied" in rows["d.mp4"].error)
    assert res.report_json is not None and res.report_json.is_file()
