"""One lookup order for every model file, every problem named at once, options only in the CLI."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from mocap.cli_run import SETTING_FLAGS, with_flags
from mocap.config import PipelineConfig
from mocap.errors import BoxFileError, ModelFileError, ModelFileNotFoundError
from mocap.modelfiles import CHECKPOINT, SMPL, check_model_files, find_model_file


def test_explicit_path_first_then_the_model_folder(tmp_path: Path, monkeypatch) -> None:
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    monkeypatch.chdir(work)
    (home / "c.pt").write_bytes(b"in home")
    assert find_model_file(CHECKPOINT, "c.pt", home).path == home / "c.pt"
    (work / "c.pt").write_bytes(b"in the working directory")
    assert find_model_file(CHECKPOINT, "c.pt", home).path == Path("c.pt")  # explicit wins
    # a path with a folder is never looked up in the model folder
    lookup = find_model_file(CHECKPOINT, "sub/c.pt", home)
    assert lookup.problem is not None and lookup.looked == (Path("sub/c.pt"),)
    # no explicit path: the default name in the model folder
    lookup = find_model_file(SMPL, None, home)
    assert lookup.path == home / SMPL.default_name
    assert "SMPL model not found" in (lookup.problem or "")


def test_every_missing_file_is_one_line(tmp_path: Path) -> None:
    cfg = PipelineConfig(model_dir=tmp_path, boxes=tmp_path / "nope.txt")
    with pytest.raises(ModelFileNotFoundError) as e:
        check_model_files(cfg)
    lines = str(e.value).splitlines()
    assert [line.split(" not found")[0] for line in lines] == [
        "CLIFF checkpoint",
        "SMPL model",
        "box file",
    ]
    assert str(tmp_path / CHECKPOINT.default_name) in lines[0] and "noah-research" in lines[0]
    assert "smpl.is.tue.mpg.de" in lines[1] and "nope.txt" in lines[2]
    assert e.value.path == tmp_path / CHECKPOINT.default_name


def test_only_a_missing_box_file_is_a_box_file_error(tmp_path: Path) -> None:
    for name in (CHECKPOINT.default_name, SMPL.default_name):
        (tmp_path / name).write_bytes(b"x")
    with pytest.raises(BoxFileError, match=r"box file not found: .*nope\.txt.*'boxes'"):
        check_model_files(PipelineConfig(model_dir=tmp_path, boxes=tmp_path / "nope.txt"))


def test_empty_model_files_are_named_before_any_loading(tmp_path: Path) -> None:
    for name in (CHECKPOINT.default_name, SMPL.default_name, "yolo11x.pt"):
        (tmp_path / name).write_bytes(b"")
    with pytest.raises(ModelFileError) as e:
        check_model_files(PipelineConfig(model_dir=tmp_path))
    assert not isinstance(e.value, ModelFileNotFoundError)
    lines = str(e.value).splitlines()
    assert len(lines) == 3 and all("is empty (0 bytes)" in line for line in lines)


def test_detector_weights_found_like_every_other_file(tmp_path: Path) -> None:
    for name in (CHECKPOINT.default_name, SMPL.default_name, "mine.pt"):
        (tmp_path / name).write_bytes(b"x")
    files = check_model_files(PipelineConfig(model_dir=tmp_path, detector="mine.pt"))
    assert files.detector == str((tmp_path / "mine.pt").resolve())
    assert files.checkpoint == tmp_path / CHECKPOINT.default_name


def test_every_setting_the_cli_maps_is_a_setting_and_an_option() -> None:
    import inspect

    from typer.testing import CliRunner

    from mocap.annotate.run import annotate_folder
    from mocap.batch import plan_jobs, run_batch
    from mocap.cli import app

    run_arguments = set(inspect.signature(run_batch).parameters)  # overwrite, timeout_s...
    run_arguments |= set(inspect.signature(plan_jobs).parameters)  # outs, out_format
    annotate_arguments = set(inspect.signature(annotate_folder).parameters)  # j_regressor_extra
    fields = {f.name for f in dataclasses.fields(PipelineConfig)} | run_arguments
    fields |= annotate_arguments
    assert set(SETTING_FLAGS) <= fields
    help_text = CliRunner().invoke(app, ["--help"]).output
    for flag in SETTING_FLAGS.values():
        assert flag in help_text, flag


def test_cli_puts_options_in_place_of_settings() -> None:
    msg = "Try a lower 'det_conf', or give the boxes in a file with 'boxes'; 'unknown' stays."
    assert with_flags(msg) == (
        "Try a lower --det-conf, or give the boxes in a file with --boxes; 'unknown' stays."
    )


def test_cli_names_every_missing_file_with_its_option(tmp_path: Path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from mocap.cli import app

    video = tmp_path / "clip.mp4"
    video.write_bytes(b"not decoded")
    monkeypatch.setenv("CLIFFMOCAP_HOME", str(tmp_path / "empty"))
    r = CliRunner().invoke(app, [str(video), "--out", str(tmp_path / "a.npz")])
    lines = r.output.strip().splitlines()
    assert r.exit_code == 1 and len(lines) == 3 and "Traceback" not in r.output
    assert all(line.startswith("error: ") for line in lines)
    for line, flag in zip(lines, ("--checkpoint", "--smpl", "--detector"), strict=True):
        assert flag in line and "'" + flag.lstrip("-") + "'" not in line
