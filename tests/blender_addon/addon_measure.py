"""Print the add-on's measured accuracy (not a test): FK, skinning and reprojection errors.

Usage: python tests/blender_addon/addon_measure.py

Builds the extension, imports a 3-person 29.97 fps motion (mid-video starts/ends) as .glb and
.npz (this suite's writers) and, when the exporters package is importable, the real exporters'
.glb/.npz of the synthetic humanoid; prints one JSON line per file with the max errors over all
people and tracked frames (metres / pixels) and the scene frame rate.
"""

import importlib.util
import json
import sys
import tempfile
from pathlib import Path

# the script's own folder is on sys.path when run as documented above
import addon_synthetic as syn
import numpy as np
from addon_checks import person_errors
from addon_harness import REPO, run_probe


def main() -> int:
    spec = importlib.util.spec_from_file_location("build_addon", REPO / "scripts/build_addon.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        zip_path = build.build(work / "dist")
        model = syn.make_model()
        case = syn.make_case([(1, 0, 89), (4, 10, 64), (7, 25, 89)], num_frames=90)
        syn.write_glb(case, model, work / "m.glb")
        syn.write_motion_npz(case, work / "m.npz")
        syn.write_model_pkl(model, work / "model.pkl")
        jobs = [
            {"name": "suite_glb", "filepath": str(work / "m.glb")},
            {
                "name": "suite_npz",
                "filepath": str(work / "m.npz"),
                "smpl_pref": str(work / "model.pkl"),
            },
        ]
        cases = {"suite_glb": (case, model), "suite_npz": (case, model)}
        if importlib.util.find_spec("exporters") is not None:
            from test_addon_exporters import _motion_set

            import exporters
            from mocap.testing import synthetic

            raw = synthetic.make_synthetic_smpl()
            synthetic.write_smpl_pkl(work / "SMPL.pkl", raw)
            real = syn.make_case([(3, 0, 89), (6, 8, 61)], num_frames=90, seed=11)
            motion = _motion_set(real, synthetic.synthetic_smpl_model_data(), work / "none.mp4")
            exporters.write(motion, work / "e.glb")
            exporters.write(motion, work / "e.npz")
            jobs += [
                {"name": "exporters_glb", "filepath": str(work / "e.glb")},
                {
                    "name": "exporters_npz",
                    "filepath": str(work / "e.npz"),
                    "smpl_pref": str(work / "SMPL.pkl"),
                },
            ]
            keys = ("v_template", "shapedirs", "J_regressor", "weights")
            real_model = {k: np.asarray(raw[k], dtype=np.float64) for k in keys}
            cases.update({"exporters_glb": (real, real_model), "exporters_npz": (real, real_model)})
        result = run_probe(zip_path, jobs, work)
        for job in result["jobs"]:
            c, m = cases[job["name"]]
            errs = [person_errors(job, i, c, m, p) for i, p in enumerate(c.people)]
            line = {
                "file": job["name"],
                "joints_m": max(e["joints"] for e in errs),
                "vertices_m": max(e["vertices"] for e in errs),
                "reprojection_px": max(e["pixels"] for e in errs),
                "hidden_spread_m": max(e["hidden_spread"] for e in errs),
                "fps": job["fps"] / job["fps_base"],
            }
            sys.stdout.write(json.dumps(line) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
