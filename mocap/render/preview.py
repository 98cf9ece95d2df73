"""The preview: every person's shaped, posed mesh over the footage, and a side view beside it.

:func:`render_preview` is a pure step: a :class:`~mocap.types.MotionSet` and the video's decoded
frames in, one :class:`PreviewFrame` per frame out (a generator; frames are posed, drawn and handed
on one decode chunk at a time, so memory does not grow with the video's length). Writing the frames
to a file is the caller's job (:class:`mocap.render.encode.Mp4Writer`).
"""

from __future__ import annotations

import warnings
from collections.abc import Collection, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from mocap.errors import MocapError
from mocap.render.draw import composite, draw_labels, track_color
from mocap.render.gl import NEAR_M, FloorMesh, MeshRenderer, RenderTarget, create_context
from mocap.render.views import ViewCamera, floor_grid, grounding_of, pose_in_camera, side_view
from mocap.types import FrameBatch, MotionSet, SmplSequence

#: Where the side view goes: a second video stream, a panel right of the overlay, or nowhere.
SIDE_MODES = ("stream", "panel", "none")
#: Background of the side view (RGB 0..1).
SIDE_BACKGROUND = (0.16, 0.17, 0.19)


@dataclass(frozen=True)
class PreviewOptions:
    """How the preview looks.

    Attributes:
        side: ``"stream"`` (a second video stream of its own size, default), ``"panel"`` (the
            side view to the right of the overlay in one picture of twice the width) or ``"none"``.
        side_scale: side view size as a share of the video's size (``"stream"`` only; a panel has
            the video's size).
        boxes: draw every person's detection box.
        labels: draw every person's track id.
    """

    side: str = "stream"
    side_scale: float = 0.5
    boxes: bool = False
    labels: bool = True

    def __post_init__(self) -> None:
        if self.side not in SIDE_MODES:
            raise ValueError(f"PreviewOptions.side must be one of {SIDE_MODES}, got {self.side!r}")
        if not 0.05 <= self.side_scale <= 1.0:
            raise ValueError(f"PreviewOptions.side_scale must be in 0.05..1, got {self.side_scale}")


@dataclass(frozen=True, eq=False)
class PreviewFrame:
    """One rendered frame.

    Attributes:
        index: frame index in decode order; time: its time in seconds.
        image: (H, W, 3) uint8 RGB overlay (H, 2W with a side panel).
        side: (h, w, 3) uint8 RGB side view for a second stream, else None.
    """

    index: int
    time: float
    image: npt.NDArray[np.uint8]
    side: npt.NDArray[np.uint8] | None


def side_size(motion: MotionSet, options: PreviewOptions) -> tuple[int, int] | None:
    """(width, height) of the side stream (even numbers), or None without one."""
    if options.side != "stream":
        return None
    w = max(2, 2 * round(motion.camera.width * options.side_scale / 2))
    h = max(2, 2 * round(motion.camera.height * options.side_scale / 2))
    return w, h


