"""Online person tracking with norfair, then offline clean-up into :class:`Track` objects.

The pipeline drives the tracker frame by frame and collects the tracks at the end::

    tracker = PersonTracker.from_config(config, fps=video.info.fps)
    for dets in detections_in_frame_order:                 # one Detections per decoded frame
        links = tracker.update(dets, embeddings=None)      # [(provisional_id, det_index), ...]
    tracks = tracker.finish()                              # list[Track], final ids

Every observed row of a returned :class:`Track` has ``detection_index``: the row's box is
``dets.boxes[detection_index]`` of that frame's :class:`Detections`, so per-detection results
(CLIFF outputs, embeddings) join to tracks exactly. Ids returned by :meth:`PersonTracker.update`
are provisional (stitching in :meth:`PersonTracker.finish` merges fragments and renumbers).

Boxes that come with a given track id (a MOTChallenge ``gt.txt`` with ids >= 0) bypass norfair
and come out unchanged under their own id; tracker-made ids are numbered after them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from mocap.config import PipelineConfig
from mocap.errors import TrackerInputError
from mocap.trackpost import (
    STITCH_MAX_GAP_S,
    drop_short,
    fill_gaps,
    keep_most_prominent,
    stitch_fragments,
)
from mocap.types import Detections, FloatArray, Track

log = logging.getLogger(__name__)

#: norfair's IoU distance is ``1 - IoU``; a detection joins a track when IoU > 1 - this.
IOU_DISTANCE_THRESHOLD = 0.7


@dataclass
class _Rows:
    """Observed rows of one provisional track (append-only while tracking)."""

    frames: list[int] = field(default_factory=list)
    boxes: list[np.ndarray] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    det_index: list[int] = field(default_factory=list)
    embedding_sum: np.ndarray | None = None

    def add(
        self, frame: int, box: np.ndarray, score: float, j: int, embedding: np.ndarray | None
    ) -> None:
        self.frames.append(frame)
        self.boxes.append(box)
        self.scores.append(score)
        self.det_index.append(j)
        if embedding is not None:
            unit = embedding / max(float(np.linalg.norm(embedding)), 1e-12)
            self.embedding_sum = unit if self.embedding_sum is None else self.embedding_sum + unit

    def to_track(self, track_id: int) -> Track:
        n = len(self.frames)
        return Track(
            track_id,
            np.asarray(self.frames),
            np.asarray(self.boxes).reshape(n, 4),
            np.asarray(self.scores),
            np.ones(n, bool),
            np.asarray(self.det_index),
        )


class PersonTracker:
    """norfair IoU tracker plus offline post-processing (stitch, drop short, fill gaps, top N).

    Args:
        fps: average frame rate of the video; converts every duration below into frames.
        memory_s: seconds a person may go undetected and keep the id online
            (norfair ``hit_counter_max``). A track earns this memory by being seen: norfair
            adds 2 per detected frame up to the maximum, so a person seen for at least half of
            ``memory_s`` survives a full ``memory_s`` gap; longer gaps are for stitching.
        min_track_s: tracks with fewer observed frames than this duration are dropped.
        max_gap_s: gaps up to this long are filled by linear interpolation
            (rows with ``observed=False``, ``detection_index=-1``, score 0).
        max_people: keep only the N most prominent tracks (None = all).
        stitch_max_gap_s: fragments separated by at most this long are joined when box motion
            (and appearance, when embeddings are given) agree.
    """

    def __init__(
        self,
        fps: float,
        memory_s: float = 1.5,
        min_track_s: float = 0.5,
        max_gap_s: float = 1.0,
        max_people: int | None = None,
        stitch_max_gap_s: float = STITCH_MAX_GAP_S,
    ) -> None:
        from norfair import Tracker  # pyright: ignore[reportPrivateImportUsage]

        self.fps = float(fps)
        self.memory_frames = max(1, round(memory_s * self.fps))
        self.min_frames = max(1, round(min_track_s * self.fps))
        self.max_gap_frames = max(0, round(max_gap_s * self.fps))
        self.stitch_max_gap_frames = max(0, round(stitch_max_gap_s * self.fps))
        self.max_people = max_people
        self._tracker = Tracker(
            distance_function="iou",
            distance_threshold=IOU_DISTANCE_THRESHOLD,
            hit_counter_max=self.memory_frames,
            initialization_delay=0,  # offline: keep every frame; short tracks are dropped later
        )
        self._tracked: dict[int, _Rows] = {}
        self._given: dict[int, _Rows] = {}
        self._next_frame = 0

    @classmethod
    def from_config(cls, config: PipelineConfig, fps: float) -> PersonTracker:
        """A tracker with the tracking fields of ``config`` (seconds converted at ``fps``)."""
        return cls(
            fps,
            memory_s=config.track_memory_s,
            min_track_s=config.min_track_s,
            max_gap_s=config.max_gap_s,
            max_people=config.max_people,
        )

    def update(
        self, dets: Detections, embeddings: FloatArray | None = None
    ) -> list[tuple[int, int]]:
        """Feed one frame's detections (call for every frame, in order, empty ones too).

        Args:
            dets: the frame's detections; ``dets.frame`` must increase from call to call
                (skipped frames count as frames without detections).
            embeddings: optional (N, D) appearance vector per detection (any scale; compared by
                cosine), used to stitch fragments of one person in :meth:`finish`.

        Returns:
            ``(provisional_track_id, det_index)`` for every detection linked to a track on
            this frame. Detections with a degenerate box are not tracked.

        Raises:
            TrackerInputError: frames out of order or embeddings of the wrong shape.
        """
        from norfair import Detection  # pyright: ignore[reportPrivateImportUsage]

        if dets.frame < self._next_frame:
            raise TrackerInputError(
                f"tracker got frame {dets.frame} after frame {self._next_frame - 1}; "
                "feed frames in increasing order"
            )
        emb = None if embeddings is None else np.asarray(embeddings, np.float64)
        if emb is not None and (emb.ndim != 2 or emb.shape[0] != len(dets)):
            raise TrackerInputError(
                f"embeddings must be (N, D) with N = {len(dets)} detections, got {emb.shape}"
            )
        for _ in range(self._next_frame, dets.frame):  # frames the caller skipped
            self._tracker.update([])
        self._next_frame = dets.frame + 1

        links: list[tuple[int, int]] = []
        ids = dets.track_ids if dets.track_ids is not None else np.full(len(dets), -1)
        candidates = []
        for j, (box, score, given) in enumerate(zip(dets.boxes, dets.scores, ids, strict=True)):
            vec = None if emb is None else emb[j]
            if given >= 0:
                self._given.setdefault(int(given), _Rows()).add(
                    dets.frame, box, float(score), j, vec
                )
                links.append((int(given), j))
            elif np.all(np.isfinite(box)) and box[2] > box[0] and box[3] > box[1]:
                candidates.append(
                    Detection(
                        points=box.reshape(2, 2).astype(np.float64),
                        scores=np.array([score, score], np.float64),
                        data={"frame": dets.frame, "det": j},
                    )
                )
        for obj in self._tracker.update(candidates):
            last = obj.last_detection
            if last.data["frame"] != dets.frame:
                continue  # coasting on its prediction this frame
            j = last.data["det"]
            self._tracked.setdefault(obj.id, _Rows()).add(  # pyright: ignore[reportArgumentType]
                dets.frame, dets.boxes[j], float(dets.scores[j]), j, None if emb is None else emb[j]
            )
            links.append((int(obj.id), j))  # pyright: ignore[reportArgumentType]
        return links

    def finish(self) -> list[Track]:
        """Post-process and return all tracks, sorted by id.

        Tracker-made tracks are stitched (fragments of one person joined), tracks with fewer
        than ``min_track_s`` of observed frames dropped, gaps up to ``max_gap_s`` filled, and
        renumbered 1, 2, ... by first appearance (after the largest given id). Given tracks
        pass through unchanged. Then ``max_people`` keeps the most prominent tracks.
        """
        pieces = [rows.to_track(tid) for tid, rows in sorted(self._tracked.items())]
        embeddings = {
            tid: rows.embedding_sum
            for tid, rows in self._tracked.items()
            if rows.embedding_sum is not None
        }
        stitched = stitch_fragments(pieces, embeddings, self.fps, self.stitch_max_gap_frames)
        kept = drop_short(stitched, self.min_frames)
        if len(kept) < len(stitched):
            log.info(
                "dropped %d tracks shorter than %d frames",
                len(stitched) - len(kept),
                self.min_frames,
            )
        first_id = max(self._given, default=0) + 1
        made = [
            _with_id(fill_gaps(t, self.max_gap_frames), first_id + k)
            for k, t in enumerate(sorted(kept, key=lambda t: (int(t.frames[0]), t.track_id)))
        ]
        given = [rows.to_track(tid) for tid, rows in self._given.items()]
        tracks = keep_most_prominent(given + made, self.max_people)
        return sorted(tracks, key=lambda t: t.track_id)


def _with_id(track: Track, track_id: int) -> Track:
    return Track(
        track_id, track.frames, track.boxes, track.scores, track.observed, track.detection_index
    )
