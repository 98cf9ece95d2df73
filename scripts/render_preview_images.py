"""Render the README's overlay frame and report screenshot from the sample result.

Usage: python scripts/render_preview_images.py [--input samples/demo.npz] [--out docs/images]

The sample motion (samples/README.md: hand-made, three people, the synthetic SMPL-format body)
is drawn over a plain gradient "video" (the sample has no footage) with the side view as a panel;
the report is opened in headless Chromium and its top is screenshotted. Writes
``preview_overlay.png`` and ``report.png`` (small PNGs, 8-bit palette).
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
FRAME = 45  # all three people are in view
WIDTH = 960  # README images are scaled to this width


def _save_small(image: np.ndarray, path: Path) -> None:
    from PIL import Image

    img = Image.fromarray(image)
    img = img.resize((WIDTH, round(img.height * WIDTH / img.width)), Image.Resampling.LANCZOS)
    img.quantize(colors=192, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--input", type=Path, default=REPO / "samples" / "demo.npz")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "images")
    args = parser.parse_args()

    import exporters
    from mocap.render import PreviewOptions, render_preview
    from mocap.report import build_report, report_html
    from mocap.testing.preview_scene import frame_batches
    from mocap.testing.synthetic import synthetic_smpl_model_data

    motion = exporters.read_npz(args.input)
    motion = replace(motion, body=synthetic_smpl_model_data())
    opts = PreviewOptions(side="panel", boxes=True)
    frames = {
        f.index: f.image
        for f in render_preview(motion, frame_batches(motion), opts, only={FRAME, 15, 75, 105})
    }
    args.out.mkdir(parents=True, exist_ok=True)
    _save_small(frames[FRAME], args.out / "preview_overlay.png")

    report = build_report(motion, timings={"decode": 1.9, "detect": 6.2, "regress": 21.4})
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("chromium is not on PATH; report screenshot skipped", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(report_html(report, [frames[i] for i in (15, 75, 105)]), encoding="utf-8")
        shot = Path(tmp) / "report.png"
        subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             f"--user-data-dir={tmp}/profile", "--window-size=1100,1250",
             f"--screenshot={shot}", page.as_uri()],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        from PIL import Image

        _save_small(np.asarray(Image.open(shot).convert("RGB")), args.out / "report.png")
    print(f"wrote {args.out / 'preview_overlay.png'} and {args.out / 'report.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
