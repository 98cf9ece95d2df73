"""The report shows when each person exists: spans, observed share, interpolated and missing
frames, in the JSON and (escaped) in the HTML table."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import numpy as np

from mocap.report import build_report, report_html, report_json
from mocap.report.html import MAX_RUNS_SHOWN, frame_ranges
from mocap.testing.preview_scene import synthetic_motion, with_projected_boxes
from mocap.types import SmplSequence


def _keep_rows(seq: SmplSequence, keep: np.ndarray) -> SmplSequence:
    """``seq`` with only the rows where ``keep`` holds (every per-row array sliced)."""
    n = len(seq)
    changes = {
        f.name: getattr(seq, f.name)[keep]
        for f in dataclasses.fields(seq)
        if isinstance(getattr(seq, f.name), np.ndarray)
        and getattr(seq, f.name).ndim >= 1
        and len(getattr(seq, f.name)) == n
        and f.name != "betas"
    }
    return dataclasses.replace(seq, **changes)


def _gapped_motion():
    """Person 1 on frames 0..9 and 15..29 (gap 10..14), rows 3, 4 and 20 interpolated; person 2
    on every frame, all observed."""
    motion = with_projected_boxes(
        synthetic_motion(num_people=2, num_frames=30, width=160, height=120)
    )
    first, second = motion.people
    frames = first.frames
    observed = ~np.isin(frames, [3, 4, 20])
    first = dataclasses.replace(first, observed=observed)
    first = _keep_rows(first, ~np.isin(frames, range(10, 15)))
    return dataclasses.replace(motion, people=(first, second))


def test_spans_of_each_person_in_json_and_html():
    report = build_report(_gapped_motion())
    data = json.loads(report_json(report))
    one, two = data["spans"]
    assert one["present"] == [[0, 10], [15, 30]]
    assert one["missing"] == [[10, 15]]
    assert one["filled"] == [[3, 5], [20, 21]]
    assert one["observed"] == [[0, 3], [5, 10], [15, 20], [21, 30]]
    assert two["present"] == [[0, 30]] and two["missing"] == [] and two["filled"] == []
    assert data["tracks"][0]["observed_share"] == 22 / 25

    html = report_html(report)
    assert _cells(html, 1) == ["#1", "0–9, 15–29", "2", "88%", "3: 3–4, 20", "5: 10–14"]
    assert _cells(html, 2) == ["#2", "0–29", "1", "100%", "0: –", "0: –"]


def _cells(html: str, track_id: int) -> list[str]:
    """The cells of the spans table's row of ``track_id``."""
    row = re.search(rf'<tr id="spans-{track_id}">(.*?)</tr>', html)
    assert row is not None, f"no spans row for track {track_id}"
    return re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))


def test_frame_ranges_caps_long_lists():
    pairs = [(2 * i, 2 * i + 1) for i in range(MAX_RUNS_SHOWN + 3)]
    text = frame_ranges(pairs)
    assert text.startswith("0, 2, 4") and text.endswith("… (3 more)")
    assert text.count(",") == MAX_RUNS_SHOWN  # 12 runs shown, then the count
    assert frame_ranges([]) == "–"


def test_spans_section_keeps_file_strings_escaped():
    motion = _gapped_motion()
    evil = '<img src=x onerror="alert(1)">.mp4'
    motion = dataclasses.replace(motion, video=dataclasses.replace(motion.video, path=Path(evil)))
    html = report_html(build_report(motion))
    assert "<img src=x" not in html and "&lt;img src=x" in html
    section = html[html.index("When each person exists") : html.index("<h2>Timeline")]
    assert "&lt;id&gt;" in section and "<id>" not in section
    assert re.sub(r"</?(table|tr|th|td|h2|p|code)\b[^>]*>", "", section).count("<") == 0
