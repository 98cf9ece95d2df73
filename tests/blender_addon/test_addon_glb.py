"""Install the built extension and import a cliffmocap .glb: people, timing, camera, video."""

import math

import addon_synthetic as syn
import numpy as np
import pytest
from addon_checks import PIXEL_TOL, POSITION_TOL_M, person_errors
from addon_harness import run_probe, write_tiny_video

pytestmark = pytest.mark.blender

# Three people at 29.97 fps: one on every frame, one starting and ending mid-video, one
# starting mid-video; 60 frames.
SPANS = [(1, 0, 59), (4, 10, 44), (7, 25, 59)]


@pytest.fixture(scope="module")
def glb_run(addon_zip, tmp_path_factory):
    work = tmp_path_factory.mktemp("glb")
    model = syn.make_model()
    case = syn.make_case(SPANS)
    write_tiny_video(work / "clip.mp4", frames=case.num_frames)
    glb = work / "motion.glb"
    syn.write_glb(case, model, glb, video_path="/nonexistent/dir/clip.mp4")
    jobs = [
        {"name": "all", "filepath": str(glb)},
        {"name": "subset", "filepath": str(glb), "options": {"track_ids": "7, 1"}},
        {"name": "no_camera", "filepath": str(glb), "options": {"import_camera": False}},
    ]
    result = run_probe(addon_zip, jobs, work)
    return {job["name"]: job for job in result["jobs"]}, case, model, result, work


def test_extension_installs_and_registers_the_operator(glb_run):
    _, _, _, result, _ = glb_run
    assert result["module"] == "bl_ext.user_default.cliffmocap"
    assert result["operator"] is True


def test_one_armature_per_person_with_smpl_bones(glb_run):
    jobs, *_ = glb_run
    job = jobs["all"]
    assert job["result"] == ["FINISHED"], job["error"]
    assert job["armatures"] == ["person_1", "person_4", "person_7"]
    assert job["track_ids"] == [1, 4, 7]
    assert job["meshes"] == ["person_1_body", "person_4_body", "person_7_body"]
    for bones in job["bones"]:
        assert sorted(bones) == sorted(syn.JOINT_NAMES)


def test_joints_vertices_and_projection_match_numpy_fk(glb_run):
    jobs, case, model, _, _ = glb_run
    for i, person in enumerate(case.people):
        err = person_errors(jobs["all"], i, case, model, person)
        assert err["joints"] < POSITION_TOL_M, (person.track_id, err)
        assert err["vertices"] < POSITION_TOL_M, (person.track_id, err)
        assert err["pixels"] < PIXEL_TOL, (person.track_id, err)


def test_frames_outside_a_track_collapse_to_one_point(glb_run):
    jobs, case, model, _, _ = glb_run
    hidden_total = 0
    for i, person in enumerate(case.people):
        err = person_errors(jobs["all"], i, case, model, person)
        hidden_total += err["hidden_frames"]
        assert err["hidden_spread"] < 1e-6, (person.track_id, err)
    assert hidden_total == (10 + 15) + 25  # the test really covers hidden frames


def test_ntsc_frame_rate_and_frame_range(glb_run):
    jobs, case, _, _, _ = glb_run
    job = jobs["all"]
    assert job["fps"] == 30
    assert job["fps"] / job["fps_base"] == pytest.approx(30000 / 1001, rel=1e-6)
    assert (job["frame_start"], job["frame_end"]) == (0, case.num_frames - 1)


def test_camera_intrinsics_and_video_background(glb_run):
    jobs, case, *_ = glb_run
    job = jobs["all"]
    assert job["camera"].startswith("video_camera")
    assert job["sensor_fit"] == "VERTICAL"
    assert job["resolution"] == [case.width, case.height]
    # fx = 520, fy = 500: pixel aspect x:y = fy:fx
    assert job["pixel_aspect"][0] / job["pixel_aspect"][1] == pytest.approx(case.fy / case.fx)
    # The recorded video path does not exist; the same name next to the .glb is used.
    [bg] = job["background"]
    assert bg["source"] == "MOVIE_CLIP"
    assert bg["clip"].endswith("clip.mp4") and bg["clip_frame_start"] == 0
    assert math.isfinite(job["fps_base"])


def test_track_id_selection_keeps_only_those_people(glb_run):
    jobs, case, model, _, _ = glb_run
    job = jobs["subset"]
    assert job["result"] == ["FINISHED"], job["error"]
    assert job["armatures"] == ["person_1", "person_7"]
    assert job["meshes"] == ["person_1_body", "person_7_body"]
    by_id = {p.track_id: p for p in case.people}
    for i, tid in enumerate(job["track_ids"]):
        err = person_errors(job, i, case, model, by_id[tid])
        assert err["joints"] < POSITION_TOL_M, (tid, err)


def test_camera_option_off_leaves_no_camera(glb_run):
    jobs, *_ = glb_run
    job = jobs["no_camera"]
    assert job["result"] == ["FINISHED"], job["error"]
    assert job["camera"] is None
    assert len(job["armatures"]) == 3


# A grounded export: the camera 1.7 m above the floor, pitched down 20 degrees, rolled 3 degrees,
# turned 30 degrees about the vertical; the people in that world.
WORLD_FROM_CAMERA = np.eye(4)
WORLD_FROM_CAMERA[:3, :3] = (
    syn.Rotation.from_euler("y", 30, degrees=True)
    * syn.Rotation.from_euler("x", 180 - 20, degrees=True)
    * syn.Rotation.from_euler("z", 3, degrees=True)
).as_matrix()
WORLD_FROM_CAMERA[:3, 3] = [0.4, 1.7, -0.2]


@pytest.fixture(scope="module")
def world_run(addon_zip, tmp_path_factory):
    work = tmp_path_factory.mktemp("glb_world")
    model = syn.make_model()
    case = syn.make_case(SPANS)
    glb = work / "world.glb"
    syn.write_glb(case, model, glb, world_from_camera=WORLD_FROM_CAMERA)
    result = run_probe(addon_zip, [{"name": "world", "filepath": str(glb)}], work)
    return result["jobs"][0], case, model


def test_world_frame_scene_lines_up_through_the_imported_camera(world_run):
    """Reprojection through the imported camera within a pixel, although people and camera
    are in the grounded world and not at the origin."""
    job, case, model = world_run
    assert job["result"] == ["FINISHED"], job["error"]
    a4 = np.eye(4)
    a4[:3, :3] = syn.A
    zup = a4 @ WORLD_FROM_CAMERA
    for i, person in enumerate(case.people):
        err = person_errors(job, i, case, model, person)
        assert err["pixels"] < PIXEL_TOL, (person.track_id, err)
        names = job["bones"][i]
        heads = job["arrays"][f"heads_{i}"][:, [names.index(n) for n in syn.JOINT_NAMES]]
        cam = syn.camera_joints(model, person)
        expected = cam @ zup[:3, :3].T + zup[:3, 3]
        assert np.abs(heads[person.frames] - expected).max() < POSITION_TOL_M
