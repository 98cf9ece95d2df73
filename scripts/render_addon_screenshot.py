"""Render the README screenshot of the Blender add-on headlessly (bpy wheel, Workbench).

Usage, from the repository root (the add-on package is imported from there):

    python -m scripts.render_addon_screenshot [--input samples/demo.glb]
                                              [--out docs/images/blender_addon_import.png]

Installs nothing: registers the add-on from ``blender_addon/``, imports the sample result
(three people, synthetic SMPL-format body, see samples/README.md) with File > Import > cliffmocap
exactly as a user would, and renders one frame through the imported video camera.
"""

import argparse
import logging
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

log = logging.getLogger("render_addon_screenshot")

RENDER_FRAME = 45  # all three sample people are on screen
RENDER_SCALE_PERCENT = 50  # 1280x720 sample video -> 640x360 PNG
PERSON_COLOURS = [(0.85, 0.45, 0.25, 1.0), (0.25, 0.55, 0.85, 1.0), (0.45, 0.75, 0.35, 1.0)]
BACKGROUND_RGB = (0.12, 0.12, 0.14)


def render(result: Path, out: Path) -> None:
    """Import ``result`` with the add-on and write a Workbench render of RENDER_FRAME to ``out``."""
    import bpy

    import blender_addon

    bpy.ops.wm.read_factory_settings(use_empty=True)
    blender_addon.register()
    try:
        if bpy.ops.import_scene.cliffmocap(filepath=str(result)) != {"FINISHED"}:
            raise RuntimeError(f"importing {result} did not finish")
        scene = bpy.context.scene
        bodies = sorted(
            (o for o in scene.objects if o.type == "MESH" and o.name.endswith("_body")),
            key=lambda o: o.name,
        )
        for obj, colour in zip(bodies, PERSON_COLOURS, strict=False):
            obj.color = colour
        scene.render.engine = "BLENDER_WORKBENCH"
        scene.display.shading.color_type = "OBJECT"
        scene.display.shading.light = "STUDIO"
        scene.world = bpy.data.worlds.new("background")
        scene.world.color = BACKGROUND_RGB
        scene.render.resolution_percentage = RENDER_SCALE_PERCENT
        scene.render.image_settings.file_format = "PNG"
        scene.render.image_settings.color_mode = "RGB"
        scene.render.image_settings.compression = 100
        scene.frame_set(RENDER_FRAME)
        scene.render.filepath = str(out)
        bpy.ops.render.render(write_still=True)
    finally:
        blender_addon.unregister()


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", type=Path, default=REPO / "samples" / "demo.glb")
    parser.add_argument("--out", type=Path, default=REPO / "docs/images/blender_addon_import.png")
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    render(args.input.resolve(), args.out.resolve())
    log.info("%s", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
