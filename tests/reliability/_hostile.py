"""Hostile inputs and misbehaving workers for the reliability suite, all made by the tests.

Importable by name (``_hostile``) so that spawned batch workers can build the factories too. The
worker factories give stages with the *real* video decoder and no people (a valid video ends in
``NoPeopleFoundError``, a broken one in ``VideoError``), or simulate start-up failures.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import time
from pathlib import Path

import numpy as np

from mocap.config import PipelineConfig
from mocap.pipeline import Stages
from mocap.types import Detections, FrameBatch, Provenance, Track

W, H, FPS = 64, 48, 10


# --- stages ------------------------------------------------------------------------------------


class NobodyDetector:
    """Finds nobody; a video name containing ``slow`` makes each chunk take 0.5 s, ``hang``
    makes it never return, ``noisy`` makes numpy and a library warn."""

    def __init__(self) -> None:
        self.slow = self.hang = self.noisy = False

    def detect(self, batch: FrameBatch) -> list[Detections]:
        while self.hang:
            time.sleep(1)
        if self.slow:
            time.sleep(0.5)
        if self.noisy:  # what numpy and a third-party library may say on stderr
            np.float32(np.float64(1e39))
            import warnings

            warnings.warn("a third-party library has something to say", UserWarning, stacklevel=1)
        return [
            Detections(int(f), np.zeros((0, 4), np.float32), np.zeros(0, np.float32))
            for f in batch.indices
        ]


class NoTracks:
    def update(
        self, detections: Detections, embeddings: object = None, image: object = None
    ) -> list[object]:
        return []

    def finish(self) -> list[Track]:
        return []


def _no_crops(image: np.ndarray, boxes: np.ndarray, focal: float):
    raise AssertionError("nobody is detected, so nothing is cropped")


def factory_real_decoder(config: PipelineConfig) -> Stages:
    """The real decoder, a detector that finds nobody."""
    from mocap import video

    detector = NobodyDetector()

    def open_video(path: Path):
        detector.slow = "slow" in Path(path).name
        detector.hang = "hang" in Path(path).name
        return video.open_video(path, decoder=config.decoder, chunk_frames=4)

    return Stages(
        open_video=open_video,
        detector=detector,
        make_tracker=lambda info: NoTracks(),
        cropper=_no_crops,
        regressor=_no_crops,  # type: ignore[arg-type]
        body=None,
        provenance=Provenance(variant="reliability"),
    )


class OnePersonDetector(NobodyDetector):
    """One person, the same box on every frame."""

    BOX = (8.0, 6.0, 40.0, 44.0)

    def detect(self, batch: FrameBatch) -> list[Detections]:
        super().detect(batch)
        return [
            Detections(int(f), np.array([self.BOX], np.float32), np.array([0.9], np.float32))
            for f in batch.indices
        ]


class OneTrack:
    """Every detection is track 1."""

    def __init__(self) -> None:
        self.frames: list[int] = []

    def update(
        self, detections: Detections, embeddings: object = None, image: object = None
    ) -> list[tuple[int, int]]:
        self.frames.extend([detections.frame] * len(detections.boxes))
        return [(1, 0)] * len(detections.boxes)

    def finish(self) -> list[Track]:
        n = len(self.frames)
        if n < 2:
            return []
        box = np.array(OnePersonDetector.BOX)
        return [
            Track(
                1, np.array(self.frames), np.tile(box, (n, 1)), np.full(n, 0.9),
                np.ones(n, bool), np.zeros(n, np.int64),
            )
        ]  # fmt: skip


def _crops(image: np.ndarray, boxes: np.ndarray, focal: float):
    from mocap.crop import Crops

    n = len(boxes)
    centre = (boxes[:, :2] + boxes[:, 2:]) / 2
    return Crops(
        np.zeros((n, 3, 2, 2), np.float32), np.zeros((n, 3), np.float32), centre, np.ones(n),
        np.full(n, focal), np.tile([[H, W]], (n, 1)), np.zeros((n, 4), np.int64),
    )  # fmt: skip


def _regress(crops):
    from mocap.prediction import CropPrediction

    n = len(crops.images)
    return CropPrediction(
        np.zeros((n, 3)), np.zeros((n, 23, 3)), np.zeros((n, 10)),
        np.tile([0.9, 0.0, 0.0], (n, 1)), np.tile([0.0, 0.0, 5.0], (n, 1)),
    )  # fmt: skip


def factory_one_person(config: PipelineConfig) -> Stages:
    """The real decoder; one still person in every video (so every job writes its outputs)."""
    stages = factory_real_decoder(config)
    from dataclasses import replace

    detector = OnePersonDetector()
    decode = stages.open_video

    def open_video(path: Path):
        detector.slow = "slow" in Path(path).name
        detector.hang = "hang" in Path(path).name
        detector.noisy = "noisy" in Path(path).name
        return decode(path)

    return replace(
        stages, open_video=open_video, detector=detector, make_tracker=lambda info: OneTrack(),
        cropper=_crops, regressor=_regress,
    )  # fmt: skip


def factory_dies_at_startup(config: PipelineConfig) -> Stages:
    """Dies like a driver abort while loading models, after a last word on stderr."""
    sys.stderr.write("loading...\nfatal: libcuda.so.1: cannot open shared object file\n")
    sys.stderr.flush()
    os._exit(134)


def factory_hangs_in_native_code(config: PipelineConfig) -> Stages:
    """Hangs in a C call with SIGINT/SIGTERM blocked (only SIGKILL ends it), like a stuck driver."""
    sys.stderr.write("initialising the GPU driver\n")
    sys.stderr.flush()
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.sleep(3600)
    raise AssertionError("unreachable: the parent kills this worker")


# --- hostile video files -----------------------------------------------------------------------


def write_video(path: Path, frames: int = 6, codec: str = "mpeg4") -> Path:
    """A tiny valid video (grey frames)."""
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=FPS)
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        for f in range(frames):
            img = np.full((H, W, 3), 40 + 10 * f, np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def write_audio_only(path: Path) -> Path:
    """An MP4 with one AAC audio stream and no video."""
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=8000)
        stream.layout = "mono"
        samples = np.zeros((1, 1024), np.float32)
        for i in range(4):
            frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
            frame.sample_rate, frame.pts = 8000, i * 1024
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def hostile_videos(folder: Path) -> dict[str, Path]:
    """Name -> file of every broken 'video' the suite feeds the tool."""
    folder.mkdir(parents=True, exist_ok=True)
    good = write_video(folder / "good.mp4", frames=12)
    data = good.read_bytes()
    made = {
        "empty": folder / "empty.mp4",
        "text": folder / "text.mp4",
        "random": folder / "random.mp4",
        "truncated": folder / "truncated.mp4",
        "header_only": folder / "header_only.mp4",
    }
    made["empty"].write_bytes(b"")
    made["text"].write_text("this is not a video, just some words\n" * 20)
    made["random"].write_bytes(np.random.default_rng(0).bytes(20_000))
    made["truncated"].write_bytes(data[: len(data) // 3])
    made["header_only"].write_bytes(data[:64])
    made["audio_only"] = write_audio_only(folder / "audio_only.mp4")
    return made


# --- a batch in its own process (to kill it, or to run two at once) ----------------------------


def batch_main(src: str, out: str, workers: str = "1", factory: str = "real_decoder") -> None:
    """``python -c "import _hostile; _hostile.batch_main(SRC, OUT)"``: a folder run whose worker
    decodes for real and finds nobody; prints one line per result as it arrives."""
    from mocap.batch import plan_jobs, run_batch
    from mocap.errors import MocapError

    plan = plan_jobs([Path(src)], [Path(out)], out_format="npz")
    config = PipelineConfig(smooth="off", detector="yolo11n.yaml")

    def progress(event) -> None:
        print(f"progress {event.done}/{event.total}", flush=True)

    try:
        res = run_batch(
            plan, config, workers=int(workers), progress=progress,
            stages_factory=globals()[f"factory_{factory}"],
        )  # fmt: skip
    except MocapError as e:
        print(f"error: {e}", flush=True)
        raise SystemExit(e.exit_code) from None
    for job in res.jobs:
        print(f"{job.status} {Path(job.input).name} {job.error_type}", flush=True)


# --- malicious model files ---------------------------------------------------------------------


class Payload:
    """Unpickling this object runs code: it creates the file ``marker``."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (exec, (f"open({str(self.marker)!r}, 'w').close()",))


