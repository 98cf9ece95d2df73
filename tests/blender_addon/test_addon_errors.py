"""Bad input gives a Blender error report (no traceback) and leaves nothing in the scene."""

import json
import struct

import addon_synthetic as syn
import numpy as np
import pytest
from addon_harness import run_probe

pytestmark = pytest.mark.blender


def _glb_with_json(path, doc: dict) -> None:
    js = json.dumps(doc).encode()
    js += b" " * (-len(js) % 4)
    with open(path, "wb") as f:
        f.write(
            struct.pack("<4sII", b"glTF", 2, 20 + len(js)) + struct.pack("<II", len(js), 0x4E4F534A)
        )
        f.write(js)


@pytest.fixture(scope="module")
def error_run(addon_zip, tmp_path_factory):
    work = tmp_path_factory.mktemp("errors")
    model = syn.make_model()
    case = syn.make_case([(1, 0, 19), (2, 5, 19)], num_frames=20)
    syn.write_glb(case, model, work / "good.glb")
    syn.write_motion_npz(case, work / "good.npz")
    syn.write_model_npz(model, work / "model.npz")
    (work / "garbage.glb").write_bytes(b"\x00garbage\xff" * 50)
    (work / "garbage.npz").write_bytes(b"this is not a zip archive")
    (work / "notes.txt").write_text("hello")
    with open(work / "damaged.glb", "wb") as f:
        f.write(struct.pack("<4sIIII", b"glTF", 2, 40, 20, 0x4E4F534A) + b"{not json" + b" " * 11)
    _glb_with_json(work / "plain.glb", {"asset": {"version": "2.0"}, "scenes": [{"nodes": []}]})
    extras = {
        "schema": "cliffmocap-gltf/1", "fps": 25.0, "num_frames": 10, "image_width": 64,
        "image_height": 48, "fx": 50.0, "fy": 50.0, "cx": 32.0, "cy": 24.0, "people": [],
    }  # fmt: skip
    _glb_with_json(
        work / "gltf_version_1.glb",
        {"asset": {"version": "1.0"}, "scenes": [{"nodes": [], "extras": extras}]},
    )  # fmt: skip
    np.savez(work / "other_schema.npz", schema=np.array("someone-else/3"), fps=np.array(30.0))
    np.savez(work / "object_array.npz", schema=np.array(["cliffmocap/1", None], dtype=object))
    np.savez(work / "not_smpl.npz", v_template=np.zeros((5, 3)))
    marker = work / "pwned"
    syn.write_evil_pkl(work / "evil.pkl", marker)
    good_glb, good_npz = str(work / "good.glb"), str(work / "good.npz")
    jobs = [
        ("missing", str(work / "nope.glb"), {}, "", "file not found"),
        ("garbage_glb", str(work / "garbage.glb"), {}, "", "not a binary glTF"),
        ("damaged_glb", str(work / "damaged.glb"), {}, "", "damaged glTF JSON"),
        ("plain_glb", str(work / "plain.glb"), {}, "", "no cliffmocap scene extras"),
        ("gltf_version_1", str(work / "gltf_version_1.glb"), {}, "", "glTF importer failed"),
        ("unknown_track", good_glb, {"track_ids": "1, 99"}, "", "track ids [99] are not in"),
        ("bad_track_text", good_glb, {"track_ids": "one"}, "", "expected integers"),
        ("garbage_npz", str(work / "garbage.npz"), {}, "", "cannot read"),
        ("other_schema", str(work / "other_schema.npz"), {}, "", "expected 'cliffmocap/1'"),
        ("object_array", str(work / "object_array.npz"), {}, "", "allow_pickle"),
        ("no_model", good_npz, {}, "", "no SMPL model file is set"),
        ("evil_pkl", good_npz, {}, str(work / "evil.pkl"), "forbidden global"),
        ("not_smpl", good_npz, {"smpl_model": str(work / "not_smpl.npz")}, "", "lacks"),
        ("txt", str(work / "notes.txt"), {}, "", "unsupported file"),
    ]
    spec = [
        {"name": n, "filepath": f, "options": o, "smpl_pref": pref} for n, f, o, pref, _ in jobs
    ]
    result = run_probe(addon_zip, spec, work)
    expected = {n: msg for n, *_, msg in jobs}
    return result, expected, marker


def test_every_bad_input_is_an_error_report(error_run):
    result, expected, _ = error_run
    assert [j["name"] for j in result["jobs"]] == list(expected)
    for job in result["jobs"]:
        assert job["result"] is None, job["name"]
        assert job["error"] and expected[job["name"]] in job["error"], (job["name"], job["error"])
        assert "Traceback" not in job["error"], job["name"]
    assert "Traceback" not in result["stderr"]


def test_failed_imports_leave_the_scene_empty(error_run):
    result, _, _ = error_run
    for job in result["jobs"]:
        # The probe starts every job at 24 fps, frames 1..250; a failed import restores them.
        assert (job["fps"], job["fps_base"]) == (24, 1.0), job["name"]
        assert (job["frame_start"], job["frame_end"]) == (1, 250), job["name"]
        assert job["objects_before"] == 0
        assert job["objects"] == 0, job["name"]
        assert job["armatures"] == [] and job["camera"] is None, job["name"]


def test_malicious_smpl_pickle_is_not_executed(error_run):
    _, _, marker = error_run
    assert not marker.exists()
