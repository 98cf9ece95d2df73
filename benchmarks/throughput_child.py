"""One measurement of ``bench_throughput.py`` in a fresh process: prints one JSON line.

    python benchmarks/throughput_child.py '{"mode": "ours", "video": ..., ...}'

Modes: ``ours`` (cold run unless ``cold`` is false, warm end-to-end run, CLIFF alone on the same
crops), ``first`` (cold run to the first regressed batch only) and ``demo`` (the official demo
path). torch is imported before any clock starts. On CUDA every timed section ends with a
synchronisation (the regressor brings its results to the CPU per batch, so a run's end is already
synchronised).
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

#: Seconds between GPU utilisation samples (NVML averages over its own 1/6 to 1 s window).
UTIL_PERIOD_S = 0.1


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class GpuBusy:
    """Mean NVML GPU utilisation (%) while the block runs; None without CUDA or pynvml."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        while not self._stop.wait(UTIL_PERIOD_S):
            try:
                self.samples.append(float(torch.cuda.utilization()))
            except Exception:  # no pynvml, or NVML refused: no number rather than a wrong one
                return

    def __enter__(self) -> GpuBusy:
        if torch.cuda.is_available():
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    @property
    def mean(self) -> float | None:
        return float(np.mean(self.samples)) if self.samples else None


def gpu_mb() -> float | None:
    return torch.cuda.max_memory_allocated() / 2**20 if torch.cuda.is_available() else None


def sync() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def config(a: dict):
    from mocap.config import PipelineConfig

    # only settings an older tree (``--before``) also knows, unless asked for
    extra: dict[str, Any] = {"torch_compile": True} if a.get("compile") else {}
    if a.get("batch") is not None:
        extra["batch_size"] = a["batch"]
    if a.get("crop_on_device") is not None:
        extra["crop_on_device"] = a["crop_on_device"]
    return PipelineConfig(
        checkpoint=Path(a["ckpt"]),
        smpl_model=Path(a["smpl"]),
        boxes=Path(a["boxes"]),
        device=a["device"],
        precision=a["precision"],
        decoder=a["decoder"],
        smooth="off",
        **extra,
    )


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def first_batch(a: dict) -> dict:
    """The cold run: seconds to the first regressed batch (``first_s``), that batch's CLIFF call
    (``network_s``), CPU seconds to it (``cpu_s``) and the whole run (``cold_s``)."""
    import mocap

    t0, c0 = time.perf_counter(), cpu_s()
    first: list[tuple[float, float, float]] = []

    def seen(e) -> None:
        if e.stage == "regress" and not first:
            first.append((time.perf_counter() - t0, e.elapsed_s, cpu_s() - c0))

    mocap.run(a["video"], config(a), seen)
    (first_s, network_s, cpu), cold_s = first[0], time.perf_counter() - t0
    return {"first_s": first_s, "network_s": network_s, "cpu_s": cpu, "cold_s": cold_s}


def on_worker_thread(fn):
    """``fn()`` on a fresh thread, as the pipeline runs CLIFF (measured on this 2-core machine
    under load: a bf16 res50 batch took 4.9 s on the main thread and 1.5 s on a worker thread)."""
    out: list = []
    t = threading.Thread(target=lambda: out.append(fn()))
    t.start()
    t.join()
    return out[0]


def time_model(regressor, crops: list) -> float:
    """Seconds of ``regressor`` over ``crops`` after one untimed call per batch shape."""
    for c in {len(c): c for c in crops}.values():
        regressor(c)
    sync()
    t = time.perf_counter()
    for c in crops:
        regressor(c)
    sync()
    return time.perf_counter() - t


def ours(a: dict) -> dict:
    import mocap
    from mocap.pipeline import load_stages

    cold = first_batch(a) if a.get("cold", True) else {"first_s": float("nan"), "cold_s": 0.0}
    cfg = config(a)
    stages = load_stages(cfg)
    mocap.run(a["video"], cfg, stages=stages)  # warm: every batch shape seen once
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    sync()
    with GpuBusy() as busy:
        t = time.perf_counter()
        n = mocap.run(a["video"], cfg, stages=stages).num_frames
        e2e = time.perf_counter() - t
    device_mb = gpu_mb()
    crops: list = []
    real = stages.regressor

    def keep(c):
        crops.append(c)
        return real(c)

    mocap.run(a["video"], cfg, stages=replace(stages, regressor=keep))  # untimed: the crops
    model = on_worker_thread(lambda: time_model(real, crops))
    return {
        "first_s": cold["first_s"],
        "cold_s": cold["cold_s"],
        "frames": n,
        "e2e_s": e2e,
        "model_s": model,
        "crops": sum(len(c) for c in crops),
        "peak_mb": peak_rss_mb(),
        "gpu_mb": device_mb,
        "gpu_busy": busy.mean,
        "crop_device": str(getattr(crops[0].images, "device", "cpu")) if crops else "-",
    }


def demo(a: dict) -> dict:
    """ffmpeg -> PNG -> all frames in RAM -> DataLoader batch 32 -> model (cliff_spec.md §3, §7)."""
    import av
    import cv2

    from mocap.crop import prepare_crops
    from mocap.detect import BoxFileDetector
    from mocap.pipeline import load_stages
    from mocap.types import FrameBatch

    regressor: Any = load_stages(replace(config(a), crop_on_device=False)).regressor
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as d, av.open(a["video"], "r") as c:
        for i, f in enumerate(c.decode(video=0)):  # pyright: ignore[reportAttributeAccessIssue]
            cv2.imwrite(f"{d}/{i + 1:06d}.png", f.to_ndarray(format="bgr24"))
        frames = [cv2.imread(str(p)) for p in sorted(Path(d).glob("*.png"))]
    idx = np.arange(len(frames))
    images: Any = np.stack(frames)  # uint8 (cv2.imread)
    dets = BoxFileDetector(Path(a["boxes"])).detect(FrameBatch(idx, idx / 30.0, images))
    items = [(i, b) for i, dd in enumerate(dets) for b in dd.boxes]

    class Items(torch.utils.data.Dataset):
        def __len__(self) -> int:
            return len(items)

        def __getitem__(self, k: int):
            i, b = items[k]
            c = prepare_crops(frames[i][:, :, ::-1], b[None])
            return c.images[0], c.bbox_info[0]

    first = None
    with GpuBusy() as busy:
        for img, info in torch.utils.data.DataLoader(Items(), batch_size=32, num_workers=0):
            regressor.predict(img, info)
            first = first or time.perf_counter() - t0
    return {
        "e2e_s": time.perf_counter() - t0,
        "first_s": first,
        "crops": len(items),
        "frames": len(frames),
        "peak_mb": peak_rss_mb(),
        "gpu_mb": gpu_mb(),
        "gpu_busy": busy.mean,
    }


def main() -> None:
    a = json.loads(sys.argv[1])
    run = {"first": first_batch, "ours": ours, "demo": demo}[a["mode"]]
    print(json.dumps(run(a)))


if __name__ == "__main__":
    main()
