"""Calls read in bounded sub-windows, so that nothing depends on the order of pages.

Gong's spec promises no order for the pages of `POST /v2/calls/extensive` (spec: nothing
is said), so "every call up to the newest start seen so far is loaded" is never true
halfway through a pagination sequence. What is true is that a sequence read to its end
holds every call its filter matched. So a load's calls window is read as a series of
sub-windows, oldest first, and a saved position moves to a sub-window's end only once the
whole sub-window is in:

* Sizing. The first page of a window says how many calls it holds (`totalRecords`,
  spec). A window of more than `max_pages` pages is split into equal slices of time with
  about `max_pages` pages each, and that first page is dropped: one request per split,
  so a sequence stays short (minutes at Gong's pace, against a cursor that lives about an
  hour (guess: API.md, the `exp` of recorded cursors)) and a quota stop loses at most one
  sub-window's requests.
* Refused cursors. A 400 to a request that carried a cursor (`CursorRefused`, whatever
  Gong's words) re-reads that sub-window once; refused again, the sub-window is halved and
  later sub-windows are sized to half its pages. So a load completes whatever the
  cursors' lifetime: in the end a sub-window fits in one page, which needs no cursor.
* Daily quota. When the quota stops a load before it finished any sub-window, the next
  load first reads a sub-window of the width that would have held half the pages the
  stopped one got through (kept in state: `span`; halved again each day nothing moved),
  so even a small quota moves the position every day, and sizes the rest in sub-windows
  of no more pages than that first one held. A load the quota does not stop forgets it.

* Side by side. The slices of a split window are read up to `lanes` at once (the client's
  `max_in_flight`), each its own pagination sequence: behind a far Gong one sequence gets
  a page an answer's time, slower than Gong's pace. A `Done` is still handed on only for
  a sub-window whose earlier sub-windows are all done, so positions move as before. After
  a quota stop (a learned `span`) the narrow first sub-window is read alone, so it fits
  the day's quota.

The last sub-window of an incremental load has no end (`toDateTime` left out, as before):
once read it moves the position to the newest call start it held, and each run re-reads
the lookback before that, for calls Gong processed late.
"""

from __future__ import annotations

import math
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from dlt_gong.client import CursorRefused, GongClient
from dlt_gong.endpoints import Endpoint
from dlt_gong.errors import GongUnavailableError
from dlt_gong.windows import gong_datetime, parse_instant

MAX_SEQUENCE_PAGES = 50
"""Pages in one pagination sequence at most: 5,000 calls at Gong's 100 a page, a few
minutes at 3 requests a second with their transcripts. At Gong's normal cursor lifetime
the splits cost a request each plus the part-filled last page of each sub-window (and its
transcripts request): under 2% of a load's requests (bench: medium company)."""

SPLIT_FILL = 0.8
"""A window split for its size is cut into slices of about this share of `max_pages`."""

MIN_SPLIT = timedelta(seconds=2)
"""No sub-window is split below this width (Gong's filters take whole seconds)."""


@dataclass(frozen=True)
class Piece:
    """A sub-window: calls whose filter time is in [start, end); no end = up to now."""

    start: datetime
    end: datetime | None
    refused: int = 0
    """Cursor refusals met reading this sub-window (the second one halves it)."""


@dataclass(frozen=True)
class Done:
    """A sub-window read to its end: every call of it up to `position` is in."""

    position: datetime | None


@dataclass
class _Lane:
    """A sub-window being read, or waiting its turn, and what its reading learned."""

    piece: Piece
    reading: Generator[list[dict[str, Any]], None, list[Piece] | Done] | None = None
    done: Done | None = None
    pages: int = 0
    """Pages of it read so far (what the quota left room for, if it stops)."""
    pages_of: int | None = None
    """The pages Gong said it holds."""
    slices: list[Piece] = field(default_factory=list)
    """What to read instead, when its first page said it holds too many pages."""


