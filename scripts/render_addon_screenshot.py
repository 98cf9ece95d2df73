"""Render the README screenshot of the Blender add-on headlessly (bpy wheel, Workbench).

Usage: python scripts/render_addon_screenshot.py [--out docs/images/blender_addon_import.png]

Uses the project's synthetic SMPL-format humanoid (not the licensed SMPL mesh) and a
three-person walking motion as a cliffmocap .npz, imports it with the add-on exactly as a user
would (File > Import > cliffmocap), and renders one frame through the imported video camera.
"""

import argparse
import logging
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "blender_addon"))
import addon_synthetic as syn  # noqa: E402  (test data helpers: motion + .npz writer)

log = logging.getLogger("render_addon_screenshot")

RENDER_FRAME = 30
PERSON_COLOURS = [(0.85, 0.45, 0.25, 1.0), (0.25, 0.55, 0.85, 1.0), (0.45, 0.75, 0.35, 1.0)]


def body_model() -> dict:
    """The project's synthetic SMPL-format humanoid (``mocap.synthetic``; not the SMPL mesh)."""
    from mocap.synthetic import make_synthetic_smpl

    raw = make_synthetic_smpl()
    keys = ("v_template", "shapedirs", "J_regressor", "weights", "f", "kintree_table")
    return {k: np.asarray(raw[k]) for k in keys}


def walking_case() -> "syn.Case":
    """Three people walking in place, facing the camera at different angles."""
    case = syn.make_case([(1, 0, 59), (2, 0, 59), (3, 10, 59)], num_frames=60)
    idx = {n: i for i, n in enumerate(syn.JOINT_NAMES)}
    for n, person in enumerate(case.people):
        t = person.frames / case.fps
        swing = 0.5 * np.sin(2 * np.pi * t + n)
        pose = np.zeros_like(person.pose)
        yaw = syn.Rotation.from_rotvec(np.outer([-0.6, 0.3, 1.0][n] * np.ones_like(t), [0, 1, 0]))
        pose[:, 0] = (syn.Rotation.from_rotvec([np.pi, 0, 0]) * yaw).as_rotvec()
        pose[:, idx["left_hip"], 0], pose[:, idx["right_hip"], 0] = swing, -swing
        pose[:, idx["left_knee"], 0] = 0.6 * np.maximum(0, np.sin(2 * np.pi * t + n + 1))
        pose[:, idx["right_knee"], 0] = 0.6 * np.maximum(0, -np.sin(2 * np.pi * t + n + 1))
        pose[:, idx["left_shoulder"], 2], pose[:, idx["right_shoulder"], 2] = -1.25, 1.25
        pose[:, idx["left_shoulder"], 0], pose[:, idx["right_shoulder"], 0] = -swing, swing
        pose[:, idx["left_elbow"], 1], pose[:, idx["right_elbow"], 1] = -0.4, 0.4
        person.pose = pose
        person.transl = np.tile(
            [[-1.3, 0.35, 5.0], [0.1, 0.3, 6.0], [1.4, 0.35, 4.6]][n], (len(t), 1)
        )
        person.betas = np.zeros(10)
    return case


def render(out: Path) -> None:
    import bpy

    import blender_addon

    with tempfile.TemporaryDirectory() as tmp:
        model_path, motion_path = Path(tmp, "body.npz"), Path(tmp, "walk.npz")
        syn.write_model_npz(body_model(), model_path)
        syn.write_motion_npz(walking_case(), motion_path)
        bpy.ops.wm.read_factory_settings(use_empty=True)
        blender_addon.register()
        result = bpy.ops.import_scene.cliffmocap(
            filepath=str(motion_path), smpl_model=str(model_path)
        )
        if result != {"FINISHED"}:
            raise RuntimeError(f"import returned {result}")
        scene = bpy.context.scene
        for n, name in enumerate(["person_1_body", "person_2_body", "person_3_body"]):
            bpy.data.objects[name].color = PERSON_COLOURS[n]
        scene.render.engine = "BLENDER_WORKBENCH"
        scene.display.shading.color_type = "OBJECT"
        scene.display.shading.light = "STUDIO"
        scene.world = bpy.data.worlds.new("background")
        scene.world.color = (0.12, 0.12, 0.14)
        scene.render.resolution_percentage = 100
        scene.render.image_settings.file_format = "PNG"
        scene.render.image_settings.color_mode = "RGB"
        scene.render.image_settings.compression = 100
        scene.frame_set(RENDER_FRAME)
        scene.render.filepath = str(out)
        bpy.ops.render.render(write_still=True)
        blender_addon.unregister()


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs/images/blender_addon_import.png")
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    render(args.out.resolve())
    log.info("%s", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