def render_preview(
    motion: MotionSet,
    frames: Iterable[FrameBatch],
    options: PreviewOptions | None = None,
    world_from_camera: npt.ArrayLike | None = None,
    ctx: Any = None,
    only: Collection[int] | None = None,
) -> Iterator[PreviewFrame]:
    """Render the overlay (and side view) of every decoded frame.

    Args:
        motion: the result (needs ``motion.body``, the SMPL model, to pose meshes).
        frames: the video's decoded frames in order (e.g. ``open_video(path)``).
        options: look and layout.
        world_from_camera: (4, 4) grounding transform (default: the motion's own when it is
            grounded); the side view then shows the floor and grounded people are drawn from
            their world motion.
        ctx: an OpenGL context to reuse (default: a new headless one).
        only: draw just these frame indices (e.g. thumbnails); None draws every frame.

    Yields:
        one :class:`PreviewFrame` per input frame (in ``only``), in order.

    Raises:
        MocapError: no body model in ``motion``.
        DependencyMissingError: no headless OpenGL on this machine.
    """
    opts = options or PreviewOptions()
    if motion.body is None:
        raise MocapError(
            "The preview needs the SMPL body model to draw meshes; give the model file."
        )
    if world_from_camera is None:
        world_from_camera = grounding_of(motion)
    wfc = None if world_from_camera is None else np.asarray(world_from_camera, np.float64)
    body = _posing_model(motion)
    renderer = MeshRenderer(motion.body.faces, motion.body.num_vertices, ctx or create_context())
    main_view = ViewCamera.of_video(motion.camera)
    main_target = renderer.target(main_view.width, main_view.height)
    side = _SideView.build(motion, opts, renderer, wfc)
    # Pose the next chunk on a worker thread (torch releases the GIL) while this one is drawn:
    # at most two chunks are in flight, so memory stays flat.
    pool = ThreadPoolExecutor(1, thread_name_prefix="preview-pose")
    wanted = None if only is None else np.fromiter(only, np.int64)

    def pose(batch: FrameBatch | None) -> Future[_PosedBatch] | None:
        return (
            None
            if batch is None
            else pool.submit(_pose_batch, body, motion.people, batch.indices, wfc)
        )

    batches = (b for b in (_keep(b, wanted) for b in frames) if b is not None)
    batch = next(batches, None)
    pending = pose(batch)
    try:
        while batch is not None and pending is not None:
            following = next(batches, None)
            pending_next = pose(following)
            posed = pending.result()
            for k, index in enumerate(batch.indices.tolist()):
                image, side_image = _draw_frame(
                    renderer, main_target, main_view, side, opts, posed.at(index), batch.images[k]
                )
                yield PreviewFrame(index, float(batch.times[k]), image, side_image)
            batch, pending = following, pending_next
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        renderer.release()


def _keep(batch: FrameBatch, wanted: np.ndarray | None) -> FrameBatch | None:
    """The frames of ``batch`` in ``wanted`` (all when None; None when there are none)."""
    if wanted is None:
        return batch
    keep = np.isin(batch.indices, wanted)
    if not keep.any():
        return None
    return (
        batch
        if keep.all()
        else FrameBatch(batch.indices[keep], batch.times[keep], batch.images[keep])
    )


def _draw_frame(
    renderer: MeshRenderer,
    target: RenderTarget,
    view: ViewCamera,
    side: _SideView | None,
    opts: PreviewOptions,
    people: tuple[list[int], npt.NDArray[np.float32], npt.NDArray[np.float64]],
    frame: npt.NDArray[np.uint8],
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8] | None]:
    """The overlay of one frame and its side view (None when not a separate stream)."""
    ids, verts, boxes = people
    colors = np.array([track_color(i) for i in ids], np.float32).reshape(-1, 3)
    rgba = renderer.draw(target, view, verts, colors, alpha=True)
    image = composite(frame, rgba, _screen_box(view, verts))
    draw_labels(image, ids, boxes, _label_anchors(view, verts), opts.boxes, opts.labels)
    side_image = side.draw(verts, colors) if side is not None else None
    if opts.side == "panel" and side_image is not None:
        return np.concatenate([image, side_image], axis=1), None
    return image, side_image


def _screen_box(view: ViewCamera, verts: npt.NDArray[np.float32]) -> tuple[int, int, int, int]:
    """Pixel box ``(x0, y0, x1, y1)`` holding every projected vertex (empty without people)."""
    pts = verts.reshape(-1, 3)
    if len(pts) == 0:
        return 0, 0, 0, 0
    if (pts[:, 2] <= NEAR_M).any():  # a body crosses the near plane: its image is unbounded
        return 0, 0, view.width, view.height
    uv = view.project(pts)
    lo = np.clip(np.floor(uv.min(0)) - 1, 0, [view.width, view.height]).astype(int)
    hi = np.clip(np.ceil(uv.max(0)) + 2, 0, [view.width, view.height]).astype(int)
    return int(lo[0]), int(lo[1]), int(hi[0]), int(hi[1])