def malicious_model_files(folder: Path, marker: Path) -> dict[str, Path]:
    """Checkpoints and SMPL files that would create ``marker`` if anything unpickled them freely."""
    import pickle

    import torch

    folder.mkdir(parents=True, exist_ok=True)
    evil = Payload(marker)
    made = {
        "ckpt_zip": folder / "evil.pt",
        "ckpt_legacy": folder / "evil_legacy.pt",
        "ckpt_nested": folder / "evil_nested.pt",
        "ckpt_plain_pickle": folder / "evil_plain.pt",
        "smpl_pkl": folder / "SMPL_EVIL.pkl",
        "smpl_nested_pkl": folder / "SMPL_EVIL_NESTED.pkl",
        "smpl_npz": folder / "SMPL_EVIL.npz",
    }
    torch.save({"model": evil}, made["ckpt_zip"])
    torch.save({"model": evil}, made["ckpt_legacy"], _use_new_zipfile_serialization=False)
    torch.save({"model": {"conv.weight": torch.zeros(2), "x": [evil]}}, made["ckpt_nested"])
    made["ckpt_plain_pickle"].write_bytes(pickle.dumps({"model": evil}))
    made["smpl_pkl"].write_bytes(pickle.dumps(evil, protocol=2))
    made["smpl_nested_pkl"].write_bytes(
        pickle.dumps({"v_template": np.zeros((3, 3)), "f": evil}, protocol=2)
    )
    np.savez(made["smpl_npz"], v_template=np.array([evil], dtype=object))
    return made


def cli_main(argv: list[str]) -> None:
    """The real command line, with :func:`factory_one_person` as the workers' stages (model
    files are placeholders; nothing else is changed)."""
    import mocap.batch.worker
    import mocap.pipeline
    from mocap.cli import main

    mocap.batch.worker.default_stages_factory = factory_one_person  # type: ignore[assignment]
    mocap.pipeline.load_stages = factory_one_person  # type: ignore[assignment]
    main(argv)


def placeholder_model_home(folder: Path) -> Path:
    """A CLIFFMOCAP_HOME whose model files exist (the stages that would read them are faked)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("hr48-PA43.0_MJE69.0_MVE81.2_3dpw.pt", "SMPL_NEUTRAL.pkl", "yolo11x.pt"):
        (folder / name).write_bytes(b"placeholder")
    return folder


def write_large_video(path: Path, width: int, height: int, frames: int) -> Path:
    """An H.264 clip of large frames (a bright block moving over grey), encoded fast."""
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "35"}
        img = np.full((height, width, 3), 90, np.uint8)
        for f in range(frames):
            x = (f * width) // (2 * frames)
            img[height // 4 : height // 2, x : x + width // 8] = (220, 180, 60)
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path
