"""The ``cliffmocap`` command: options -> PipelineConfig -> one video or a batch, each video in a
watched worker process (``mocap.batch``).

This module, its error lines (:mod:`mocap.cli_errors`) and progress bars (:mod:`mocap.cliprogress`)
are the only ones that import typer and rich and talk to the terminal (warnings:
:mod:`mocap.terminal`).
Progress bars and errors go to stderr, the summary to stdout. Exit codes: 0 ok; 1 failure (in a
batch: any input failed); 2 usage; 130 interrupted. Errors are one line ``error: <message>``;
``--debug`` or ``CLIFFMOCAP_DEBUG=1`` adds the traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from mocap.batch.types import CPUS_PER_ACTOR, EngineOptions
from mocap.cli_choices import (
    DecoderChoice,
    Engine,
    FitMode,
    ImageFolders,
    OnOff,
    Precision,
    RigChoice,
    Smooth,
    SpaceChoice,
    SpanChoice,
)
from mocap.cli_errors import OneLineErrors, fail
from mocap.cli_run import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    run_inputs,
)
from mocap.cliprogress import RichProgress
from mocap.config import PipelineConfig
from mocap.errors import MocapError, UsageError, WorkerError
from mocap.terminal import setup_terminal

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Video in, animation out: SMPL motion of every person in a video (CLIFF).",
)


def _version_callback(value: bool) -> None:
    if value:
        import mocap

        typer.echo(f"cliffmocap {mocap.__version__}")
        raise typer.Exit(EXIT_OK)


@app.command(cls=OneLineErrors)
def cliffmocap(
    inputs: Annotated[
        list[Path],
        typer.Argument(
            help="Video files or folders of videos (searched recursively); also images, image "
            "folders, .npz results and .cliffgt.npz pseudo-GT files."
        ),
    ],
    out: Annotated[
        list[Path],
        typer.Option(
            "--out",
            "-o",
            help="Output file; its suffix picks the format (.glb .bvh .npz .amass.npz .fbx, "
            ".mp4 overlay video, .html quality report, .json figures). Repeat for several "
            "formats. With several inputs or a folder: an output folder (layout kept).",
        ),
    ],
    out_format: Annotated[
        str | None,
        typer.Option(
            help="Formats written per video when --out is a folder, e.g. glb,npz,mp4,html,json "
            "[glb]."
        ),
    ] = None,
    checkpoint: Annotated[
        Path | None,
        typer.Option(help="CLIFF checkpoint (.pt); default: the hr48 file in CLIFFMOCAP_HOME."),
    ] = None,
    smpl: Annotated[
        Path | None,
        typer.Option(
            help="SMPL model (.pkl or .npz); default: SMPL_NEUTRAL.pkl in CLIFFMOCAP_HOME."
        ),
    ] = None,
    detector: Annotated[
        str | None,
        typer.Option(help="YOLO weights (path, or file name in CLIFFMOCAP_HOME) [yolo11x.pt]."),
    ] = None,
    boxes: Annotated[
        Path | None,
        typer.Option(
            help="Box file (JSON or MOTChallenge txt) used instead of the detector; for "
            "several videos a folder of box files named <video stem>.txt or .json."
        ),
    ] = None,
    video: Annotated[
        Path | None,
        typer.Option(
            help="Source video of a .npz result given as input (overlay and report thumbnails); "
            "default: the video path stored in the result."
        ),
    ] = None,
    smooth: Annotated[
        Smooth, typer.Option(help="Temporal smoothing of pose and translation.")
    ] = Smooth.medium,
    space: Annotated[
        SpaceChoice,
        typer.Option(
            help="world: grounded motion (floor at 0, gravity up, planted feet; static camera); "
            "camera: the camera frame, as CLIFF places people."
        ),
    ] = SpaceChoice.world,
    foot_lock: Annotated[
        OnOff, typer.Option(help="Hold planted feet still in the grounded motion.")
    ] = OnOff.on,
    rig: Annotated[
        RigChoice,
        typer.Option(
            help="Skeleton of .glb/.bvh/.fbx outputs: smpl (SMPL joints), mixamo, ue5 (Unreal "
            "mannequin, root bone), unity (Humanoid, T-pose) or rigify (Blender metarig)."
        ),
    ] = RigChoice.smpl,
    span: Annotated[
        SpanChoice,
        typer.Option(
            help="Files of .bvh/.amass.npz outputs: track (one per person, its first to last "
            "tracked frame, longer gaps interpolated; .amass.npz marks them in 'in_span') or "
            "spans (one per continuous span where the person is known to exist: "
            "<stem>_person<id>_from<first video frame>.bvh, whose frame 0 is that video frame)."
        ),
    ] = SpanChoice.track,
    device: Annotated[
        str, typer.Option(help="auto (CUDA when present), cpu, cuda or cuda:N.")
    ] = "auto",
    batch_size: Annotated[
        int | None,
        typer.Option(min=1, help="Person crops per CLIFF forward pass [default: 8 CPU, 128 CUDA]."),
    ] = None,
    precision: Annotated[
        Precision, typer.Option(help="auto (bf16 on CUDA, fp32 on CPU), fp32, bf16 or fp16.")
    ] = Precision.auto,
    decoder: Annotated[
        DecoderChoice,
        typer.Option(help="auto: decord for MP4/MOV; PyAV for AV1, long GOPs, other containers."),
    ] = DecoderChoice.auto,
    decode_memory_mb: Annotated[
        int,
        typer.Option(
            min=1,
            help="MiB of decoded frames held at once; large frames get fewer frames per chunk "
            "(one at least).",
        ),
    ] = PipelineConfig.decode_memory_mb,
    fov: Annotated[
        float | None, typer.Option(help="Vertical field of view of the camera in degrees.")
    ] = None,
    focal: Annotated[
        float | None, typer.Option(help="Focal length in pixels (default: image diagonal).")
    ] = None,
    max_people: Annotated[
        int | None, typer.Option(min=1, help="Keep only the N most prominent people.")
    ] = None,
    det_conf: Annotated[
        float,
        typer.Option(
            min=0.0, max=1.0, help="Minimum detector confidence (also for scores in box files)."
        ),
    ] = 0.5,
    min_track_s: Annotated[
        float,
        typer.Option(min=0.0, help="Drop people observed for less than this many seconds."),
    ] = PipelineConfig.min_track_s,
    max_gap_s: Annotated[
        float,
        typer.Option(
            min=0.0,
            help="Fill gaps up to this many seconds by interpolation (marked not observed); "
            "longer gaps stay missing frames.",
        ),
    ] = PipelineConfig.max_gap_s,
    min_observed_share: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Drop people observed on less than this share of the frames they span.",
        ),
    ] = PipelineConfig.min_observed_share,
    min_track_score: Annotated[
        float,
        typer.Option(
            min=0.0, max=1.0, help="Drop people whose mean detector score is below this (0 = off)."
        ),
    ] = PipelineConfig.min_track_score,
    engine: Annotated[
        Engine, typer.Option(help="Batch engine: local worker processes, or Ray.")
    ] = Engine.local,
    address: Annotated[
        str | None, typer.Option(help="Ray cluster address to join (e.g. auto); with --engine ray.")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Videos processed at the same time in a batch [local: 1; ray: one per GPU, "
            "or one per --cpus-per-actor CPUs].",
        ),
    ] = None,
    cpus_per_actor: Annotated[
        int,
        typer.Option(
            min=1,
            help="--engine ray on a CPU-only cluster: CPUs each actor reserves (its torch "
            "threads); each actor loads the models once and takes many videos.",
        ),
    ] = CPUS_PER_ACTOR,
    timeout: Annotated[
        float,
        typer.Option(
            min=1.0, help="Seconds one video may take (alone or in a batch) before it is stopped."
        ),
    ] = 3600.0,
    fps: Annotated[
        float, typer.Option(min=0.001, help="Frame rate of image folders that are sequences.")
    ] = 30.0,
    image_folders: Annotated[
        ImageFolders,
        typer.Option(
            help="Image folders: auto (numbered same-size images = a sequence, else photos), "
            "sequence, or photos."
        ),
    ] = ImageFolders.auto,
    images: Annotated[
        Path | None,
        typer.Option(
            help="Folder the image names of a .cliffgt.npz input are relative to (e.g. the "
            "COCO root; sizes and overlays come from the images); default: the file's folder."
        ),
    ] = None,
    keypoints: Annotated[
        Path | None,
        typer.Option(
            help="COCO keypoint JSON for an image folder: label every annotated person "
            "(CLIFF annotator) into --out FILE.cliffgt.npz."
        ),
    ] = None,
    pose_detector: Annotated[
        str | None,
        typer.Option(
            help="Ultralytics pose weights (local file, e.g. yolo11x-pose.pt): label the people "
            "it finds on an image folder into --out FILE.cliffgt.npz (no keypoint file needed)."
        ),
    ] = None,
    j_regressor_extra: Annotated[
        Path | None,
        typer.Option(
            help="SPIN's J_regressor_extra.npy for the annotator's 9 LSP/MPII/H36M keypoints "
            "(hips, neck, head top, pelvis, thorax, spine, jaw, head); default: "
            "J_regressor_extra.npy in CLIFFMOCAP_HOME when there, else those keypoints take "
            "the nearest SMPL joint."
        ),
    ] = None,
    fit: Annotated[
        FitMode,
        typer.Option(help="Annotator: fine-tune the network (CLIFF/EFT) or SMPL parameters."),
    ] = FitMode.network,
    fit_iters: Annotated[
        int | None, typer.Option(min=0, help="Annotator steps per batch [network 20, params 100].")
    ] = None,
    fit_lr: Annotated[
        float | None,
        typer.Option(min=0.0, help="Annotator learning rate [network 5e-6, params 0.02]."),
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace existing outputs.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
    debug: Annotated[
        bool,
        typer.Option(envvar="CLIFFMOCAP_DEBUG", help="Show tracebacks (also CLIFFMOCAP_DEBUG=1)."),
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_version_callback,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
) -> None:
    """Capture the SMPL motion of every person in the input videos."""
    err = Console(stderr=True, highlight=False)
    setup_terminal(debug)
    try:
        if detector is not None and boxes is not None:
            raise UsageError("--detector and --boxes both given: pass only one of them.")
        if address is not None and engine is not Engine.ray:
            raise UsageError("--address needs --engine ray.")
        config = PipelineConfig(
            checkpoint=checkpoint,
            smpl_model=smpl,
            detector=detector,
            boxes=boxes,
            video=video,
            smooth=smooth.value,
            space=space.value,
            foot_lock=foot_lock is OnOff.on,
            rig=rig.value,
            span=span.value,
            device=device,
            batch_size=batch_size,
            precision=precision.value,
            decoder=decoder.value,
            decode_memory_mb=decode_memory_mb,
            fov=fov,
            focal=focal,
            max_people=max_people,
            det_conf=det_conf,
            image_fps=fps,
            min_track_s=min_track_s,
            max_gap_s=max_gap_s,
            min_observed_share=min_observed_share,
            min_track_score=min_track_score,
        )
        from mocap.cli_pseudogt import export_pseudo_gt_command, is_pseudo_gt_input

        if images is not None and not any(is_pseudo_gt_input(p) for p in inputs):
            raise UsageError("--images is for a pseudo-GT input (.cliffgt.npz, _cliffGT.npz).")
        if keypoints is not None or pose_detector is not None:
            from mocap.annotate.types import AnnotatorConfig

            fitting = AnnotatorConfig(mode=fit.value, lr=fit_lr, iterations=fit_iters)
            from mocap.cli_annotate import annotate_command

            with RichProgress(err, not quiet and err.is_terminal) as bars:
                code = annotate_command(
                    inputs, out, keypoints, config, fitting, overwrite, bars, typer.echo,
                    pose_detector, j_regressor_extra,
                )  # fmt: skip
            raise typer.Exit(code)
        if j_regressor_extra is not None:
            raise UsageError("--j-regressor-extra is for labelling (--keypoints, --pose-detector).")
        if any(is_pseudo_gt_input(p) for p in inputs):
            if engine is Engine.ray:
                raise UsageError("a pseudo-GT input is exported in this process: no --engine ray.")
            with RichProgress(err, not quiet and err.is_terminal) as bars:
                code = export_pseudo_gt_command(
                    inputs, out, out_format, images, config, overwrite, bars, typer.echo
                )
            raise typer.Exit(code)
        options = EngineOptions(
            workers=workers,
            timeout_s=timeout,
            overwrite=overwrite,
            address=address,
            cpus_per_actor=cpus_per_actor,
        )
        code = run_inputs(
            inputs,
            out,
            out_format,
            config,
            engine,
            options,
            quiet,
            err,
            image_folders.value,
        )
    except typer.Exit:
        raise
    except WorkerError as e:  # the worker's traceback, if it hit a bug, is the useful one
        if debug and e.trace:
            err.print(e.trace, markup=False, highlight=False)
        hint = "; rerun with --debug for the traceback." if e.trace and not debug else ""
        raise fail(err, str(e) + hint, e.exit_code, debug=False) from None
    except MocapError as e:
        raise fail(err, str(e), e.exit_code, debug) from None
    except KeyboardInterrupt:
        raise fail(
            err, "interrupted; no partial outputs were left.", EXIT_INTERRUPTED, debug
        ) from None
    except Exception as e:  # anything else is a bug: one line unless --debug
        msg = f"internal error ({type(e).__name__}: {e}); rerun with --debug for the traceback."
        raise fail(err, msg, EXIT_FAILED, debug) from None
    raise typer.Exit(code)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the command and exit with its code.

    Usage errors exit with 2 (Click's convention), a Ctrl-C that escapes the command with 130.
    """
    try:
        app(args=argv, prog_name="cliffmocap")
    except KeyboardInterrupt:
        sys.stderr.write("error: interrupted.\n")
        sys.exit(EXIT_INTERRUPTED)
