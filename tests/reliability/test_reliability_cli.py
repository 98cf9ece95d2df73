"""The command as a user meets it (a real process; only the models are stand-ins): every mistake
or hostile input is one ``error:`` line with the documented exit code, never a usage block,
traceback or third-party warning; ``--timeout`` holds for a single video."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _hostile import placeholder_model_home, write_video

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def cli(tmp_path: Path, *args: object, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(HERE)])
    env["CLIFFMOCAP_HOME"] = str(placeholder_model_home(tmp_path / "models"))
    env.pop("CLIFFMOCAP_DEBUG", None)
    code = f"import _hostile; _hostile.cli_main({[str(a) for a in args]!r})"
    return subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=tmp_path,
        check=False,
    )


def one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def test_a_file_name_starting_with_dash(tmp_path: Path) -> None:
    write_video(tmp_path / "-dash.mp4")
    done = cli(tmp_path, "-dash.mp4", "--out", "a.npz")
    assert done.returncode == 2
    line = one_error_line(done)
    assert "a file name that starts with '-' goes after '--'" in line
    done = cli(tmp_path, "--out", "a.npz", "--", "-dash.mp4")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "a.npz").is_file() and "1 person, 6 frames" in done.stdout


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["clip.mp4", "--out", "a.mp3"], 2, "unsupported output 'a.mp3'"),
        (["clip.mp4", "--out", "noext"], 2, "output 'noext' has no suffix"),
        (["clip.mp4", "--out", "a.npz", "--workers", "0"], 2, "Invalid value for '--workers'"),
        (["clip.mp4", "--out", "a.npz", "--bogus"], 2, "No such option: --bogus"),
        (["pipe.mp4", "--out", "a.npz"], 1, "pipe.mp4 is not a regular file"),
        (["missing.mp4", "--out", "a.npz"], 1, "input video not found: missing.mp4"),
    ],
    ids=["suffix", "noext", "bad-value", "bad-option", "fifo", "missing"],
)
def test_command_line_mistakes_are_one_line(
    tmp_path: Path, args: list[str], code: int, words: str
) -> None:
    write_video(tmp_path / "clip.mp4")
    os.mkfifo(tmp_path / "pipe.mp4")
    done = cli(tmp_path, *args)
    assert done.returncode == code
    assert words in one_error_line(done)
    assert not (tmp_path / "noext").exists()


def test_no_warning_text_reaches_the_terminal(tmp_path: Path) -> None:
    write_video(tmp_path / "noisy.mp4")  # numpy overflows and a library warns in the worker
    done = cli(tmp_path, "noisy.mp4", "--out", "a.npz")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert (tmp_path / "a.npz").is_file()


@pytest.mark.slow
def test_timeout_holds_for_a_single_video(tmp_path: Path) -> None:
    write_video(tmp_path / "hang.mp4")  # hangs in the pipeline (like a decoder in native code)
    t0 = time.monotonic()
    done = cli(tmp_path, "hang.mp4", "--out", "a.npz", "--timeout", "3")
    assert time.monotonic() - t0 < 60
    assert done.returncode == 1
    line = one_error_line(done)
    assert line.startswith("error: hang.mp4: timed out after 3 s and was stopped")
    assert "raise --timeout if the video is long" in line  # the setting shown as its option
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hang.mp4", "models"]


def test_regress_bar_shows_crops_per_second_and_an_estimate_not_a_question_mark() -> None:
    import io

    from rich.console import Console

    from mocap.cli import RichProgress
    from mocap.progress import ProgressEvent

    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=140)
    with RichProgress(console, enabled=True) as bars:
        bars(ProgressEvent("decode", 10, 40, 1.0))
        bars(ProgressEvent("regress", 20, None, 2.0))  # 2 crops per frame so far: ~80 in all
        first = bars._tasks["regress"]
        assert bars._progress.tasks[first].total == 80
        bars(ProgressEvent("decode", 40, 40, 4.0))
        bars(ProgressEvent("regress", 85, None, 5.0))
    text = out.getvalue()
    assert "20/~80" in text and "85/~85" in text
    assert "17.0 crops/s" in text
    assert "/?" not in text


def test_missing_detector_message_reads_in_order(tmp_path: Path) -> None:
    from mocap.config import PipelineConfig
    from mocap.errors import ModelFileError
    from mocap.modelfiles import check_model_files

    with pytest.raises(ModelFileError) as caught:
        check_model_files(PipelineConfig(model_dir=tmp_path))
    (line,) = [x for x in str(caught.value).splitlines() if "person detector" in x]
    assert "releases (https://github.com/ultralytics/assets/releases), then put it in" in line
    assert line.endswith(
        "or give its path in 'detector'; or skip the detector and give the boxes in a file with "
        "'boxes'."
    )