def _label_anchors(view: ViewCamera, verts: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    """(P, 2) pixel above each body: its projected top point's row, its projection's mean column."""
    if len(verts) == 0:
        return np.zeros((0, 2))
    uv = view.project(verts)  # (P, V, 2)
    ahead = verts[..., 2] > NEAR_M
    u = np.where(ahead, uv[..., 0], np.nan)
    v = np.where(ahead, uv[..., 1], np.nan)
    with warnings.catch_warnings():  # a body wholly behind the camera: NaN anchor, no label
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.stack([np.nanmean(u, axis=1), np.nanmin(v, axis=1)], axis=1)


class _SideView:
    """The side camera, its target and floor, fixed for the whole video (a steady picture)."""

    def __init__(self, renderer: MeshRenderer, view: ViewCamera) -> None:
        self.renderer, self.view = renderer, view
        self.target = renderer.target(view.width, view.height)

    @classmethod
    def build(
        cls,
        motion: MotionSet,
        opts: PreviewOptions,
        renderer: MeshRenderer,
        world_from_camera: npt.ArrayLike | None,
    ) -> _SideView | None:
        if opts.side == "none":
            return None
        size = side_size(motion, opts) or (motion.camera.width, motion.camera.height)
        transl = np.concatenate([p.transl for p in motion.people] or [np.zeros((1, 3))])
        centre = np.median(transl, axis=0)
        view = side_view(motion.camera, centre, transl, size[0], size[1], world_from_camera)
        if world_from_camera is not None:
            renderer.set_floor(FloorMesh(*floor_grid(world_from_camera, centre)))
        return cls(renderer, view)

    def draw(self, verts: npt.NDArray[np.float32], colors: npt.NDArray[np.float32]) -> Any:
        return self.renderer.draw(
            self.target, self.view, verts, colors, clear_color=SIDE_BACKGROUND, floor=True
        )


@dataclass(frozen=True, eq=False)
class _PosedBatch:
    """Vertices of every person visible in a chunk of frames."""

    frames: npt.NDArray[np.int64]  # (R,) frame of each posed row
    track_ids: npt.NDArray[np.int64]  # (R,)
    vertices: npt.NDArray[np.float32]  # (R, V, 3) camera frame, metres
    boxes: npt.NDArray[np.float64]  # (R, 4)

    def at(self, frame: int) -> tuple[list[int], npt.NDArray[np.float32], npt.NDArray[np.float64]]:
        rows = np.flatnonzero(self.frames == frame)
        return self.track_ids[rows].tolist(), self.vertices[rows], self.boxes[rows]


def _posing_model(motion: MotionSet) -> Any:
    from mocap.body import SmplBody

    assert motion.body is not None
    return SmplBody(motion.body)


def _pose_batch(
    body: Any,
    people: Iterable[SmplSequence],
    frames: np.ndarray,
    world_from_camera: npt.NDArray[np.float64] | None = None,
) -> _PosedBatch:
    """Pose every row of ``people`` whose frame is in ``frames`` (one batched LBS, float32).

    Grounded people are posed in the world frame and mapped back to the camera frame.
    """
    import torch

    lo, hi = int(frames.min()), int(frames.max())
    parts: list[tuple[SmplSequence, np.ndarray]] = []
    for person in people:
        rows = np.flatnonzero((person.frames >= lo) & (person.frames <= hi))
        rows = rows[np.isin(person.frames[rows], frames)]
        if len(rows):
            parts.append((person, rows))
    nv = body.data.num_vertices
    if not parts:
        empty = np.zeros(0, np.int64)
        return _PosedBatch(empty, empty, np.zeros((0, nv, 3), np.float32), np.zeros((0, 4)))
    cat = np.concatenate
    params = [pose_in_camera(p, r, world_from_camera) for p, r in parts]
    betas = cat([np.repeat(p.betas[None], len(r), 0) for p, r in parts])

    def f32(arrays: list[np.ndarray]) -> Any:
        return torch.as_tensor(cat(arrays), dtype=torch.float32)

    with torch.inference_mode():
        out = body.forward(
            f32([betas]),
            f32([q[0] for q in params]),
            f32([q[1] for q in params]),
            f32([q[2] for q in params]),
        )
    assert out.vertices is not None
    verts = out.vertices.numpy()
    start = 0
    for (_, r), (*_, back) in zip(parts, params, strict=True):
        if back is not None:  # world motion: back to the camera frame
            v = verts[start : start + len(r)]
            v[:] = v @ back[:3, :3].T.astype(np.float32) + back[:3, 3].astype(np.float32)
        start += len(r)
    return _PosedBatch(
        frames=cat([p.frames[r] for p, r in parts]).astype(np.int64),
        track_ids=cat([np.full(len(r), p.track_id, np.int64) for p, r in parts]),
        vertices=verts,
        boxes=cat([p.boxes[r] for p, r in parts]).astype(np.float64),
    )
