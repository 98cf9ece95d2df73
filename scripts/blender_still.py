"""What the headless Blender picture scripts share: one workbench still, and their command line.

Used by ``scripts/render_addon_screenshot.py`` and ``scripts/render_rigify_retarget.py``.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SAMPLE_GLB = REPO / "samples" / "demo.glb"
RENDER_SCALE_PERCENT = 50  # 1280x720 sample video -> 640x360 PNG
BACKGROUND_RGB = (0.12, 0.12, 0.14)

log = logging.getLogger(__name__)


def render_still(bpy: Any, scene: Any, out: Path, frame: int) -> None:
    """Render ``frame`` of ``scene`` with the workbench engine (object colours, studio light) to
    the PNG ``out`` at ``RENDER_SCALE_PERCENT`` of the scene's resolution."""
    scene.render.engine = "BLENDER_WORKBENCH"
    scene.display.shading.color_type = "OBJECT"
    scene.display.shading.light = "STUDIO"
    scene.world = bpy.data.worlds.new("background")
    scene.world.color = BACKGROUND_RGB
    scene.render.resolution_percentage = RENDER_SCALE_PERCENT
    scene.render.image_settings.file_format = "PNG"
    scene.render.image_settings.color_mode = "RGB"
    scene.render.image_settings.compression = 100
    scene.frame_set(frame)
    scene.render.filepath = str(out)
    bpy.ops.render.render(write_still=True)


def run_cli(doc: str, render: Callable[[Path, Path], None], default_out: Path) -> int:
    """The scripts' shared command line: ``[--input GLB] [--out PNG]``; returns the exit code."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--input", type=Path, default=SAMPLE_GLB)
    parser.add_argument("--out", type=Path, default=default_out)
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    render(args.input.resolve(), args.out.resolve())
    log.info("%s", args.out)
    return 0
