"""Incremental windows: where a run starts, where it ends, and when progress is saved.

Two rules keep loads complete:

* Gong shows a call only once it has processed it (minutes to a day after it started),
  while its filters work on the start time. A window that starts at the newest start time
  already loaded loses every call processed late, for good. So each run starts
  `lookback` before the saved position; merge on primary keys absorbs the overlap.
* Progress is saved only for work that finished. Gong promises no order for pages of
  calls, so a calls position moves only when a whole sub-window is in
  (`calls_reader.py`), and the transcripts' position only when the transcripts of every
  page of it are in too (`FamilyProgress`); a stats window counts only once all its
  pages are in. A run stopped halfway (daily quota, a crash) therefore resumes where it
  really stopped.

A run with an explicit end is a backfill of a fixed window: its calls positions are its
own, kept under the window (`calls_backfills`, "start/end"), so running it again after a
quota stop continues it; once it is complete they are dropped, and running it again reads
the whole window again (for comments added since).

Stats windows start on a period boundary (`period_start`): Gong's `aggregationPeriod` is a
"Calendar time period" whose weeks start on Monday (spec), so a window that starts
mid-period would come back with a clipped first period under a new `fromDate`, and the
earlier full period's row would never be replaced. Aligned, each period has one row, and
the period still in progress (cut at the window's end) is re-read and replaced, under the
same key, by the run after it completes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, MutableMapping
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


INCREMENTAL_CALLS = "calls_started"
BACKFILL_CALLS = "calls_backfills"


def backfill_key(start: datetime, end: datetime) -> str:
    return f"{gong_datetime(start)}/{gong_datetime(end)}"


def calls_positions(
    source_state: MutableMapping[str, Any], start: datetime, end: datetime | None
) -> dict[str, Any]:
    """The saved positions of this run's calls family: the incremental ones, or a
    backfill window's own."""
    if end is None:
        found: dict[str, Any] = source_state.setdefault(INCREMENTAL_CALLS, {})
        return found
    backfills: dict[str, Any] = source_state.setdefault(BACKFILL_CALLS, {})
    window: dict[str, Any] = backfills.setdefault(backfill_key(start, end), {})
    return window


def forget_finished_backfill(
    source_state: MutableMapping[str, Any], start: datetime, end: datetime, members: Iterable[str]
) -> bool:
    """Drops a backfill window's positions once every member has the whole window."""
    backfills = source_state.get(BACKFILL_CALLS) or {}
    key = backfill_key(start, end)
    saved = backfills.get(key, {})
    if all(m in saved and parse_instant(saved[m]) >= end for m in members):
        backfills.pop(key, None)
        return True
    return False


@dataclass(frozen=True)
class CallsWindow:
    """The start-time window of one run of the calls family (calls and their transcripts)."""

    start: datetime
    end: datetime | None
    backfill: bool

    @classmethod
    def plan(
        cls,
        positions: MutableMapping[str, Any],
        members: Iterable[str],
        *,
        start: datetime,
        end: datetime | None,
        lookback: timedelta,
    ) -> CallsWindow:
        """Starts at the least advanced member's position (minus the lookback for an
        incremental run; a backfill resumes exactly where it stopped).

        A member that never ran starts at `start`, so adding transcripts to a pipeline that
        already loads calls backfills the transcripts rather than skipping them.
        """
        back = lookback if end is None else timedelta(0)
        found = []
        for member in members:
            saved = positions.get(member)
            found.append(start if saved is None else parse_instant(saved) - back)
        begin = max(start, min(found)) if found else start
        return cls(begin, end, backfill=end is not None)

    @property
    def empty(self) -> bool:
        return self.end is not None and self.start >= self.end


def advance(state: MutableMapping[str, Any], key: str, seen: Iterable[str]) -> None:
    """Records that `key` has everything up to the newest of `seen` (a whole series read)."""
    newest = max((parse_instant(s) for s in seen), default=None)
    if newest is not None:
        advance_to(state, key, newest)


def advance_to(positions: MutableMapping[str, Any], member: str, position: datetime) -> None:
    """Records that `member` has every call whose filter time is before `position`."""
    saved = positions.get(member)
    if saved is None or parse_instant(saved) < position:
        positions[member] = position.isoformat()


class FamilyProgress:
    """When calls and transcripts may save a position, in one load.

    The calls resource reports each page it hands on (`page`) and each sub-window it
    finished (`done`); the transcripts resource reports each page whose transcripts are in
    (`transcribed`), in whatever order dlt runs it. Calls' position moves at `done`; the
    transcripts' position moves to a sub-window's end once every page handed on up to
    that sub-window's end is transcribed.
    """

    def __init__(
        self,
        positions: MutableMapping[str, Any],
        members: Iterable[str],
        on_complete: Callable[[datetime], None] | None = None,
        *,
        parent: str = "calls",
    ) -> None:
        self.positions = positions
        self.members = tuple(members)
        self.parent = parent
        """The member that reads the pages; the others ride on them (transcripts)."""
        self.on_complete = on_complete
        """Called with the family's position each time every member moved (a backfill
        drops its positions once they reach its end)."""
        self._handed = 0
        self._seq_of: dict[tuple[str, ...], list[int]] = {}
        self._marked: dict[str, set[int]] = {}
        self._lowest_pending: dict[str, int] = {}
        self._next_end: dict[str, int] = {}
        self._riders: dict[str, tuple[str, ...]] = {}
        self._ends: list[tuple[int, datetime]] = []
        self._start = self.family_position()

    def family_position(self) -> datetime | None:
        """The least advanced member's position (None while one has none)."""
        saved = [self.positions.get(m) for m in self.members]
        if not saved or any(s is None for s in saved):
            return None
        return min(parse_instant(s) for s in saved if s is not None)

    @property
    def moved(self) -> bool:
        """Whether this load moved every member of the family forward."""
        now = self.family_position()
        return now is not None and (self._start is None or now > self._start)

    def page(self, ids: Iterable[str]) -> None:
        self._seq_of.setdefault(tuple(ids), []).append(self._handed)
        self._handed += 1

    def done(self, position: datetime | None) -> None:
        if position is None:
            return
        if self.parent in self.members:
            advance_to(self.positions, self.parent, position)
        self._ends.append((self._handed, position))
        for names in list(self._next_end):
            self._advance(names)
        self._tell()

    def transcribed(self, ids: Iterable[str], names: Iterable[str] = ("call_transcripts",)) -> None:
        """The page of calls `ids` is done for the per-page table `names[0]` (and the
        tables built from its rows, the rest of `names`)."""
        names = tuple(n for n in names if n in self.members)
        if not names:
            return
        key = names[0]
        marked = self._marked.setdefault(key, set())
        self._lowest_pending.setdefault(key, 0)
        self._next_end.setdefault(key, 0)
        self._riders[key] = names
        seq = next((n for n in self._seq_of.get(tuple(ids), []) if n not in marked), None)
        if seq is None:
            return
        marked.add(seq)
        while self._lowest_pending[key] in marked:
            self._lowest_pending[key] += 1
        self._advance(key)
        self._tell()

    def _advance(self, key: str) -> None:
        while self._next_end[key] < len(self._ends):
            handed, position = self._ends[self._next_end[key]]
            if handed > self._lowest_pending[key]:
                return
            self._next_end[key] += 1
            for name in self._riders[key]:
                advance_to(self.positions, name, position)

    def _tell(self) -> None:
        reached = self.family_position()
        if self.on_complete is not None and reached is not None:
            self.on_complete(reached)


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
