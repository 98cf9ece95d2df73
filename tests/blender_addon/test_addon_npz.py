"""Install the built extension and import a cliffmocap .npz with a user-supplied SMPL model."""

import addon_synthetic as syn
import pytest
from addon_checks import PIXEL_TOL, POSITION_TOL_M, person_errors
from addon_harness import run_probe, write_tiny_video

pytestmark = pytest.mark.blender

SPANS = [(2, 0, 49), (5, 12, 37), (9, 30, 49)]  # 3 people, 50 frames at 29.97 fps


@pytest.fixture(scope="module")
def npz_run(addon_zip, tmp_path_factory):
    work = tmp_path_factory.mktemp("npz")
    model = syn.make_model(seed=3)
    case = syn.make_case(SPANS, num_frames=50, seed=4)
    syn.write_model_pkl(model, work / "SMPL_NEUTRAL.pkl")
    syn.write_model_npz(model, work / "smpl_model.npz")
    motion = work / "dance.npz"
    syn.write_motion_npz(case, motion)
    write_tiny_video(work / "dance.mp4", frames=case.num_frames)  # found next to the result
    jobs = [
        {"name": "pkl", "filepath": str(motion), "smpl_pref": str(work / "SMPL_NEUTRAL.pkl")},
        {
            "name": "npz_model_subset",
            "filepath": str(motion),
            "options": {"smpl_model": str(work / "smpl_model.npz"), "track_ids": "5"},
        },
    ]
    result = run_probe(addon_zip, jobs, work)
    return {job["name"]: job for job in result["jobs"]}, case, model


def test_people_scene_and_camera(npz_run):
    jobs, case, _ = npz_run
    job = jobs["pkl"]
    assert job["result"] == ["FINISHED"], job["error"]
    assert job["armatures"] == ["person_2", "person_5", "person_9"]
    assert job["track_ids"] == [2, 5, 9]
    assert job["meshes"] == ["person_2_body", "person_5_body", "person_9_body"]
    for bones in job["bones"]:
        assert sorted(bones) == sorted(syn.JOINT_NAMES)
    assert job["fps"] / job["fps_base"] == pytest.approx(30000 / 1001, rel=1e-6)
    assert (job["frame_start"], job["frame_end"]) == (0, case.num_frames - 1)
    assert job["camera"] == "video_camera" and job["sensor_fit"] == "VERTICAL"
    assert job["resolution"] == [case.width, case.height]
    [bg] = job["background"]
    assert bg["clip"].endswith("dance.mp4") and bg["clip_frame_start"] == 0


def test_joints_vertices_projection_and_hidden_frames(npz_run):
    jobs, case, model = npz_run
    for i, person in enumerate(case.people):
        err = person_errors(jobs["pkl"], i, case, model, person)
        assert err["joints"] < POSITION_TOL_M, (person.track_id, err)
        assert err["vertices"] < POSITION_TOL_M, (person.track_id, err)
        assert err["pixels"] < PIXEL_TOL, (person.track_id, err)
        assert err["hidden_spread"] < 1e-6, (person.track_id, err)
    assert sum(case.num_frames - len(p.frames) for p in case.people) > 0


def test_npz_model_override_and_track_selection(npz_run):
    jobs, case, model = npz_run
    job = jobs["npz_model_subset"]
    assert job["result"] == ["FINISHED"], job["error"]
    assert job["armatures"] == ["person_5"]
    err = person_errors(job, 0, case, model, case.people[1])
    assert err["joints"] < POSITION_TOL_M, err
    assert err["hidden_frames"] == 50 - 26 and err["hidden_spread"] < 1e-6, err
