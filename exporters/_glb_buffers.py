"""The BIN chunk of a .glb: typed numpy arrays become 4-byte aligned bufferViews and accessors."""

from __future__ import annotations

import numpy as np
import pygltflib as gl

ALIGN = 4  # bufferViews start on 4-byte boundaries (glTF data alignment rule)
FLOAT, UBYTE, USHORT, UINT = 5126, 5121, 5123, 5125
COMPONENT = {np.float32: FLOAT, np.uint8: UBYTE, np.uint16: USHORT, np.uint32: UINT}
TYPE_BY_WIDTH = {1: "SCALAR", 2: "VEC2", 3: "VEC3", 4: "VEC4", 16: "MAT4"}
ARRAY_BUFFER, ELEMENT_ARRAY_BUFFER = 34962, 34963


class Buffers:
    """Accumulates the BIN chunk: one 4-byte aligned bufferView per accessor."""

    def __init__(self, gltf: gl.GLTF2) -> None:
        self.gltf = gltf
        self.chunks: list[bytes] = []
        self.size = 0

    def add(
        self,
        data: np.ndarray,
        target: int | None = None,
        bounds: bool = False,
        type_: str | None = None,
    ) -> int:
        """Store ``data`` (N, k) or (N,) and return its accessor index."""
        arr = np.ascontiguousarray(data)
        width = 1 if arr.ndim == 1 else int(np.prod(arr.shape[1:]))
        raw = arr.tobytes()
        view = gl.BufferView(buffer=0, byteOffset=self.size, byteLength=len(raw), target=target)
        self.chunks.append(raw)
        pad = -len(raw) % ALIGN
        self.chunks.append(b"\0" * pad)
        self.size += len(raw) + pad
        self.gltf.bufferViews.append(view)
        accessor = gl.Accessor(
            bufferView=len(self.gltf.bufferViews) - 1,
            componentType=COMPONENT[arr.dtype.type],
            count=int(arr.shape[0]),
            type=type_ or TYPE_BY_WIDTH[width],
        )
        if bounds:
            flat = arr.reshape(arr.shape[0], -1)
            accessor.min = [float(v) for v in flat.min(axis=0)]
            accessor.max = [float(v) for v in flat.max(axis=0)]
        self.gltf.accessors.append(accessor)
        return len(self.gltf.accessors) - 1

    def blob(self) -> bytes:
        return b"".join(self.chunks)
