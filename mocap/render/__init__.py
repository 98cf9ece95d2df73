"""Preview rendering: every person's mesh over the footage, a side view, and an MP4 writer.

* :func:`render_preview` (:mod:`mocap.render.preview`) — MotionSet + decoded frames -> frames;
* :class:`Mp4Writer` (:mod:`mocap.render.encode`) — streaming H.264/MP4 with the input's times;
* :class:`MeshRenderer` (:mod:`mocap.render.gl`) — headless OpenGL (moderngl, EGL on Linux).

Importing this package loads neither OpenGL nor torch; they load when a preview is rendered.
"""

from __future__ import annotations

from mocap.render.encode import Mp4Writer
from mocap.render.preview import PreviewFrame, PreviewOptions, render_preview, side_size

__all__ = ["Mp4Writer", "PreviewFrame", "PreviewOptions", "render_preview", "side_size"]
