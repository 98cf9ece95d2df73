"""Fixed creation time in a binary FBX file (so that the same scene always gives the same bytes).

Blender's FBX exporter writes the wall-clock time of the export into
``FBXHeaderExtension/CreationTimeStamp`` (one 32-bit integer node per field: ``Year`` …
``Millisecond``); the root ``CreationTime`` string and ``FileId`` it already writes as fixed
values. :func:`fix_creation_stamp` overwrites those integers in place with
:data:`FIXED_CREATION_TIME`, so the file length, every node offset and everything else stay
unchanged.

Binary FBX layout used here (the public description of the format, e.g. Blender's
``io_scene_fbx/encode_bin.py`` writes it): a 27-byte header (magic, ``0x1A 0x00``, uint32 version),
then node records. A record is ``end_offset, num_properties, property_bytes`` (uint32 each, uint64
from version 7500), a uint8 name length, the name, the properties, then the nested records ended by
an all-zero record. ``end_offset`` is the absolute file offset just past the record. A 32-bit
integer property is the type code ``b"I"`` followed by a little-endian int32.
"""

from __future__ import annotations

import datetime
import struct
from collections.abc import Iterator
from typing import NamedTuple

FBX_MAGIC = b"Kaydara FBX Binary  \x00"
#: Magic (21 bytes), ``0x1A 0x00`` (2), uint32 version (4).
FBX_HEADER_BYTES = 27
#: From this version the record header fields are 64-bit.
FBX_WIDE_RECORDS_VERSION = 7500
#: The same instant Blender already writes as the root ``CreationTime`` string
#: (``1970-01-01 10:00:00:000``), so the file's two time fields agree.
FIXED_CREATION_TIME = datetime.datetime(1970, 1, 1, 10, 0, 0)
STAMP_PATH = (b"FBXHeaderExtension", b"CreationTimeStamp")


def _stamp_fields(when: datetime.datetime) -> dict[bytes, int]:
    return {
        b"Year": when.year,
        b"Month": when.month,
        b"Day": when.day,
        b"Hour": when.hour,
        b"Minute": when.minute,
        b"Second": when.second,
        b"Millisecond": when.microsecond // 1000,
    }


class _Record(NamedTuple):
    name: bytes
    end: int  # absolute offset just past the record
    num_properties: int
    properties_at: int  # offset of the first property
    children_at: int  # offset of the first nested record


class _Records:
    """Reads the record headers of one binary FBX (layout: module doc)."""

    def __init__(self, data: bytes | bytearray):
        if len(data) < FBX_HEADER_BYTES or bytes(data[: len(FBX_MAGIC)]) != FBX_MAGIC:
            raise ValueError("not a binary FBX file")
        (version,) = struct.unpack_from("<I", data, FBX_HEADER_BYTES - 4)
        self.data = data
        self.fmt = "<QQQB" if version >= FBX_WIDE_RECORDS_VERSION else "<IIIB"
        self.head = struct.calcsize(self.fmt)

    def children(self, start: int, end: int) -> Iterator[_Record]:
        """The records from ``start`` up to an all-zero record or ``end``."""
        pos = start
        while pos + self.head <= end:
            rec_end, nprops, prop_bytes, name_len = struct.unpack_from(self.fmt, self.data, pos)
            if rec_end == 0:
                return
            props_at = pos + self.head + name_len
            if not props_at + prop_bytes <= rec_end <= end:
                raise ValueError(f"record at byte {pos} overruns its parent")
            name = bytes(self.data[pos + self.head : props_at])
            yield _Record(name, rec_end, nprops, props_at, props_at + prop_bytes)
            pos = rec_end

    def find(self, path: tuple[bytes, ...]) -> _Record:
        """The record at ``path`` (names from the top level; the first match at each level)."""
        start, end = FBX_HEADER_BYTES, len(self.data)
        found = None
        for wanted in path:
            found = next((r for r in self.children(start, end) if r.name == wanted), None)
            if found is None:
                raise ValueError(f"no {b'/'.join(path).decode()} record")
            start, end = found.children_at, found.end
        assert found is not None
        return found


def fix_creation_stamp(data: bytes, when: datetime.datetime = FIXED_CREATION_TIME) -> bytes:
    """``data`` (a binary FBX) with its ``CreationTimeStamp`` fields set to ``when``.

    Only the seven int32 values change; length and every other byte stay as they were.

    Raises:
        ValueError: ``data`` is not a binary FBX, is damaged, or has no complete
            ``FBXHeaderExtension/CreationTimeStamp`` of int32 fields.
    """
    out = bytearray(data)
    records = _Records(out)
    stamp = records.find(STAMP_PATH)
    wanted = _stamp_fields(when)
    for rec in records.children(stamp.children_at, stamp.end):
        if rec.name not in wanted:
            continue
        if rec.num_properties != 1 or out[rec.properties_at : rec.properties_at + 1] != b"I":
            raise ValueError(f"CreationTimeStamp/{rec.name.decode()} is not one int32")
        struct.pack_into("<i", out, rec.properties_at + 1, wanted.pop(rec.name))
    if wanted:
        missing = ", ".join(sorted(n.decode() for n in wanted))
        raise ValueError(f"CreationTimeStamp lacks {missing}")
    return bytes(out)
