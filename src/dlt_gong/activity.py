"""Which days can have stats, found cheaply before the stats themselves are asked for.

Interaction stats have no period parameter in Gong, so a row per user and day costs a
request per day: a load from 2000-01-01 would spend 26 years of requests on a company
whose data covers weeks. Gong's aggregate-by-period counts every activity on calls per
user and period (hosting, attending, listening, commenting, feedback, scorecards, sharing;
spec) for any window at one request per 100 active users, so it is asked first:

* a window longer than a year is first asked by YEAR, and the day map starts at the first
  year with activity: a far-back start costs one request, not a day map of decades;
* then by DAY, at most a year per request: which days had activity, and whose.

What the stats tables do with it:

* every stats window starts at the company's first activity (`Activity.first`, aligned to
  the table's period), and aggregate-by-period and day-by-day are not asked at all when
  there was none: both count the same activities the map is made of (spec);
* interaction stats are asked period by period only where there was activity. That
  interaction stats exist only on days with activity is a guess (spec: they are "based on
  calls", each of which gives its host a `callsAsHost` that day, but Gong does not say by
  which date a call is counted), so a run of quiet periods is not skipped: it is asked
  once, as one window (`Ask.gap`), and only if Gong has stats there is it split in halves
  down to single periods. A wrong guess therefore costs a few requests
  (1 + 2 log2 of the run's length per period with stats), never a row.

When the key may not read aggregate-by-period (a missing scope), nothing is assumed:
every period is asked.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from dlt_gong import endpoints as ep
from dlt_gong.client import GongClient
from dlt_gong.counts import pages
from dlt_gong.errors import GongAuthError
from dlt_gong.options import LoadOptions
from dlt_gong.plan import ACTIVITY_PROBE
from dlt_gong.rows import local_date
from dlt_gong.tables import STATS_KINDS, TABLES, Table
from dlt_gong.windows import DateWindow, period_spans, period_start

logger = logging.getLogger("dlt_gong")

DAY_MAP_DAYS = 366
"""The longest window asked by DAY in one go (a longer one is asked by YEAR first)."""

COUNT_KEYS = ("fromDate", "toDate")


def stats_filter(options: LoadOptions, start: date, end: date) -> dict[str, Any]:
    """The `filter` of every stats request: company-time-zone dates, from inclusive."""
    found: dict[str, Any] = {"fromDate": start.isoformat(), "toDate": end.isoformat()}
    if options.user_ids:
        found["userIds"] = list(options.user_ids)
    return found


@dataclass(frozen=True)
class Activity:
    """Who had activity on which day of `[start, end)`, by Gong's aggregate-by-period."""

    start: date
    end: date
    days: dict[date, frozenset[str]]
    """Each day with any activity, and the users who had it."""

    @property
    def first(self) -> date | None:
        """The company's first day with activity in the window (None: there was none)."""
        return min(self.days) if self.days else None

    def users(self, start: date, end: date) -> frozenset[str]:
        """The users with activity in `[start, end)`."""
        found: set[str] = set()
        for offset in range((end - start).days):
            found |= self.days.get(start + timedelta(days=offset), frozenset())
        return frozenset(found)


@dataclass(frozen=True)
class Ask:
    """One interaction-stats request of a load: a period, or a run of quiet periods."""

    start: date
    end: date
    gap: bool
    """No activity was seen here: asked as one window, split only if Gong has stats."""


_PROBES: weakref.WeakKeyDictionary[GongClient, ActivityProbe] = weakref.WeakKeyDictionary()


def interaction_asks(start: date, end: date, period: str, activity: Activity | None) -> list[Ask]:
    """The requests for interaction stats over `[start, end)` (`start` period-aligned)."""
    asks: list[Ask] = []
    for first, following in period_spans(start, end, period):
        if activity is None or activity.users(first, following):
            asks.append(Ask(first, following, gap=False))
        elif asks and asks[-1].gap:
            asks[-1] = Ask(asks[-1].start, following, gap=True)
        else:
            asks.append(Ask(first, following, gap=True))
    return asks


def table_period(table: Table, options: LoadOptions) -> str:
    """The period of a stats table's rows: the option its catalogue row names, or a day."""
    if table.period is None:
        return "DAY"
    period: str = getattr(options, table.period)
    return period


def first_data_day(activity: Activity | None, start: date, period: str = "DAY") -> date | None:
    """Where a window that would start at `start` really starts: the period of the first
    activity, if later. None means there is no activity at all: nothing to ask for.
    Without an activity map (a missing scope), `start` itself."""
    if activity is None:
        return start
    if activity.first is None:
        return None
    return max(start, period_start(activity.first, period))


