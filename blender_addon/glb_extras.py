"""Read ``scenes[0].extras`` from a cliffmocap ``.glb`` without importing it.

GLB layout (glTF 2.0 spec, "GLB File Format"): a 12-byte header (magic ``glTF``, version 2,
total length) followed by chunks of (uint32 length, uint32 type, data); the first chunk is JSON.
The extras schema is written by ``exporters/gltf.py``: generator, cliffmocap_version, schema
"cliffmocap-gltf/1", fps, num_frames, image_width, image_height, fx, fy, cx, cy, video_path and
people [{track_id, node, frame_start, frame_end, betas}]; newer files add space ("world" or
"camera") and camera_pose (16 numbers: the camera's 4x4 pose in the y-up scene, glTF camera axes).
"""

import json
import struct
from pathlib import Path

from .errors import ImportFailed

GLB_MAGIC = b"glTF"
GLB_JSON_CHUNK = 0x4E4F534A  # "JSON" little-endian, glTF 2.0 spec
SCHEMA = "cliffmocap-gltf/1"
_SCENE_KEYS = ("fps", "num_frames", "image_width", "image_height", "fx", "fy", "cx", "cy", "people")


def read_glb_json(path: Path) -> dict:
    """The parsed JSON chunk of a binary glTF file.

    Raises:
        ImportFailed: not a GLB v2 file or the JSON chunk is damaged.
    """
    try:
        with open(path, "rb") as f:
            header = f.read(20)
            if len(header) < 20 or header[:4] != GLB_MAGIC:
                raise ImportFailed(f"'{path}' is not a binary glTF (.glb) file")
            version, _total, chunk_len, chunk_type = struct.unpack("<IIII", header[4:20])
            if version != 2 or chunk_type != GLB_JSON_CHUNK:
                raise ImportFailed(
                    f"'{path}': unsupported GLB (version {version}, first chunk not JSON)"
                )
            text = f.read(chunk_len)
    except OSError as exc:
        raise ImportFailed(f"cannot read '{path}': {exc}") from None
    try:
        doc = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportFailed(f"'{path}': damaged glTF JSON chunk ({exc})") from None
    if not isinstance(doc, dict):
        raise ImportFailed(f"'{path}': glTF JSON is not an object")
    return doc


def cliffmocap_extras(doc: dict, path: Path) -> dict:
    """The validated cliffmocap extras of scene 0.

    Raises:
        ImportFailed: the file was not written by cliffmocap or its extras are incomplete.
    """
    scenes = doc.get("scenes") or [{}]
    extras = scenes[0].get("extras") if isinstance(scenes[0], dict) else None
    if not isinstance(extras, dict) or extras.get("schema") != SCHEMA:
        raise ImportFailed(
            f"'{path}' has no cliffmocap scene extras (schema '{SCHEMA}'); use File > Import > "
            "glTF 2.0 for other glTF files"
        )
    missing = [k for k in _SCENE_KEYS if k not in extras]
    if missing:
        raise ImportFailed(f"'{path}': cliffmocap extras lack {', '.join(missing)}")
    try:
        fps = float(extras["fps"])
        ok = fps > 0 and int(extras["image_width"]) > 0 and int(extras["image_height"]) > 0
        ok = ok and float(extras["fx"]) > 0 and float(extras["fy"]) > 0
        ok = ok and int(extras["num_frames"]) > 0 and isinstance(extras["people"], list)
        for person in extras["people"]:
            int(person["track_id"])
            str(person["node"])
            int(person["frame_start"])
            int(person["frame_end"])
    except (TypeError, ValueError, KeyError) as exc:
        raise ImportFailed(f"'{path}': malformed cliffmocap extras ({exc!r})") from None
    if not ok:
        raise ImportFailed(
            f"'{path}': invalid cliffmocap extras (fps, size, focal or frame count <= 0)"
        )
    return extras
