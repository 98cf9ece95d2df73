"""The preview renderer against ground truth: the known synthetic body projected through the camera.

The reference silhouette is rasterised independently on the CPU (OpenCV, one convex polygon per
projected triangle), so a wrong projection, flipped rows, a missing depth test or a misplaced body
all fail these tests.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from mocap.errors import DependencyMissingError
from mocap.render.draw import track_color
from mocap.render.encode import Mp4Writer
from mocap.render.gl import MeshRenderer, create_context
from mocap.render.preview import PreviewOptions, render_preview, side_size
from mocap.render.views import ViewCamera
from mocap.testing.preview_scene import (
    background,
    posed_vertices,
    synthetic_motion,
    with_projected_boxes,
)
from mocap.types import FrameBatch
from mocap.video import open_video


@pytest.fixture(scope="module")
def gl_ctx():
    ctx = create_context()
    yield ctx
    ctx.release()


#: Supersampling of the reference rasteriser: a pixel is covered when over half its area is.
REFERENCE_SUPERSAMPLING = 4


def reference_mask(view: ViewCamera, vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """(H, W) bool: pixels at least half covered by the projected triangles (OpenCV, 4x4
    supersampled, so thin limbs are not widened by the rasteriser's inclusive edges)."""
    import cv2

    k = REFERENCE_SUPERSAMPLING
    uv = view.project(vertices)
    fine = np.zeros((view.height * k, view.width * k), np.uint8)
    shift = 4  # sub-pixel precision of the polygon corners
    # pixel (i, j) of the video spans [i - 0.5, i + 0.5); its sub-pixel centres are k times finer
    pts = np.round(((uv[faces] + 0.5) * k - 0.5) * (1 << shift)).astype(np.int32)
    for tri in pts:
        cv2.fillConvexPoly(fine, tri, 1, lineType=cv2.LINE_8, shift=shift)
    area = fine.reshape(view.height, k, view.width, k).mean(axis=(1, 3))
    return area > 0.5


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max(1, (a | b).sum()))


def test_silhouette_matches_the_projected_body(gl_ctx):
    motion = synthetic_motion(num_people=1, num_frames=4, width=320, height=240)
    faces = motion.body.faces
    verts = posed_vertices(motion, motion.people[0])[2]
    view = ViewCamera.of_video(motion.camera)
    renderer = MeshRenderer(faces, len(verts), gl_ctx)
    target = renderer.target(view.width, view.height)
    rgba = renderer.draw(target, view, verts[None], [track_color(1)], alpha=True)
    rendered = rgba[..., 3] > 0
    expected = reference_mask(view, verts, faces)
    assert expected.sum() > 2000  # the body covers a real area of the frame
    assert iou(rendered, expected) >= 0.97  # measured 0.99 at 320x240
    # moved by 20 px the silhouettes no longer agree: the test can fail
    assert iou(np.roll(rendered, 20, axis=1), expected) < 0.9
    renderer.release()