class CallsReader:
    """Reads a calls window in sub-windows; yields pages of calls and `Done` markers."""

    def __init__(
        self,
        client: GongClient,
        endpoint: Endpoint,
        *,
        call_filter: Mapping[str, Any],
        content_selector: Mapping[str, Any],
        now: datetime,
        max_pages: int = MAX_SEQUENCE_PAGES,
        span: timedelta | None = None,
        lanes: int = 1,
    ) -> None:
        self.client = client
        self.endpoint = endpoint
        self.call_filter = dict(call_filter)
        self.content_selector = content_selector
        self.now = now
        self.max_pages = max(1, max_pages)
        self.span = span
        """Cut the window into sub-windows this wide up front (learned from a quota stop)."""
        self.lanes = 1 if span is not None else max(1, lanes)
        """Sub-windows read side by side at most (one after a quota stop: see above)."""
        self.refusals = 0
        self.splits = 0
        self.done = 0
        """Sub-windows read to their end."""
        self._first: _Lane | None = None
        """The oldest sub-window not done: where a quota stop leaves the position."""

    def body(self, piece: Piece) -> dict[str, Any]:
        body_filter: dict[str, Any] = {"fromDateTime": gong_datetime(piece.start)}
        if piece.end is not None:
            body_filter["toDateTime"] = gong_datetime(piece.end)
        return {"filter": {**body_filter, **self.call_filter},
                "contentSelector": self.content_selector}  # fmt: skip

    def read(self, start: datetime, end: datetime | None) -> Iterator[list[dict[str, Any]] | Done]:
        """Pages of calls (lists of Gong's call items) and a `Done` after each sub-window,
        in the sub-windows' order of time; up to `lanes` of them read side by side, their
        pages interleaved."""
        lanes = [_Lane(p) for p in _cut(Piece(start, end), self.span, self.now)]
        try:
            while lanes:
                while lanes and lanes[0].done is not None:
                    done = lanes.pop(0).done
                    assert done is not None
                    yield done
                if not lanes:
                    return
                self._first = lanes[0]
                turn = [ln for ln in lanes if ln.done is None][: self.lanes]
                for lane in turn:  # their first requests go out together
                    if lane.reading is None:
                        lane.reading = self._read(lane, self._start(lane))
                for lane in turn:
                    assert lane.reading is not None
                    try:
                        yield next(lane.reading)
                    except StopIteration as stop:
                        if isinstance(stop.value, Done):
                            lane.done = stop.value
                        else:  # split or refused: read these instead, in its place
                            at = lanes.index(lane)
                            lanes[at : at + 1] = [_Lane(p) for p in stop.value]
                        break  # the lanes changed: start the round again
        finally:
            for lane in lanes:
                if lane.reading is not None:
                    lane.reading.close()

    def _start(self, lane: _Lane) -> Iterator[dict[str, Any]]:
        """The sub-window's pagination sequence, its first request sent."""
        piece = lane.piece

        def small_enough(page: dict[str, Any]) -> bool:
            """Judged on the first page, before the second is asked for."""
            if lane.pages == 0:
                items = page.get(self.endpoint.data_key or "") or []
                records = page.get("records") or {}
                total = records.get("totalRecords")
                if isinstance(total, int) and items:
                    lane.pages_of = math.ceil(total / len(items))
                lane.slices.extend(self._slices(piece, records, len(items)) or [])
            return not lane.slices

        return self.client.sequence(
            self.endpoint, body=self.body(piece), keep_going=small_enough, eager=True
        )

    def _read(
        self, lane: _Lane, pages: Iterator[dict[str, Any]]
    ) -> Generator[list[dict[str, Any]], None, list[Piece] | Done]:
        """One sub-window's pages; returns its `Done`, or the sub-windows to read instead
        when it was split or its cursor refused."""
        piece = lane.piece
        newest: datetime | None = None

        try:
            for page in pages:
                items = page.get(self.endpoint.data_key or "") or []
                lane.pages += 1
                for call in items:
                    started = (call.get("metaData") or {}).get("started")
                    if started:
                        moment = parse_instant(started)
                        newest = moment if newest is None or moment > newest else newest
                yield items
        except CursorRefused as exc:
            self.refusals += 1
            if piece.refused == 0:
                return [replace(piece, refused=1)]  # once more, whole
            halves = self._halves(piece)
            if halves is None:
                raise GongUnavailableError(
                    f"{self.endpoint.name}: Gong refused the paging cursor of calls from "
                    f"{gong_datetime(piece.start)} again and again ({exc})"
                ) from None
            self.max_pages = max(1, min(self.max_pages, lane.pages) // 2)
            return halves
        if lane.slices:
            self.splits += 1
            return lane.slices
        if self.span is not None and self.done == 0:
            # the quota's measure: later sub-windows hold no more pages than this one did
            self.max_pages = max(1, min(self.max_pages, lane.pages))
        self.done += 1
        return Done(piece.end if piece.end is not None else newest)

    def _slices(
        self, piece: Piece, records: Mapping[str, Any], page_size: int
    ) -> list[Piece] | None:
        """The slices of time to read instead, when the window holds too many pages."""
        total = records.get("totalRecords")
        if not records.get("cursor") or not isinstance(total, int) or page_size < 1:
            return None
        pages = math.ceil(total / page_size)
        if pages <= self.max_pages:
            return None
        # slices a fifth under the limit: calls are not spread evenly over time, and a
        # slice over it would cost another split
        return _split(piece, math.ceil(pages / (self.max_pages * SPLIT_FILL)), self.now)

    def _halves(self, piece: Piece) -> list[Piece] | None:
        return _split(piece, 2, self.now)

    def span_after_quota_stop(self) -> timedelta | None:
        """The sub-window width that would have held half the pages the quota let the
        oldest sub-window not done get through (None when nothing is known)."""
        lane = self._first
        if lane is None:
            return None
        piece = lane.piece
        width = (piece.end or self.now) - piece.start
        done = max(1, lane.pages)
        holds = max(done, lane.pages_of or 2 * done)
        return max(MIN_SPLIT, width * done / holds / 2)


def _cut(piece: Piece, span: timedelta | None, now: datetime) -> list[Piece]:
    """A first sub-window `span` wide, then the rest (sized by its own first page): the
    learned width is where the quota stopped, the rest may be empty or sparse."""
    if span is None or span <= timedelta(0):
        return [piece]
    end = piece.end if piece.end is not None else now
    if end - piece.start <= span:
        return [piece]
    cut = (piece.start + span).replace(microsecond=0)
    return [Piece(piece.start, cut), Piece(cut, piece.end)]


def _split(piece: Piece, parts: int, now: datetime) -> list[Piece] | None:
    """`parts` equal slices of time (whole seconds); the last keeps the piece's end. None
    when the piece is too narrow (or, open-ended, starts at or after now)."""
    end = piece.end if piece.end is not None else now
    width = (end - piece.start) / parts
    if width < MIN_SPLIT:
        return None
    starts = [piece.start] + [
        (piece.start + i * width).replace(microsecond=0) for i in range(1, parts)
    ]
    ends: list[datetime | None] = [*starts[1:], piece.end]
    return [Piece(a, b) for a, b in zip(starts, ends, strict=True)]
