"""The add-on's numpy-only modules, tested without bpy (they also run where Blender is absent)."""

import pickle
import sys

import addon_synthetic as syn
import numpy as np
import pytest
from addon_harness import load_addon_module
from scipy.spatial.transform import Rotation

from mocap import smplfile
from mocap.testing import synthetic

smpl_model = load_addon_module("smpl_model")
rotations = load_addon_module("rotations")
keyframes = load_addon_module("keyframes")
capture_job = load_addon_module("capture_job")
errors = load_addon_module("errors")


def test_rotations_match_scipy():
    rng = np.random.default_rng(5)
    rotvec = rng.normal(scale=2.0, size=(500, 3))
    rotvec[0], rotvec[1] = 0.0, [1e-12, 0.0, 0.0]  # identity and the small-angle branch
    expected = Rotation.from_rotvec(rotvec)
    mats = rotations.axis_angle_to_matrix(rotvec)
    assert np.abs(mats - expected.as_matrix()).max() < 1e-12
    quat = rotations.matrix_to_quaternion(mats)
    ref = expected.as_quat()[:, [3, 0, 1, 2]]  # scipy (x, y, z, w) -> Blender (w, x, y, z)
    assert np.minimum(np.abs(quat - ref).max(1), np.abs(quat + ref).max(1)).max() < 1e-12


def test_sign_continuity_removes_flips_only():
    rng = np.random.default_rng(6)
    q = Rotation.from_rotvec(np.cumsum(rng.normal(scale=0.3, size=(50, 3)), 0)).as_quat()
    flipped = q * rng.choice([-1.0, 1.0], size=(50, 1))
    fixed = rotations.make_sign_continuous(flipped)
    assert (np.sum(fixed[1:] * fixed[:-1], axis=1) >= 0).all()
    assert np.allclose(np.abs(np.sum(fixed * q, axis=1)), 1.0)  # same rotations


def test_cv_to_blender_axes():
    assert rotations.CV_TO_BLENDER @ np.array([1.0, 2.0, 3.0]) == pytest.approx([1.0, 3.0, -2.0])


def test_visibility_keys_cover_gaps_and_ends():
    keys, values = keyframes.visibility_keys(np.array([3, 4, 5, 8, 9]), 12)
    assert keys.tolist() == [0, 3, 6, 8, 10]
    assert values.tolist() == [0, 1, 0, 1, 0]
    keys, values = keyframes.visibility_keys(np.arange(12), 12)
    assert keys.tolist() == [0] and values.tolist() == [1]


@pytest.mark.parametrize("suffix", [".pkl", ".npz"])
def test_smpl_reader_equals_the_pipeline_reader(tmp_path, suffix):
    raw = synthetic.make_synthetic_smpl()
    path = tmp_path / f"SMPL_NEUTRAL{suffix}"
    (synthetic.write_smpl_pkl if suffix == ".pkl" else synthetic.write_smpl_npz)(path, raw)
    ours = smpl_model.load_smpl_model(path)
    theirs = smplfile.read_body_model_data(path)
    for a, b in [
        (ours.v_template, theirs.v_template), (ours.shapedirs, theirs.shapedirs),
        (ours.j_regressor, theirs.j_regressor), (ours.weights, theirs.weights),
        (ours.faces, theirs.faces), (ours.parents, theirs.parents),
    ]:  # fmt: skip
        assert a.shape == b.shape and np.array_equal(a, b)


def test_smpl_reader_shapes_like_smpl(tmp_path):
    model = syn.make_model()
    syn.write_model_pkl(model, tmp_path / "m.pkl")
    betas = np.linspace(-1, 1, 10)
    verts, joints = smpl_model.load_smpl_model(tmp_path / "m.pkl").shaped(betas)
    exp_v, exp_j = syn.shaped(model, betas)
    assert np.abs(verts - exp_v).max() < 1e-12 and np.abs(joints - exp_j).max() < 1e-12


@pytest.mark.parametrize(
    "payload",
    [
        b"cos\nsystem\n(S'echo hi'\ntR.",  # protocol 0: os.system('echo hi')
        b"cbuiltins\neval\n(S'1+1'\ntR.",
        b"csubprocess\nPopen\n(S'ls'\ntR.",
        b"cchumpy.ch\nAdd\n)R.",  # chumpy expression nodes are not plain arrays
    ],
)
def test_smpl_pickle_with_other_globals_is_refused(tmp_path, payload):
    path = tmp_path / "evil.pkl"
    path.write_bytes(payload)
    with pytest.raises(errors.ImportFailed, match="forbidden global"):
        smpl_model.load_smpl_model(path)


def test_smpl_reader_rejects_non_models(tmp_path):
    (tmp_path / "list.pkl").write_bytes(pickle.dumps([1, 2, 3], protocol=2))
    with pytest.raises(errors.ImportFailed, match="not a dict"):
        smpl_model.load_smpl_model(tmp_path / "list.pkl")
    small = {
        "v_template": np.zeros((4, 3)),
        "shapedirs": np.zeros((4, 3, 10)),
        "J_regressor": np.zeros((24, 4)),
        "weights": np.zeros((4, 23)),
        "f": np.zeros((1, 3)),
    }
    np.savez(tmp_path / "small.npz", **small)
    with pytest.raises(errors.ImportFailed, match="unexpected shapes"):
        smpl_model.load_smpl_model(tmp_path / "small.npz")
    with pytest.raises(errors.ImportFailed, match="not found"):
        smpl_model.load_smpl_model(tmp_path / "absent.pkl")


def test_capture_job_reports_progress_and_failure(tmp_path):
    script = tmp_path / "fake.py"
    script.write_text(
        "import sys\nprint('decoding 40%', flush=True)\nprint('boom', flush=True)\nsys.exit(2)\n"
    )
    job = capture_job.CaptureJob(
        f"{sys.executable} {script}", tmp_path / "v.mp4", tmp_path / "o.glb"
    )
    assert job.wait(timeout=60) == 2
    assert job.percent == 40.0
    assert "exited with code 2" in job.failure_message(2) and "boom" in job.failure_message(2)
    assert job.argv[-2:] == ["--out", str(tmp_path / "o.glb")]


def test_capture_job_refuses_an_empty_command(tmp_path):
    with pytest.raises(ValueError, match="empty"):
        capture_job.CaptureJob("  ", tmp_path / "v.mp4", tmp_path / "o.glb")


def test_npz_import_without_a_model_says_none_is_set(tmp_path):
    with pytest.raises(Exception) as caught:
        smpl_model.load_smpl_model("")
    assert type(caught.value).__name__ == "ImportFailed"
    message = str(caught.value)
    assert message.startswith("no SMPL model file is set; importing a .npz needs one.")
    assert "'.'" not in message
    with pytest.raises(Exception, match=r"SMPL model file not found: '.*missing\.pkl'"):
        smpl_model.load_smpl_model(tmp_path / "missing.pkl")
