"""Run the pipeline on one video in this (fresh) process and print its peak RSS as JSON.

``python _memory_run.py VIDEO DECODE_MEMORY_MB``: the real decoder, prefetch queue and cropper
with the configured budget, one person detected on every frame, a stand-in regressor. torch is
imported first, as in a real run, so the number is the whole process's peak (VmHWM).
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import torch  # noqa: F401  (a real run has it loaded)
from _hostile import factory_one_person

from mocap import crop, pipeline
from mocap.config import PipelineConfig
from mocap.pipeline.loading import open_video_for


def _kib(key: str) -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(key))


def main(video: str, budget: str) -> None:
    config = PipelineConfig(smooth="off", detector="yolo11n.yaml", decode_memory_mb=int(budget))
    fake = factory_one_person(config)
    decode = open_video_for(config)
    sizes: list[int] = []

    def open_video(path: Path):
        source = decode(path)
        sizes.append(source.chunk_frames)
        return source

    stages = replace(fake, open_video=open_video, cropper=crop.prepare_crops)
    motion = pipeline.run(video, config, stages=stages)
    print(
        json.dumps(
            {
                "frames": motion.num_frames,
                "chunk": sizes[0],
                "peak_mib": _kib("VmHWM") / 1024,
                "people": len(motion.people),
            }
        )
    )


if __name__ == "__main__":
    main(*sys.argv[1:])
