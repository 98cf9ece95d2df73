"""glTF writer: structure, extras schema, validator, error paths (no Blender here)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pygltflib
import pytest
from export_helpers import JOINT_NAMES, make_motion, read_glb_json, validate_glb

import exporters
from mocap.errors import OutputError, OutputExistsError


@pytest.fixture(scope="module")
def glb(motion, tmp_path_factory) -> Path:
    return exporters.write(motion, tmp_path_factory.mktemp("glb") / "scene.glb")


def test_layout_names_and_extras(glb, motion):
    doc = read_glb_json(glb)
    nodes = doc["nodes"]
    names = [n.get("name") for n in nodes]
    scene = doc["scenes"][0]
    top = [nodes[i]["name"] for i in scene["nodes"]]
    tids = [p.track_id for p in motion.people]
    assert top == [n for t in tids for n in (f"person_{t}", f"person_{t}_body")] + ["video_camera"]
    assert len(doc["animations"]) == 1
    assert names.count("pelvis") == len(tids)
    extras = scene["extras"]
    assert extras["generator"] == "cliffmocap" and extras["schema"] == "cliffmocap-gltf/1"
    assert extras["fps"] == pytest.approx(30000 / 1001, abs=1e-12)
    assert (extras["num_frames"], extras["image_width"], extras["image_height"]) == (60, 640, 480)
    assert (extras["fx"], extras["cy"]) == (700.0, 236.0)
    assert extras["video_path"] == "clip.mp4"
    assert set(extras) == {
        "generator",
        "cliffmocap_version",
        "schema",
        "fps",
        "num_frames",
        "image_width",
        "image_height",
        "fx",
        "fy",
        "cx",
        "cy",
        "video_path",
        "people",
        "space",
        "camera_pose",
    }
    assert extras["space"] == "camera"  # an ungrounded motion: the camera at the origin
    assert extras["camera_pose"] == [float(v) for v in np.eye(4).ravel()]
    for entry, seq in zip(extras["people"], motion.people, strict=True):
        assert entry["node"] == f"person_{seq.track_id}"
        assert (entry["frame_start"], entry["frame_end"]) == (seq.frames[0], seq.frames[-1])
        assert np.allclose(entry["betas"], seq.betas)
        node = nodes[names.index(entry["node"])]
        assert node["extras"] == {
            k: entry[k] for k in ("track_id", "frame_start", "frame_end", "betas")
        }
        root = nodes[node["children"][0]]
        assert root["name"] == "pelvis"
    camera = doc["cameras"][0]["perspective"]
    assert camera["yfov"] == pytest.approx(2 * np.arctan(480 / (2 * 700.0)))
    assert camera["aspectRatio"] == pytest.approx(640 / 480)


def test_joint_hierarchy_and_bind_pose(glb, motion):
    g = pygltflib.GLTF2().load(str(glb))
    blob = g.binary_blob()
    skin = g.skins[0]
    joints = [g.nodes[i] for i in skin.joints]
    assert [j.name for j in joints] == JOINT_NAMES
    rest = motion.body.rest_joints(motion.people[0].betas)
    assert np.allclose(joints[0].translation, rest[0], atol=1e-7)
    assert np.allclose(
        joints[18].translation, rest[18] - rest[16], atol=1e-7
    )  # elbow below shoulder
    acc = g.accessors[skin.inverseBindMatrices]
    view = g.bufferViews[acc.bufferView]
    ibm = np.frombuffer(
        blob[view.byteOffset : view.byteOffset + view.byteLength], np.float32
    ).reshape(-1, 4, 4)
    assert np.allclose(
        ibm[:, 3, :3], -rest, atol=1e-6
    )  # column-major: translation in the last column


def test_visibility_keys_are_step_scale(glb, motion):
    g = pygltflib.GLTF2().load(str(glb))
    blob = g.binary_blob()

    def read(i):
        acc = g.accessors[i]
        view = g.bufferViews[acc.bufferView]
        width = {"SCALAR": 1, "VEC3": 3, "VEC4": 4}[acc.type]
        return np.frombuffer(
            blob[view.byteOffset : view.byteOffset + view.byteLength], np.float32
        ).reshape(-1, width)

    anim = g.animations[0]
    scale = [(c, anim.samplers[c.sampler]) for c in anim.channels if c.target.path == "scale"]
    assert len(scale) == 2  # person 1 is tracked on every frame and needs no scale keys
    fps = 30000 / 1001
    # Person 4: hidden until 12. Person 7: visible 0-19, hidden 20-24, visible 25-40, hidden after.
    expected = [([0, 12], [0, 1]), ([0, 20, 25, 41], [1, 0, 1, 0])]
    for (_channel, sampler), (frames, values) in zip(scale, expected, strict=True):
        assert sampler.interpolation == "STEP"
        assert np.allclose(read(sampler.input)[:, 0], np.array(frames) / fps, atol=1e-6)
        assert np.array_equal(read(sampler.output)[:, 0], values)


@pytest.mark.validator
def test_validator_reports_no_issues(glb):
    report = validate_glb(glb)
    assert report["issues"]["numErrors"] == 0, report["issues"]["messages"]
    assert report["issues"]["numWarnings"] == 0, report["issues"]["messages"]


@pytest.mark.validator
def test_validator_long_clip(tmp_path, body):
    """A long single-person clip (900 frames, root yaw 2.5 turns) validates too."""
    motion = make_motion([(3, np.arange(900))], num_frames=900, body=body)
    report = validate_glb(exporters.write(motion, tmp_path / "long.glb"))
    assert report["issues"]["numErrors"] == 0, report["issues"]["messages"]


def test_needs_smpl_model(motion, tmp_path):
    bare = make_motion([(1, np.arange(5))], num_frames=5)
    with pytest.raises(OutputError, match=r"'smpl_model'.*smpl\.is\.tue\.mpg\.de.*\.npz"):
        exporters.write(bare, tmp_path / "x.glb")
    assert list(tmp_path.iterdir()) == []


def test_refuses_overwrite_and_leaves_no_temp(glb, motion):
    before = glb.read_bytes()
    with pytest.raises(OutputExistsError, match="overwrite"):
        exporters.write(motion, glb)
    assert glb.read_bytes() == before
    exporters.write(motion, glb, overwrite=True)
    assert [p.name for p in glb.parent.iterdir()] == [glb.name]


@pytest.mark.validator
def test_edge_cases_stay_valid(tmp_path, body, caplog):
    """No people is an error; a one-frame person with broken (repeated) timestamps is valid."""
    empty = make_motion([], num_frames=10, body=body)
    with pytest.raises(OutputError, match="no people"):
        exporters.write(empty, tmp_path / "empty.glb")
    single = make_motion([(5, np.array([7]))], num_frames=10, body=body)
    broken = dataclasses.replace(single, frame_times=np.zeros(10))
    path = exporters.write(broken, tmp_path / "single.glb")
    assert "not strictly increasing" in caplog.text
    report = validate_glb(path)
    assert report["issues"]["numErrors"] == 0, report["issues"]["messages"]
    g = pygltflib.GLTF2().load(str(path))
    times = g.accessors[g.animations[0].samplers[0].input]
    assert times.min == times.max == [pytest.approx(7 / (30000 / 1001))]


def test_keys_use_the_decoded_timestamps(tmp_path, body):
    """Variable frame rate: animation key times are the frames' real timestamps, not frame / fps."""
    jitter = np.random.default_rng(1).uniform(0.0, 0.01, size=30)
    vfr = dataclasses.replace(
        make_motion([(2, np.arange(5, 25))], num_frames=30, body=body),
        frame_times=np.arange(30) / 25.0 + jitter,
    )
    g = pygltflib.GLTF2().load(str(exporters.write(vfr, tmp_path / "vfr.glb")))
    blob = g.binary_blob()
    sampler = next(
        g.animations[0].samplers[c.sampler]
        for c in g.animations[0].channels
        if c.target.path == "rotation"
    )
    view = g.bufferViews[g.accessors[sampler.input].bufferView]
    times = np.frombuffer(blob[view.byteOffset : view.byteOffset + view.byteLength], np.float32)
    assert np.allclose(times, vfr.frame_times[5:25], atol=1e-6)
