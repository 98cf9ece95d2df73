"""BVH writer re-read by the third-party ``bvh`` parser, with our own FK on the parsed numbers."""

from __future__ import annotations

import numpy as np
import pytest
from bvh import Bvh
from export_helpers import CV_TO_YUP, JOINT_NAMES, fk_camera, make_motion
from scipy.spatial.transform import Rotation

import exporters
import exporters.bvh
from mocap.errors import OutputExistsError, UsageError

CM = 100.0
DEPTH_FIRST = [0, 1, 4, 7, 10, 2, 5, 8, 11, 3, 6, 9, 12, 15, 13, 16, 18, 20, 22, 14, 17, 19, 21, 23]


def parsed_fk(path) -> tuple[Bvh, np.ndarray]:
    """(N, 24, 3) joint positions (cm, file frame) from the parsed file: offsets + channels."""
    mocap = Bvh(path.read_text())
    names = mocap.get_joints_names()
    parent = {n: mocap.joint_parent(n).name if mocap.joint_parent(n) else None for n in names}
    offsets = {n: np.array(mocap.joint_offset(n)) for n in names}
    frames = np.array(mocap.frames, dtype=float)
    out = np.zeros((len(frames), len(names), 3))
    col = 0
    columns = {}
    for n in names:
        chans = mocap.joint_channels(n)
        columns[n] = (col, chans)
        col += len(chans)
    for t in range(len(frames)):
        world = {}
        for i, n in enumerate(names):
            start, chans = columns[n]
            vals = dict(zip(chans, frames[t, start : start + len(chans)], strict=True))
            rot_axes = [c[0] for c in chans if c.endswith("rotation")]
            local = Rotation.from_euler(
                "".join(rot_axes), [vals[a + "rotation"] for a in rot_axes], degrees=True
            ).as_matrix()
            if parent[n] is None:
                pos = offsets[n] + np.array(
                    [vals["Xposition"], vals["Yposition"], vals["Zposition"]]
                )
                world[n] = (local, pos)
            else:
                prot, ppos = world[parent[n]]
                world[n] = (prot @ local, ppos + prot @ offsets[n])
            out[t, i] = world[n][1]
    return mocap, out


@pytest.mark.parametrize("order", ["ZXY", "XYZ", "ZYX", "YZX", "auto"])
def test_parsed_bvh_matches_fk(motion, tmp_path, order):
    seq = motion.people[1]  # starts at frame 12, root yaw sweeps 2.5 turns
    (path,) = exporters.write(motion, tmp_path / "p.bvh", person=seq.track_id, order=order)
    mocap, got = parsed_fk(path)
    assert mocap.get_joints_names() == [JOINT_NAMES[j] for j in DEPTH_FIRST]
    assert mocap.nframes == len(seq)
    assert mocap.frame_time == pytest.approx(1001 / 30000, rel=1e-11)
    want = fk_camera(motion.body, seq) @ CV_TO_YUP.T * CM
    order_idx = [JOINT_NAMES.index(n) for n in mocap.get_joints_names()]
    assert np.abs(got - want[:, order_idx]).max() < 1e-4  # cm: 1e-6 m
    expect = {"pelvis": order, "left_knee": order, "left_elbow": order}
    if order == "auto":  # twist axis in the middle: Y for legs, X for arms; root yaw (Y) last
        expect = {"pelvis": "ZXY", "left_knee": "XYZ", "left_elbow": "ZXY"}
    for joint, axes in expect.items():
        assert mocap.joint_channels(joint)[-3:] == [f"{a}rotation" for a in axes]


def test_euler_tracks_are_continuous(motion, tmp_path):
    seq = motion.people[0]
    (path,) = exporters.write(motion, tmp_path / "p.bvh", person=seq.track_id)
    values = np.array(Bvh(path.read_text()).frames, dtype=float)[:, 3:]
    # 2.5 turns of root yaw over 60 frames is 15 degrees per frame; any wrap would jump ~360.
    assert np.abs(np.diff(values, axis=0)).max() < 60.0
    assert np.abs(values[-1, :3]).max() > 400.0  # the root yaw kept accumulating past +-180


def test_one_file_per_person_and_gaps(motion, tmp_path):
    paths = exporters.write(motion, tmp_path / "take.bvh")
    assert [p.name for p in paths] == ["take_person1.bvh", "take_person4.bvh", "take_person7.bvh"]
    gap = motion.people[2]  # frames 0-19 and 25-40
    mocap, got = parsed_fk(paths[2])
    assert mocap.nframes == gap.frames[-1] - gap.frames[0] + 1
    want = fk_camera(motion.body, gap) @ CV_TO_YUP.T * CM
    order_idx = [JOINT_NAMES.index(n) for n in mocap.get_joints_names()]
    assert np.abs(got[gap.frames - gap.frames[0]] - want[:, order_idx]).max() < 1e-4


def test_video_span_holds_pose_outside_track(motion, tmp_path):
    seq = motion.people[1]
    (path,) = exporters.write(motion, tmp_path / "v.bvh", person=seq.track_id, span="video")
    mocap, got = parsed_fk(path)
    assert mocap.nframes == motion.num_frames
    assert np.abs(got[: seq.frames[0]] - got[seq.frames[0]]).max() < 1e-9


def test_bad_options_and_overwrite(motion, tmp_path):
    with pytest.raises(UsageError, match="ZXY"):
        exporters.write(motion, tmp_path / "x.bvh", order="ABC")
    with pytest.raises(UsageError, match="span"):
        exporters.write(motion, tmp_path / "x.bvh", span="all")
    (tmp_path / "x_person7.bvh").write_text("keep")
    with pytest.raises(OutputExistsError):
        exporters.write(motion, tmp_path / "x.bvh")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x_person7.bvh"]


def test_long_sequence_has_no_gimbal_glitch(body, tmp_path):
    """900 frames, root yaw 2.5 turns, large joint swings: exact everywhere, continuous curves."""
    long_motion = make_motion([(0, np.arange(900))], num_frames=900, body=body, seed=3)
    (path,) = exporters.write(long_motion, tmp_path / "long.bvh")
    mocap, got = parsed_fk(path)
    want = fk_camera(body, long_motion.people[0]) @ CV_TO_YUP.T * CM
    order_idx = [JOINT_NAMES.index(n) for n in mocap.get_joints_names()]
    assert np.abs(got - want[:, order_idx]).max() < 1e-4
    values = np.array(mocap.frames, dtype=float)[:, 3:]
    assert np.abs(np.diff(values, axis=0)).max() < 30.0


def test_failure_on_one_person_writes_no_file(motion, tmp_path, monkeypatch):
    real = exporters.bvh.bvh_text

    def fail_on_person_4(m, seq, *args):
        if seq.track_id == 4:
            raise RuntimeError("disk on fire")
        return real(m, seq, *args)

    monkeypatch.setattr(exporters.bvh, "bvh_text", fail_on_person_4)
    with pytest.raises(RuntimeError, match="disk on fire"):
        exporters.write(motion, tmp_path / "take.bvh")
    assert list(tmp_path.iterdir()) == []
