"""'cliffmocap from Video': runs the command in a subprocess (blocking in background mode)
and imports what it writes; a failing command becomes an error report."""

import sys

import addon_synthetic as syn
import pytest
from addon_checks import POSITION_TOL_M, person_errors
from addon_harness import HERE, run_probe, write_tiny_video

pytestmark = pytest.mark.blender


@pytest.fixture(scope="module")
def capture_run(addon_zip, tmp_path_factory):
    work = tmp_path_factory.mktemp("capture")
    model = syn.make_model()
    case = syn.make_case([(3, 0, 29), (8, 5, 20)], num_frames=30)
    source = work / "made_by_cliffmocap.glb"
    syn.write_glb(case, model, source)
    video = work / "walk.mp4"
    write_tiny_video(video, frames=case.num_frames)
    command = f"{sys.executable} {HERE / 'addon_fake_cliffmocap.py'}"
    out_dir = work / "out"

    def job(name, extra, command=command):
        return {
            "name": name,
            "operator": "cliffmocap_video",
            "filepath": str(video),
            "options": {
                "extra_args": f"--fake-source {source} {extra}",
                "output_dir": str(out_dir),
            },
            "prefs": {"cliffmocap_command": command},
        }

    jobs = [
        job("ok", ""),
        job("fails", "--fake-exit 3"),
        job("no_command", "", command=str(work / "missing" / "cliffmocap")),
    ]
    result = run_probe(addon_zip, jobs, work)
    return {j["name"]: j for j in result["jobs"]}, case, model, out_dir


def test_capture_runs_the_command_and_imports_its_result(capture_run):
    jobs, case, model, out_dir = capture_run
    job = jobs["ok"]
    assert job["result"] == ["FINISHED"], job["error"]
    assert (out_dir / "walk_cliffmocap_result.glb").is_file()
    assert job["armatures"] == ["person_3", "person_8"]
    for i, person in enumerate(case.people):
        assert person_errors(job, i, case, model, person)["joints"] < POSITION_TOL_M


def test_failing_command_is_an_error_report_with_its_output(capture_run):
    jobs, *_ = capture_run
    job = jobs["fails"]
    assert job["result"] is None and job["objects"] == 0
    assert "exited with code 3" in job["error"] and "no people found" in job["error"]


def test_missing_command_is_an_error_report(capture_run):
    jobs, *_ = capture_run
    job = jobs["no_command"]
    assert job["result"] is None and job["objects"] == 0
    assert "cannot start cliffmocap" in job["error"]
