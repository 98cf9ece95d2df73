"""Decode throughput and peak memory of mocap.video (decord vs PyAV), and memory vs video length.

Run from the repository root::

    python -m benchmarks.bench_video            # ~4 minutes on 2 shared CPU cores

Every measurement runs in a fresh child process so peak RSS (``ru_maxrss``) belongs to that
decode alone: the peak (VmHWM) is reset after the imports and reported above the RSS then. Prints:

* 1080p H.264 (GOP 30 and GOP 250): frames/s and peak RSS for decoder=decord, pyav and auto,
  plus the same with a slow consumer (sleeps per chunk), which is what made raw decord decode the
  whole file ahead into RAM (docs/ecosystem.md §1.4); the raw-decord run is the baseline;
* 640x480 videos of 300 and 3000 frames: peak RSS must not grow with length.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import av
import numpy as np

CHUNK = 32


def write_video(path: Path, frames: int, width: int, height: int, gop: int) -> Path:
    """H.264 video of moving gradients and a moving box (compresses like real footage)."""
    yy, xx = np.mgrid[0:height, 0:width]
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.gop_size = gop
        stream.options = {"preset": "ultrafast", "crf": "23"}
        for i in range(frames):
            img = np.empty((height, width, 3), np.uint8)
            img[..., 0] = (xx + 3 * i) % 256
            img[..., 1] = (yy + 2 * i) % 256
            img[..., 2] = ((xx + yy) // 4 + i) % 256
            x = (5 * i) % max(1, width - height // 4)
            img[height // 3 : height // 3 + height // 4, x : x + height // 4] = 255
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


CHILD = r"""
import json, sys, time
mode, path, chunk, sleep = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
import cv2, decord, av, numpy  # import everything first: the baseline excludes imports
from mocap.video import open_video
def status_mb(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1]) / 1024
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # reset the peak (VmHWM) so import-time peaks do not count
base = status_mb("VmRSS")
t = time.perf_counter()
n = 0
backend = mode
if mode == "raw_decord":  # baseline: plain decord get_batch without our guards
    vr = decord.VideoReader(path, ctx=decord.cpu(0))
    for s in range(0, len(vr), chunk):
        n += len(vr.get_batch(list(range(s, min(len(vr), s + chunk)))).asnumpy())
        time.sleep(sleep)
else:
    with open_video(path, decoder=mode, chunk_frames=chunk) as v:
        for b in v:
            n += len(b)
            time.sleep(sleep)
        backend = v.report.backend
dt = time.perf_counter() - t - sleep * ((n + chunk - 1) // chunk)
peak = status_mb("VmHWM")
print(json.dumps({"frames": n, "fps": n / dt, "peak_mb": peak - base, "backend": backend}))
"""


def measure(mode: str, path: Path, sleep: float = 0.0) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(path), str(CHUNK), str(sleep)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        raise SystemExit(f"{mode} on {path.name} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames-1080p", type=int, default=300)
    parser.add_argument(
        "--long-frames",
        type=int,
        default=3000,
        help="frames of the long 640x480 video (memory vs length)",
    )
    parser.add_argument(
        "--slow-sleep", type=float, default=0.4, help="seconds the slow consumer spends per chunk"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        chunk_mb = CHUNK * 1920 * 1080 * 3 / 2**20
        print(f"one chunk of {CHUNK} RGB 1080p frames = {chunk_mb:.0f} MB")
        for gop in (30, 250):
            path = write_video(folder / f"hd_gop{gop}.mp4", args.frames_1080p, 1920, 1080, gop)
            print(f"\n1080p H.264, GOP {gop}, {args.frames_1080p} frames, chunks of {CHUNK}")
            rows = {}
            for mode in ("pyav", "decord", "raw_decord", "auto"):
                rows[mode] = measure(mode, path)
                r = rows[mode]
                print(
                    f"  {mode:11s} fast consumer: {r['fps']:6.1f} frames/s, "
                    f"peak RSS +{r['peak_mb']:6.0f} MB"
                    + (f" ({r['backend']})" if mode == "auto" else "")
                )
            ratio = rows["decord"]["fps"] / rows["pyav"]["fps"]
            print(f"  decord/pyav throughput ratio: {ratio:.2f}")
            if gop != 30:
                continue
            for mode in ("decord", "raw_decord", "pyav"):
                r = measure(mode, path, sleep=args.slow_sleep)
                print(
                    f"  {mode:11s} slow consumer ({args.slow_sleep}s/chunk): "
                    f"peak RSS +{r['peak_mb']:6.0f} MB"
                )
        print("\nmemory vs length, 640x480 H.264 GOP 30")
        for mode in ("decord", "pyav"):
            peaks = []
            for frames in (300, args.long_frames):
                path = folder / f"small_{frames}.mp4"
                if not path.exists():
                    write_video(path, frames, 640, 480, 30)
                r = measure(mode, path)
                peaks.append(r["peak_mb"])
                print(
                    f"  {mode:6s} {frames:5d} frames: {r['fps']:7.1f} frames/s, "
                    f"peak RSS +{r['peak_mb']:5.1f} MB"
                )
            print(
                f"  {mode:6s} RSS ratio {args.long_frames}/300 frames: "
                f"{peaks[1] / max(peaks[0], 1e-3):.2f}"
            )


if __name__ == "__main__":
    main()
