"""Batch-layer messages name settings, not options (``'outs'``, ``'out_format'``,
``'overwrite'``); the command turns them into ``--out``, ``--out-format``, ``--overwrite``."""

from __future__ import annotations

import errno
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mocap.batch import plan_jobs
from mocap.batch.outputs import write_error
from mocap.cli import app
from mocap.cli_run import with_flags
from mocap.errors import MocapError

FLAG = re.compile(r"(?<![\w-])--[a-z]")


def _inputs(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "clips"
    folder.mkdir()
    clip = folder / "a.mp4"
    clip.write_bytes(b"fake video")
    (tmp_path / "done.glb").write_bytes(b"old")
    return clip, folder


CASES = [
    (lambda c, f, t: plan_jobs([c], []), "no --out given"),
    (lambda c, f, t: plan_jobs([f], [t / "o.glb"]), "--out must be one folder"),
    (lambda c, f, t: plan_jobs([f], [t / "o.glb"]), "with --out-format glb,npz"),
    (lambda c, f, t: plan_jobs([c], [t / "a.glb"], out_format="npz"), "--out-format is for"),
    (lambda c, f, t: plan_jobs([c], [t / "a.glb"] * 2), "the same --out file"),
    (lambda c, f, t: plan_jobs([c], [c]), f"--out {'{c}'} would overwrite"),
    (lambda c, f, t: plan_jobs([c], [t / "done.glb"]), "pass --overwrite to replace"),
    (lambda c, f, t: plan_jobs([f], [t / "o"], out_format=","), "--out-format is empty"),
    (lambda c, f, t: plan_jobs([f], [t / "o"], out_format="xyz"), "unsupported --out-format 'x"),
]


@pytest.mark.parametrize(("call", "cli_text"), CASES)
def test_plan_messages_are_flag_free_and_the_cli_adds_the_option(
    tmp_path: Path, call, cli_text: str
) -> None:
    clip, folder = _inputs(tmp_path)
    with pytest.raises(MocapError) as caught:
        call(clip, folder, tmp_path)
    message = str(caught.value)
    assert not FLAG.search(message), message
    assert cli_text.replace("{c}", str(clip)) in with_flags(message)


def test_a_full_disk_message_points_at_the_output_option(tmp_path: Path) -> None:
    message = str(write_error(OSError(errno.ENOSPC, "No space left on device"), tmp_path / "a"))
    assert not FLAG.search(message), message
    assert with_flags(message).endswith("free some space or choose another --out.")


def test_the_command_shows_the_options(tmp_path: Path) -> None:
    _, folder = _inputs(tmp_path)
    r = CliRunner().invoke(app, [str(folder), "--out", str(tmp_path / "o.glb")])
    assert r.exit_code == 2
    assert r.output.strip() == (
        "error: with several inputs or a folder, --out must be one folder (no suffix); "
        "pick the formats with --out-format glb,npz."
    )