class ActivityProbe:
    """Asks aggregate-by-period once per window and remembers the answer, so the stats
    tables of one load (and `--plan`) share it."""

    def __init__(self, client: GongClient, options: LoadOptions) -> None:
        self.client = client
        self.options = options
        self._known: dict[tuple[date, date], Activity | None] = {}
        self.spent: dict[tuple[date, date], int] = {}
        """Requests each window's probe cost."""

    @classmethod
    def of(cls, client: GongClient, options: LoadOptions) -> ActivityProbe:
        """The probe of the load that talks through `client`: one per load, so its stats
        tables (and the calls window, see `first_activity`) share its answers."""
        if client not in _PROBES:
            _PROBES[client] = cls(client, options)
        return _PROBES[client]

    def first_activity(self, end: date) -> date | None:
        """The company's first day with activity before `end`, from the configured start
        (None: none at all; the configured start when it cannot be told). Every stat counts
        an action on a call, none of which comes before the call (spec), so no call starts
        on an earlier day in the company's time zone: a calls window may start the day
        before it (whatever the time zone) and lose nothing."""
        return first_data_day(self(self.first_run_start(), end), self.options.start_date)

    def __call__(self, start: date, end: date) -> Activity | None:
        key = (start, end)
        if key not in self._known:
            before = self.client.requests_sent
            self._known[key] = self._ask(start, end)
            self.spent[key] = self.client.requests_sent - before
        return self._known[key]

    def first_run_start(self) -> date:
        """The window a first run's probe covers starts here: the configured start, moved
        back to the start of the longest period any stats table aligns to, so that one
        probe serves every stats table of the load."""
        periods = {table_period(t, self.options) for t in TABLES if t.kind in STATS_KINDS}
        return min(period_start(self.options.start_date, p) for p in periods | {"DAY"})

    def _ask(self, start: date, end: date) -> Activity | None:
        try:
            begin = start
            if (end - start).days > DAY_MAP_DAYS:
                years = self._active(start, end, "YEAR")
                if not years:
                    return Activity(start, end, {})
                begin = max(start, min(years))
            days: dict[date, frozenset[str]] = {}
            while begin < end:
                chunk_end = min(end, begin + timedelta(days=DAY_MAP_DAYS))
                days.update(self._active(begin, chunk_end, "DAY"))
                begin = chunk_end
            return Activity(start, end, days)
        except GongAuthError as exc:
            logger.warning(
                "cannot tell the days with activity (%s): asking interaction stats for every day",
                exc,
            )
            return None

    def _active(self, start: date, end: date, period: str) -> dict[date, frozenset[str]]:
        body = {"filter": stats_filter(self.options, start, end), "aggregationPeriod": period}
        found: dict[date, set[str]] = {}
        for items in self.client.items(ep.ACTIVITY_AGGREGATE_BY_PERIOD, body=body):
            for user, first in _active_periods(items):
                found.setdefault(first, set()).add(user)
        return {day: frozenset(users) for day, users in found.items()}


def _active_periods(items: list[dict[str, Any]]) -> Iterator[tuple[str, date]]:
    """(user, first day of the period) for each period with any count above zero."""
    for user in items:
        for period in user.get("userAggregateActivity") or []:
            counts = (v for k, v in period.items() if k not in COUNT_KEYS)
            if any(isinstance(v, (int, float)) and v > 0 for v in counts):
                yield str(user.get("userId")), local_date(period["fromDate"])


def planned_requests(
    probe: ActivityProbe, states: Mapping[str, Mapping[str, Any]], users: int
) -> dict[str, int]:
    """The requests the stats tables of a load will spend, walking the same windows, probe
    and asks as the source (`source._stats`, `source._interaction_stats`), for `--plan`.

    `states` holds each stats table's saved position (empty on a first run). The probe's
    requests are the run's own when the run makes the same probe, so they are counted;
    a resumed aggregate window is looked at only to count its users. Interaction stats
    are counted as one request per 100 users with activity in each period asked (a user
    with activity may have no interaction stats: an upper bound), and quiet runs as one
    request each (their split, if Gong has stats there, cannot be known in advance).
    Without the probe's answer (a missing scope) every user counts as active.
    """
    options = probe.options
    planned: dict[str, int] = {}
    probes: set[tuple[date, date]] = set()
    for table in TABLES:
        if table.name not in options.tables or table.kind not in STATS_KINDS:
            continue
        per_period = table.kind == "stats_per_period"
        period = table_period(table, options)
        window = DateWindow.plan(
            dict(states.get(table.name) or {}),
            start=options.start_date,
            end=options.end_date,
            lookback_days=options.stats_lookback_days,
            today=options.today,
            period=period,
        )
        if window is None:
            planned[table.name] = 0
            continue
        key = (probe.first_run_start(), window.end)
        if window.resumed:
            key = (window.start, window.end)
        activity = probe(*key)
        if per_period or not window.resumed:
            probes.add(key)

        def active(start: date, end: date, found: Activity | None = activity) -> int:
            return users if found is None else len(found.users(start, end))

        if per_period:
            asks = interaction_asks(window.start, window.end, period, activity)
            planned[table.name] = sum(1 if a.gap else pages(active(a.start, a.end)) for a in asks)
        else:
            first: date | None = window.start
            if not window.resumed:
                first = first_data_day(activity, window.start, period)
            asked = first is not None and first < window.end
            planned[table.name] = pages(active(first, window.end)) if first and asked else 0
    if probes:
        planned[ACTIVITY_PROBE] = sum(probe.spent.get(k, 0) for k in probes)
    return planned
