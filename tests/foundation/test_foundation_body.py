"""SMPL model files (safe .pkl without chumpy, .npz) and our LBS forward, checked against smplx."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse
import torch

from mocap.body import SmplBody, load_body_model
from mocap.errors import ModelFileNotFoundError, SmplModelError
from mocap.rotations import axis_angle_to_matrix
from mocap.smplfile import convert_smpl_to_npz, read_smpl_pkl
from mocap.testing.synthetic import write_smpl_npz, write_smpl_pkl


@pytest.fixture(scope="module")
def body_pkl(smpl_files) -> SmplBody:
    return load_body_model(smpl_files["pkl"])


@pytest.fixture(scope="module")
def body_npz(smpl_files) -> SmplBody:
    return load_body_model(smpl_files["npz"])


def _random_params(batch: int, seed: int = 0, dtype=torch.float64):
    rng = np.random.default_rng(seed)
    return (
        torch.tensor(rng.normal(size=(batch, 10)), dtype=dtype),
        torch.tensor(rng.normal(0, 1.0, size=(batch, 3)), dtype=dtype),
        torch.tensor(rng.normal(0, 0.5, size=(batch, 69)), dtype=dtype),
        torch.tensor(rng.normal(size=(batch, 3)), dtype=dtype),
    )


# --- file formats -------------------------------------------------------------------------------


def test_pkl_is_a_py2_chumpy_style_pickle(smpl_files):
    raw = smpl_files["pkl"].read_bytes()
    assert raw[:2] == b"\x80\x02"  # protocol 2
    assert b"cchumpy.ch\nCh\n" in raw  # GLOBAL chumpy.ch Ch, as the downloaded files
    assert b"cscipy.sparse.csc\ncsc_matrix\n" in raw
    # plain pickle cannot read it without chumpy: the reason a restricted unpickler is needed
    with pytest.raises(ModuleNotFoundError, match="chumpy"):
        pickle.loads(raw, encoding="latin1")


def test_pkl_and_npz_load_to_identical_data(smpl_dict, smpl_files, body_pkl, body_npz):
    for name in (
        "v_template",
        "shapedirs",
        "posedirs",
        "j_regressor",
        "weights",
        "faces",
        "parents",
    ):
        assert np.array_equal(getattr(body_pkl.data, name), getattr(body_npz.data, name)), name
    assert np.array_equal(body_pkl.data.v_template, smpl_dict["v_template"])
    assert np.array_equal(body_pkl.data.j_regressor, smpl_dict["J_regressor"])  # sparse densified
    assert body_pkl.data.parents[0] == -1
    assert body_pkl.data.source.endswith("SMPL_NEUTRAL.pkl")
    assert body_pkl.data.source == str(smpl_files["pkl"])
    raw = read_smpl_pkl(smpl_files["pkl"])
    assert raw["bs_type"] == "lrotmin" and raw["pose_training_info"]["seed"] == 0


def test_pkl_and_npz_give_identical_forward(body_pkl, body_npz):
    args = _random_params(3)
    a, b = body_pkl.forward(*args), body_npz.forward(*args)
    assert torch.equal(a.vertices, b.vertices) and torch.equal(a.joints, b.joints)


def test_modern_scipy_sparse_pickle_is_accepted(tmp_path, smpl_dict):
    """Files re-pickled by Python 3 (scipy.sparse._csc, _codecs.encode for bytes) load too."""
    reg = smpl_dict["J_regressor"]
    d = {"J_regressor": scipy.sparse.csc_matrix(reg), "f": smpl_dict["f"][:10]}
    path = tmp_path / "py3.pkl"
    path.write_bytes(pickle.dumps(d, protocol=2))
    assert b"_codecs" in path.read_bytes()
    raw = read_smpl_pkl(path)
    assert np.array_equal(raw["J_regressor"], reg)
    assert np.array_equal(raw["f"], smpl_dict["f"][:10])


def test_convert_to_npz_round_trip_and_atomic(tmp_path, smpl_files, body_pkl):
    out = convert_smpl_to_npz(smpl_files["pkl"], tmp_path / "model.npz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]  # no temp file left
    with np.load(out, allow_pickle=False) as z:
        assert "J_regressor" in z.files and z["J_regressor"].shape == (24, 6890)
        assert str(z["bs_type"]) == "lrotmin"
    converted = load_body_model(out)
    assert np.array_equal(converted.data.posedirs, body_pkl.data.posedirs)


def test_convert_refuses_a_broken_model_and_writes_nothing(tmp_path, smpl_dict):
    bad = {k: v for k, v in smpl_dict.items() if k != "weights"}
    src = write_smpl_pkl(tmp_path / "bad.pkl", bad)
    with pytest.raises(SmplModelError, match="weights"):
        convert_smpl_to_npz(src, tmp_path / "out.npz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.pkl"]


# --- safety -------------------------------------------------------------------------------------


class _RunsCommand:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


class _Evals:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return eval, (f"open({str(self.marker)!r}, 'w').close()",)


@pytest.mark.parametrize("payload", [_RunsCommand, _Evals])
def test_malicious_pickle_is_refused_without_running(tmp_path, smpl_dict, payload):
    marker = tmp_path / "pwned"
    evil = {"v_template": smpl_dict["v_template"], "shapedirs": payload(marker)}
    path = tmp_path / "SMPL_NEUTRAL.pkl"
    path.write_bytes(pickle.dumps(evil, protocol=2))
    # sanity: the payload really runs under a plain pickle.load
    pickle.loads(path.read_bytes())
    assert marker.exists()
    marker.unlink()
    with pytest.raises(SmplModelError) as err:
        load_body_model(path)
    assert not marker.exists()
    msg = str(err.value)
    assert "forbidden global" in msg and str(path) in msg and "\n" not in msg
    assert ("system" in msg) if payload is _RunsCommand else ("eval" in msg)


def test_chumpy_expressions_are_refused_with_a_clear_message(tmp_path):
    # GLOBAL chumpy.ch_ops add, EMPTY_TUPLE, NEWOBJ, STOP: a chumpy expression node
    path = tmp_path / "expr.pkl"
    path.write_bytes(b"\x80\x02cchumpy.ch_ops\nadd\nq\x00)\x81q\x01.")
    with pytest.raises(SmplModelError, match=r"chumpy object chumpy\.ch_ops\.add"):
        load_body_model(path)


def test_pickle_with_non_dict_root_is_refused(tmp_path):
    path = tmp_path / "list.pkl"
    path.write_bytes(pickle.dumps([1, 2, 3], protocol=2))
    with pytest.raises(SmplModelError, match="not a dict"):
        load_body_model(path)


# --- bad input ----------------------------------------------------------------------------------


def test_missing_file_says_where_to_get_smpl(tmp_path):
    path = tmp_path / "nowhere" / "SMPL_NEUTRAL.pkl"
    with pytest.raises(ModelFileNotFoundError) as err:
        load_body_model(path)
    msg = str(err.value)
    assert "\n" not in msg and str(path) in msg
    for needle in (
        "licence",
        "https://smpl.is.tue.mpg.de",
        "SMPL for Python",
        "basicmodel_neutral_lbs_10_207_0_v1.1.0.pkl",
        "'smpl_model'",
        "SMPL_NEUTRAL.pkl",
        "CLIFFMOCAP_HOME",
    ):
        assert needle in msg, needle
    assert err.value.path == path


@pytest.mark.parametrize("suffix", ["pkl", "npz"])
def test_truncated_file_is_refused(tmp_path, smpl_files, suffix):
    src = smpl_files[suffix].read_bytes()
    path = tmp_path / f"cut.{suffix}"
    path.write_bytes(src[: len(src) // 2])
    with pytest.raises(SmplModelError) as err:
        load_body_model(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("suffix", ["pkl", "npz"])
def test_missing_key_is_named(tmp_path, smpl_dict, suffix):
    d = {k: v for k, v in smpl_dict.items() if k != "posedirs"}
    writer = write_smpl_pkl if suffix == "pkl" else write_smpl_npz
    path = writer(tmp_path / f"nokey.{suffix}", d)
    with pytest.raises(SmplModelError, match=r"lacks the key\(s\) posedirs") as err:
        load_body_model(path)
    assert str(path) in str(err.value)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("weights", np.ones((6890, 23)) / 23),
        ("J_regressor", np.ones((24, 6000)) / 6000),
        ("shapedirs", np.zeros((6890, 3, 5))),
        ("f", np.full((10, 3), 7000, dtype=np.uint32)),
    ],
)
def test_wrong_shapes_are_named(tmp_path, smpl_dict, key, value):
    d = dict(smpl_dict)
    d[key] = value
    path = write_smpl_npz(tmp_path / "bad.npz", d)
    with pytest.raises(SmplModelError, match=f"'{key}'"):
        load_body_model(path)


def test_npz_with_pickled_objects_is_refused(tmp_path, smpl_dict):
    path = tmp_path / "objects.npz"
    np.savez(path, v_template=np.array([{"a": 1}], dtype=object))
    with pytest.raises(SmplModelError, match="pickled objects"):
        load_body_model(path)


def test_unknown_suffix_and_non_pickle(tmp_path):
    txt = tmp_path / "model.txt"
    txt.write_text("hello")
    with pytest.raises(SmplModelError, match="unknown suffix"):
        load_body_model(txt)
    junk = tmp_path / "junk.pkl"
    junk.write_bytes(b"this is not a pickle")
    with pytest.raises(SmplModelError, match="cannot be read"):
        load_body_model(junk)


# --- forward ------------------------------------------------------------------------------------


def _smplx_model(npz: Path):
    import smplx  # a core dependency: its absence is a failure, not a skip
    from smplx.utils import Struct

    with np.load(npz, allow_pickle=False) as z:
        struct = Struct(**{k: z[k] for k in z.files})
    return smplx.SMPL(model_path=str(npz.parent), data_struct=struct, dtype=torch.float64)


@pytest.fixture(scope="module")
def exact_pair(smpl_npz_f32_exact):
    return load_body_model(smpl_npz_f32_exact), _smplx_model(smpl_npz_f32_exact)


def test_forward_matches_smplx_axis_angle(exact_pair):
    ours, ref = exact_pair
    betas, go, bp, tr = _random_params(4)
    want = ref(betas=betas, global_orient=go, body_pose=bp, transl=tr)
    got = ours.forward(betas, go, bp, tr)
    assert want.joints.shape == (4, 45, 3)
    # smplx's Rodrigues adds 1e-8 to the rotation vector, hence 1e-6 and not 1e-12
    assert (want.joints[:, :24] - got.joints).abs().max() < 1e-6
    assert (want.vertices - got.vertices).abs().max() < 1e-6


def test_forward_matches_smplx_rotmats_exactly(exact_pair):
    ours, ref = exact_pair
    betas, go, bp, tr = _random_params(3, seed=1)
    rot = axis_angle_to_matrix(torch.cat([go[:, None], bp.reshape(3, 23, 3)], 1))
    want = ref(
        betas=betas, global_orient=rot[:, :1], body_pose=rot[:, 1:], transl=tr, pose2rot=False
    )
    got = ours.forward(betas, rot[:, :1], rot[:, 1:], tr, pose2rot=False)
    assert (want.joints[:, :24] - got.joints).abs().max() < 1e-12
    assert (want.vertices - got.vertices).abs().max() < 1e-12


def test_joints_only_path_gives_the_same_joints(body_npz):
    args = _random_params(5, seed=2)
    full = body_npz.forward(*args)
    fast = body_npz.forward(*args, return_vertices=False)
    assert fast.vertices is None
    assert (full.joints - fast.joints).abs().max() < 1e-12


def test_rest_pose_reproduces_template_and_rest_joints(body_npz):
    betas = torch.tensor(np.random.default_rng(3).normal(size=(2, 10)))
    zero = torch.zeros(2, 3, dtype=torch.float64)
    out = body_npz.forward(betas, zero, torch.zeros(2, 69, dtype=torch.float64))
    shaped = [body_npz.data.shaped_vertices(b) for b in betas.numpy()]
    assert np.abs(out.vertices.numpy() - np.stack(shaped)).max() < 1e-12
    assert np.abs(out.joints.numpy() - body_npz.rest_joints(betas.numpy())).max() < 1e-12
    assert body_npz.rest_joints(np.zeros(10)).shape == (24, 3)


def test_root_rotates_about_the_pelvis_and_transl_adds(body_npz):
    betas = torch.zeros(1, 10, dtype=torch.float64)
    turn = torch.tensor([[0.0, np.pi / 2, 0.0]], dtype=torch.float64)
    transl = torch.tensor([[1.0, 2.0, 3.0]], dtype=torch.float64)
    out = body_npz.forward(betas, turn, torch.zeros(1, 69, dtype=torch.float64), transl)
    rest = body_npz.rest_joints(np.zeros(10))
    # the pelvis stays at J0 + transl; the left hip (+x) turns to -z under +90 deg about y
    assert np.abs(out.joints[0, 0].numpy() - (rest[0] + transl[0].numpy())).max() < 1e-12
    hip = out.joints[0, 1].numpy() - out.joints[0, 0].numpy()
    want = rest[1] - rest[0]
    assert np.abs(hip - [want[2], want[1], -want[0]]).max() < 1e-12


def test_bending_an_elbow_moves_only_the_forearm_side(body_npz):
    betas = torch.zeros(1, 10, dtype=torch.float64)
    pose = torch.zeros(1, 23, 3, dtype=torch.float64)
    pose[0, 17] = torch.tensor([0.0, 0.0, 1.2])  # joint 18 = left elbow, body_pose index 17
    out = body_npz.forward(betas, torch.zeros(1, 3, dtype=torch.float64), pose)
    rest = body_npz.data.v_template
    moved = np.linalg.norm(out.vertices[0].numpy() - rest, axis=1) > 1e-3
    assert rest[moved, 0].min() > 0.3  # only vertices out along the left arm
    assert moved.sum() > 100
    wrist = out.joints[0, 20].numpy()
    assert wrist[1] > body_npz.rest_joints(np.zeros(10))[20, 1] + 0.1  # the forearm swung up


def test_float32_forward_is_close_to_float64(body_npz):
    args64 = _random_params(2, seed=4)
    args32 = _random_params(2, seed=4, dtype=torch.float32)
    a, b = body_npz.forward(*args64), body_npz.forward(*args32)
    assert b.vertices.dtype == torch.float32
    assert (a.vertices - b.vertices.double()).abs().max() < 1e-5


def test_forward_rejects_bad_shapes(body_npz):
    with pytest.raises(ValueError, match="betas"):
        body_npz.forward(torch.zeros(1, 11), torch.zeros(1, 3), torch.zeros(1, 69))
    with pytest.raises(ValueError, match="24 joint rotations"):
        body_npz.forward(torch.zeros(1, 10), torch.zeros(1, 3), torch.zeros(1, 66))


def test_forward_is_differentiable_after_an_inference_mode_call(smpl_files):
    body = load_body_model(smpl_files["npz"])  # fresh: the tensor cache is filled below
    args = _random_params(1, seed=5)
    with torch.inference_mode():
        body.forward(*args)
    betas = args[0].clone().requires_grad_(True)
    out = body.forward(betas, *args[1:])
    out.vertices[..., 1].max().backward()
    assert betas.grad is not None and betas.grad[0, 0] > 0  # beta0 = height


def test_pkl_writer_accepts_a_sparse_regressor(tmp_path, smpl_dict):
    d = dict(smpl_dict)
    d["J_regressor"] = scipy.sparse.csc_matrix(d["J_regressor"])
    body = load_body_model(write_smpl_pkl(tmp_path / "s.pkl", d))
    assert np.array_equal(body.data.j_regressor, smpl_dict["J_regressor"])
