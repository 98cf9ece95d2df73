"""Build and validate the Blender extension zip with Blender's own extension tool.

Usage: python scripts/build_addon.py [--output-dir dist]

Runs ``blender_ext.py build`` then ``blender_ext.py validate`` on the result. The tool ships in
the ``bpy`` wheel (``bpy/<version>/scripts/addons_core/bl_pkg/cli/blender_ext.py``), so no
Blender executable is needed; with a Blender install the same is
``blender --command extension build --source-dir blender_addon``.
Prints the zip path on success; exits 1 with Blender's message on failure.
"""

import argparse
import importlib.util
import logging
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOURCE_DIR = REPO / "blender_addon"
EXT_TOOL_RELATIVE = Path("scripts", "addons_core", "bl_pkg", "cli", "blender_ext.py")

log = logging.getLogger("build_addon")


def find_ext_tool() -> Path:
    """Blender's extension command-line tool inside the installed bpy wheel.

    Raises:
        FileNotFoundError: bpy is not installed (``uv sync --extra blender``).
    """
    spec = importlib.util.find_spec("bpy")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("bpy is not installed; run 'uv sync --extra blender'")
    for version_dir in sorted(Path(spec.origin).parent.iterdir(), reverse=True):
        tool = version_dir / EXT_TOOL_RELATIVE
        if tool.is_file():
            return tool
    raise FileNotFoundError(f"no {EXT_TOOL_RELATIVE} under {Path(spec.origin).parent}")


def _run(args: list) -> None:
    proc = subprocess.run(args, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, args))} failed:\n{proc.stdout}{proc.stderr}")


def build(output_dir: Path, source_dir: Path = SOURCE_DIR) -> Path:
    """Build ``<id>-<version>.zip`` into ``output_dir`` and validate it; return its path."""
    tool = find_ext_tool()
    output_dir.mkdir(parents=True, exist_ok=True)
    manifest = tomllib.loads((source_dir / "blender_manifest.toml").read_text(encoding="utf-8"))
    zip_path = output_dir / f"{manifest['id']}-{manifest['version']}.zip"
    zip_path.unlink(missing_ok=True)
    py = sys.executable
    _run([py, tool, "build", "--source-dir", source_dir, "--output-filepath", zip_path])
    _run([py, tool, "validate", zip_path])
    return zip_path


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output-dir", type=Path, default=REPO / "dist")
    args = parser.parse_args()
    try:
        zip_path = build(args.output_dir)
    except (FileNotFoundError, RuntimeError) as exc:
        log.error("%s", exc)
        return 1
    log.info("%s", zip_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
