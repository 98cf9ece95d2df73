"""One video in, one MotionSet out: decode, detect, track, crop, regress, assemble, smooth.

``run`` streams the video once. A prefetch thread decodes chunks of frames into a small bounded
queue while the main thread detects people on the previous chunk, feeds the online tracker, and cuts
the person crops while the frames are still in memory. Crops from many frames and people are
collected into batches of ``config.batch_size`` for CLIFF. Only small per-detection arrays are kept
(pose, shape, camera: a few hundred bytes each), never frames or crops, so memory does not grow
with the length of the video beyond those rows.

After the last frame the tracker's post-processing (short tracks dropped, gaps filled, ids
stitched) decides who is a person; every observed row of a track is joined to the CLIFF result of
the detection it came from (``Track.detection_index``), filled rows get interpolated pose (slerp),
translation and shape, and each person's shape is consolidated over the observed rows.

Modules, one job each:

- :mod:`~mocap.pipeline.stages`: the seams of a run (:class:`Stages`, tracker and regressor).
- :mod:`~mocap.pipeline.loading`: the real stages, after :func:`mocap.modelfiles.check_model_files`.
- :mod:`~mocap.pipeline.capture`: :func:`run`, streaming the video through the stages.
- :mod:`~mocap.pipeline.prefetch`: the decode-ahead thread.
- :mod:`~mocap.pipeline.crops`: joining and slicing crop batches.
- :mod:`~mocap.pipeline.devicecrop`: crops cut on the compute device (CUDA by default), each
  chunk's frames uploaded once through pinned memory.
- :mod:`~mocap.pipeline.assemble`: CLIFF rows joined to tracks, gaps filled, shapes consolidated.

This package never prints and never writes files; progress goes to the optional callback.
"""

from mocap.pipeline.capture import intrinsics_for, run
from mocap.pipeline.crops import concat_crops, take_crops
from mocap.pipeline.loading import box_file_for, load_stages
from mocap.pipeline.prefetch import PREFETCH_DEPTH
from mocap.pipeline.stages import Cropper, OnlineTracker, Regressor, Stages

__all__ = [
    "PREFETCH_DEPTH",
    "Cropper",
    "OnlineTracker",
    "Regressor",
    "Stages",
    "box_file_for",
    "concat_crops",
    "intrinsics_for",
    "load_stages",
    "run",
    "take_crops",
]
