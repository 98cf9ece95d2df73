"""The FBX creation-time rewrite: on hand-built binary FBX files (both record widths) and on a
real Blender export (``blender``), where two exports of one motion must be byte-identical."""

from __future__ import annotations

import datetime
import struct

import pytest

import exporters
from exporters._fbx_stamp import FBX_MAGIC, FIXED_CREATION_TIME, fix_creation_stamp

NOW = datetime.datetime(2026, 12, 3, 7, 41, 59, 123000)
STAMP_NAMES = ("Year", "Month", "Day", "Hour", "Minute", "Second", "Millisecond")


def prop_int(v: int) -> bytes:
    return b"I" + struct.pack("<i", v)


def prop_str(s: bytes) -> bytes:
    return b"S" + struct.pack("<I", len(s)) + s


def prop_doubles(values: list[float]) -> bytes:
    return (
        b"d"
        + struct.pack("<III", len(values), 0, 8 * len(values))
        + struct.pack(f"<{len(values)}d", *values)
    )


def encode_node(node: tuple, at: int, wide: bool) -> bytes:
    """One record (name, [property bytes], [child nodes]) starting at file offset ``at``."""
    name, props, children = node
    fmt = "<QQQB" if wide else "<IIIB"
    head = struct.calcsize(fmt)
    blob = b"".join(props)
    pos = at + head + len(name) + len(blob)
    body = b""
    for child in children:
        body += encode_node(child, pos + len(body), wide)
    if children:
        body += b"\0" * head
    end = pos + len(body)
    return struct.pack(fmt, end, len(props), len(blob), len(name)) + name + blob + body


def fbx_file(when: datetime.datetime, wide: bool = False, drop: str = "") -> bytes:
    fields = [
        (name.encode(), [prop_int(v)], [])
        for name, v in zip(
            STAMP_NAMES,
            (*when.timetuple()[:6], when.microsecond // 1000),
            strict=True,
        )
        if name != drop
    ]
    nodes = [
        (b"FBXHeaderExtension", [], [
            (b"FBXHeaderVersion", [prop_int(1003)], []),
            (b"CreationTimeStamp", [], [(b"Version", [prop_int(1000)], []), *fields]),
            (b"Creator", [prop_str(b"test")], []),
        ]),
        (b"Objects", [], [(b"Geometry", [prop_doubles([1.0, 2.0, 3.0]), prop_str(b"Year")], [])]),
    ]  # fmt: skip
    version = 7500 if wide else 7400
    out = FBX_MAGIC + b"\x1a\x00" + struct.pack("<I", version)
    for node in nodes:
        out += encode_node(node, len(out), wide)
    return out + b"\0" * (25 if wide else 13) + b"footer"


@pytest.mark.parametrize("wide", [False, True], ids=["7400", "7500"])
def test_the_stamp_becomes_the_fixed_time_and_nothing_else_changes(wide):
    fixed = fix_creation_stamp(fbx_file(NOW, wide))
    assert fixed == fbx_file(FIXED_CREATION_TIME, wide)
    assert fixed != fbx_file(NOW, wide)


def test_any_time_can_be_stamped():
    assert fix_creation_stamp(fbx_file(NOW), FIXED_CREATION_TIME.replace(year=2001)) == fbx_file(
        FIXED_CREATION_TIME.replace(year=2001)
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"glTF" + bytes(40), "not a binary FBX"),
        (fbx_file(NOW, drop="Second"), "lacks Second"),
        (fbx_file(NOW).replace(b"CreationTimeStamp", b"CreationTimeStump"), "no FBXHeader"),
        (fbx_file(NOW)[:60], "overruns"),
    ],
    ids=["not-fbx", "missing-field", "no-stamp", "truncated"],
)
def test_an_unexpected_file_is_refused(data, message):
    with pytest.raises(ValueError, match=message):
        fix_creation_stamp(data)


@pytest.mark.blender
def test_two_blender_exports_are_byte_identical(motion, tmp_path):
    """Each export runs Blender in a new process: fails with a random hash seed or the clock."""
    a = exporters.write(motion, tmp_path / "a.fbx")
    b = exporters.write(motion, tmp_path / "b.fbx")
    data = a.read_bytes()
    assert data == b.read_bytes()
    assert fix_creation_stamp(data) == data  # already the fixed time
