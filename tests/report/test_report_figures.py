"""Report figures against exact ground truth, and the report/index texts (JSON, escaping, order)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from mocap.report import IndexEntry, build_report, index_html, key_figures, report_html, report_json
from mocap.report.metrics import PELVIS, foot_skate, person_joints, rotation_jitter, runs
from mocap.report.model import floor_fit
from mocap.testing.preview_scene import synthetic_motion, with_projected_boxes


def test_runs_split_on_flags_and_frame_gaps():
    frames = np.array([0, 1, 2, 3, 5, 6, 7, 8])
    flags = np.array([1, 1, 0, 1, 1, 1, 0, 1], bool)
    assert runs(frames, flags) == [(0, 2), (3, 4), (5, 7), (8, 9)]
    assert runs(frames, ~flags) == [(2, 3), (7, 8)]
    assert runs(np.zeros(0, int), np.zeros(0, bool)) == []


def test_rotation_jitter_is_the_mean_angular_acceleration():
    t = np.array([0.0, 0.03, 0.07, 0.1, 0.13, 0.18, 0.2, 0.24])  # variable frame times
    n = len(t)
    theta = 0.4 * np.sin(2 * np.pi * 1.5 * t)  # one joint swings about a fixed axis
    axis = np.array([0.6, 0.0, 0.8])
    body_pose = np.zeros((n, 23, 3))
    body_pose[:, 4] = theta[:, None] * axis
    orient = np.zeros((n, 3))
    orient[:, 1] = 2.0 * t  # constant angular velocity: no acceleration
    dt = np.diff(t)
    omega = np.diff(theta) / dt
    alpha = np.abs(np.diff(omega)) / (0.5 * (dt[:-1] + dt[1:]))
    expected = np.degrees(alpha.sum() / (24 * (n - 2)))  # mean over 24 joints, 23 are still
    got = rotation_jitter(orient, body_pose, np.arange(n), t)
    assert got == pytest.approx(expected, rel=1e-9)
    still = rotation_jitter(orient, np.zeros((n, 23, 3)), np.arange(n), t)
    assert still == pytest.approx(0.0, abs=1e-6)
    # a frame gap splits the differences: only steps between consecutive frames count
    gapped = rotation_jitter(orient, body_pose, np.array([0, 1, 2, 3, 10, 11, 12, 13]), t)
    assert gapped != pytest.approx(got)


def test_foot_skate_measures_horizontal_speed_of_planted_feet():
    up = np.array([0.0, -1.0, 0.0])
    n = 10
    t = np.arange(n) / 10.0
    feet = np.zeros((n, 2, 3))
    feet[:, 0] = [0.0, 1.0, 4.0]  # left foot down (larger y = lower), planted
    feet[:, 0, 0] += 0.3 * t  # ... but sliding 0.3 m/s sideways
    feet[:, 0, 1] += 0.02 * np.sin(t)  # vertical wobble does not count
    feet[:, 1] = [0.2, 0.7, 4.0]
    feet[:, 1, 2] += 1.5 * t  # right foot in the air, swinging fast
    assert foot_skate(feet, np.arange(n), t, up) == pytest.approx(0.3, rel=1e-9)
    contact = np.zeros((n, 2), bool)
    contact[:, 1] = True  # with given contacts the right foot counts instead
    assert foot_skate(feet, np.arange(n), t, up, contact) == pytest.approx(1.5, rel=1e-9)
    assert foot_skate(feet, np.arange(n), t, up, np.zeros((n, 2), bool)) is None


def test_pelvis_to_box_distance_is_exact():
    motion = synthetic_motion(num_people=1, num_frames=5, width=320, height=240)
    person = motion.people[0]
    joints = person_joints(motion, person)
    cam = motion.camera
    p = joints[:, PELVIS]
    u = cam.fx * p[:, 0] / p[:, 2] + cam.cx
    v = cam.fy * p[:, 1] / p[:, 2] + cam.cy
    boxes = np.stack([u - 20 + 3, v - 50 + 4, u + 20 + 3, v + 50 + 4], 1)  # centre off by (3, 4)
    motion = replace(motion, people=(replace(person, boxes=boxes),))
    report = build_report(motion)
    assert report.tracks[0].pelvis_box_px == pytest.approx(5.0, abs=1e-4)  # boxes are float32
    assert report.tracks[0].depth_min_m == pytest.approx(5.0)


def test_floor_fit_reads_height_pitch_and_roll():
    pitch = np.radians(15.0)
    # camera 1.6 m above the floor looking 15 deg down: world_from_camera = T(0, 1.6, 0) R
    flip = np.diag([1.0, -1.0, -1.0])  # OpenCV camera (y down, z forward) to y up, -z forward
    rx = np.array(
        [[1, 0, 0], [0, np.cos(pitch), np.sin(pitch)], [0, -np.sin(pitch), np.cos(pitch)]]
    )
    w = np.eye(4)
    w[:3, :3] = rx @ flip
    w[1, 3] = 1.6
    fit = floor_fit(w)
    assert fit.camera_height_m == pytest.approx(1.6)
    assert fit.pitch_deg == pytest.approx(-15.0)  # looking down
    assert fit.roll_deg == pytest.approx(0.0, abs=1e-9)


def test_report_texts_escape_file_strings_and_agree(tmp_path):
    motion = with_projected_boxes(
        synthetic_motion(num_people=2, num_frames=8, width=160, height=120)
    )
    evil = '<script>alert("x")</script>&.mp4'
    motion = replace(motion, video=replace(motion.video, path=Path(evil)))
    motion = replace(motion, provenance=replace(motion.provenance, version='1.0"><img src=x>'))
    report = build_report(motion, timings={"regress": 1.5})
    html = report_html(report)
    assert "<script>" not in html and "<img src=x>" not in html
    assert "&lt;script&gt;" in html
    data = json.loads(report_json(report))
    assert data["video"]["path"] == evil  # JSON keeps the real string
    assert [t["track_id"] for t in data["tracks"]] == [1, 2]
    for t, fig in zip(data["tracks"], report.tracks, strict=True):
        assert t["rotation_jitter_deg_s2"] == pytest.approx(fig.rotation_jitter_deg_s2, rel=1e-5)
        assert f"{fig.rotation_jitter_deg_s2:.0f}" in html  # the same figure is in the table
    assert data["timings_s"] == {"regress": 1.5}
    assert data["worst"]["level"] == pytest.approx(report.worst.level, rel=1e-5)


def test_index_orders_worst_first_and_escapes():
    motion = with_projected_boxes(
        synthetic_motion(num_people=1, num_frames=6, width=160, height=120)
    )
    figs = key_figures(build_report(motion))
    entries = [
        IndexEntry("good.mp4", "ok", "good.html", figures=dict(figs, worst_level=0.2)),
        IndexEntry("skip.mp4", "skipped", message="outputs exist"),
        IndexEntry("bad.mp4", "ok", "bad.html", figures=dict(figs, worst_level=3.0)),
        IndexEntry("<b>x.mp4", "failed", message="cannot open '<b>x.mp4'"),
    ]
    html = index_html(entries)
    order = [html.index(name) for name in ("&lt;b&gt;x.mp4", "bad.mp4", "good.mp4", "skip.mp4")]
    assert order == sorted(order)
    assert "<b>x" not in html
    with pytest.raises(ValueError):
        IndexEntry("a.mp4", "done")
