"""cliffmocap/1 .npz: schema, safe loading, exact round trip; AMASS-style export math."""

from __future__ import annotations

import numpy as np
import pytest
from export_helpers import CV_TO_BLENDER, fk_camera, make_motion
from scipy.spatial.transform import Rotation

import exporters
from exporters.npz import NpzReadError, read_npz
from mocap.errors import OutputError, OutputExistsError, UnsupportedFormatError, UsageError

DESIGN_KEYS = {
    "schema", "fps", "num_frames", "image_size", "focal_length", "principal_point", "variant",
    "checkpoint_sha256", "version", "track_id", "frame", "time", "global_orient", "body_pose",
    "transl", "frame_betas", "cam_crop", "box", "score", "observed", "track_ids", "betas",
}  # fmt: skip


def test_schema_keys_and_long_format(motion, tmp_path):
    path = exporters.write(motion, tmp_path / "r.npz")
    with np.load(path, allow_pickle=False) as d:
        assert set(d.files) >= DESIGN_KEYS
        assert all(d[k].dtype != object for k in d.files)
        assert str(d["schema"]) == "cliffmocap/1" and d["schema"].dtype.kind == "U"
        n = sum(len(p) for p in motion.people)
        assert d["frame"].shape == (n,) and d["body_pose"].shape == (n, 23, 3)
        assert d["frame_betas"].shape == (n, 10) and d["box"].shape == (n, 4)
        assert list(d["track_ids"]) == [1, 4, 7] and d["betas"].shape == (3, 10)
        assert list(d["image_size"]) == [640, 480]
        assert float(d["fps"]) == 30000 / 1001
        rows7 = d["track_id"] == 7
        assert list(d["frame"][rows7]) == list(motion.people[2].frames)


def test_round_trip_is_exact(motion, tmp_path):
    back = read_npz(exporters.write(motion, tmp_path / "r.npz"))
    assert back.body is None and back.fps == motion.fps and back.num_frames == motion.num_frames
    assert back.camera == motion.camera and back.provenance == motion.provenance
    assert np.array_equal(back.frame_times, motion.frame_times)
    for a, b in zip(motion.people, back.people, strict=True):
        assert a.track_id == b.track_id
        fields = ("frames", "times", "global_orient", "body_pose", "transl", "betas", "observed",
                  "boxes", "scores", "frame_betas", "cam_crop")  # fmt: skip
        for field in fields:
            assert np.array_equal(getattr(a, field), getattr(b, field)), field


def test_npz_needs_no_smpl_model(tmp_path):
    bare = make_motion([(1, np.arange(5))], num_frames=5)
    assert len(read_npz(exporters.write(bare, tmp_path / "r.npz")).people) == 1


def test_reader_rejects_other_files(tmp_path):
    other = tmp_path / "other.npz"
    np.savez(other, poses=np.zeros((3, 72)))
    with pytest.raises(NpzReadError, match="schema"):
        read_npz(other)
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, schema=np.array("cliffmocap/1"), obj=np.array([{"a": 1}], dtype=object))
    with pytest.raises(NpzReadError, match="cannot read"):
        read_npz(pickled)
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(NpzReadError):
        read_npz(tmp_path / "junk.npz")


def test_dispatch_errors(motion, tmp_path):
    with pytest.raises(UnsupportedFormatError, match=r"x\.obj") as err:
        exporters.write(motion, tmp_path / "x.obj")
    assert all(suffix in str(err.value) for suffix in exporters.WRITERS)
    with pytest.raises(OutputError, match="does not exist"):
        exporters.write(motion, tmp_path / "missing" / "x.npz")
    exporters.write(motion, tmp_path / "x.npz")
    with pytest.raises(OutputExistsError):
        exporters.write(motion, tmp_path / "x.npz")
    with pytest.raises(UsageError, match=r"order.*'.*x\.glb'.*takes: overwrite"):
        exporters.write(motion, tmp_path / "x.glb", order="ZXY")


def amass_fk(poses: np.ndarray, trans: np.ndarray, rest: np.ndarray, parents) -> np.ndarray:
    """(T, 22, 3) SMPL+H body joints 0..21 from AMASS parameters (plain FK, z-up world)."""
    out = np.zeros((len(poses), 22, 3))
    for t in range(len(poses)):
        rot = Rotation.from_rotvec(poses[t, :66].reshape(22, 3)).as_matrix()
        world = [None] * 22
        for k in range(22):
            p = parents[k]
            if p < 0:
                world[k], out[t, k] = rot[k], rest[k]
            else:
                world[k] = world[p] @ rot[k]
                out[t, k] = out[t, p] + world[p] @ (rest[k] - rest[p])
        out[t] += trans[t]
    return out


def test_amass_matches_camera_fk_in_zup(motion, tmp_path):
    paths = exporters.write(motion, tmp_path / "take.amass.npz")
    assert [p.name for p in paths] == [f"take_person{t}.amass.npz" for t in (1, 4, 7)]
    for seq, path in zip(motion.people[:2], paths[:2], strict=True):  # gap-free tracks
        with np.load(path, allow_pickle=False) as d:
            assert d["poses"].shape == (len(seq), 156) and d["betas"].shape == (16,)
            assert str(d["gender"]) == "neutral" and d["gender"].dtype.kind == "U"
            assert float(d["mocap_framerate"]) == float(d["mocap_frame_rate"]) == motion.fps
            assert d["dmpls"].shape == (len(seq), 8) and str(d["surface_model_type"]) == "smplh"
            assert np.all(d["poses"][:, 66:] == 0)
            assert int(d["frame_start"]) == seq.frames[0]
            rest = motion.body.rest_joints(seq.betas)
            got = amass_fk(d["poses"], d["trans"], rest, motion.body.parents)
        want = fk_camera(motion.body, seq)[:, :22] @ CV_TO_BLENDER.T
        assert np.abs(got - want).max() < 1e-9


def test_amass_fills_gaps_and_selects_person(motion, tmp_path):
    (path,) = exporters.write(motion, tmp_path / "one.amass.npz", person=7)
    assert path.name == "one.amass.npz"
    seq = motion.people[2]
    with np.load(path, allow_pickle=False) as d:
        assert d["poses"].shape[0] == seq.frames[-1] - seq.frames[0] + 1
        rows = seq.frames - seq.frames[0]
        rest = motion.body.rest_joints(seq.betas)
        got = amass_fk(d["poses"][rows], d["trans"][rows], rest, motion.body.parents)
    want = fk_camera(motion.body, seq)[:, :22] @ CV_TO_BLENDER.T
    assert np.abs(got - want).max() < 1e-9
    with pytest.raises(OutputError, match=r"person=99.*\[1, 4, 7\]"):
        exporters.write(motion, tmp_path / "x.amass.npz", person=99)


def test_amass_checks_every_target_before_writing(motion, tmp_path):
    (tmp_path / "t_person4.amass.npz").write_bytes(b"keep")
    with pytest.raises(OutputExistsError):
        exporters.write(motion, tmp_path / "t.amass.npz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t_person4.amass.npz"]
