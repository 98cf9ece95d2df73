"""The add-on imports what the real exporters write (.glb and .npz) for the synthetic humanoid.

The SMPL-format model comes from ``mocap.testing.synthetic`` (6890 vertices, py2-style pickle with
chumpy/scipy stand-ins, exactly the shape of the licensed file); the expectations come from this
test's own scipy forward kinematics and skinning, not from the exporters or the add-on.
"""

from pathlib import Path

import addon_synthetic as syn
import numpy as np
import pytest
from addon_checks import PIXEL_TOL, POSITION_TOL_M, person_errors
from addon_harness import REPO, run_probe, write_tiny_video

import exporters
from mocap.testing import synthetic
from mocap.testing.demo_motion import demo_motion

pytestmark = pytest.mark.blender

SPANS = [(3, 0, 39), (6, 8, 31)]  # 2 people, 40 frames at 29.97 fps, one enters and leaves


def _motion_set(case, model_data, video: Path):
    from mocap.types import CameraIntrinsics, MotionSet, Provenance, SmplSequence, VideoInfo

    people = []
    for p in case.people:
        n = len(p.frames)
        people.append(
            SmplSequence(
                track_id=p.track_id, frames=p.frames, times=p.frames / case.fps,
                global_orient=p.pose[:, 0], body_pose=p.pose[:, 1:], betas=p.betas,
                transl=p.transl, observed=np.ones(n, bool),
                boxes=np.tile([10.0, 20.0, 110.0, 220.0], (n, 1)), scores=np.full(n, 0.9),
            )
        )  # fmt: skip
    return MotionSet(
        video=VideoInfo(path=video, width=case.width, height=case.height, fps=case.fps,
                        num_frames=case.num_frames),
        camera=CameraIntrinsics(fx=case.fx, fy=case.fy, cx=case.cx, cy=case.cy,
                                width=case.width, height=case.height),
        people=tuple(people),
        frame_times=np.arange(case.num_frames) / case.fps,
        body=model_data,
        provenance=Provenance(variant="hr48", checkpoint_sha256="ab" * 32, version="0.1.0"),
    )  # fmt: skip


def _case_from_motion(motion) -> syn.Case:
    """This suite's view of a MotionSet (what person_errors compares against)."""
    cam = motion.camera
    people = [
        syn.Person(p.track_id, p.frames, np.concatenate([p.global_orient[:, None], p.body_pose], 1),
                   p.transl, p.betas)
        for p in motion.people
    ]  # fmt: skip
    return syn.Case(motion.fps, motion.num_frames, cam.width, cam.height, cam.fx, cam.fy,
                    cam.cx, cam.cy, people)  # fmt: skip


@pytest.fixture(scope="module")
def exporters_run(addon_zip, tmp_path_factory):
    work = tmp_path_factory.mktemp("exporters")
    raw = synthetic.make_synthetic_smpl()
    synthetic.write_smpl_pkl(work / "SMPL_NEUTRAL.pkl", raw)
    case = syn.make_case(SPANS, num_frames=40, seed=11)
    video = work / "clip.mp4"
    write_tiny_video(video, frames=case.num_frames)
    motion = _motion_set(case, synthetic.synthetic_smpl_model_data(), video)
    exporters.write(motion, work / "result.glb")
    exporters.write(motion, work / "result.npz")
    jobs = [
        {"name": "glb", "filepath": str(work / "result.glb")},
        {"name": "npz", "filepath": str(work / "result.npz"),
         "smpl_pref": str(work / "SMPL_NEUTRAL.pkl")},
    ]  # fmt: skip
    samples = REPO / "samples"  # the shipped (committed) sample files
    # Joints only (120 frames of 6890-vertex meshes would dominate the run time).
    jobs.append({"name": "sample_glb", "filepath": str(samples / "demo.glb"), "vertices": False})
    jobs.append({"name": "sample_npz", "filepath": str(samples / "demo.npz"),
                 "smpl_pref": str(work / "SMPL_NEUTRAL.pkl"), "vertices": False})  # fmt: skip
    result = run_probe(addon_zip, jobs, work)
    model = {k: np.asarray(raw[k], dtype=np.float64) for k in ("v_template", "shapedirs")}
    model["J_regressor"] = np.asarray(raw["J_regressor"], dtype=np.float64)
    model["weights"] = np.asarray(raw["weights"], dtype=np.float64)
    return {j["name"]: j for j in result["jobs"]}, case, model, video


@pytest.mark.parametrize("fmt", ["glb", "npz"])
def test_exported_file_imports_exactly(exporters_run, fmt):
    jobs, case, model, video = exporters_run
    job = jobs[fmt]
    assert job["result"] == ["FINISHED"], job["error"]
    assert job["armatures"] == ["person_3", "person_6"]
    assert job["fps"] / job["fps_base"] == pytest.approx(30000 / 1001, rel=1e-6)
    assert (job["frame_start"], job["frame_end"]) == (0, case.num_frames - 1)
    [bg] = job["background"]
    assert Path(bg["clip"]) == video  # the absolute path recorded by the exporter
    for i, person in enumerate(case.people):
        err = person_errors(job, i, case, model, person)
        assert err["joints"] < POSITION_TOL_M, (fmt, person.track_id, err)
        assert err["vertices"] < POSITION_TOL_M, (fmt, person.track_id, err)
        assert err["pixels"] < PIXEL_TOL, (fmt, person.track_id, err)
        assert err["hidden_spread"] < 1e-6, (fmt, person.track_id, err)


@pytest.mark.parametrize("fmt", ["glb", "npz"])
def test_shipped_samples_import_exactly(exporters_run, fmt):
    jobs, _, model, _ = exporters_run
    case = _case_from_motion(demo_motion())
    job = jobs[f"sample_{fmt}"]
    assert job["result"] == ["FINISHED"], job["error"]
    assert job["armatures"] == ["person_1", "person_2", "person_3"]
    assert job["fps"] / job["fps_base"] == pytest.approx(30.0)
    assert (job["frame_start"], job["frame_end"]) == (0, case.num_frames - 1)
    for i, person in enumerate(case.people):
        err = person_errors(job, i, case, model, person)
        assert err["joints"] < POSITION_TOL_M, (fmt, person.track_id, err)
        assert err["pixels"] < PIXEL_TOL, (fmt, person.track_id, err)
        assert err["hidden_spread"] < 1e-6, (fmt, person.track_id, err)
