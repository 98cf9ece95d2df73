"""Crops cut where CLIFF runs: each chunk's frames uploaded once, then one batched gather.

On CUDA the frames of a decoded chunk that have people are copied into a reusable page-locked
(pinned) host buffer and sent to the GPU with a non-blocking copy, so the CPU thread goes on while
the copy runs; :func:`mocap.crop.prepare_crops_torch` then cuts every person crop of the chunk on
the GPU, and the crops stay there until CLIFF reads them (no round trip through the CPU). On CPU
(tests force the path with device ``cpu``) the frames are used in place, without a copy.

Copies and crops are queued on the thread's current CUDA stream, which CLIFF's thread shares (the
default stream), so the order of upload, crop and network is kept by the stream itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import torch

    from mocap.crop import Crops

#: Boxes cropped per gather: the gather's float32 temporaries take ~0.6 MB a box each (256 x 192
#: x 3 x 4 bytes, about eight alive at once), so 64 boxes stay near 300 MB of device memory however
#: many people a chunk holds.
CROP_GROUP = 64
#: Pinned host buffers in the ring: a buffer is refilled only after the copy that last read it
#: has finished, so two let one chunk's copy run while the next chunk is being staged.
PINNED_SLOTS = 2


class PinnedUploader:
    """Host -> device copies of uint8 frames through a ring of reusable pinned buffers.

    Pinned memory is used only when ``device`` is CUDA and CUDA is available; elsewhere
    :meth:`upload` returns a CPU tensor sharing the array's memory (no copy).

    Args:
        device: the torch device the frames go to.
        slots: buffers in the ring (>= 1).
    """

    def __init__(self, device: torch.device, slots: int = PINNED_SLOTS) -> None:
        import torch

        self.device = device
        self.pinned = device.type == "cuda" and torch.cuda.is_available()
        self._slots: list[tuple[torch.Tensor, Any]] = []  # (flat uint8 buffer, CUDA event)
        self._size = max(1, slots)
        self._next = 0

    def upload(self, frames: np.ndarray, rows: np.ndarray | None = None) -> torch.Tensor:
        """``frames[rows]`` (all frames when ``rows`` is None) as a uint8 tensor on the device.

        Args:
            frames: (F, H, W, 3) uint8.
            rows: (K,) indices of the frames to send.

        Returns:
            (K, H, W, 3) uint8 tensor on ``device``; on CUDA the copy may still be running
            (later work on the same stream waits for it).
        """
        import torch

        if not self.pinned:
            picked = frames if rows is None else frames[rows]
            return torch.from_numpy(np.ascontiguousarray(picked)).to(self.device)
        shape = (len(frames) if rows is None else len(rows), *frames.shape[1:])
        buf, event = self._slot(int(np.prod(shape)))
        host = buf[: int(np.prod(shape))].view(shape)
        np_host = host.numpy()
        if rows is None:
            np.copyto(np_host, frames)
        else:
            np.take(frames, rows, axis=0, out=np_host)  # straight into the pinned buffer
        out = host.to(self.device, non_blocking=True)
        event.record(torch.cuda.current_stream(self.device))  # the stream the copy went on
        return out

    def _slot(self, nbytes: int) -> tuple[torch.Tensor, Any]:
        """The next ring buffer (at least ``nbytes``), once its last copy has finished."""
        import torch

        k = self._next
        self._next = (k + 1) % self._size
        if k < len(self._slots):
            buf, event = self._slots[k]
            event.synchronize()
            if buf.numel() >= nbytes:
                return buf, event
        slot = (torch.empty(nbytes, dtype=torch.uint8, pin_memory=True), torch.cuda.Event())
        if k < len(self._slots):
            self._slots[k] = slot
        else:
            self._slots.append(slot)
        return slot


class DeviceCropper:
    """The crops of every detection of one chunk, cut on ``device`` from frames uploaded once.

    Args:
        device: where the crops are cut (CLIFF's device).
    """

    def __init__(self, device: str | torch.device) -> None:
        import torch

        self.device = torch.device(device)
        self._uploader = PinnedUploader(self.device)

    def __call__(
        self, images: np.ndarray, frame_index: np.ndarray, boxes: np.ndarray, focal: float
    ) -> Crops:
        """Crops of ``boxes`` (N, 4) xyxy pixels on frames ``images[frame_index]``.

        Args:
            images: (F, H, W, 3) uint8 RGB frames of the chunk.
            frame_index: (N,) index into ``images`` of each box.
            boxes: (N, 4) x1, y1, x2, y2 in pixels.
            focal: focal length in pixels.

        Returns:
            :class:`mocap.crop.Crops` in box order whose ``images`` and ``bbox_info`` are tensors
            on ``device`` (see :func:`mocap.crop.prepare_crops_torch`).
        """
        from mocap.crop import prepare_crops_torch
        from mocap.pipeline.crops import concat_crops

        idx = np.asarray(frame_index, np.int64).reshape(-1)
        boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
        if self._uploader.pinned:
            used, local = np.unique(idx, return_inverse=True)  # only frames with people travel
            frames = self._uploader.upload(images, used)
            idx = local.reshape(-1)
        else:
            frames = self._uploader.upload(images)
        parts = [
            prepare_crops_torch(frames, idx[s : s + CROP_GROUP], boxes[s : s + CROP_GROUP], focal)
            for s in range(0, max(1, len(idx)), CROP_GROUP)
        ]
        return concat_crops(parts)
