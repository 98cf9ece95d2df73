"""Person detection throughput of YoloDetector: images/s at batch 1 (baseline) vs batch 8.

Run from the repository root::

    python -m benchmarks.bench_detect                   # random-weight yolo11n from yaml, CPU
    python -m benchmarks.bench_detect --weights /path/yolo11x.pt --device cuda

Frames are 1080p RGB noise (a random-weight model finds no boxes, so post-processing is nearly
free; with real weights and people the numbers drop slightly). The first call (model fuse and
warm-up) is excluded.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from mocap.detect import YoloDetector
from mocap.types import FrameBatch


def images_per_second(detector: YoloDetector, batch: FrameBatch, rounds: int) -> float:
    detector.detect(FrameBatch(batch.indices[:1], batch.times[:1], batch.images[:1]))  # warm-up
    rates = []
    for _ in range(rounds):
        t = time.perf_counter()
        detector.detect(batch)
        rates.append(len(batch) / (time.perf_counter() - t))
    return statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", default="yolo11n.yaml")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--frames", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--imgsz", type=int, default=640)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (args.frames, 1080, 1920, 3), dtype=np.uint8)
    batch = FrameBatch(np.arange(args.frames), np.arange(args.frames) / 30.0, images)
    rates = {}
    for size in (1, 8):
        detector = YoloDetector(args.weights, imgsz=args.imgsz, batch_size=size, device=args.device)
        rates[size] = images_per_second(detector, batch, args.rounds)
        print(
            f"{args.weights} on {detector.device} (half={detector.half}), imgsz {args.imgsz}, "
            f"1080p frames, batch {size}: {rates[size]:6.1f} images/s"
        )
    print(f"batch 8 / batch 1 throughput ratio: {rates[8] / rates[1]:.2f}")


if __name__ == "__main__":
    main()
