"""Render the README screenshot of the Blender add-on headlessly (bpy wheel, Workbench).

Usage, from the repository root (the add-on package is imported from there):

    python -m scripts.render_addon_screenshot [--input samples/demo.glb]
                                              [--out docs/images/blender_addon_import.png]

Installs nothing: registers the add-on from ``blender_addon/``, imports the sample result
(three people, synthetic SMPL-format body, see samples/README.md) with File > Import > cliffmocap
exactly as a user would, and renders one frame through the imported video camera.
"""

import sys
from pathlib import Path

from scripts.blender_still import REPO, render_still, run_cli

RENDER_FRAME = 45  # all three sample people are on screen
PERSON_COLOURS = [(0.85, 0.45, 0.25, 1.0), (0.25, 0.55, 0.85, 1.0), (0.45, 0.75, 0.35, 1.0)]


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
        render_still(bpy, scene, out, RENDER_FRAME)
    finally:
        blender_addon.unregister()


def main() -> int:
    return run_cli(__doc__ or "", render, REPO / "docs" / "images" / "blender_addon_import.png")


if __name__ == "__main__":
    sys.exit(main())