def test_nearer_person_hides_the_one_behind(gl_ctx):
    motion = synthetic_motion(num_people=1, num_frames=1, width=320, height=240)
    person = motion.people[0]
    near = posed_vertices(motion, person)[0]
    far = near + np.array([0.15, 0.0, 1.5])  # behind, slightly to the right: they overlap
    view = ViewCamera.of_video(motion.camera)
    renderer = MeshRenderer(motion.body.faces, len(near), gl_ctx)
    target = renderer.target(view.width, view.height)
    colors = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]], np.float32)
    both = np.stack([near, far])
    import cv2

    overlap = reference_mask(view, near, motion.body.faces) & reference_mask(
        view, far, motion.body.faces
    )
    # leave out the 2-pixel rim where two rasterisers may disagree about edge pixels
    overlap = cv2.erode(overlap.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    assert overlap.sum() > 300
    for order in ([0, 1], [1, 0]):  # draw order must not matter: the depth test decides
        rgb = renderer.draw(target, view, both[order], colors[order]).astype(int)
        red_wins = (rgb[..., 0] > rgb[..., 2])[overlap]
        assert red_wins.mean() > 0.99
    renderer.release()


def test_culling_keeps_the_surface_facing_the_camera(gl_ctx):
    motion = synthetic_motion(num_people=2, num_frames=1, width=320, height=240)
    verts = np.stack([posed_vertices(motion, p)[0] for p in motion.people])
    view = ViewCamera.of_video(motion.camera)
    renderer = MeshRenderer(motion.body.faces, verts.shape[1], gl_ctx)
    target = renderer.target(view.width, view.height)
    renderer.draw(target, view, verts, np.ones((2, 3)))
    culled = target.read_depth()
    renderer.cull_back_faces = False  # both sides drawn: the depth test alone keeps the nearest
    renderer.draw(target, view, verts, np.ones((2, 3)))
    both_sides = target.read_depth()
    covered = both_sides < 1.0
    assert covered.sum() > 2000
    np.testing.assert_array_equal(culled < 1.0, covered)
    np.testing.assert_allclose(culled[covered], both_sides[covered], atol=1e-6)
    renderer.release()


def test_side_view_shows_the_floor_only_when_grounded(gl_ctx):
    motion = synthetic_motion(num_people=2, num_frames=2, width=320, height=240)
    batches = [FrameBatch(np.arange(2), np.array([0.0, 0.1]), np.stack([background(320, 240)] * 2))]
    # camera level, world y up; the soles are 1.18 m below the SMPL origin, which sits 0.3 m
    # below the camera (walking_people's transl), so the floor is 1.48 m below the camera
    world = np.diag([1.0, -1.0, -1.0, 1.0])
    world[1, 3] = 1.48
    opts = PreviewOptions(side="stream")
    grounded = list(render_preview(motion, batches, opts, world, ctx=gl_ctx))
    plain = list(render_preview(motion, batches, opts, None, ctx=gl_ctx))
    w, h = side_size(motion, opts)
    assert grounded[0].side.shape == plain[0].side.shape == (h, w, 3)
    bottom = slice(int(h * 0.85), h)

    def floor_share(img: np.ndarray) -> float:
        grey = (np.abs(img.astype(int) - img.mean(-1, keepdims=True)).max(-1) < 8) & (
            img.mean(-1) > 100
        )
        return float(grey[bottom].mean())

    assert floor_share(grounded[0].side) > 0.5
    assert floor_share(plain[0].side) < 0.05
    # people are in the side view in both cases (their colours appear)
    for frame in (grounded[0], plain[0]):
        side = frame.side.astype(int)
        assert ((side[..., 2] - side[..., 0]) > 60).sum() > 30  # track 1 is blue
        assert ((side[..., 1] - side[..., 0]) > 60).sum() > 30  # track 2 is green


def _write_input(path: Path, images: np.ndarray, times: np.ndarray) -> None:
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=30, options={"crf": "10", "preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = images.shape[2], images.shape[1], "yuv420p"
        stream.time_base = stream.codec_context.time_base = Fraction(1, 1000)
        for img, t in zip(images, times, strict=True):
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts, frame.time_base = round(t * 1000), Fraction(1, 1000)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)


def _decode(path: Path, index: int) -> tuple[list[np.ndarray], list[float]]:
    with av.open(str(path)) as c:
        frames = list(c.decode(video=index))
    return [f.to_ndarray(format="rgb24") for f in frames], [float(f.time) for f in frames]


def test_overlay_video_keeps_frames_times_size_and_draws_people_where_they_are(tmp_path, gl_ctx):
    w, h, n = 640, 480, 9
    times = np.array([0.0, 0.04, 0.07, 0.12, 0.15, 0.2, 0.21, 0.3, 0.33])  # variable frame rate
    motion = synthetic_motion(num_people=2, num_frames=n, width=w, height=h)
    motion = with_projected_boxes(replace(motion, frame_times=times))
    src = tmp_path / "in.mp4"
    _write_input(src, np.stack([background(w, h, i) for i in range(n)]), times)
    opts = PreviewOptions(side="stream", labels=False)
    out = tmp_path / "preview.mp4"
    with open_video(src) as video, Mp4Writer(out, w, h, 30.0, side_size(motion, opts)) as writer:
        for f in render_preview(motion, video, opts, ctx=gl_ctx):
            writer.write(f.time, f.image, f.side)
    images, out_times = _decode(out, 0)
    sides, side_times = _decode(out, 1)
    assert len(images) == len(sides) == n
    assert images[0].shape == (h, w, 3)
    assert sides[0].shape[:2] == side_size(motion, opts)[::-1]
    np.testing.assert_allclose(out_times, times, atol=1e-4)
    np.testing.assert_allclose(side_times, times, atol=1e-4)
    view = ViewCamera.of_video(motion.camera)
    for k in (0, n - 1):
        # the footage is grey (chroma <= 8), every body is a saturated colour
        img = images[k].astype(int)
        drawn = img.max(-1) - img.min(-1) > 30
        expected = np.zeros((h, w), bool)
        for person in motion.people:
            verts = posed_vertices(motion, person)[k]
            expected |= reference_mask(view, verts, motion.body.faces)
        assert iou(drawn, expected) >= 0.9  # measured 0.95 after H.264 4:2:0


def test_writer_refuses_wrong_sizes_and_stops_cleanly(tmp_path):
    target = tmp_path / "x.mp4"
    with pytest.raises(ValueError, match="frame is"), Mp4Writer(target, 64, 48, 10.0) as writer:
        writer.write(0.0, np.zeros((48, 64, 3), np.uint8))
        writer.write(0.1, np.zeros((48, 66, 3), np.uint8))
    with Mp4Writer(target, 64, 48, 10.0) as writer:  # the same path is usable again
        writer.write(0.0, np.zeros((48, 64, 3), np.uint8))
    assert len(_decode(target, 0)[0]) == 1


def test_missing_gl_libraries_give_one_line(monkeypatch):
    import moderngl

    def no_egl(*args, **kwargs):
        raise Exception("libEGL.so.1: cannot open shared object file: No such file or directory")

    monkeypatch.setattr(moderngl, "create_standalone_context", no_egl)
    with pytest.raises(DependencyMissingError) as info:
        create_context()
    message = str(info.value)
    assert "\n" not in message
    assert "libEGL.so.1" in message and "apt-get install libegl1" in message


def test_odd_frame_sizes_are_kept(tmp_path):
    """4:2:0 needs even sides; an odd-sized video is written in 4:4:4 at its exact size."""
    target = tmp_path / "odd.mp4"
    with Mp4Writer(target, 161, 97, 25.0) as writer:
        for i in range(3):
            writer.write(i / 25, np.full((97, 161, 3), 60 * i, np.uint8))
    images, times = _decode(target, 0)
    assert [im.shape for im in images] == [(97, 161, 3)] * 3
    np.testing.assert_allclose(times, [0.0, 0.04, 0.08], atol=1e-4)


def test_grounded_people_are_drawn_from_their_world_motion(gl_ctx):
    """A person given as world motion + world_from_camera lands on the same pixels as the same
    person given in the camera frame (the world pose is mapped back exactly)."""
    import dataclasses

    from mocap.body import SmplBody
    from mocap.render.preview import _pose_batch
    from mocap.rotations import axis_angle_to_matrix, matrix_to_axis_angle
    from mocap.types import WorldMotion

    motion = synthetic_motion(num_people=1, num_frames=3, width=320, height=240)
    person = motion.people[0]
    angle = np.radians(20.0)  # camera pitched 20 deg, 1.6 m above the floor
    rot = np.array(
        [[1, 0, 0], [0, -np.cos(angle), np.sin(angle)], [0, -np.sin(angle), -np.cos(angle)]]
    )
    w = np.eye(4)
    w[:3, :3], w[1, 3] = rot, 1.6
    body = SmplBody(motion.body)
    pelvis = body.rest_joints(person.betas)[0]  # SMPL rotates about the rest pelvis
    world = WorldMotion(
        global_orient=matrix_to_axis_angle(rot @ axis_angle_to_matrix(person.global_orient)),
        body_pose=person.body_pose,
        transl=(person.transl + pelvis) @ rot.T + w[:3, 3] - pelvis,
        foot_contact=np.zeros((len(person), 2), bool),
    )
    grounded = dataclasses.replace(person, world=world)
    frames = np.arange(3)
    plain = _pose_batch(body, [person], frames)
    again = _pose_batch(body, [grounded], frames, w)
    np.testing.assert_allclose(again.vertices, plain.vertices, atol=2e-5)
    ignored = _pose_batch(body, [grounded], frames, None)  # not grounded: camera-frame rows
    np.testing.assert_allclose(ignored.vertices, plain.vertices, atol=1e-6)
