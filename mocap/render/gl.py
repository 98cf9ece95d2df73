"""Headless OpenGL rasterisation of posed body meshes (moderngl; EGL on Linux, no display needed).

One :class:`MeshRenderer` holds the programs and buffers; every :class:`RenderTarget` is an
off-screen colour + depth framebuffer of one size. Meshes are drawn with a depth buffer (the
nearest surface wins, so people behind others are hidden) and simple shading: a head light plus a
key light from above, per-fragment face normals from screen-space derivatives (no CPU normals).

Conventions: scene points are in metres in an OpenCV camera frame (+x right, +y down, +z forward);
a :class:`mocap.render.views.ViewCamera` maps them to pixels. Read-back images are ``(H, W, 3)``
uint8 RGB with row 0 at the top, so they composite directly onto decoded video frames.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from mocap.errors import DependencyMissingError
from mocap.render.views import ViewCamera

log = logging.getLogger(__name__)

#: Depth range of the projection in metres: people are between a few cm and ~100 m away.
NEAR_M = 0.05
FAR_M = 200.0
#: Meshes per draw call (size of the colour table in the vertex shader).
MAX_MESHES_PER_DRAW = 64

_MESH_VS = f"""
#version 330
uniform mat4 clip_from_scene;
uniform mat4 camera_from_scene;
uniform int verts_per_mesh;
uniform vec3 colors[{MAX_MESHES_PER_DRAW}];
in vec3 in_pos;
out vec3 v_cam;
flat out vec3 v_color;
void main() {{
    v_cam = (camera_from_scene * vec4(in_pos, 1.0)).xyz;
    v_color = colors[gl_VertexID / verts_per_mesh];
    gl_Position = clip_from_scene * vec4(in_pos, 1.0);
}}
"""

_FLOOR_VS = """
#version 330
uniform mat4 clip_from_scene;
uniform mat4 camera_from_scene;
in vec3 in_pos;
in vec3 in_color;
out vec3 v_cam;
flat out vec3 v_color;
void main() {
    v_cam = (camera_from_scene * vec4(in_pos, 1.0)).xyz;
    v_color = in_color;
    gl_Position = clip_from_scene * vec4(in_pos, 1.0);
}
"""

# Face normal from the derivatives of the camera-space position, turned towards the camera.
_SHADED_FS = """
#version 330
uniform float alpha;
in vec3 v_cam;
flat in vec3 v_color;
out vec4 f_color;
void main() {
    vec3 n = normalize(cross(dFdx(v_cam), dFdy(v_cam)));
    vec3 to_eye = normalize(-v_cam);
    if (dot(n, to_eye) < 0.0) n = -n;
    vec3 key = normalize(vec3(-0.3, -0.9, -0.3));
    float light = 0.3 + 0.5 * max(dot(n, to_eye), 0.0) + 0.35 * max(dot(n, key), 0.0);
    f_color = vec4(min(v_color * light, vec3(1.0)), alpha);
}
"""


def create_context() -> Any:
    """A standalone headless OpenGL 3.3+ context (EGL on Linux, the platform default elsewhere).

    Raises:
        DependencyMissingError: moderngl or the system's OpenGL/EGL libraries are missing; the
            one-line message names what to install.
    """
    try:
        import moderngl
    except ImportError as error:  # pragma: no cover - moderngl is a dependency
        raise DependencyMissingError(
            f"The preview renderer needs moderngl ({error}); reinstall cliffmocap."
        ) from None
    backend: dict[str, Any] = {"backend": "egl"} if sys.platform.startswith("linux") else {}
    try:
        ctx = moderngl.create_standalone_context(require=330, **backend)
    except Exception as error:  # moderngl/glcontext raise plain Exceptions
        reason = " ".join(str(error).split()) or type(error).__name__
        raise DependencyMissingError(
            f"No headless OpenGL context for the preview ({reason}). Install the system "
            "EGL and Mesa libraries (Debian/Ubuntu: apt-get install libegl1 libgl1-mesa-dri; "
            "Fedora: dnf install mesa-libEGL mesa-dri-drivers)."
        ) from None
    log.info("OpenGL renderer: %s", ctx.info.get("GL_RENDERER", "?"))
    return ctx


@dataclass(frozen=True, eq=False)
class FloorMesh:
    """Triangles with per-vertex colours drawn under the people (the side view's floor).

    Attributes:
        positions: (N, 3) float32 scene-frame points, N a multiple of 3 (one triangle per 3 rows).
        colors: (N, 3) float32 RGB in 0..1.
    """

    positions: npt.NDArray[np.float32]
    colors: npt.NDArray[np.float32]


class RenderTarget:
    """An off-screen RGBA + depth framebuffer of ``width`` x ``height`` pixels."""

    def __init__(self, ctx: Any, width: int, height: int) -> None:
        if width < 1 or height < 1:
            raise ValueError(f"RenderTarget: size must be positive, got {width}x{height}")
        self.width, self.height = int(width), int(height)
        self._color = ctx.renderbuffer((self.width, self.height), 4)
        self._depth = ctx.depth_renderbuffer((self.width, self.height))
        self.fbo = ctx.framebuffer(color_attachments=[self._color], depth_attachment=self._depth)

    def read_depth(self) -> npt.NDArray[np.float32]:
        """(H, W) float32 window depth of the last draw (1.0 where nothing was drawn)."""
        out = np.empty((self.height, self.width), np.float32)
        self.fbo.read_into(out, attachment=-1, components=1, alignment=1, dtype="f4")
        return out

    def read(self, components: int = 3) -> npt.NDArray[np.uint8]:
        """(H, W, components) uint8 of the last draw (a new array), row 0 at the top.

        ``components=4`` adds alpha: 255 where a mesh or the floor covers the pixel, else 0.
        """
        out = np.empty((self.height, self.width, components), np.uint8)
        self.fbo.read_into(out, components=components, alignment=1)
        return out

    def release(self) -> None:
        for obj in (self.fbo, self._color, self._depth):
            obj.release()


class MeshRenderer:
    """Draws many copies of one triangle mesh (every person's posed body) into render targets.

    Args:
        faces: (F, 3) int vertex indices of the body mesh (SMPL: 13776 triangles).
        num_vertices: V, vertices per body.
        ctx: an OpenGL context (default: :func:`create_context`).
    """

    def __init__(self, faces: npt.ArrayLike, num_vertices: int, ctx: Any = None) -> None:
        self.ctx = ctx if ctx is not None else create_context()
        self.faces = np.ascontiguousarray(faces, dtype=np.int32).reshape(-1, 3)
        self.num_vertices = int(num_vertices)
        c = self.ctx
        self._mesh_prog = c.program(vertex_shader=_MESH_VS, fragment_shader=_SHADED_FS)
        self._floor_prog = c.program(vertex_shader=_FLOOR_VS, fragment_shader=_SHADED_FS)
        per_mesh = self.faces.ravel()
        offsets = np.arange(MAX_MESHES_PER_DRAW, dtype=np.int32)[:, None] * self.num_vertices
        self._ibo = c.buffer((per_mesh[None, :] + offsets).astype(np.int32).tobytes())
        self._vbo = c.buffer(reserve=MAX_MESHES_PER_DRAW * self.num_vertices * 12, dynamic=True)
        self._vao = c.vertex_array(
            self._mesh_prog,
            [(self._vbo, "3f", "in_pos")],
            index_buffer=self._ibo,
            index_element_size=4,
        )
        self._floor: tuple[Any, Any, int] | None = None
        #: Skip back faces (bodies are closed, outward-oriented surfaces); False draws both sides.
        self.cull_back_faces = True

    def target(self, width: int, height: int) -> RenderTarget:
        """A new off-screen target of this size (keep it for every frame of that size)."""
        return RenderTarget(self.ctx, width, height)

    def set_floor(self, floor: FloorMesh | None) -> None:
        """Geometry drawn by ``draw(..., floor=True)`` (None removes it)."""
        if self._floor is not None:
            self._floor[0].release()
            self._floor[1].release()
            self._floor = None
        if floor is None or len(floor.positions) == 0:
            return
        data = np.concatenate([floor.positions, floor.colors], axis=1).astype(np.float32)
        vbo = self.ctx.buffer(np.ascontiguousarray(data).tobytes())
        vao = self.ctx.vertex_array(self._floor_prog, [(vbo, "3f 3f", "in_pos", "in_color")])
        self._floor = (vbo, vao, len(floor.positions))

    def draw(
        self,
        target: RenderTarget,
        view: ViewCamera,
        vertices: npt.ArrayLike,
        colors: npt.ArrayLike,
        clear_color: tuple[float, float, float] = (0.0, 0.0, 0.0),
        floor: bool = False,
        alpha: bool = False,
    ) -> npt.NDArray[np.uint8]:
        """Render bodies (and the floor) over a flat colour and read the result back.

        Compositing over video frames is done on the CPU from the alpha channel
        (:func:`mocap.render.draw.composite`): cheaper on llvmpipe than a full-frame textured pass.

        Args:
            target: where to draw (its size must equal ``view``'s).
            view: camera intrinsics and pose (scene -> pixels).
            vertices: (P, V, 3) posed vertices in the scene frame, metres (P may be 0).
            colors: (P, 3) RGB in 0..1, one per body.
            clear_color: RGB 0..1 where there is no mesh.
            floor: also draw the geometry given to :meth:`set_floor`.
            alpha: also return coverage (see below).

        Returns:
            (H, W, 3) uint8 RGB read-back, row 0 at the top, a new array; with ``alpha``
            (H, W, 4) RGBA whose alpha is 255 where a body or the floor covers the pixel.
        """
        if (view.width, view.height) != (target.width, target.height):
            raise ValueError(
                f"draw: view is {view.width}x{view.height}, target {target.width}x{target.height}"
            )
        verts = np.asarray(vertices, np.float32).reshape(-1, self.num_vertices, 3)
        cols = np.asarray(colors, np.float32).reshape(-1, 3)
        ctx = self.ctx
        target.fbo.use()
        ctx.viewport = (0, 0, target.width, target.height)
        target.fbo.clear(*clear_color, 0.0, depth=1.0)
        ctx.enable(ctx.DEPTH_TEST)
        # Bodies are closed surfaces with outward (counter-clockwise) triangles: their back faces
        # are always hidden, so skip them. The y-down projection mirrors the screen, which turns
        # outward faces clockwise on screen.
        ctx.front_face = "cw"
        clip = view.clip_from_scene(NEAR_M, FAR_M)
        cam = view.camera_from_scene
        if floor and self._floor is not None:
            self._set_matrices(self._floor_prog, clip, cam)
            self._floor_prog["alpha"].value = 1.0
            self._floor[1].render(vertices=self._floor[2])
        if self.cull_back_faces:
            ctx.enable(ctx.CULL_FACE)
        self._set_matrices(self._mesh_prog, clip, cam)
        self._mesh_prog["alpha"].value = 1.0
        self._mesh_prog["verts_per_mesh"].value = self.num_vertices
        for start in range(0, len(verts), MAX_MESHES_PER_DRAW):
            chunk = verts[start : start + MAX_MESHES_PER_DRAW]
            table = np.zeros((MAX_MESHES_PER_DRAW, 3), np.float32)
            table[: len(chunk)] = cols[start : start + len(chunk)]
            self._mesh_prog["colors"].write(table.tobytes())
            self._vbo.write(np.ascontiguousarray(chunk).tobytes())
            self._vao.render(vertices=len(chunk) * self.faces.size)
        ctx.disable(ctx.DEPTH_TEST | ctx.CULL_FACE)
        return target.read(4 if alpha else 3)

    @staticmethod
    def _set_matrices(prog: Any, clip: np.ndarray, cam: np.ndarray) -> None:
        # GLSL matrices are column-major: write the transpose of the row-major numpy matrix.
        prog["clip_from_scene"].write(np.ascontiguousarray(clip.T, np.float32).tobytes())
        prog["camera_from_scene"].write(np.ascontiguousarray(cam.T, np.float32).tobytes())

    def release(self) -> None:
        """Free the GL objects (the context itself is released with the renderer's owner)."""
        self.set_floor(None)
        for obj in (self._vao, self._vbo, self._ibo):
            obj.release()
        for prog in (self._mesh_prog, self._floor_prog):
            prog.release()
