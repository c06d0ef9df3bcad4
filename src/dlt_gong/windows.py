"""Incremental windows: where a run starts, where it ends, and when progress is saved.

Two rules keep loads complete:

* Gong shows a call only once it has processed it (minutes to a day after it started),
  while its filters work on the start time. A window that starts at the newest start time
  already loaded loses every call processed late, for good. So each run starts
  `lookback` before the saved position; merge on primary keys absorbs the overlap.
* Progress is saved only for work that finished. Calls come back oldest first, so after
  each complete page "everything up to this start time is loaded" is true; a stats window
  counts only once all its pages are in. A run stopped halfway (daily quota, a crash)
  therefore resumes where it really stopped.

A run with an explicit end is a backfill of a fixed window: it neither reads nor writes
saved positions, so several can run side by side.

Stats windows start on a period boundary (`period_start`): Gong's `aggregationPeriod` is a
"Calendar time period" whose weeks start on Monday (spec), so a window that starts
mid-period would come back with a clipped first period under a new `fromDate`, and the
earlier full period's row would never be replaced. Aligned, each period has one row, and
the period still in progress (cut at the window's end) is re-read and replaced, under the
same key, by the run after it completes.
"""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any


def parse_instant(value: str | datetime) -> datetime:
    """Gong's timestamps carry offsets; compare them as instants, never as strings."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def gong_datetime(value: datetime) -> str:
    """The ISO-8601 form Gong's date-time filters take."""
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class CallsWindow:
    """The start-time window of one run of the calls family (calls and their transcripts)."""

    start: datetime
    end: datetime | None
    backfill: bool

    @classmethod
    def plan(
        cls,
        state: MutableMapping[str, Any],
        members: Iterable[str],
        *,
        start: datetime,
        end: datetime | None,
        lookback: timedelta,
    ) -> CallsWindow:
        """Starts at the least advanced member's position minus the lookback.

        A member that never ran starts at `start`, so adding transcripts to a pipeline that
        already loads calls backfills the transcripts rather than skipping them.
        """
        if end is not None:
            return cls(start, end, backfill=True)
        positions = []
        for member in members:
            saved = state.get(member)
            positions.append(start if saved is None else parse_instant(saved) - lookback)
        begin = max(start, min(positions)) if positions else start
        return cls(begin, None, backfill=False)


def advance(state: MutableMapping[str, Any], member: str, started: Iterable[str]) -> None:
    """Records that `member` has every call up to the newest of `started` (a finished page)."""
    newest = max((parse_instant(s) for s in started), default=None)
    if newest is None:
        return
    saved = state.get(member)
    if saved is None or parse_instant(saved) < newest:
        state[member] = newest.isoformat()


PERIODS = ("DAY", "WEEK", "MONTH", "QUARTER", "YEAR")
"""Gong's `aggregationPeriod` values: calendar periods of the company's local dates (spec)."""


def period_start(day: date, period: str) -> date:
    """The first day of the calendar period holding `day`; weeks start on Monday (spec:
    "Note: First day of the week is Monday"), quarters in January, April, July, October."""
    if period == "DAY":
        return day
    if period == "WEEK":
        return day - timedelta(days=day.weekday())
    if period == "MONTH":
        return day.replace(day=1)
    if period == "QUARTER":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    if period == "YEAR":
        return day.replace(month=1, day=1)
    raise ValueError(f"unknown period {period!r}")


def next_period_start(day: date, period: str) -> date:
    """The first day of the period after the one holding `day`."""
    first = period_start(day, period)
    if period == "DAY":
        return first + timedelta(days=1)
    if period == "WEEK":
        return first + timedelta(days=7)
    months = {"MONTH": 1, "QUARTER": 3, "YEAR": 12}[period]
    month = first.month - 1 + months
    return first.replace(year=first.year + month // 12, month=month % 12 + 1)


def period_spans(start: date, end: date, period: str) -> list[tuple[date, date]]:
    """The periods covering `[start, end)`, as `[from, to)` pairs: the first starts at
    `start` (aligned by the caller), the last is cut at `end`."""
    spans = []
    day = start
    while day < end:
        following = min(next_period_start(day, period), end)
        spans.append((day, following))
        day = following
    return spans


@dataclass(frozen=True)
class DateWindow:
    """A window of whole days, Gong's stats semantics: from inclusive, to exclusive."""

    start: date
    end: date
    backfill: bool
    resumed: bool = False
    """Whether the start comes from a saved position (not the configured start)."""

    @classmethod
    def plan(
        cls,
        state: MutableMapping[str, Any],
        *,
        start: date,
        end: date | None,
        lookback_days: int,
        today: date,
        period: str = "DAY",
    ) -> DateWindow | None:
        """None when there is nothing to ask for (from == to is a 404 at Gong anyway).

        `toDate` may not be after Gong's today in the company's time zone, which we do not
        know; yesterday in UTC is never after it, whatever the zone. The start is moved back
        to the start of its `period`, so every period is asked for whole.
        """
        ceiling = today - timedelta(days=1)
        if end is not None:
            window = cls(period_start(start, period), min(end, ceiling), backfill=True)
        else:
            saved = state.get("last_date")
            begin = start
            if saved is not None:
                begin = max(start, date.fromisoformat(saved) + timedelta(days=1 - lookback_days))
            resumed = saved is not None
            window = cls(period_start(begin, period), ceiling, backfill=False, resumed=resumed)
        return window if window.start < window.end else None

    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days)]

    def complete(self, state: MutableMapping[str, Any], through: date) -> None:
        """Records that every day up to and including `through` is loaded."""
        if self.backfill:
            return
        saved = state.get("last_date")
        if saved is None or date.fromisoformat(saved) < through:
            state["last_date"] = through.isoformat()


def months(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """Calendar months (UTC) from the one holding `start`, the last cut at `end`.

    Whole months, so a month is the same row whichever run reads it (guess: Gong does
    not say how it cuts coaching periods)."""
    found = []
    month = start.astimezone(timezone.utc).replace(day=1, hour=0, minute=0, second=0,
                                                   microsecond=0)  # fmt: skip
    while month < end:
        following = (month + timedelta(days=32)).replace(day=1)
        found.append((month, min(following, end)))
        month = following
    return found


def utc_today() -> date:
    return datetime.now(timezone.utc).date()
