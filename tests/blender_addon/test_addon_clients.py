"""Video frame i lands at Blender frame i through every path: the add-on importing the real
exporters' .glb, .fbx and per-span .bvh files of a person who enters at video frame 20 (29.97 fps,
so the FBX importer's integer-fps timing is exercised too).

Expectations are this suite's own forward kinematics of the synthetic motion; the motion turns
about 22 degrees per frame, so a one-frame (or a 30/29.97 fraction of a frame) shift is metres or
centimetres off, far outside the tolerances.
"""

import addon_synthetic as syn
import numpy as np
import pytest
from addon_checks import POSITION_TOL_M, person_errors
from addon_harness import run_probe, write_tiny_video
from test_addon_exporters import _motion_set

import exporters
from mocap.testing import synthetic

pytestmark = pytest.mark.blender

LATE, EARLY = 5, 8
SPANS = [(LATE, 20, 39), (EARLY, 0, 39)]  # person 5 enters at video frame 20
NUM_FRAMES = 40
#: BVH stores centimetres with limited digits (tests/exporters: the same bound).
BVH_TOL_M = 5e-5


@pytest.fixture(scope="module")
def imported(addon_zip, tmp_path_factory):
    work = tmp_path_factory.mktemp("clients")
    raw = synthetic.make_synthetic_smpl()
    case = syn.make_case(SPANS, num_frames=NUM_FRAMES, seed=3)
    video = work / "clip.mp4"
    write_tiny_video(video, frames=NUM_FRAMES)
    motion = _motion_set(case, synthetic.synthetic_smpl_model_data(), video)
    exporters.write(motion, work / "result.glb")
    exporters.write(motion, work / "result.fbx")
    bvh = exporters.write(motion, work / "result.bvh", span="spans")
    assert sorted(p.name for p in bvh) == ["result_person5_from20.bvh", "result_person8_from0.bvh"]
    track = exporters.write(motion, work / "track.bvh", person=LATE)  # no frame in its name
    jobs = [
        {"name": "glb", "filepath": str(work / "result.glb"), "vertices": False},
        {"name": "fbx", "filepath": str(work / "result.fbx"), "vertices": False},
        {"name": "fbx_one", "filepath": str(work / "result.fbx"), "vertices": False,
         "options": {"track_ids": str(LATE), "import_camera": False}},
        {"name": "bvh_late", "filepath": str(work / "result_person5_from20.bvh")},
        {"name": "bvh_early", "filepath": str(work / "result_person8_from0.bvh")},
        {"name": "bvh_given", "filepath": str(track[0]), "options": {"first_frame": 20}},
    ]  # fmt: skip
    for job in jobs:
        job.setdefault("vertices", False)
    result = run_probe(addon_zip, jobs, work)
    model = {k: np.asarray(raw[k], dtype=np.float64) for k in ("v_template", "shapedirs")}
    model["J_regressor"] = np.asarray(raw["J_regressor"], dtype=np.float64)
    model["weights"] = np.asarray(raw["weights"], dtype=np.float64)
    return {j["name"]: j for j in result["jobs"]}, case, model


@pytest.mark.parametrize("fmt", ["glb", "fbx"])
def test_glb_and_fbx_put_video_frame_i_at_blender_frame_i(imported, fmt):
    jobs, case, model = imported
    job = jobs[fmt]
    assert job["result"] == ["FINISHED"], job["error"]
    assert job["armatures"] == [f"person_{LATE}", f"person_{EARLY}"]
    assert job["track_ids"] == [LATE, EARLY]
    assert job["fps"] / job["fps_base"] == pytest.approx(30000 / 1001, rel=1e-6)
    assert (job["frame_start"], job["frame_end"]) == (0, NUM_FRAMES - 1)
    for i, person in enumerate(case.people):
        err = person_errors(job, i, case, model, person)
        assert err["joints"] < POSITION_TOL_M, (fmt, person.track_id, err)
        assert err["hidden_spread"] < 1e-6, (fmt, person.track_id, err)  # not there before 20
    assert jobs["fbx_one"]["error"] is None, jobs["fbx_one"]["error"]
    assert jobs["fbx_one"]["armatures"] == [f"person_{LATE}"]
    assert jobs["fbx_one"]["camera"] is None


def _bvh_errors(job, person, model) -> tuple[list, float]:
    """Scene frame range and the max joint error, Blender frame f against video frame f."""
    names = job["bones"][0]
    heads = job["arrays"]["heads_0"][:, [names.index(n) for n in syn.JOINT_NAMES]]
    frames = np.arange(job["frame_start"], job["frame_end"] + 1)
    expected = syn.camera_joints(model, person) @ syn.M.T  # rows = person.frames
    rows = np.searchsorted(person.frames, frames)
    return [int(frames[0]), int(frames[-1])], float(np.abs(heads - expected[rows]).max())


@pytest.mark.parametrize(
    ("name", "index", "frames"),
    [("bvh_late", 0, [20, 39]), ("bvh_early", 1, [0, 39]), ("bvh_given", 0, [20, 39])],
)
def test_bvh_puts_video_frame_i_at_blender_frame_i(imported, name, index, frames):
    jobs, case, model = imported
    job = jobs[name]
    assert job["result"] == ["FINISHED"], job["error"]
    person = case.people[index]
    named = name != "bvh_given"  # the per-span names carry the track id, track.bvh does not
    assert job["track_ids"] == [person.track_id if named else -1]
    span, err = _bvh_errors(job, person, model)
    assert span == frames
    assert err < BVH_TOL_M, (name, err)
    assert job["fps"] / job["fps_base"] == pytest.approx(30000 / 1001, rel=1e-6)
