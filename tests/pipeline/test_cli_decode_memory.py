"""``--decode-memory-mb``: the decode memory budget (``PipelineConfig.decode_memory_mb``, MiB)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from mocap.cli import app
from mocap.cli_run import with_flags
from mocap.config import PipelineConfig
from mocap.errors import NoPeopleFoundError, UsageError

runner = CliRunner()


def budget_seen(monkeypatch, *args: str) -> int:
    """``decode_memory_mb`` of the config the pipeline gets for a run with ``args``."""
    import mocap.batch

    seen = {}

    def capture(job, config, **kw):
        seen["config"] = config
        raise NoPeopleFoundError("stop here")

    monkeypatch.setattr(mocap.batch, "process_video", capture)
    r = runner.invoke(app, list(args))
    assert r.exit_code == 1 and "stop here" in r.output, r.output
    return seen["config"].decode_memory_mb


def test_the_budget_reaches_the_config(
    clip: Path, tmp_path: Path, model_home: Path, monkeypatch, single_in_process
) -> None:
    out = str(tmp_path / "a.npz")
    assert budget_seen(monkeypatch, str(clip), "--out", out, "--decode-memory-mb", "96") == 96
    default = budget_seen(monkeypatch, str(clip), "--out", out)
    assert default == PipelineConfig().decode_memory_mb == 512


@pytest.mark.parametrize("value", ["0", "-5", "1.5", "lots"])
def test_a_bad_budget_is_one_usage_line(clip: Path, tmp_path: Path, value: str) -> None:
    r = runner.invoke(
        app, [str(clip), "--out", str(tmp_path / "a.npz"), "--decode-memory-mb", value]
    )
    assert r.exit_code == 2
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "--decode-memory-mb" in lines[0]
    assert not (tmp_path / "a.npz").exists()


def test_the_settings_message_names_the_option() -> None:
    with pytest.raises(UsageError) as caught:
        PipelineConfig(decode_memory_mb=0)
    assert with_flags(str(caught.value)) == "--decode-memory-mb must be >= 1, got 0."


def test_help_gives_the_unit() -> None:
    r = runner.invoke(app, ["--help"], terminal_width=200)
    assert r.exit_code == 0
    line = next(x for x in r.output.splitlines() if "--decode-memory-mb" in x)
    assert "MiB" in line
