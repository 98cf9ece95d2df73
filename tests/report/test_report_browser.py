"""The report and the batch index open in a real browser (headless Chromium): they render, show
their plots and images, log nothing to the console (no script error, no blocked network load),
and the index sorts when a header is clicked."""

from __future__ import annotations

import re

import numpy as np
import pytest
from report_browser import load

from mocap.render import PreviewOptions, render_preview
from mocap.report import (
    IndexEntry,
    build_report,
    index_html,
    key_figures,
    report_html,
    thumbnail_data_uri,
)
from mocap.testing.preview_scene import frame_batches, synthetic_motion, with_projected_boxes

pytestmark = [pytest.mark.chromium, pytest.mark.slow]


@pytest.fixture(scope="module")
def report_and_frames():
    motion = with_projected_boxes(
        synthetic_motion(num_people=2, num_frames=12, width=320, height=240)
    )
    frames = [
        f.image for f in render_preview(motion, frame_batches(motion), PreviewOptions(side="panel"))
    ]
    return build_report(motion, timings={"decode": 0.5}), frames


def _not_blank(image: np.ndarray, coloured_pixels: int) -> None:
    assert image.std() > 10  # not one flat colour
    chroma = image.max(-1).astype(int) - image.min(-1)
    assert (chroma > 60).sum() > coloured_pixels  # coloured plot bars / meshes are on screen


def test_report_renders_in_chromium(tmp_path, report_and_frames):
    report, frames = report_and_frames
    page = tmp_path / "report.html"
    page.write_text(report_html(report, frames[::6]), encoding="utf-8")
    loaded = load(page, tmp_path / "chrome")
    assert loaded.console == []
    assert len(re.findall(r"<svg", loaded.dom)) == 3  # timeline, figures, depth
    assert (
        len(re.findall(r'<img alt="overlay frame" src="data:image/jpeg;base64,', loaded.dom)) == 2
    )
    _not_blank(loaded.screenshot, 20000)  # plot bars and thumbnails


def test_index_renders_and_sorts_in_chromium(tmp_path, report_and_frames):
    report, frames = report_and_frames
    figs = key_figures(report)
    worse = dict(figs, worst_level=9.0, worst_figure="foot_skate_m_s (#1)")
    entries = [
        IndexEntry(
            "fine.mp4",
            "ok",
            "fine.html",
            thumbnail=thumbnail_data_uri(frames[0], 160),
            figures=figs,
        ),
        IndexEntry(
            "bad.mp4", "ok", "bad.html", thumbnail=thumbnail_data_uri(frames[3], 160), figures=worse
        ),
        IndexEntry("broken.mp4", "failed", message="Video 'broken.mp4' has no frames."),
    ]
    page = tmp_path / "index.html"
    html = index_html(entries)
    page.write_text(html, encoding="utf-8")
    loaded = load(page, tmp_path / "chrome", size=(1400, 600))
    assert loaded.console == []
    names = re.findall(r'<tr class="\w+"><td class="l" data-v="([^"]+)"', loaded.dom)
    assert names == ["broken.mp4", "bad.mp4", "fine.mp4"]  # failed first, then worst level
    _not_blank(loaded.screenshot, 500)  # two thumbnails with coloured meshes

    # click the "video" header (ascending after two clicks) and read the order back
    probe = tmp_path / "index_click.html"
    click = (
        "<script>var th = document.querySelector('th[data-col=\"0\"]'); th.click(); th.click();"
        "document.title = Array.prototype.map.call(document.querySelectorAll('#videos tbody tr'),"
        " function (r) { return r.cells[0].dataset.v; }).join(',');</script></body>"
    )
    probe.write_text(html.replace("</body>", click), encoding="utf-8")
    clicked = load(probe, tmp_path / "chrome-click", size=(800, 300))
    assert clicked.console == []
    assert "<title>bad.mp4,broken.mp4,fine.mp4</title>" in clicked.dom


def test_console_check_catches_errors(tmp_path):
    """The console check is real: a page with a script error and a network load is reported."""
    page = tmp_path / "bad.html"
    page.write_text(
        '<!doctype html><html><head><meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; script-src 'unsafe-inline'\"></head><body>"
        '<img src="https://cdn.example.com/x.png"><script>missing();</script></body></html>',
        encoding="utf-8",
    )
    loaded = load(page, tmp_path / "chrome", size=(400, 300))
    text = "\n".join(loaded.console)
    assert "missing is not defined" in text
    assert "Content Security Policy" in text
