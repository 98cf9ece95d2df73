"""File > Import > cliffmocap from Video: run the capture in a subprocess, then import.

Interactive sessions keep Blender responsive: a modal operator polls the process on a timer,
shows its last output line in the status bar and imports the result when it ends (Esc stops
it). In background mode (scripts, ``blender -b``) there is no event loop, so the operator waits
for the process instead.
"""

import tempfile
from pathlib import Path

import bpy
from bpy.props import StringProperty
from bpy_extras.io_utils import ImportHelper

from .capture_job import CaptureJob
from .preferences import cliffmocap_command, smpl_model_path

POLL_INTERVAL_S = 0.5
RESULT_NAME = "cliffmocap_result.glb"


class IMPORT_SCENE_OT_cliffmocap_video(bpy.types.Operator, ImportHelper):
    """Capture every person in a video with the cliffmocap command and import the result"""

    bl_idname = "import_scene.cliffmocap_video"
    bl_label = "Capture and Import"
    bl_options = {"REGISTER", "UNDO"}  # noqa: RUF012 (Blender reads a set)

    filter_glob: StringProperty(
        default="*.mp4;*.mov;*.mkv;*.avi;*.webm;*.m4v;*.mpg;*.mpeg", options={"HIDDEN"}
    )
    extra_args: StringProperty(
        name="Options",
        description="More cliffmocap options, e.g. '--device cuda --smooth light'",
        default="",
    )
    output_dir: StringProperty(
        name="Output Folder",
        description="Where the .glb is written; empty uses a new temporary folder",
        subtype="DIR_PATH",
        default="",
    )

    _job = None
    _timer = None

    def execute(self, context):
        video = Path(bpy.path.abspath(self.filepath))
        if not video.is_file():
            self.report({"ERROR"}, f"video not found: '{video}'")
            return {"CANCELLED"}
        out_dir = Path(bpy.path.abspath(self.output_dir)) if self.output_dir else None
        out_dir = out_dir or Path(tempfile.mkdtemp(prefix="cliffmocap_"))
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            self._job = CaptureJob(
                cliffmocap_command(context),
                video,
                out_dir / f"{video.stem}_{RESULT_NAME}",
                self.extra_args,
                bpy.path.abspath(smpl_model_path(context)) if smpl_model_path(context) else "",
            )
        except (OSError, ValueError) as exc:
            self.report(
                {"ERROR"},
                f"cannot start cliffmocap ({exc}); install it (pip install cliffmocap) or set "
                "its path in the add-on preferences",
            )
            return {"CANCELLED"}
        if bpy.app.background or context.window is None:
            return self._finish(context, self._job.wait())
        wm = context.window_manager
        self._timer = wm.event_timer_add(POLL_INTERVAL_S, window=context.window)
        wm.modal_handler_add(self)
        wm.progress_begin(0, 100)
        return {"RUNNING_MODAL"}

    def modal(self, context, event):
        if event.type == "ESC":
            self._job.cancel()
            self._stop_ui(context)
            self.report({"WARNING"}, "cliffmocap stopped")
            return {"CANCELLED"}
        if event.type != "TIMER":
            return {"PASS_THROUGH"}
        code = self._job.poll()
        if code is None:
            if self._job.percent is not None:
                context.window_manager.progress_update(self._job.percent)
            context.workspace.status_text_set(self._job.status())
            return {"RUNNING_MODAL"}
        self._stop_ui(context)
        return self._finish(context, self._job.wait())

    def _stop_ui(self, context):
        wm = context.window_manager
        if self._timer is not None:
            wm.event_timer_remove(self._timer)
            self._timer = None
        wm.progress_end()
        context.workspace.status_text_set(None)

    def _finish(self, context, code: int):
        if code != 0:
            self.report({"ERROR"}, self._job.failure_message(code))
            return {"CANCELLED"}
        if not self._job.out.is_file():
            self.report({"ERROR"}, f"cliffmocap finished but wrote no '{self._job.out}'")
            return {"CANCELLED"}
        try:
            bpy.ops.import_scene.cliffmocap(filepath=str(self._job.out))
        except RuntimeError as exc:  # the import's own error report
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        self.report({"INFO"}, f"cliffmocap: imported {self._job.out}")
        return {"FINISHED"}


def menu_capture(self, context):
    self.layout.operator(IMPORT_SCENE_OT_cliffmocap_video.bl_idname, text="cliffmocap from Video")
