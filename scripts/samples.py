"""Write the sample files in ``samples/`` (synthetic, no SMPL licence needed).

Usage, from the repository root: ``python -m scripts.samples [OUT_DIR]`` (default ``samples/``).
It writes:

* ``demo.npz`` — the 3-person, 4-second motion of :func:`mocap.testing.demo_motion.demo_motion`
  in the ``cliffmocap/1`` schema (the "input");
* ``demo.glb``, ``demo_person<id>.bvh``, ``demo_person<id>.amass.npz`` and, where Blender's
  ``bpy`` is installed (the ``blender`` extra), ``demo.fbx`` — exported from ``demo.npz`` read
  back with ``exporters.read_npz`` plus the synthetic humanoid body of ``mocap.testing.synthetic``
  (SMPL's topology and joints, made-up shape; not the licensed SMPL model).

Remade on the same machine, every file is byte-identical (checked by tests/exporters).
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import logging
from pathlib import Path

from exporters import write
from exporters.npz import read_npz
from mocap.testing.demo_motion import demo_motion
from mocap.testing.synthetic import synthetic_smpl_model_data

logger = logging.getLogger(__name__)


def make_samples(out_dir: Path, overwrite: bool = True) -> list[Path]:
    """Write the demo npz, then glb and bvh exported from the npz read back (see module doc)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = [write(demo_motion(), out_dir / "demo.npz", overwrite=overwrite)]
    motion = dataclasses.replace(read_npz(written[0]), body=synthetic_smpl_model_data())
    written.append(write(motion, out_dir / "demo.glb", overwrite=overwrite))
    written.extend(write(motion, out_dir / "demo.bvh", overwrite=overwrite))
    written.extend(write(motion, out_dir / "demo.amass.npz", overwrite=overwrite))
    if importlib.util.find_spec("bpy") is not None:
        written.append(write(motion, out_dir / "demo.fbx", overwrite=overwrite))
    else:
        logger.info("demo.fbx not made: it needs Blender's bpy (uv sync --extra blender)")
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write the synthetic cliffmocap sample files.")
    parser.add_argument("out_dir", nargs="?", type=Path, default=Path("samples"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for path in make_samples(args.out_dir):
        logger.info("%s  %.1f kB", path, path.stat().st_size / 1e3)


if __name__ == "__main__":
    main()
