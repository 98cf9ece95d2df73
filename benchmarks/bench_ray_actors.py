"""Model loads and wall time of a folder run on a local CPU-only Ray: actor pool vs the rest.

Rows, all on the same folder of short synthetic clips with the real stages (rule-filled CLIFF
res50 checkpoint, synthetic SMPL model, MOTChallenge box files: no downloads):

* ``ray actors`` — this tree's Ray engine (one actor per ``--cpus-per-actor`` CPUs, each loads the
  models once), with 2 actors and with 1;
* ``local`` — this tree's local engine (worker processes that load the models once);
* ``ray tasks (baseline)`` — with ``--baseline-tree PATH`` (a checkout of the engine before the
  actor pool, one Ray task per video), that tree's Ray engine on the same inputs in the same run.

Columns: model loads; seconds of the first load in each worker process (it also imports torch and
the pipeline, paid by every engine) and of the further loads (what a per-video reload costs); the
videos' own seconds summed; wall time. Model loads are counted by a factory that wraps the
real loader (:func:`mocap.batch.worker.default_stages_factory`) and appends one line per call to
a log, so every engine is counted the same way. Each row runs in a fresh process with its own
local Ray (``num_cpus`` = ``--cpus``); wall time covers ``run_batch`` only (not ``ray.init``).
The machine's load average is printed with the table.

Run: ``python benchmarks/bench_ray_actors.py [--videos 6] [--frames 12] [--repeat 2]
[--baseline-tree /path/to/old/checkout]`` (a few minutes on 2 CPU cores).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
W, H = 320, 240


class CountingFactory:
    """The real stages factory, logging one line (pid, seconds) per model load to ``log``."""

    def __init__(self, log: Path) -> None:
        self.log = log

    def __call__(self, config):  # the engine's factory signature
        from mocap.batch.worker import default_stages_factory

        t0 = time.perf_counter()
        stages = default_stages_factory(config)
        with open(self.log, "a", encoding="utf-8") as f:
            f.write(f"{os.getpid()} {time.perf_counter() - t0:.3f}\n")
        return stages


def make_inputs(work: Path, videos: int, frames: int) -> dict[str, Path]:
    from bench_pipeline import make_video, write_boxes

    from mocap.testing.assets import write_checkpoint, write_smpl

    clips, boxes = work / "clips", work / "boxes"
    clips.mkdir()
    boxes.mkdir()
    make_video(clips / "v0.mp4", W, H, frames)
    for i in range(videos):
        if i:
            (clips / f"v{i}.mp4").write_bytes((clips / "v0.mp4").read_bytes())
        write_boxes(boxes / f"v{i}.txt", W, H, frames)
    return {
        "clips": clips,
        "boxes": boxes,
        "ckpt": write_checkpoint(work / "res50.pt"),
        "smpl": write_smpl(work / "SMPL_NEUTRAL.pkl"),
    }


def one_row(args: argparse.Namespace) -> None:
    """Child process: one engine run; prints a JSON line."""
    import ray

    from mocap.batch import plan_jobs, run_batch
    from mocap.config import PipelineConfig

    work = Path(args.work)
    log = work / f"loads-{args.name}.log"
    path = os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])
    if args.engine == "ray":
        ray.init(num_cpus=args.cpus, include_dashboard=False, log_to_driver=False,
                 runtime_env={"env_vars": {"PYTHONPATH": path}})  # fmt: skip
    config = PipelineConfig(checkpoint=work / "res50.pt", smpl_model=work / "SMPL_NEUTRAL.pkl",
                            boxes=work / "boxes", device="cpu", smooth="off")  # fmt: skip
    plan = plan_jobs([work / "clips"], [work / f"out-{args.name}"], out_format="npz")
    extra = {"cpus_per_actor": args.cpus_per_actor} if args.cpus_per_actor else {}
    t0 = time.perf_counter()
    res = run_batch(plan, config, engine=args.engine, workers=args.workers,
                    stages_factory=CountingFactory(log), **extra)  # fmt: skip
    wall = time.perf_counter() - t0
    loads = [line.split() for line in log.read_text().splitlines()]
    first: dict[str, float] = {}  # the first load of each process also imports torch & co
    for pid, seconds in loads:
        first.setdefault(pid, float(seconds))
    load_s = sum(float(seconds) for _, seconds in loads)
    ok = sum(j.status == "ok" for j in res.jobs)
    video_s = sum(j.seconds for j in res.jobs)
    print(json.dumps({"wall_s": wall, "loads": len(loads), "first_s": sum(first.values()),
                      "reload_s": load_s - sum(first.values()), "ok": ok,
                      "video_s": video_s}))  # fmt: skip


ROWS = (  # name, engine, workers, cpus per actor (None: the tree's default), tree
    ("ray actors, 2 actors", "ray", 2, 1, "this"),
    ("ray actors, 1 actor", "ray", 1, 2, "this"),
    ("local, 2 workers", "local", 2, None, "this"),
    ("ray tasks (baseline), 2 in flight", "ray", 2, None, "baseline"),
)


def run_row(work: Path, name: str, engine: str, workers: int, cpa: int | None, tree: Path,
            cpus: int) -> dict:  # fmt: skip
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", "--work", str(work),
           "--name", "".join(c if c.isalnum() else "_" for c in name), "--engine", engine,
           "--workers", str(workers), "--cpus", str(cpus)]  # fmt: skip
    if cpa:
        cmd += ["--cpus-per-actor", str(cpa)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tree), str(HERE)])}
    # cwd: Ray puts the driver's working folder first on its workers' path
    out = subprocess.run(cmd, env=env, cwd=tree, capture_output=True, text=True, check=False)
    lines = [x for x in out.stdout.splitlines() if x.startswith("{")]
    if out.returncode or not lines:
        raise SystemExit(f"{name} failed:\n{out.stderr[-3000:]}")
    return json.loads(lines[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--videos", type=int, default=6)
    p.add_argument("--frames", type=int, default=12)
    p.add_argument("--repeat", type=int, default=2, help="runs of each row (median shown)")
    p.add_argument("--cpus", type=int, default=2, help="CPUs of the local Ray")
    p.add_argument("--baseline-tree", type=Path, help="checkout with the per-task Ray engine")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--work", help=argparse.SUPPRESS)
    p.add_argument("--name", help=argparse.SUPPRESS)
    p.add_argument("--engine", help=argparse.SUPPRESS)
    p.add_argument("--workers", type=int, help=argparse.SUPPRESS)
    p.add_argument("--cpus-per-actor", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        one_row(args)
        return
    with tempfile.TemporaryDirectory(prefix="bench-ray-") as tmp:
        work = Path(tmp)
        make_inputs(work, args.videos, args.frames)
        rows = [r for r in ROWS if r[4] == "this" or args.baseline_tree is not None]
        runs: dict[str, list[dict]] = {r[0]: [] for r in rows}
        before = os.getloadavg()
        for rep in range(args.repeat):  # rows interleaved, so a load spike hits all of them
            for name, engine, workers, cpa, which in rows:
                tree = ROOT if which == "this" else args.baseline_tree.resolve()
                key = f"{name} {rep}"
                runs[name].append(run_row(work, key, engine, workers, cpa, tree, args.cpus))
        print(f"{args.videos} clips of {args.frames} frames ({W}x{H}, 2 people), res50 fp32, "
              f"local Ray with {args.cpus} CPUs; median of {args.repeat} runs")  # fmt: skip
        print(f"{'engine':36} {'loads':>5} {'first s':>7} {'reload s':>8} {'video s':>7} "
              f"{'wall s':>7} {'ok':>3}")  # fmt: skip
        for name, rs in runs.items():
            m = {k: statistics.median(r[k] for r in rs) for k in rs[0]}
            print(f"{name:36} {m['loads']:>5.0f} {m['first_s']:>7.1f} {m['reload_s']:>8.1f} "
                  f"{m['video_s']:>7.1f} {m['wall_s']:>7.1f} {m['ok']:>3.0f}")  # fmt: skip
        print(f"load average (1, 5, 15 min) before: {before}, after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
