"""Unit tests of the calls reader's sub-windows read side by side, against a scripted
Gong: every call exactly once, `Done` markers in the sub-windows' order of time, and the
slices' first requests sent together (the e2e tests prove the same against the sandbox)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from dlt_gong import endpoints as ep
from dlt_gong.calls_reader import CallsReader, Done
from dlt_gong.client import CursorRefused
from dlt_gong.windows import parse_instant

START = datetime(2026, 11, 1, tzinfo=timezone.utc)
NOW = datetime(2026, 11, 11, tzinfo=timezone.utc)
PAGE = 10


def _calls(n: int) -> list[dict[str, Any]]:
    """`n` calls spread evenly over the ten days from START, oldest first."""
    step = (NOW - START) / n
    return [
        {"metaData": {"id": str(i), "started": (START + i * step).isoformat()}} for i in range(n)
    ]


class ScriptedGong:
    """`sequence` as the client's: pages of `PAGE` calls in the body's filter, a cursor
    between them; notes when each sequence started (its first request sent) and each
    page was handed on."""

    max_in_flight = 3

    def __init__(self, calls: list[dict[str, Any]], refuse_once: str | None = None) -> None:
        self.calls = calls
        self.events: list[tuple[str, str]] = []
        self.refuse_once = refuse_once
        """The `fromDateTime` of a sub-window whose second page's cursor is refused once."""

    def sequence(
        self,
        endpoint: Any,
        *,
        body: dict[str, Any],
        keep_going: Callable[[dict[str, Any]], bool],
        eager: bool = False,
    ) -> Iterator[dict[str, Any]]:
        lo = parse_instant(body["filter"]["fromDateTime"])
        to = body["filter"].get("toDateTime")
        hi = parse_instant(to) if to else NOW
        found = [c for c in self.calls if lo <= parse_instant(c["metaData"]["started"]) < hi]
        pages = [found[i : i + PAGE] for i in range(0, len(found), PAGE)] or [[]]
        name = body["filter"]["fromDateTime"]
        self.events.append(("start", name))
        assert eager

        def follow() -> Iterator[dict[str, Any]]:
            for n, items in enumerate(pages):
                if n == 1 and self.refuse_once == name:
                    self.refuse_once = None
                    raise CursorRefused("cursor has expired")
                more = n + 1 < len(pages)
                page = {
                    "calls": items,
                    "records": {"totalRecords": len(found), "cursor": "c" if more else None},
                }
                if n == 0 and not keep_going(page):
                    return
                self.events.append(("page", name))
                yield page

        return follow()


def _read(gong: ScriptedGong, lanes: int, max_pages: int = 4) -> list[Any]:
    reader = CallsReader(
        gong,  # type: ignore[arg-type]
        ep.CALLS_EXTENSIVE,
        call_filter={},
        content_selector={},
        now=NOW,
        max_pages=max_pages,
        lanes=lanes,
    )
    return list(reader.read(START, None))


@pytest.mark.parametrize("lanes", [1, 3])
def test_every_call_once_and_done_in_order_of_time(lanes: int) -> None:
    """100 calls, 10 pages: split into slices of about 3 pages, read `lanes` at a time."""
    gong = ScriptedGong(_calls(100))
    got = _read(gong, lanes)
    ids = [c["metaData"]["id"] for page in got if not isinstance(page, Done) for c in page]
    assert sorted(ids, key=int) == [str(i) for i in range(100)]
    assert len(ids) == 100
    positions = [g.position for g in got if isinstance(g, Done)]
    assert positions == sorted(positions)
    assert len(positions) == 4  # ceil(10 / (4 * 0.8)) slices
    assert positions[-1] == max(parse_instant(c["metaData"]["started"]) for c in gong.calls)
    # a Done only after every page of its slice and the slices before it
    for i, g in enumerate(got):
        if isinstance(g, Done):
            before = [c for page in got[:i] if not isinstance(page, Done) for c in page]
            assert len([c for c in gong.calls if _at(c) < g.position]) <= len(before)


def _at(call: dict[str, Any]) -> datetime:
    return parse_instant(call["metaData"]["started"])


def test_slices_start_together_and_interleave() -> None:
    """With 3 lanes the first three slices' first requests go out before any slice's
    second page is wanted, and their pages come interleaved; with 1 lane, one slice after
    another."""
    gong = ScriptedGong(_calls(100))
    _read(gong, 3)
    kinds = [k for k, _ in gong.events]
    assert kinds[:4] == ["start", "start", "start", "start"]  # the whole window, then 3 slices
    assert gong.events[4][1] != gong.events[5][1]  # pages of different slices, side by side

    alone = ScriptedGong(_calls(100))
    _read(alone, 1)
    names = [n for k, n in alone.events if k == "page"]
    assert names == sorted(names, key=parse_instant)  # each slice whole before the next


def test_a_refused_cursor_rereads_its_slice_only() -> None:
    """The second slice's cursor is refused once: it is read again whole, in its place;
    the others are not; every call is handed on, and positions still move in order."""
    calls = _calls(100)
    probe = ScriptedGong(calls)
    _read(probe, 3)
    second = [n for k, n in probe.events if k == "start"][2]
    gong = ScriptedGong(calls, refuse_once=second)
    got = _read(gong, 3)
    starts = [n for k, n in gong.events if k == "start"][1:]  # the slices (not the window)
    assert starts.count(second) == 2
    assert all(starts.count(n) == 1 for n in starts if n != second)
    assert len(starts) == 5
    ids = {c["metaData"]["id"] for page in got if not isinstance(page, Done) for c in page}
    assert ids == {str(i) for i in range(100)}
    positions = [g.position for g in got if isinstance(g, Done)]
    assert positions == sorted(positions) and len(positions) == 4


def test_after_a_quota_stop_the_narrow_first_sub_window_is_read_alone() -> None:
    """A learned span (the quota stopped the last load): one lane, whatever the client's
    `max_in_flight`, so the narrow first sub-window fits the day's quota."""
    reader = CallsReader(
        ScriptedGong(_calls(10)),  # type: ignore[arg-type]
        ep.CALLS_EXTENSIVE,
        call_filter={},
        content_selector={},
        now=NOW,
        span=timedelta(days=1),
        lanes=3,
    )
    assert reader.lanes == 1
