"""Online person tracking with norfair, then offline clean-up into :class:`Track` objects.

The pipeline drives the tracker frame by frame and collects the tracks at the end::

    tracker = PersonTracker.from_config(config, fps=video.info.fps)
    for image, dets in frames_in_order:                    # one Detections per decoded frame
        links = tracker.update(dets, image=image)          # [(provisional_id, det_index), ...]
    tracks = tracker.finish()                              # list[Track], final ids

With ``image`` (the RGB frame) the tracker computes an appearance embedding per detection
(:mod:`mocap.appearance`) that the online association (:mod:`mocap.association`), the cuts and
stitching compare; callers with their own embeddings pass ``embeddings`` instead, and callers
without frames pass neither (box overlap, motion and scale alone decide).

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

from mocap import appearance
from mocap.association import LookIoUDistance
from mocap.config import PipelineConfig
from mocap.errors import TrackerInputError
from mocap.stitch import STITCH_MAX_BLIND_GAP_S, STITCH_MAX_GAP_S, stitch_fragments
from mocap.trackcut import cut_box_jumps
from mocap.trackpost import fill_gaps, keep_most_prominent, mostly_seen
from mocap.types import Detections, FloatArray, Track

log = logging.getLogger(__name__)

#: norfair's IoU distance is ``1 - IoU``; a detection joins a track when IoU > 1 - this (less
#: the look term of :mod:`mocap.association` when its look is off the track's).
IOU_DISTANCE_THRESHOLD = 0.7


@dataclass
class _Rows:
    """Observed rows of one provisional track (append-only while tracking)."""

    frames: list[int] = field(default_factory=list)
    boxes: list[np.ndarray] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    det_index: list[int] = field(default_factory=list)

    def add(self, frame: int, box: np.ndarray, score: float, j: int) -> None:
        self.frames.append(frame)
        self.boxes.append(box)
        self.scores.append(score)
        self.det_index.append(j)

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


def import_backend() -> None:
    """Import the tracking library (norfair, with pandas and scipy.stats: 1-4 s on a cold start)
    ahead of the first :class:`PersonTracker`, e.g. on a thread while models load."""
    import norfair  # noqa: F401  # pyright: ignore[reportUnusedImport]


class PersonTracker:
    """norfair tracker (IoU plus look, :mod:`mocap.association`) plus offline post-processing.

    :meth:`finish` cuts box jumps, stitches fragments on evidence, drops tracks not mostly seen,
    fills short gaps and keeps the top N (see :meth:`finish`).

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
        stitch_max_gap_s: fragments separated by at most this long are joined when motion,
            scale and appearance (when known) agree (:mod:`mocap.stitch`); when the tracker is
            given frames or embeddings but a fragment has no known look, at most
            ``STITCH_MAX_BLIND_GAP_S``.
        min_observed_share: tracks observed on less than this share of the frames they span
            are dropped (default and its measurement: ``PipelineConfig.min_observed_share``).
        min_mean_score: tracks whose observed rows score less than this on average are dropped.
    """

    def __init__(
        self,
        fps: float,
        memory_s: float = PipelineConfig.track_memory_s,
        min_track_s: float = PipelineConfig.min_track_s,
        max_gap_s: float = PipelineConfig.max_gap_s,
        max_people: int | None = None,
        stitch_max_gap_s: float = STITCH_MAX_GAP_S,
        min_observed_share: float = PipelineConfig.min_observed_share,
        min_mean_score: float = PipelineConfig.min_track_score,
    ) -> None:
        from norfair import Tracker  # pyright: ignore[reportPrivateImportUsage]

        self.fps = float(fps)
        self.memory_frames = max(1, round(memory_s * self.fps))
        self.min_frames = max(1, round(min_track_s * self.fps))
        self.max_gap_frames = max(0, round(max_gap_s * self.fps))
        self.stitch_max_gap_frames = max(0, round(stitch_max_gap_s * self.fps))
        self.max_people = max_people
        self.min_observed_share = min_observed_share
        self.min_mean_score = min_mean_score
        self._tracker = Tracker(
            distance_function="iou",
            distance_threshold=IOU_DISTANCE_THRESHOLD,
            hit_counter_max=self.memory_frames,
            initialization_delay=0,  # offline: keep every frame; short tracks are dropped later
        )
        # IoU plus a look term (norfair's constructor takes only names and scalar functions;
        # its matching calls ``distance_function.get_distances``, as for its own "iou")
        self._distance = LookIoUDistance()
        self._tracker.distance_function = self._distance  # pyright: ignore[reportAttributeAccessIssue]
        self._tracked: dict[int, _Rows] = {}
        self._given: dict[int, _Rows] = {}
        # frame -> (N, D) float16 unit vectors, one row per detection, NaN = unknown (~0.1 kB each)
        self._embeddings: dict[int, np.ndarray] = {}
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
            min_observed_share=config.min_observed_share,
            min_mean_score=config.min_track_score,
        )

    def update(
        self,
        dets: Detections,
        embeddings: FloatArray | None = None,
        image: np.ndarray | None = None,
    ) -> list[tuple[int, int]]:
        """Feed one frame's detections (call for every frame, in order, empty ones too).

        Args:
            dets: the frame's detections; ``dets.frame`` must increase from call to call
                (skipped frames count as frames without detections).
            embeddings: optional (N, D) appearance vector per detection (any scale; compared by
                cosine; NaN rows = unknown), used to stitch fragments of one person in
                :meth:`finish`. Vectors of boxes mostly covered by another box are ignored
                (:func:`mocap.appearance.occluded`).
            image: optional (H, W, 3) uint8 RGB frame; when given (and ``embeddings`` is not),
                the embeddings are computed from it (:func:`mocap.appearance.embed`).

        Returns:
            ``(provisional_track_id, det_index)`` for every detection linked to a track on
            this frame. Detections with a degenerate box are not tracked.

        Raises:
            TrackerInputError: frames out of order or embeddings of the wrong shape.
        """
        if dets.frame < self._next_frame:
            raise TrackerInputError(
                f"tracker got frame {dets.frame} after frame {self._next_frame - 1}; "
                "feed frames in increasing order"
            )
        if embeddings is None and image is not None and len(dets):
            embeddings = appearance.embed(image, dets.boxes)
        if embeddings is not None:
            self._keep_embeddings(dets, np.asarray(embeddings, np.float64))
        for _ in range(self._next_frame, dets.frame):  # frames the caller skipped
            self._tracker.update([])
        self._next_frame = dets.frame + 1
        return self._link(dets)

    def _keep_embeddings(self, dets: Detections, emb: np.ndarray) -> None:
        if emb.ndim != 2 or emb.shape[0] != len(dets):
            raise TrackerInputError(
                f"embeddings must be (N, D) with N = {len(dets)} detections, got {emb.shape}"
            )
        norm = np.linalg.norm(emb, axis=1, keepdims=True)
        usable = np.isfinite(norm[:, 0]) & (norm[:, 0] > 1e-12)
        usable &= ~appearance.occluded(dets.boxes)  # covered: partly someone else's colours
        if usable.any():
            unit = np.where(usable[:, None], emb / np.where(usable[:, None], norm, 1.0), np.nan)
            self._embeddings[dets.frame] = unit.astype(np.float16)

    def _link(self, dets: Detections) -> list[tuple[int, int]]:
        from norfair import Detection  # pyright: ignore[reportPrivateImportUsage]

        links: list[tuple[int, int]] = []
        ids = dets.track_ids if dets.track_ids is not None else np.full(len(dets), -1)
        candidates = []
        looks = self._embeddings.get(dets.frame)  # (N, D) float16, NaN = unknown, or None
        for j, (box, score, given) in enumerate(zip(dets.boxes, dets.scores, ids, strict=True)):
            if given >= 0:
                self._given.setdefault(int(given), _Rows()).add(dets.frame, box, float(score), j)
                links.append((int(given), j))
            elif np.all(np.isfinite(box)) and box[2] > box[0] and box[3] > box[1]:
                candidates.append(
                    Detection(
                        points=box.reshape(2, 2).astype(np.float64),
                        scores=np.array([score, score], np.float64),
                        data={"frame": dets.frame, "det": j, "look": _look(looks, j)},
                    )
                )
        for obj in self._tracker.update(candidates):
            last = obj.last_detection
            if last.data["frame"] != dets.frame:
                continue  # coasting on its prediction this frame
            j = last.data["det"]
            self._tracked.setdefault(obj.id, _Rows()).add(  # pyright: ignore[reportArgumentType]
                dets.frame, dets.boxes[j], float(dets.scores[j]), j
            )
            links.append((int(obj.id), j))  # pyright: ignore[reportArgumentType]
            self._distance.add(int(obj.id), last.data["look"])  # pyright: ignore[reportArgumentType]
        return links

    def _row_embeddings(self, track: Track) -> np.ndarray | None:
        """(T, D) unit embedding per row (NaN where unknown), None when no row has one."""
        assert track.detection_index is not None
        keys = list(zip(track.frames.tolist(), track.detection_index.tolist(), strict=True))
        known = [self._embeddings[f][j] if f in self._embeddings else None for f, j in keys]
        dim = next((len(v) for v in known if v is not None), 0)
        if not dim:
            return None
        nan = np.full(dim, np.nan)
        rows = np.array([nan if v is None else v for v in known], np.float64)
        return None if not np.isfinite(rows).all(axis=1).any() else rows

    def _mean_embedding(self, track: Track) -> np.ndarray | None:
        rows = self._row_embeddings(track)
        if rows is None:
            return None
        return rows[np.all(np.isfinite(rows), axis=1)].mean(axis=0)

    def _pieces(self) -> tuple[list[Track], set[tuple[int, int]]]:
        """Tracker-made tracks cut at box jumps, numbered 0, 1, ... (provisional), and the
        pairs (k, k + 1) of consecutive pieces of one track cut apart where the look changed."""
        pieces: list[Track] = []
        apart: set[tuple[int, int]] = set()
        for _, rows in sorted(self._tracked.items()):
            track = rows.to_track(0)
            looks = self._row_embeddings(track)
            for piece, new_look in cut_box_jumps(track, self.fps, looks, _pose_free(looks)):
                if new_look:
                    apart.add((len(pieces) - 1, len(pieces)))
                pieces.append(_with_id(piece, len(pieces)))
        return pieces, apart

    def finish(self) -> list[Track]:
        """Post-process and return all tracks, sorted by id.

        Tracker-made tracks: rows whose box jumps in size or shape are cut out (or the track
        split there, :func:`mocap.trackcut.cut_box_jumps`); fragments of one person are
        stitched where motion, scale and appearance agree (:mod:`mocap.stitch`); tracks not
        mostly seen (too few observed rows, too small an observed share of their span, too low
        a mean score) are dropped; gaps up to ``max_gap_s`` are filled; tracks are renumbered
        1, 2, ... by first appearance (after the largest given id). Given tracks pass through
        unchanged. Then ``max_people`` keeps the most prominent tracks.
        """
        pieces, apart = self._pieces()
        embeddings = {t.track_id: e for t in pieces if (e := self._mean_embedding(t)) is not None}
        # with frames, a fragment without a known look was covered on every row: in a crowd
        blind = round(STITCH_MAX_BLIND_GAP_S * self.fps) if self._embeddings else None
        stitched = stitch_fragments(
            pieces, embeddings, self.fps, self.stitch_max_gap_frames, blind, apart
        )
        kept = [
            t
            for t in stitched
            if mostly_seen(t, self.min_frames, self.min_observed_share, self.min_mean_score)
        ]
        if len(kept) < len(stitched):
            log.info("dropped %d tracks not mostly seen", len(stitched) - len(kept))
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


def _pose_free(looks: np.ndarray | None) -> np.ndarray | None:
    """(T, D) row embeddings -> their colours regardless of pose (:func:`appearance.pose_free`)
    when they have :func:`appearance.embed`'s layout; other embeddings (a caller's own, e.g. a
    re-identification network's) are taken as they are."""
    if looks is None or looks.shape[1] != appearance.DIM:
        return looks
    return appearance.pose_free(looks)


def _look(looks: np.ndarray | None, j: int) -> np.ndarray | None:
    """Detection ``j``'s (D,) look from a frame's (N, D) looks, None when unknown."""
    if looks is None or not np.all(np.isfinite(looks[j])):
        return None
    return looks[j].astype(np.float64)
